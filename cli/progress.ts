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
/** A bar narrower than this says too little to be worth its room. */
const MIN_BAR = 10;
const MAX_BAR = 40;
/** When the terminal does not say its width (it says 0). */
const DEFAULT_COLUMNS = 80;

/** Draws nothing, for output that is not a terminal. */
export const NO_PROGRESS: Progress = { update() {}, finish() {} };

/** A bar's label: fixed, or read at each drawing (a tree's `3/40 files`). */
export type ProgressLabel = string | (() => string);

export function progressOn(terminal: Terminal, label: ProgressLabel, total: number | undefined, now = () => performance.now()): Progress {
  return terminal.isTTY ? new ProgressBar(terminal, label, total, now) : NO_PROGRESS;
}

/** One line on a terminal, redrawn in place and fitted to its width at each drawing (the width changes when it is resized). */
class ProgressBar implements Progress {
  readonly #started: number;
  #drawn = -Infinity;
  #done = 0;

  constructor(
    readonly terminal: Terminal,
    readonly label: ProgressLabel,
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

  /** Clears the line, so that whatever is printed next starts on a clean one. */
  finish(): void {
    this.terminal.write('\r\x1b[K');
  }

  #draw(at: number): void {
    // One column short of the width: a line that fills the last column wraps on some terminals.
    const width = (this.terminal.columns || DEFAULT_COLUMNS) - 1;
    const label = typeof this.label === 'string' ? this.label : this.label();
    this.terminal.write(`\r\x1b[K${renderProgress(label, this.#done, this.total, (at - this.#started) / 1000, width)}`);
  }
}

/**
 * `put a.bin [########----------------]  33%  1.0 MiB / 3.0 MiB  512 KiB/s  0:04 left`,
 * fitted into `width` columns: the bar takes the room left over (up to
 * MAX_BAR), and when there is too little, goes first; then the byte counts,
 * then the rate; the label is shortened last. The time left always stays.
 */
export function renderProgress(label: string, done: number, total: number | undefined, elapsedSeconds: number, width = 120): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const speed = `${formatBytes(Math.round(rate))}/s`;
  if (total === undefined) return fit(label, [[formatBytes(done), speed], [formatBytes(done)], []], width, undefined);
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const left = rate > 0 ? `${formatDuration((total - done) / rate)} left` : '--:-- left';
  const bytes = `${formatBytes(done)} / ${formatBytes(total)}`;
  return fit(label, [[percent, bytes, speed, left], [percent, speed, left], [percent, left], [left]], width, fraction);
}

/**
 * The bar with every field when a bar of at least MIN_BAR fits; else the
 * first choice of fields that fits beside the label; failing all, the last
 * choice with the label shortened further.
 */
function fit(fullLabel: string, choices: readonly (readonly string[])[], width: number, fraction: number | undefined): string {
  const join = (head: string, fields: readonly string[]) => (fields.length ? `${head}  ${fields.join('  ')}` : head);
  const shorten = (text: string, room: number) => (text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text);
  // A long name takes at most half the line, so that the numbers keep their room.
  const label = shorten(fullLabel, Math.floor(width / 2));
  const all = join(label, choices[0]);
  const barWidth = Math.min(MAX_BAR, width - all.length - 2);
  if (fraction !== undefined && barWidth >= MIN_BAR) return `${label} ${bar(fraction, barWidth)} ${choices[0].join('  ')}`;
  const fitting = choices.map((fields) => join(label, fields)).find((line) => line.length <= width);
  if (fitting !== undefined) return fitting;
  const last = choices.at(-1)!;
  return join(shorten(label, width - join('', last).length), last);
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
