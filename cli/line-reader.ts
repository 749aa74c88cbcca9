import type { Interface } from 'node:readline';
import type { Prompter } from './prompt.ts';

/**
 * Lines from a readline interface, one at a time, for the shell's commands and
 * its questions alike. Lines typed (or piped) ahead wait in order; prompts are
 * shown only to a person, not to a script.
 */
export class LineReader implements Prompter {
  readonly #queued: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;
  #ended = false;

  constructor(
    readonly rl: Interface,
    readonly interactive: boolean,
  ) {
    rl.on('line', (line) => {
      if (this.#waiting) this.#take(line);
      else this.#queued.push(line);
    });
    rl.on('close', () => {
      this.#ended = true;
      this.#take(undefined);
    });
  }

  /** The next line, or undefined once input has ended. */
  ask(prompt: string): Promise<string | undefined> {
    const queued = this.#queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended) return Promise.resolve(undefined);
    if (this.interactive) {
      this.rl.setPrompt(prompt);
      this.rl.prompt();
    }
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  /** Ctrl-C: drops what was typed so far. */
  erase(): void {
    if (!this.interactive) return;
    this.rl.write(null, { ctrl: true, name: 'e' });
    this.rl.write(null, { ctrl: true, name: 'u' });
    process.stdout.write('^C\n');
  }

  /** Answers a question being asked as though input had ended, so the command asking gives up. */
  dropQuestion(): void {
    this.#take(undefined);
  }

  #take(line: string | undefined): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(line);
  }
}
