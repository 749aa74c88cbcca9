import type { CommandContext } from '../commands/command.ts';
import type { Progress } from '../progress.ts';

/**
 * One bar for a whole tree: the bytes of every file under way or done
 * against the bytes of the job, and the files done against its files in the
 * label (`mirror 12/340 files`). Transfers side by side each report their
 * own count; a failed one takes its bytes back out.
 */
export class TreeProgress {
  readonly #bar: Progress;
  #files = 0;
  #bytes = 0;

  constructor(context: CommandContext, verb: string, readonly totalFiles: number, totalBytes: number) {
    this.#bar = context.progress(() => `${verb} ${this.#files}/${this.totalFiles} files`, totalBytes);
  }

  /** A counter for one file's bytes, and what to call when it ends. */
  file(): { bytes: (sent: number) => void; done: (ok: boolean) => void } {
    let counted = 0;
    return {
      bytes: (sent) => {
        this.#bytes += sent - counted;
        counted = sent;
        this.#bar.update(this.#bytes);
      },
      done: (ok) => {
        if (!ok) this.#bytes -= counted;
        this.#files++;
        this.#bar.update(this.#bytes);
      },
    };
  }

  /** Clears the bar's line (it is drawn again at the next update). */
  clear(): void {
    this.#bar.finish();
  }
}
