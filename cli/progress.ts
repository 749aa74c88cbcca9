import { formatBytes, formatDuration } from './format.ts';

/** Where a bar is drawn: standard error, or a stand-in in tests. */
export interface Terminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface Progress {
  update(done: number): void;
  finish(): void;
}

/** Redrawing more often than this only costs time. */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** Draws nothing, for output that is not a terminal. */
export const NO_PROGRESS: Progress = { update() {}, finish() {} };

export function progressOn(terminal: Terminal, label: string, total: number | undefined, now = () => performance.now()): Progress {
  return terminal.isTTY ? new ProgressBar(terminal, label, total, now) : NO_PROGRESS;
}

/** One line on a terminal, redrawn in place: bar, bytes, rate, time left. */
class ProgressBar implements Progress {
  readonly #started: number;
  #drawn = -Infinity;
  #done = 0;

  constructor(
    readonly terminal: Terminal,
    readonly label: string,
    readonly total: number | undefined,
    readonly now: () => number,
  ) {
    this.#started = now();
  }

  update(done: number): void {
    this.#done = done;
    const at = this.now();
    if (at - this.#drawn < REDRAW_MS) return;
    this.#drawn = at;
    this.#draw(at);
  }

  finish(): void {
    this.terminal.write('\r\x1b[K');
  }

  #draw(at: number): void {
    const line = renderProgress(this.label, this.#done, this.total, (at - this.#started) / 1000);
    const width = (this.terminal.columns || 80) - 1; // a terminal of unknown size says 0
    this.terminal.write(`\r\x1b[K${line.length > width ? line.slice(0, width) : line}`);
  }
}

/** `put a.bin [########----------------]  33%  1.0 MiB / 3.0 MiB  512 KiB/s  0:04 left` */
export function renderProgress(label: string, done: number, total: number | undefined, elapsedSeconds: number): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const speed = `${formatBytes(Math.round(rate))}/s`;
  if (total === undefined) return `${label}  ${formatBytes(done)}  ${speed}`;
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const left = rate > 0 ? `${formatDuration((total - done) / rate)} left` : '--:-- left';
  return `${label} ${bar} ${percent}  ${formatBytes(done)} / ${formatBytes(total)}  ${speed}  ${left}`;
}
