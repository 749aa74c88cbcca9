import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../shared/protocol/commands.ts';
import { commandWords } from '../../shared/protocol/request.ts';
import { complete, localPaths, type CompletionSource } from '../../cli/completion.ts';
import { formatBytes, formatDuration } from '../../cli/format.ts';
import { loadHistory, saveHistory } from '../../cli/history.ts';
import { parseInvocation } from '../../cli/invocation.ts';
import { parseCommandWords } from '../../cli/parse-args.ts';
import { progressOn, renderProgress } from '../../cli/progress.ts';
import { CLIENT_COMMANDS, findClientCommand } from '../../cli/registry.ts';

describe('the client command table', () => {
  it('has one client command per protocol command, shown by one of its words, and the client\'s own (mirror)', () => {
    const ofProtocol = CLIENT_COMMANDS.filter((c) => c.protocol !== undefined);
    expect(ofProtocol.map((c) => c.protocol).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
    for (const command of ofProtocol) {
      const spec = COMMANDS.find((c) => c.name === command.protocol)!;
      expect([spec.name, ...spec.aliases]).toContain(command.word);
    }
    const own = CLIENT_COMMANDS.filter((c) => c.protocol === undefined);
    expect(own.map((c) => c.word)).toEqual(['mirror']);
    for (const command of own) {
      expect(findClientCommand(command.word.toUpperCase())).toBe(command);
      // Its word is no protocol command's, and what it runs is in the table.
      expect(COMMANDS.flatMap((c) => [c.name, ...c.aliases])).not.toContain(command.word);
      for (const name of command.runs ?? []) expect(COMMANDS.map((c) => c.name)).toContain(name);
    }
  });

  it('finds a command by any word of its protocol command, in any letter case', () => {
    for (const spec of COMMANDS) {
      for (const word of [spec.name, ...spec.aliases, spec.name.toUpperCase()]) {
        expect(findClientCommand(word)?.protocol).toBe(spec.name);
      }
    }
  });
});

describe('reading a command line', () => {
  const put = findClientCommand('put')!;

  it('gives a variadic argument what the others leave, with flags anywhere', () => {
    const { args, missing } = parseCommandWords(put, ['a', '--overwrite', 'b', 'c', 'bucket', '--name=x']);
    expect(args.many('file')).toEqual(['a', 'b', 'c']);
    expect(args.one('bucket')).toBe('bucket');
    expect(args.flag('--overwrite')).toBe(true);
    expect(args.flag('--name')).toBe('x');
    expect(missing).toEqual([]);
  });

  it('lists what is missing, in order, for the shell to ask', () => {
    expect(parseCommandWords(put, []).missing.map((a) => a.name)).toEqual(['file', 'bucket']);
    expect(parseCommandWords(put, ['a']).missing.map((a) => a.name)).toEqual(['bucket']);
    expect(parseCommandWords(findClientCommand('get')!, ['b']).missing.map((a) => a.name)).toEqual(['name']);
  });

  it('reads -r as --recursive, and BUCKET/KEY as the bucket and key arguments', () => {
    const get = findClientCommand('get')!;
    const tree = parseCommandWords(get, ['-r', 'photos/2024/summer', 'here']);
    expect(tree.args.flag('--recursive')).toBe(true);
    expect([tree.args.one('bucket'), tree.args.one('name'), tree.args.one('dest')]).toEqual(['photos', '2024/summer', 'here']);
    expect(tree.missing).toEqual([]);
    // The whole bucket is BUCKET/; the plain form is unchanged.
    expect(parseCommandWords(get, ['photos/']).args.one('name')).toBe('');
    expect(parseCommandWords(get, ['photos', 'a.jpg', 'dest']).args.one('dest')).toBe('dest');
    const ls = parseCommandWords(findClientCommand('ls')!, ['photos/2024', '-r']);
    expect([ls.args.one('bucket'), ls.args.one('folder'), ls.args.flag('--recursive')]).toEqual(['photos', '2024', true]);
    // A one-letter word no flag of the command spells is an argument, and -r after -- too.
    expect(parseCommandWords(findClientCommand('mb')!, ['-r']).args.one('bucket')).toBe('-r');
    const after = parseCommandWords(put, ['-r', 'dir', '--', '-r', 'b']);
    expect([after.args.flag('--recursive'), after.args.many('file')]).toEqual([true, ['dir', '-r']]);
  });

  it('takes words after -- as arguments even when they look like flags', () => {
    const { args } = parseCommandWords(put, ['--', '--odd', 'bucket']);
    expect(args.many('file')).toEqual(['--odd']);
  });

  it('refuses unknown flags, missing flag values and extra arguments', () => {
    expect(() => parseCommandWords(put, ['a', 'b', '--nope'])).toThrow(/put has no option --nope/);
    expect(() => parseCommandWords(put, ['a', 'b', '--name'])).toThrow(/--name needs a NAME/);
    expect(() => parseCommandWords(findClientCommand('mb')!, ['a', 'b'])).toThrow(/at most 1 argument/);
  });

  it("reads the seed clients' HOST PORT form, and settings anywhere", () => {
    const seed = parseInvocation(['localhost', '365', 'put', 'apple.jpg', 'b'], {});
    expect(seed.settings.server).toBe('localhost:365');
    expect([seed.word, ...seed.words]).toEqual(['put', 'apple.jpg', 'b']);
    expect(parseInvocation(['::1', '7070', 'list'], {}).settings.server).toBe('[::1]:7070');
    const flags = parseInvocation(['ls', '--json', '--server', 'h:1'], { PAIL_SERVER: 'env:2' });
    expect(flags).toMatchObject({ json: true, word: 'ls', words: [] });
    expect(flags.settings.server).toBe('h:1');
    expect(parseInvocation(['get', 'b', '--help'], {})).toMatchObject({ word: 'help', words: ['get'] });
  });
});

describe('progress', () => {
  it('renders bytes, rate and time left', () => {
    expect(renderProgress('put a', 1024 * 1024, 3 * 1024 * 1024, 2, 76)).toBe(
      'put a [#######---------------]  33%  1.0 MiB / 3.0 MiB  512 KiB/s  0:04 left',
    );
    expect(renderProgress('put -', 2048, undefined, 1, 79)).toBe('put -  2.0 KiB  2.0 KiB/s');
  });

  it('fits any width down to 40 columns: the bar goes first, then the byte counts, then the rate; the time left stays', () => {
    const long = `put ${'a-rather-long-name-'.repeat(4)}.bin`;
    for (let width = 39; width <= 200; width++) {
      for (const label of ['put a', long]) {
        const line = renderProgress(label, 1024 * 1024, 3 * 1024 * 1024, 2, width);
        expect(line.length, line).toBeLessThanOrEqual(width);
        expect(line, line).toMatch(/ 33% .*0:04 left$/);
        expect(renderProgress(label, 2048, undefined, 1, width).length).toBeLessThanOrEqual(width);
      }
    }
    expect(renderProgress('put a', 1024 * 1024, 3 * 1024 * 1024, 2, 39)).toBe('put a   33%  512 KiB/s  0:04 left');
    expect(renderProgress('put a', 1024 * 1024, 3 * 1024 * 1024, 2, 59)).toBe('put a   33%  1.0 MiB / 3.0 MiB  512 KiB/s  0:04 left');
    expect(renderProgress(long, 1024 * 1024, 3 * 1024 * 1024, 2, 39)).toBe(`${long.slice(0, 18)}…   33%  0:04 left`);
  });

  it('takes the width the terminal has at each drawing', () => {
    const written: string[] = [];
    let now = 0;
    const terminal = { isTTY: true, columns: 120, write: (s: string) => written.push(s) };
    const bar = progressOn(terminal, 'get x', 100, () => now);
    bar.update(10);
    terminal.columns = 40;
    now = 1000;
    bar.update(20);
    expect(written[0].startsWith('\r\x1b[K')).toBe(true);
    expect(written[0].slice(4)).toMatch(/^get x \[#+-+\] {2}10%/);
    expect(written[1]).toBe('\r\x1b[Kget x   20%  20 B/s  0:04 left');
  });

  it('draws on a terminal at most ten times a second, and clears its line at the end', () => {
    const written: string[] = [];
    let now = 0;
    const bar = progressOn({ isTTY: true, columns: 200, write: (s: string) => written.push(s) }, 'get x', 100, () => now);
    for (now = 0; now < 1000; now += 10) bar.update(now / 10);
    bar.finish();
    expect(written.length).toBe(11);
    expect(written.at(-2)?.startsWith('\r\x1b[K')).toBe(true);
    expect(written.at(-2)?.slice(4)).toMatch(/^get x \[#+-*\] {2}90%/);
    expect(written.at(-1)).toBe('\r\x1b[K');
  });

  it('draws nothing when output is not a terminal', () => {
    const written: string[] = [];
    const bar = progressOn({ isTTY: false, write: (s: string) => written.push(s) }, 'get x', 100);
    bar.update(50);
    bar.finish();
    expect(written).toEqual([]);
  });

  it('formats sizes and durations for people', () => {
    expect([0, 1023, 1024, 1536, 10 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '10 GiB']);
    expect([0, 65, 3600 + 61].map(formatDuration)).toEqual(['0:00', '1:05', '1:01:01']);
  });
});

describe('completion', () => {
  const source: CompletionSource = {
    buckets: async () => ['photos', 'projects', 'with space'],
    files: async (bucket) => (bucket === 'photos' ? ['cat.jpg', 'car.png', 'holiday photo.jpg'] : []),
    paths: async (partial) => ['notes.txt', 'new/'].filter((p) => p.startsWith(partial)),
  };

  it('completes command words', async () => {
    expect(await complete('', source)).toEqual([[...new Set([...commandWords(), 'mirror'])].sort(), '']);
    expect(await complete('rb', source)).toEqual([['rb '], 'rb']);
    expect(await complete('li', source)).toEqual([['list '], 'li']);
  });

  it('completes bucket names, quoting those that need it, and then file names from that bucket', async () => {
    expect(await complete('rm p', source)).toEqual([['photos', 'projects'], 'p']);
    expect(await complete('rb w', source)).toEqual([[], 'w']);
    expect(await complete('rb "w', source)).toEqual([['"with space" '], '"w']);
    expect(await complete('get photos ca', source)).toEqual([['car.png', 'cat.jpg'], 'ca']);
  });

  it('reads a quoted name as one word, so completion goes on after it, and completes a quoted file name', async () => {
    expect(await complete('rm photos "hol', source)).toEqual([['"holiday photo.jpg" '], '"hol']);
    expect(await complete('get photos "holiday ', source)).toEqual([['"holiday photo.jpg" '], '"holiday ']);
    // After the quoted file name comes DEST, a local path.
    expect(await complete('get photos "holiday photo.jpg" n', source)).toEqual([['new/', 'notes.txt'], 'n']);
  });

  it('completes local paths for put, then local paths or buckets after the first', async () => {
    expect(await complete('put n', source)).toEqual([['new/', 'notes.txt'], 'n']);
    expect(await complete('put notes.txt p', source)).toEqual([['photos', 'projects'], 'p']);
  });

  it('completes BUCKET/KEY one folder at a time, asking for the folder typed so far', async () => {
    const asked: string[] = [];
    const folders: CompletionSource = {
      ...source,
      files: async (bucket, partial) => {
        asked.push(`${bucket} ${partial}`);
        return partial.startsWith('2024/') ? ['2024/june/', '2024/july.jpg'] : ['2024/', 'cat.jpg'];
      },
    };
    expect(await complete('get photos/c', folders)).toEqual([['photos/cat.jpg '], 'photos/c']);
    // A folder stays open for its contents.
    expect(await complete('ls photos/2', folders)).toEqual([['photos/2024/'], 'photos/2']);
    expect(await complete('get -r photos/2024/ju', folders)).toEqual([['photos/2024/july.jpg', 'photos/2024/june/'], 'photos/2024/ju']);
    expect(await complete('rm photos 2024/j', folders)).toEqual([['2024/july.jpg', '2024/june/'], '2024/j']);
    expect(asked).toEqual(['photos c', 'photos 2', 'photos 2024/ju', 'photos 2024/j']);
  });

  it('completes flags', async () => {
    expect(await complete('rb photos --f', source)).toEqual([['--force '], '--f']);
  });

  it('lists local folders with a trailing slash', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pail-cli-paths-'));
    await mkdir(join(root, 'inner'));
    await writeFile(join(root, 'inner', 'file.txt'), '');
    expect((await localPaths(`${root}/`)).sort()).toEqual([`${root}/inner/`]);
    expect(await localPaths(`${root}/inner/f`)).toEqual([`${root}/inner/file.txt`]);
    await rm(root, { recursive: true });
  });
});

describe('history', () => {
  it('round-trips newest first, oldest first on disk, and starts empty without a file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pail-cli-history-'));
    const path = join(root, 'history');
    expect(await loadHistory(path)).toEqual([]);
    await saveHistory(path, ['ls', 'mb photos']);
    expect(await readFile(path, 'utf8')).toBe('mb photos\nls\n');
    expect(await loadHistory(path)).toEqual(['ls', 'mb photos']);
    await rm(root, { recursive: true });
  });
});
