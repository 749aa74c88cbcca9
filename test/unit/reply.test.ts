import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { announced, formatFailure, formatStatus, parseStatus, ReplyFormatError } from '../../shared/protocol/reply.ts';
import { formatBucketRow, formatEvent, formatFileRow, parseBucketRow, parseEvent, parseFileRow } from '../../shared/protocol/rows.ts';
import type { FileInfo, PailEvent } from '../../shared/protocol/types.ts';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('status lines', () => {
  it('format and parse a success with its fields and text', () => {
    const line = formatStatus('FUTB', [5, SHA, '2026-01-01T00:00:00.000Z'], 'stored photos/a');
    expect(line).toBe(`700 FUTB 5 ${SHA} 2026-01-01T00:00:00.000Z stored photos/a`);
    const status = parseStatus(line);
    expect(status.code).toBe(Code.FUTB);
    expect(status.fields).toEqual({ size: '5', sha256: SHA, modified: '2026-01-01T00:00:00.000Z' });
    expect(status.text).toBe('stored photos/a');
  });

  it('format and parse a failure with its reason word', () => {
    const status = parseStatus(formatFailure('FUTF', Reason.exists, 'a file named "x"\nexists'));
    expect([status.code, status.mnemonic, status.reason]).toEqual([Code.FUTF, 'FUTF', Reason.exists]);
    expect(status.text).toBe('a file named "x" exists');
  });

  it('announce rows and bytes', () => {
    expect(announced(parseStatus(formatStatus('BLS', [3])))).toBe(3);
    expect(announced(parseStatus(formatStatus('FDFBS', [10, SHA, 0, 10, 'now'])))).toBe(10);
    expect(announced(parseStatus(formatStatus('BCS', ['photos'])))).toBe(0);
  });

  it('refuse what is not a status line', () => {
    expect(() => parseStatus('hello')).toThrow(ReplyFormatError);
    expect(() => parseStatus('700 FUTB 5')).toThrow(ReplyFormatError);
    expect(() => formatStatus('BLS', [])).toThrow(ReplyFormatError);
  });

  it('quote names in fields so they survive spaces (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1 }), (name) => {
        expect(parseStatus(formatStatus('FDS', ['photos', name])).fields.name).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('rows and events', () => {
  const file: FileInfo = { bucket: 'photos', name: 'my "cat".jpg', size: 12, modified: '2026-01-01T00:00:00.000Z', sha256: SHA };

  it('round-trip bucket and file rows', () => {
    const bucket = { name: 'photos', files: 2, bytes: 30, created: '2026-01-01T00:00:00.000Z' };
    expect(parseBucketRow(formatBucketRow(bucket))).toEqual(bucket);
    expect(parseFileRow(formatFileRow(file))).toEqual(file);
  });

  it('round-trip every kind of event', () => {
    const events: PailEvent[] = [
      { kind: 'bucket-created', bucket: 'photos' },
      { kind: 'bucket-deleted', bucket: 'photos' },
      { kind: 'file-uploaded', bucket: 'photos', file },
      { kind: 'file-deleted', bucket: 'photos', name: 'a b' },
    ];
    for (const event of events) {
      const status = parseStatus(formatEvent(event));
      expect(status.code).toBe(Code.EVENT);
      expect(parseEvent(status)).toEqual(event);
    }
  });
});
