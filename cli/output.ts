import type { Writable } from 'node:stream';
import { failureLine, type FailureReport } from './errors.ts';

/**
 * Where a command's results go. People get lines on standard output; with
 * --json, scripts get one JSON document per result instead. When standard
 * output carries a file's bytes (`get … -`), results move to standard error
 * so the bytes stay clean.
 */
export class Output {
  #results: Writable;

  constructor(
    readonly json: boolean,
    readonly stdout: Writable,
    readonly stderr: Writable,
  ) {
    this.#results = stdout;
  }

  withJson(): Output {
    return new Output(true, this.stdout, this.stderr);
  }

  /** Standard output now carries a body; results go to standard error. */
  yieldStdout(): void {
    this.#results = this.stderr;
  }

  /** A command's result; `ok: false` when some of its work failed and each failure is in `data`. */
  report(data: Record<string, unknown>, lines: readonly string[], { ok } = { ok: true }): void {
    if (this.json) this.#results.write(`${JSON.stringify({ ok, ...data })}\n`);
    else for (const line of lines) this.#results.write(`${line}\n`);
  }

  /** A line for people as work goes on; --json output carries it in the final report instead. */
  line(text: string): void {
    if (!this.json) this.#results.write(`${text}\n`);
  }

  failure(report: FailureReport): void {
    if (this.json) this.#results.write(`${JSON.stringify({ ok: false, error: report })}\n`);
    else this.stderr.write(`pail: ${failureLine(report)}\n`);
  }

  /** A remark for people only (never in --json output), on standard error. */
  note(line: string): void {
    if (!this.json) this.stderr.write(`${line}\n`);
  }
}
