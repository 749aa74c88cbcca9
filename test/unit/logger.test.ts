import { describe, expect, it } from 'vitest';
import { createLogger, readableLine } from '../../shared/log/logger.ts';

function capture(isTTY: boolean): { output: { isTTY: boolean; write(text: string): void }; text: () => string } {
  let text = '';
  return { output: { isTTY, write: (chunk: string) => void (text += chunk) }, text: () => text };
}

describe('the servers’ logger', () => {
  it('writes one readable line per event to a terminal', async () => {
    const { output, text } = capture(true);
    const log = createLogger('info', output);
    log.info({ address: '127.0.0.1', port: 8080 }, 'gateway listening');
    log.warn({ err: new Error('disk full\nsecond line') }, 'cannot write a record');
    log.error({ err: new Error('boom') }, 'command failed unexpectedly');
    log.debug('not shown at info');
    await new Promise((resolve) => setImmediate(resolve));
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}gateway listening address=127\.0\.0\.1 port=8080$/);
    // A warning names its error's message; only an error level carries the stack, still on one line.
    expect(lines[1]).toMatch(/ WARN {2}cannot write a record err="disk full\\nsecond line"$/);
    expect(lines[2]).toMatch(/ ERROR command failed unexpectedly err="Error: boom\\n {4}at /);
  });

  it('writes pino JSON anywhere else', async () => {
    const { output, text } = capture(false);
    createLogger('info', output).info({ port: 7070 }, 'bucket server listening');
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(text())).toMatchObject({ level: 30, msg: 'bucket server listening', port: 7070 });
  });

  it('quotes values that would break a line into fields, and passes a line that is not JSON through', () => {
    expect(readableLine(JSON.stringify({ level: 30, time: 0, msg: 'uploaded', name: 'a b.txt', size: 3 }))).toBe('00:00:00.000 INFO  uploaded name="a b.txt" size=3');
    expect(readableLine('plain text')).toBe('plain text');
  });
});
