import { describe, expect, it } from 'vitest';
import { FrameBuffer, TOO_LONG } from '../../shared/protocol/frames.ts';

type Frame = string | typeof TOO_LONG;

/** Feeds `input` in the given pieces and takes every whole line. */
function lines(pieces: Buffer[], maxLine = 64): Frame[] {
  const frames = new FrameBuffer(maxLine);
  const out: Frame[] = [];
  for (const piece of pieces) {
    frames.push(piece);
    for (let line = frames.takeLine(); line !== null; line = frames.takeLine()) {
      out.push(line === TOO_LONG ? TOO_LONG : line.toString('utf8'));
    }
  }
  return out;
}

const byteByByte = (s: string) => [...Buffer.from(s)].map((b) => Buffer.from([b]));

describe('FrameBuffer lines', () => {
  const cases: [string, string, Frame[]][] = [
    ['LF endings', 'ls_b\nhelp\n', ['ls_b', 'help']],
    ['CRLF endings', 'ls_b\r\nhelp\r\n', ['ls_b', 'help']],
    ['an unfinished line waits', 'ls_b\nhel', ['ls_b']],
    ['empty lines', '\n\r\n', ['', '']],
    ['a bare CR inside a line is kept', 'a\rb\n', ['a\rb']],
  ];
  for (const [name, input, expected] of cases) {
    it(`${name}, in one chunk and byte by byte`, () => {
      expect(lines([Buffer.from(input)])).toEqual(expected);
      expect(lines(byteByByte(input))).toEqual(expected);
    });
  }

  it('reports an overlong line once and skips the rest of it, in one chunk and byte by byte', () => {
    const input = `${'x'.repeat(200)}\nok\n`;
    expect(lines([Buffer.from(input)])).toEqual([TOO_LONG, 'ok']);
    expect(lines(byteByByte(input))).toEqual([TOO_LONG, 'ok']);
  });

  it('holds no more than about one line of an endless line without a newline', () => {
    const frames = new FrameBuffer(64);
    let tooLong = 0;
    for (let i = 0; i < 1000; i++) {
      frames.push(Buffer.alloc(1000, 0x61));
      if (frames.takeLine() === TOO_LONG) tooLong++;
      expect(frames.size).toBeLessThanOrEqual(1000);
    }
    expect(tooLong).toBe(1);
    frames.push(Buffer.from('\nnext\n'));
    expect(frames.takeLine()?.toString()).toBe('next');
  });

  it('a line of exactly the maximum length with CRLF is accepted', () => {
    expect(lines([Buffer.from(`${'y'.repeat(64)}\r\n`)])).toEqual(['y'.repeat(64)]);
    expect(lines(byteByByte(`${'y'.repeat(64)}\r\n`))).toEqual(['y'.repeat(64)]);
  });
});

describe('FrameBuffer bytes', () => {
  it('hands out exactly the announced bytes after a line, then lines again', () => {
    const frames = new FrameBuffer(64);
    frames.push(Buffer.from('put a b 5\nhel'));
    frames.push(Buffer.from('lols_b\n'));
    expect(frames.takeLine()?.toString()).toBe('put a b 5');
    const body: Buffer[] = [];
    let left = 5;
    while (left > 0) {
      const piece = frames.takeBytes(left)!;
      body.push(piece);
      left -= piece.length;
    }
    expect(Buffer.concat(body).toString()).toBe('hello');
    expect(frames.takeLine()?.toString()).toBe('ls_b');
    expect(frames.takeBytes(10)).toBeNull();
  });

  it('gives views of the pushed chunk rather than copies', () => {
    const frames = new FrameBuffer(64);
    const chunk = Buffer.from('abcdef');
    frames.push(chunk);
    const piece = frames.takeBytes(3)!;
    expect(piece.buffer).toBe(chunk.buffer);
    expect(piece.toString()).toBe('abc');
  });
});
