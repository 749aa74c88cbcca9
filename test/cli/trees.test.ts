import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exit } from '../../cli/exit.ts';
import { formatListingRow, formatListingStatus } from '../../shared/protocol/listing.ts';
import { compareKeys } from '../../shared/protocol/names.ts';
import { formatFailure, formatStatus } from '../../shared/protocol/reply.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { scriptedPeer } from '../helpers/strange-peers.ts';
import { json, runPail, startInTerminal, startPail, startTestServer, tempFolder, type TestServer } from './harness.ts';
import { digestOf, readBucket, readTree, sha256, writeTree, type TreeSpec } from './tree-helpers.ts';

let t: TestServer;
let work: { path: string; remove(): Promise<void> };
const pail = (args: string[]) => runPail(args, { env: t.env, cwd: work.path });

beforeAll(async () => {
  t = await startTestServer();
  work = await tempFolder();
});
afterAll(async () => {
  await t.close();
  await work.remove();
});

/** A tree with nesting, an empty folder, names that sort by their bytes, and one file of several chunks. */
const TREE: TreeSpec = {
  'a.txt': 'alpha\n',
  // Before a.txt in byte order, after it in most locales' collation.
  'B.txt': 'bee\n',
  'a-b.txt': 'a dash b\n',
  'a0.txt': 'a zero\n',
  'docs/readme.md': '# readme\n',
  'docs/deep/er/big.bin': randomBytes(700_000),
  'empty/': '',
  'café/ünïcode.txt': 'unicode\n',
};

/** Uploads a TreeSpec with the test's client, so that what the CLI downloads was not put there by the CLI. */
async function uploadTree(bucket: string, prefix: string, tree: TreeSpec): Promise<void> {
  for (const [key, contents] of Object.entries(tree)) {
    await t.client.upload(bucket, prefix + key, key.endsWith('/') ? Buffer.alloc(0) : Buffer.from(contents), { overwrite: true });
  }
}

describe.concurrent('put -r and get -r', () => {
  it('put -r uploads a tree under a prefix: keys are paths below DIR, empty folders explicit, symbolic links skipped and said so', async () => {
    await t.client.createBucket('tree-up');
    const src = join(work.path, 'tree-up');
    await writeTree(src, TREE);
    await symlink(join(src, 'a.txt'), join(src, 'link.txt'));
    await symlink(src, join(src, 'docs', 'loop'));

    const run = await pail(['put', '-r', src, 'tree-up/backup/2026', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const report = json(run);
    expect((report.files as { name: string }[]).map((f) => f.name)).toEqual(Object.keys(TREE).map((k) => `backup/2026/${k}`).sort(compareKeys));
    expect(report.skipped).toEqual([
      { path: join(src, 'docs', 'loop'), why: 'a symbolic link, not followed' },
      { path: join(src, 'link.txt'), why: 'a symbolic link, not followed' },
    ]);
    expect(await readBucket(t.client, 'tree-up', 'backup/2026/')).toEqual(digestOf(TREE));

    // For people: each file, the skipped links on standard error, and a summary.
    const text = await pail(['put', '-r', src, 'tree-up']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stderr).toContain(`pail: skipped ${join(src, 'link.txt')}: a symbolic link, not followed`);
    expect(text.out).toMatch(/^uploaded tree-up\/docs\/deep\/er\/big\.bin {2}684 KiB {2}sha256 [0-9a-f]{64}$/m);
    expect(text.out).toMatch(/^put -r: 8 of 8 uploaded to tree-up\/, 684 KiB, 2 skipped$/m);
    expect(await readBucket(t.client, 'tree-up', '')).toMatchObject(digestOf(TREE));

    // Without --overwrite, keys that exist are refused one by one; with it, replaced.
    const again = await pail(['put', '-r', src, 'tree-up/backup/2026/']);
    expect(again.status).toBe(Exit.refused);
    expect(again.stderr).toMatch(/pail: not uploaded tree-up\/backup\/2026\/a\.txt: \d+ FUTF exists/);
    expect((await pail(['put', '-r', src, 'tree-up/backup/2026', '--overwrite'])).status).toBe(0);

    // A bucket that is not there fails the command once, before any file.
    const nowhere = await pail(['put', '-r', src, 'no-such-bucket/x']);
    expect(nowhere.status).toBe(Exit.refused);
    expect(nowhere.stderr).toMatch(new RegExp(`^pail: \\d+ FLF ${Reason.noSuchBucket}: [^\\n]*\\n$`));
  });

  it('get -r downloads every key under a prefix into DIR at its path below the prefix, each checked by SHA-256', async () => {
    await t.client.createBucket('tree-down');
    await uploadTree('tree-down', 'photos/', TREE);
    await uploadTree('tree-down', '', { 'photos-not-under.txt': 'beside the folder\n', 'other/x.txt': 'x\n' });
    const out = join(work.path, 'tree-down');

    const run = await pail(['get', '-r', 'tree-down/photos', out, '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(await readTree(out)).toEqual(digestOf(TREE));
    const files = json(run).files as { name: string; dest: string; sha256: string }[];
    const big = files.find((f) => f.name === 'photos/docs/deep/er/big.bin')!;
    expect(big).toMatchObject({ dest: join(out, 'docs', 'deep', 'er', 'big.bin'), sha256: sha256(TREE['docs/deep/er/big.bin']) });

    // A folder further down, the key written relative to it; BUCKET PREFIX is the same as BUCKET/PREFIX.
    const docs = join(work.path, 'tree-down-docs');
    const text = await pail(['get', '-r', 'tree-down', 'photos/docs/', docs]);
    expect(text.status, text.stderr).toBe(0);
    expect(await readTree(docs)).toEqual({ 'readme.md': sha256(TREE['docs/readme.md']), 'deep/er/big.bin': sha256(TREE['docs/deep/er/big.bin']) });
    expect(text.out).toMatch(/^get -r: 2 of 2 downloaded from tree-down\/photos\/docs\/ into .*, 684 KiB$/m);

    // BUCKET/ is the whole bucket.
    const all = join(work.path, 'tree-down-all');
    expect((await pail(['get', '-r', 'tree-down/', all])).status).toBe(0);
    expect(Object.keys(await readTree(all)).sort(compareKeys)).toEqual(
      ['other/x.txt', 'photos-not-under.txt', ...Object.keys(TREE).map((k) => `photos/${k}`)].sort(compareKeys),
    );
  });

  it('get -r writes nothing outside DIR: not through a symbolic link inside it', async () => {
    await t.client.createBucket('tree-escape');
    await uploadTree('tree-escape', '', { 'link/passwd': 'not for outside\n', 'fine.txt': 'fine\n' });
    const out = join(work.path, 'tree-escape');
    const outside = join(work.path, 'tree-escape-outside');
    await mkdir(out);
    await mkdir(outside);
    await symlink(outside, join(out, 'link'));

    const run = await pail(['get', '-r', 'tree-escape/', out]);
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toContain(`pail: not downloaded tree-escape/link/passwd: cannot save link/passwd: ${join(out, 'link')} is a symbolic link (not followed)`);
    expect(await readdir(outside)).toEqual([]);
    expect(await readTree(out)).toEqual({ 'fine.txt': sha256('fine\n'), link: '-> link' });
  });
});

describe('get -r from a server that lists keys leading out of DIR', () => {
  it('refuses each such key and writes nothing outside DIR', async () => {
    const hostile = ['../escape.txt', 'in/../../escape2.txt', '/etc/escape3', 'ok/./x'];
    const modified = '2026-01-01T00:00:00.000Z';
    const peer = await scriptedPeer((line) => {
      // Served whole, so that only the CLI's own check keeps the bytes inside DIR.
      if (line.startsWith('download')) return `${formatStatus('FDFBS', [1, sha256('x'), 0, 1, modified])}\nx`;
      if (!line.startsWith('ls_f')) return line.startsWith('quit') ? '200 BYE\n' : undefined;
      const rows = hostile.map((name) => formatListingRow({ kind: 'file', file: { bucket: 'evil', name, size: 1, modified, sha256: sha256('x') } }));
      return `${formatListingStatus(rows.length, { next: null })}\n${rows.map((r) => `${r}\n`).join('')}`;
    });
    try {
      const parent = join(work.path, 'hostile');
      const out = join(parent, 'dir');
      await mkdir(parent);
      const run = await runPail(['get', '-r', 'evil/', out, '--server', peer.address]);
      expect(run.status).toBe(Exit.refused);
      for (const key of hostile) expect(run.stderr).toContain(`refused to write ${JSON.stringify(key)}: it would not stay inside ${out}`);
      expect(await readdir(parent)).toEqual(['dir']);
      expect(await readdir(out)).toEqual([]);
    } finally {
      await peer.close();
    }
  });
});

describe('Ctrl-C during get -r', () => {
  it('stops every transfer, leaves no partial file, and exits 130', async () => {
    const body = Buffer.from('the bytes on the wire\n');
    const twice = Buffer.concat([body, body]);
    const modified = new Date(0).toISOString();
    const files = [
      { bucket: 'stalls', name: 'stall.bin', size: twice.length, modified, sha256: sha256(twice) },
      { bucket: 'stalls', name: 'whole.txt', size: body.length, modified, sha256: sha256(body) },
    ];
    const peer = await scriptedPeer((line) => {
      if (line.startsWith('ls_f stalls')) {
        return `${formatListingStatus(files.length, { next: null })}\n${files.map((file) => `${formatListingRow({ kind: 'file', file })}\n`).join('')}`;
      }
      if (line === 'download stalls whole.txt') return `${formatStatus('FDFBS', [body.length, sha256(body), 0, body.length, modified])}\n${body.toString()}`;
      // Half the body, then nothing until the client gives up.
      if (line === 'download stalls stall.bin') return `${formatStatus('FDFBS', [twice.length, sha256(twice), 0, twice.length, modified])}\n${body.toString()}`;
      return line.startsWith('quit') ? `${formatStatus('BYE')}\n` : undefined;
    });
    try {
      const folder = join(work.path, 'interrupted-tree');
      await mkdir(folder);
      const partial = appears(folder, /^\.stall\.bin\.[0-9a-f]+\.part$/);
      const get = startPail(['get', '-r', 'stalls/', folder, '--server', peer.address]);
      await partial;
      get.signal('SIGINT');
      expect(await get.exited).toEqual({ status: Exit.interrupted, signal: null });
      // whole.txt may have landed first, whole and checked; nothing else did.
      const left = await readTree(folder);
      expect(Object.keys(left).filter((name) => name !== 'whole.txt')).toEqual([]);
      if (left['whole.txt']) expect(left['whole.txt']).toBe(sha256(body));
    } finally {
      await peer.close();
    }
  });
});

/** Resolves once a file whose name matches appears in the folder. */
function appears(folder: string, name: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(folder, (_event, file) => {
      if (file && name.test(file)) {
        watcher.close();
        resolve();
      }
    });
  });
}

describe('ls', () => {
  /** More keys than several pages of 3 hold, in one folder and around it, with names that sort by their bytes. */
  const KEYS = ['a.txt', 'B.txt', 'a-b.txt', 'a0.txt', 'a/1.txt', 'a/2.txt', 'a/b/3.txt', 'z/', 'é.txt', '\uFF21.txt', '\u{1F600}.txt', ...Array.from({ length: 25 }, (_, i) => `many/${String(i).padStart(2, '0')}.txt`)];

  beforeAll(async () => {
    await t.client.createBucket('listing');
    for (const key of KEYS) await t.client.upload('listing', key, key.endsWith('/') ? Buffer.alloc(0) : Buffer.from(key));
  });

  it('ls BUCKET lists one level, its folders rolled up, in key byte order, across pages', async () => {
    const level = json(await pail(['ls', 'listing', '--page-size', '2', '--json']));
    expect(level.folders).toEqual(['a/', 'many/', 'z/']);
    // Byte order: upper case before lower, and U+FF21 (3 bytes) before U+1F600 (4), which UTF-16 order swaps.
    expect((level.files as { name: string }[]).map((f) => f.name)).toEqual(['B.txt', 'a-b.txt', 'a.txt', 'a0.txt', 'é.txt', '\uFF21.txt', '\u{1F600}.txt']);

    const text = await pail(['ls', 'listing', '--page-size', '2']);
    const names = text.out.split('\n').slice(1, -1).map((row) => row.split(/ +/)[1]);
    expect(names).toEqual(['B.txt', 'a-b.txt', 'a.txt', 'a/', 'a0.txt', 'many/', 'z/', 'é.txt', '\uFF21.txt', '\u{1F600}.txt']);
    expect(text.out).toMatch(/^listing +many\/ +folder +- +-$/m);
  });

  it('ls BUCKET/FOLDER (or BUCKET FOLDER) lists that folder; --recursive every key under it, paging unseen', async () => {
    const folder = json(await pail(['ls', 'listing/a', '--json']));
    expect(folder).toMatchObject({ bucket: 'listing', prefix: 'a/', folders: ['a/b/'] });
    expect((folder.files as { name: string }[]).map((f) => f.name)).toEqual(['a/1.txt', 'a/2.txt']);
    expect(json(await pail(['list', 'listing', 'a/', '--json']))).toEqual(folder);

    // 36 keys at 3 a page: 12 pages, read as one listing.
    const everything = json(await pail(['ls', '-r', 'listing', '--page-size', '3', '--json']));
    expect(everything.folders).toEqual([]);
    expect((everything.files as { name: string }[]).map((f) => f.name)).toEqual([...KEYS].sort(compareKeys));
    const many = json(await pail(['ls', 'listing/many/', '--recursive', '--page-size', '4', '--json']));
    expect((many.files as { name: string }[]).map((f) => f.name)).toEqual(KEYS.filter((k) => k.startsWith('many/')));

    expect((await pail(['ls', 'listing/nothing-here'])).out).toBe('no files under listing/nothing-here/\n');
    expect((await pail(['ls', 'listing', '--page-size', '0'])).status).toBe(Exit.usage);
  });
});

describe.concurrent('mirror', () => {
  it('mirror DIR BUCKET/PREFIX copies what differs by size and SHA-256, deletes with --delete, and a dry run changes nothing', async () => {
    await t.client.createBucket('mirror-up');
    const src = join(work.path, 'mirror-up');
    await writeTree(src, TREE);
    const mirror = (...flags: string[]) => pail(['mirror', src, 'mirror-up/site', ...flags, '--json']);

    const first = json(await mirror());
    expect(first.summary).toEqual({ copied: 8, unchanged: 0, deleted: 0, kept: 0, failed: 0, bytes: expectedBytes(TREE) });
    expect(await readBucket(t.client, 'mirror-up', 'site/')).toEqual(digestOf(TREE));
    expect(json(await mirror()).summary).toMatchObject({ copied: 0, unchanged: 8, bytes: 0 });

    // Changed: a.txt in its bytes only (same size), docs/readme.md in size; new: added.txt; gone: a0.txt.
    await writeFile(join(src, 'a.txt'), 'ALPHA\n');
    await writeFile(join(src, 'docs', 'readme.md'), '# a longer readme\n');
    await writeFile(join(src, 'added.txt'), 'added\n');
    await rm(join(src, 'a0.txt'));
    const before = await readBucket(t.client, 'mirror-up', 'site/');

    const dry = json(await mirror('--delete', '--dry-run'));
    expect(dry.summary).toEqual({ copied: 3, unchanged: 5, deleted: 1, kept: 0, failed: 0, bytes: 6 + 18 + 6 });
    expect(dry.actions).toEqual([
      { action: 'delete', key: 'a0.txt', size: 7 },
      { action: 'copy', key: 'a.txt', why: 'changed', size: 6 },
      { action: 'copy', key: 'added.txt', why: 'new', size: 6 },
      { action: 'copy', key: 'docs/readme.md', why: 'changed', size: 18 },
    ]);
    expect(await readBucket(t.client, 'mirror-up', 'site/')).toEqual(before);

    // Without --delete, what the source lost is kept and counted.
    const keep = json(await mirror('--dry-run'));
    expect(keep.summary).toMatchObject({ copied: 3, deleted: 0, kept: 1 });

    const text = await pail(['mirror', src, 'mirror-up/site', '--delete']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.out).toMatch(/^copied mirror-up\/site\/a\.txt \(changed, 6 B\)$/m);
    expect(text.out).toMatch(/^deleted mirror-up\/site\/a0\.txt$/m);
    expect(text.out).toMatch(new RegExp(`^mirror ${src} → mirror-up/site/: 3 copied \\(30 B\\), 5 unchanged, 1 deleted$`, 'm'));
    const now: TreeSpec = { ...TREE, 'a.txt': 'ALPHA\n', 'docs/readme.md': '# a longer readme\n', 'added.txt': 'added\n' };
    delete now['a0.txt'];
    expect(await readBucket(t.client, 'mirror-up', 'site/')).toEqual(digestOf(now));
    expect(json(await mirror('--delete')).summary).toMatchObject({ copied: 0, unchanged: 8, deleted: 0 });
  });

  it('mirror BUCKET/PREFIX DIR brings a local folder in line the other way, deleting local files only with --delete', async () => {
    await t.client.createBucket('mirror-down');
    await uploadTree('mirror-down', 'site/', TREE);
    const out = join(work.path, 'mirror-down');
    const mirror = (...flags: string[]) => pail(['mirror', 'mirror-down/site', out, ...flags, '--json']);

    expect(json(await mirror()).summary).toEqual({ copied: 8, unchanged: 0, deleted: 0, kept: 0, failed: 0, bytes: expectedBytes(TREE) });
    expect(await readTree(out)).toEqual(digestOf(TREE));
    expect(json(await mirror()).summary).toMatchObject({ copied: 0, unchanged: 8 });

    // On the server: a.txt changed in its bytes only, a file added; locally: a stray file, a stray folder, and a changed file.
    await uploadTree('mirror-down', 'site/', { 'a.txt': 'ALPHA\n', 'new/file.txt': 'new\n' });
    await writeTree(out, { 'stray.txt': 'stray\n', 'stray-folder/x/y.txt': 'y\n', 'docs/readme.md': '# edited here\n' });
    const before = await readTree(out);

    const dry = json(await mirror('--delete', '--dry-run'));
    expect(dry.summary).toEqual({ copied: 3, unchanged: 6, deleted: 2, kept: 0, failed: 0, bytes: 6 + 4 + 9 });
    expect(await readTree(out)).toEqual(before);

    const done = json(await mirror('--delete'));
    expect(done.summary).toEqual({ copied: 3, unchanged: 6, deleted: 2, kept: 0, failed: 0, bytes: 6 + 4 + 9 });
    // The stray folder went with its last file.
    expect(await readTree(out)).toEqual(digestOf({ ...TREE, 'a.txt': 'ALPHA\n', 'new/file.txt': 'new\n' }));
  });

  it('replaces a file by a folder of the same name and back, deleting first with --delete; without it, says folder-conflict', async () => {
    await t.client.createBucket('mirror-swap');
    await uploadTree('mirror-swap', 'c/', { a: 'a file\n', 'b/y.txt': 'in a folder\n', 'e/': '', 'g/old.txt': 'old\n' });
    const src = join(work.path, 'mirror-swap');
    // Locally a is a folder and b a file; e, an explicit folder up there, holds a file here; g is empty here.
    const local: TreeSpec = { 'a/x.txt': 'now in a folder\n', b: 'now a file\n', 'e/f.txt': 'f\n', 'g/': '' };
    await writeTree(src, local);

    const refused = await pail(['mirror', src, 'mirror-swap/c', '--json']);
    expect(refused.status).toBe(Exit.refused);
    const report = json(refused);
    expect(report.summary).toMatchObject({ failed: 2, kept: 3 });
    const actions = report.actions as { key: string; error?: { reason: string } }[];
    expect(actions.filter((a) => a.error).map((a) => [a.key, a.error!.reason])).toEqual([
      ['a/x.txt', Reason.folderConflict],
      ['b', Reason.folderConflict],
    ]);

    const swapped = json(await pail(['mirror', src, 'mirror-swap/c', '--delete', '--json']));
    // g/ is made anew as an explicit folder once its last file went.
    expect(swapped.summary).toMatchObject({ copied: 3, deleted: 3, failed: 0 });
    expect(await readBucket(t.client, 'mirror-swap', 'c/')).toEqual({ ...digestOf(local), 'e/': 'folder' });

    // And back down into a folder where they are the other way round.
    const out = join(work.path, 'mirror-swap-down');
    await writeTree(out, { a: 'a file\n', 'b/y.txt': 'in a folder\n' });
    const down = json(await pail(['mirror', 'mirror-swap/c', out, '--delete', '--json']));
    expect(down.summary).toMatchObject({ copied: 5, deleted: 2, failed: 0 });
    expect(await readTree(out)).toEqual(digestOf(local));
  });

  it('tells the bucket side from the local one, and refuses to guess when both words could be either', async () => {
    await t.client.createBucket('sides');
    await writeTree(join(work.path, 'sides'), { 'x.txt': 'x\n' });
    const ambiguous = await pail(['mirror', 'sides', 'sides', '--delete']);
    expect(ambiguous.status).toBe(Exit.usage);
    expect(ambiguous.stderr).toContain('write the local one as ./sides');
    expect(await t.client.listFiles('sides')).toEqual([]);
    expect(await readTree(join(work.path, 'sides'))).toEqual({ 'x.txt': sha256('x\n') });

    // ./NAME is local: up, then down into a new folder.
    expect(json(await pail(['mirror', './sides', 'sides', '--json'])).summary).toMatchObject({ copied: 1 });
    expect(json(await pail(['mirror', 'sides', './sides-copy', '--json'])).summary).toMatchObject({ copied: 1 });
    expect(await readTree(join(work.path, 'sides-copy'))).toEqual({ 'x.txt': sha256('x\n') });
    expect((await pail(['mirror', './a', './b'])).stderr).toContain('neither ./a nor ./b names a bucket');
  });

  it("asks stat for a SHA-256 the listing does not have yet (a file the server is still hashing), and copies nothing that matches", async () => {
    const contents = Buffer.from('copied in by an operator\n');
    const modified = new Date(0).toISOString();
    const seen: string[] = [];
    const peer = await scriptedPeer((line) => {
      seen.push(line);
      if (line.startsWith('ls_f hashing')) {
        const row = formatListingRow({ kind: 'file', file: { bucket: 'hashing', name: 'op.txt', size: contents.length, modified, sha256: null } });
        return `${formatListingStatus(1, { next: null })}\n${row}\n`;
      }
      if (line === 'stat hashing op.txt') return `${formatStatus('FSS', [contents.length, sha256(contents), modified])}\n`;
      // A copy is not expected; refused at once, so that a mirror that wrongly asks fails fast.
      if (line.startsWith('download')) return `${formatFailure('FDFBF', Reason.noSuchFile, 'not expected')}\n`;
      return line.startsWith('quit') ? `${formatStatus('BYE')}\n` : undefined;
    });
    try {
      const out = join(work.path, 'hashing');
      await writeTree(out, { 'op.txt': contents });
      const run = await runPail(['mirror', 'hashing', out, '--json', '--server', peer.address]);
      expect(run.status, run.stderr).toBe(0);
      expect(json(run).summary).toEqual({ copied: 0, unchanged: 1, deleted: 0, kept: 0, failed: 0, bytes: 0 });
      expect(seen).toContain('stat hashing op.txt');
      expect(seen.filter((line) => line.startsWith('download'))).toEqual([]);
    } finally {
      await peer.close();
    }
  });

  it('a dry run into a folder that does not exist yet makes nothing', async () => {
    await t.client.createBucket('mirror-none');
    await uploadTree('mirror-none', '', { 'x.txt': 'x\n' });
    const out = join(work.path, 'mirror-none-not-yet');
    const dry = await pail(['mirror', 'mirror-none', out, '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.out).toContain(`would copy mirror-none/x.txt (new, 2 B)`);
    expect(dry.out).toMatch(/1 would be copied \(2 B\), 0 unchanged, 0 would be deleted; nothing changed \(dry run\)$/m);
    expect(await readTree(out)).toEqual({});
  });
});

describe('help for the tree commands', () => {
  it('comes from the command table: mirror with its flags and the protocol commands it runs, -r on put, get and ls', async () => {
    const mirror = await runPail(['help', 'mirror']);
    expect(mirror.out).toMatch(/^usage: pail mirror SOURCE DEST \[--delete\] \[--dry-run\] \[--page-size N\]$/m);
    expect(mirror.out).toMatch(/^protocol commands it runs: ls_f, stat, upload_f, download, delete_f$/m);
    expect((await runPail(['mirror', '--help'])).out).toBe(mirror.out);
    for (const word of ['put', 'get', 'ls']) expect((await runPail(['help', word])).out).toMatch(/^ {2}-r, --recursive {2,}\S/m);
    const listed = json(await runPail(['help', '--json'])).commands as { word: string; protocol: string | null }[];
    expect(listed.find((c) => c.word === 'mirror')).toMatchObject({ protocol: null, runs: ['ls_f', 'stat', 'upload_f', 'download', 'delete_f'] });
  });
});

describe('progress of a tree', () => {
  it('shows one bar for the whole job: files done of all, bytes of all', async () => {
    await t.client.createBucket('tree-bar');
    const src = join(work.path, 'tree-bar');
    await writeTree(src, { 'one.bin': randomBytes(1_500_000), 'two.bin': randomBytes(1_500_000), 'sub/three.bin': randomBytes(1_500_000) });
    const put = startInTerminal(['put', '-r', src, 'tree-bar'], { env: t.env, columns: 120 });
    const screen = await put.waitFor('stdout', /put -r: 3 of 3 uploaded/);
    put.endInput();
    expect(await put.exited).toEqual({ status: 0, signal: null });
    const bars = screen.split('\x1b[K').map((drawn) => drawn.split(/[\r\n]/)[0]).filter((drawn) => /^put \d/.test(drawn));
    expect(bars.length).toBeGreaterThan(0);
    // The total is the tree's bytes, not one file's.
    for (const bar of bars) expect(bar).toMatch(/^put [0-3]\/3 files .* \/ 4\.3 MiB /);
  });
});

function expectedBytes(tree: TreeSpec): number {
  return Object.entries(tree).reduce((sum, [key, contents]) => sum + (key.endsWith('/') ? 0 : Buffer.byteLength(contents)), 0);
}
