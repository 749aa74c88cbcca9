import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code, CODE_TABLE, FAILURE_OFFSET } from '../../shared/protocol/codes.ts';
import { CHUNKED, COMMANDS, findCommand, type CommandName } from '../../shared/protocol/commands.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { formatRequest, parseRequest, type Request, type RequestOf } from '../../shared/protocol/request.ts';

/** The request a line parses to, which must be one of `command`. */
function ok<N extends CommandName>(line: string, command: N): RequestOf<N> {
  const result = parseRequest(line);
  if (!result.ok) throw new Error(`expected ${line} to parse: ${result.problem.message}`);
  const { request } = result;
  if (!isRequestOf(request, command)) throw new Error(`expected ${line} to be ${command}, not ${request.command}`);
  return request;
}

function isRequestOf<N extends CommandName>(request: Request, command: N): request is Request & RequestOf<N> {
  return request.command === command;
}

function problem(line: string) {
  const result = parseRequest(line);
  if (result.ok) throw new Error(`expected ${line} to be refused`);
  return result.problem;
}

describe('the command table', () => {
  it('gives every operation a failure code of success + 50, as the founding table does', () => {
    for (const c of COMMANDS.filter((c) => c.success >= Code.BCS)) {
      expect(c.failure - c.success, c.name).toBe(FAILURE_OFFSET);
    }
  });

  it('finds every command by its name and every alias, in any case', () => {
    for (const c of COMMANDS) {
      for (const word of [c.name, ...c.aliases]) {
        expect(findCommand(word)?.name).toBe(c.name);
        expect(findCommand(word.toUpperCase())?.name).toBe(c.name);
      }
    }
  });

  it('lets no two commands share a word', () => {
    const words = COMMANDS.flatMap((c) => [c.name, ...c.aliases].map((w) => w.toLowerCase()));
    const distinct = new Set(COMMANDS.flatMap((c) => [...new Set([c.name, ...c.aliases].map((w) => w.toLowerCase()))]));
    expect(distinct.size).toBe(new Set(words).size);
  });

  it('uses only codes of the code table', () => {
    const codes = new Set<number>(CODE_TABLE.map((c) => c.code));
    for (const c of COMMANDS) {
      expect(codes.has(c.success)).toBe(true);
      expect(codes.has(c.failure)).toBe(true);
    }
  });
});

describe('parseRequest', () => {
  it('reads the arguments of each kind', () => {
    const put = ok('UPLOAD photos "my cat.jpg" 1024 overwrite', 'upload_f');
    expect([put.command, put.spec.name]).toEqual(['upload_f', 'upload_f']);
    expect([put.bucket, put.name, put.size, put.overwrite]).toEqual(['photos', 'my cat.jpg', 1024, true]);
    expect(ok('put photos a.txt chunked', 'upload_f').size).toBe(CHUNKED);
    const sha = 'a'.repeat(64);
    expect(ok(`put photos a.txt 3 sha256=${sha.toUpperCase()}`, 'upload_f').sha256).toBe(sha);
    const get = ok('get photos a.txt 10 20', 'download');
    expect([get.offset, get.length, get.sha256]).toEqual([10, 20, undefined]);
    expect(ok(`get photos a.txt 0 1 sha256=${sha}`, 'download').sha256).toBe(sha);
    expect(ok('delete_b photos force', 'delete_b').force).toBe(true);
    expect(ok('delete_b photos', 'delete_b').force).toBe(false);
    expect(ok('ls_f', 'ls_f').bucket).toBeUndefined();
    expect(ok('ls_f photos "prefix=my photos/" delimiter=/ after=my\\b/a limit=100', 'ls_f')).toMatchObject({
      bucket: 'photos',
      prefix: 'my photos/',
      delimiter: '/',
      after: 'my\\b/a',
      limit: 100,
    });
    expect(ok('ls_f photos prefix=', 'ls_f').prefix).toBe('');
    expect(ok('put photos a/b/c.txt 3', 'upload_f').name).toBe('a/b/c.txt');
    expect(ok('put photos a/b/ 0', 'upload_f').name).toBe('a/b/');
    expect(ok('help put', 'help').topic).toBe('put');
    expect(ok('stat photos a.txt', 'stat')).toMatchObject({ bucket: 'photos', name: 'a.txt' });
    expect(ok('auth secret', 'auth').token).toBe('secret');
  });

  it.each([
    ['', Code.BCMD, Reason.unknownCommand],
    ['frobnicate', Code.BCMD, Reason.unknownCommand],
    ['create_b', Code.BCMD, Reason.badArgs],
    ['create_b a b', Code.BCMD, Reason.badArgs],
    ['ls_b extra', Code.BCMD, Reason.badArgs],
    ['delete_b photos force extra', Code.BCMD, Reason.badArgs],
    ['create_b "unterminated', Code.BCMD, Reason.badQuoting],
    ['create_b Photos', Code.BCF, Reason.badName],
    ['create_b ab', Code.BCF, Reason.badName],
    ['create_b 192.168.1.1', Code.BCF, Reason.badName],
    ['put photos ../etc 3', Code.FUTF, Reason.badName],
    ['put photos .. 3', Code.FUTF, Reason.badName],
    ['put photos a//b 3', Code.FUTF, Reason.badName],
    ['put photos a/../b 3', Code.FUTF, Reason.badName],
    ['ls_f photos prefix=/a', Code.FLF, Reason.badName],
    ['ls_f photos after=a//b', Code.FLF, Reason.badName],
    ['ls_f photos delimiter=-', Code.BCMD, Reason.badArgs],
    ['ls_f photos limit=0', Code.BCMD, Reason.badArgs],
    ['ls_f photos limit=10001', Code.BCMD, Reason.badArgs],
    ['ls_f photos limit', Code.BCMD, Reason.badArgs],
    ['ls_f limit=5', Code.BCMD, Reason.badArgs],
    ['put photos "a\\nb" 3', Code.FUTF, Reason.badName],
    [`put photos ${'x'.repeat(256)} 3`, Code.FUTF, Reason.badName],
    ['put photos a.txt -1', Code.FUTF, Reason.badSize],
    ['put photos a.txt 0x10', Code.FUTF, Reason.badSize],
    ['put photos a.txt 99999999999999999999', Code.FUTF, Reason.badSize],
    ['put photos a.txt 3 sha256=zz', Code.BCMD, Reason.badArgs],
    ['get photos a.txt -5', Code.FDFBF, Reason.badRange],
    ['delete_f photos /abs', Code.FDF, Reason.badName],
  ])('refuses %j with %i %s', (line, code, reason) => {
    const p = problem(line);
    expect([p.code, p.reason]).toEqual([code, reason]);
    expect(p.message.length).toBeGreaterThan(0);
  });

  it('reads back every request it formats (property)', () => {
    const name = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      // Names never hold control characters: the generator leaves them out on purpose.
      // eslint-disable-next-line no-control-regex
      .filter((s) => !/[/\\\u0000-\u001f\u007f-\u009f]/.test(s) && s !== '.' && s !== '..');
    fc.assert(
      fc.property(name, fc.nat(), fc.boolean(), (file, size, overwrite) => {
        const request = ok(formatRequest('upload_f', ['photos', file, size], overwrite ? ['overwrite'] : []), 'upload_f');
        expect([request.name, request.size, request.overwrite]).toEqual([file, size, overwrite]);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on random lines (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (line) => {
        expect(typeof parseRequest(line).ok).toBe('boolean');
      }),
      { numRuns: 5000 },
    );
  });
});
