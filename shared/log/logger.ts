import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** The output a logger writes to: a terminal gets lines for people, anything else JSON for machines. */
export interface LogOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every pino line has, or that the line's head already shows. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v']);
const ERROR_LEVEL = 50;

/**
 * The logger of Pail's servers. Written to a terminal, each event is one line
 * a person can read (`12:00:01.234 INFO  gateway listening address=127.0.0.1
 * port=8080`); written anywhere else, it stays pino's JSON, one object a line,
 * for log collectors.
 */
export function createLogger(level: string, output: LogOutput = process.stdout): Logger {
  if (!output.isTTY) return pino({ level }, { write: (line: string) => output.write(line) });
  const lines = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) output.write(`${readableLine(line)}\n`);
      done();
    },
  });
  return pino({ level }, lines);
}

/** One JSON log line as a line of text: time, level, message, then the other fields as key=value. */
export function readableLine(json: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = typeof event.level === 'number' ? event.level : 30;
  const time = typeof event.time === 'number' ? new Date(event.time).toISOString().slice(11, 23) : '';
  const parts = [time, (LEVEL_NAMES[level] ?? String(level)).padEnd(5), typeof event.msg === 'string' ? event.msg : JSON.stringify(event.msg ?? '')];
  for (const [key, value] of Object.entries(event)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    parts.push(`${key}=${fieldText(key, value, level)}`);
  }
  return parts.filter(Boolean).join(' ');
}

function fieldText(key: string, value: unknown, level: number): string {
  if (key === 'err' && typeof value === 'object' && value !== null) {
    const err = value as { message?: string; stack?: string };
    // A stack only where something is wrong with Pail; elsewhere the message says enough.
    if (level >= ERROR_LEVEL && err.stack) return JSON.stringify(err.stack);
    return JSON.stringify(err.message ?? '');
  }
  if (typeof value === 'string') return /^[\w.:/@+-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
