import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, rawUpload, rawUploadMany, test } from './fixtures.ts';
import { extractedTree, testArchive } from '../helpers/unzip.ts';

const names = (page: Page) => page.getByRole('table').getByRole('rowheader');
const rowOf = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
const crumbs = (page: Page) => page.getByRole('navigation', { name: 'Breadcrumb' });

/** What the bucket holds, every key, as the gateway's whole listing (no delimiter) gives them. */
async function storedKeys(page: Page, bucket: string): Promise<string[]> {
  const response = await page.request.get(`/api/buckets/${bucket}/files`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { files: { name: string }[] }).files.map((f) => f.name);
}

/** The bytes the gateway serves for a key. */
async function fetched(page: Page, bucket: string, key: string): Promise<string> {
  const response = await page.request.get(`/api/buckets/${bucket}/files/${key.split('/').map(encodeURIComponent).join('/')}`);
  expect(response.status()).toBe(200);
  return response.text();
}

/**
 * Drops a folder tree the way a browser hands one over: the DataTransfer's
 * items give file system entries (webkitGetAsEntry), folders read in batches
 * through a directory reader. Playwright cannot make a browser drop a real
 * folder, so the entries are built in the page from the spec: this stands in
 * for the browser's drag source only, not for anything of the app's.
 */
async function dropTree(page: Page, tree: Record<string, string | null>): Promise<void> {
  await page.evaluate((spec) => {
    type Node = { name: string; path: string; text: string | null; children: Node[] };
    const root: Node = { name: '', path: '', text: null, children: [] };
    for (const [path, text] of Object.entries(spec)) {
      let at = root;
      const parts = path.replace(/\/$/, '').split('/');
      parts.forEach((part, i) => {
        let child = at.children.find((c) => c.name === part);
        if (!child) {
          child = { name: part, path: `${at.path}/${part}`, text: i === parts.length - 1 ? text : null, children: [] };
          at.children.push(child);
        }
        at = child;
      });
    }
    const entryOf = (node: Node): object =>
      node.text !== null
        ? { isFile: true, isDirectory: false, name: node.name, fullPath: node.path, file: (ok: (f: File) => void) => ok(new File([node.text ?? ''], node.name)) }
        : {
            isFile: false,
            isDirectory: true,
            name: node.name,
            fullPath: node.path,
            createReader: () => {
              // Two batches and then none, as a real reader hands out a big folder.
              const batches = [node.children.slice(0, 1), node.children.slice(1), []];
              return { readEntries: (ok: (entries: object[]) => void) => ok((batches.shift() ?? []).map(entryOf)) };
            },
          };
    const transfer = {
      types: ['Files'],
      files: [],
      items: root.children.map((node) => ({ kind: 'file', webkitGetAsEntry: () => entryOf(node), getAsFile: () => null })),
    };
    for (const type of ['dragenter', 'dragover', 'drop']) {
      const event = new DragEvent(type, { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'dataTransfer', { value: transfer });
      document.body.dispatchEvent(event);
    }
  }, tree);
}

test.describe('folders', () => {
  test('browses one level at a time by breadcrumb, deep link, back and forward; folders first and not counted', async ({ page, pail, bucket }) => {
    await rawUploadMany(pail, bucket, [
      { name: 'top.txt', body: Buffer.from('top') },
      { name: 'photos/2024/a.jpg', body: Buffer.from('aaaa') },
      { name: 'photos/2024/b.jpg', body: Buffer.from('bb') },
      { name: 'photos/cover.png', body: Buffer.from('cover') },
      { name: 'zeta/z.txt', body: Buffer.from('z') },
      { name: 'alpha.txt', body: Buffer.from('alpha') },
      { name: 'odd name/x#y?é.txt', body: Buffer.from('odd') },
    ]);
    await page.goto(`/b/${bucket}`);
    // Folders first, then files, each in key byte order.
    await expect(names(page)).toHaveText(['odd name/', 'photos/', 'zeta/', 'alpha.txt', 'top.txt']);
    await expect(rowOf(page, 'photos/').getByRole('cell').nth(1)).toHaveText('Not counted');
    await expect(page.getByRole('table')).toHaveAttribute('aria-rowcount', '6');

    await rowOf(page, 'photos/').getByRole('link').click();
    await expect(page).toHaveURL(`/b/${bucket}/photos/`);
    await expect(page.getByRole('heading', { level: 1, name: 'photos' })).toBeFocused();
    await expect(page).toHaveTitle(`photos/ · ${bucket} · Pail`);
    await expect(names(page)).toHaveText(['2024/', 'cover.png']);
    await expect(crumbs(page).getByRole('link')).toHaveText(['All buckets', bucket]);
    await expect(crumbs(page).locator('[aria-current="page"]')).toHaveText('photos');

    await rowOf(page, '2024/').getByRole('link').click();
    await expect(page).toHaveURL(`/b/${bucket}/photos/2024/`);
    await expect(names(page)).toHaveText(['a.jpg', 'b.jpg']);
    await expect(crumbs(page).getByRole('link')).toHaveText(['All buckets', bucket, 'photos']);
    await expect(rowOf(page, 'a.jpg').getByRole('cell').nth(1)).toHaveText('4 B');

    // A file in a folder downloads under its own name with its bytes.
    const downloading = page.waitForEvent('download');
    await rowOf(page, 'a.jpg').getByRole('link').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('a.jpg');
    expect((await readFile(await download.path())).toString()).toBe('aaaa');

    await crumbs(page).getByRole('link', { name: 'photos' }).click();
    await expect(page).toHaveURL(`/b/${bucket}/photos/`);
    await expect(names(page)).toHaveText(['2024/', 'cover.png']);
    // From the keyboard: Enter on a folder's row opens it.
    await rowOf(page, '2024/').focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(`/b/${bucket}/photos/2024/`);
    await page.goBack();
    await expect(names(page)).toHaveText(['2024/', 'cover.png']);
    await crumbs(page).getByRole('link', { name: bucket }).click();
    await expect(page).toHaveURL(`/b/${bucket}`);
    await expect(names(page)).toHaveText(['odd name/', 'photos/', 'zeta/', 'alpha.txt', 'top.txt']);

    await page.goBack();
    await expect(names(page)).toHaveText(['2024/', 'cover.png']);
    await page.goBack();
    await expect(names(page)).toHaveText(['a.jpg', 'b.jpg']);
    await page.goForward();
    await expect(page).toHaveURL(`/b/${bucket}/photos/`);
    await expect(names(page)).toHaveText(['2024/', 'cover.png']);
    await page.goForward();
    await expect(page).toHaveURL(`/b/${bucket}`);
    await expect(names(page)).toHaveText(['odd name/', 'photos/', 'zeta/', 'alpha.txt', 'top.txt']);

    // A deep link, and a reload of it, open the folder itself; odd characters are percent-encoded in it.
    await page.goto(`/b/${bucket}/photos/2024/`);
    await expect(names(page)).toHaveText(['a.jpg', 'b.jpg']);
    await page.goto(`/b/${bucket}/${encodeURIComponent('odd name')}/`);
    await expect(page.getByRole('heading', { level: 1, name: 'odd name' })).toBeVisible();
    await expect(names(page)).toHaveText(['x#y?é.txt']);
    await page.reload();
    await expect(names(page)).toHaveText(['x#y?é.txt']);
    const odd = page.waitForEvent('download');
    await rowOf(page, 'x#y?é.txt').getByRole('link').click();
    expect((await readFile(await (await odd).path())).toString()).toBe('odd');
  });

  test('a deep link to a folder no key can lie in says why and lists nothing', async ({ page, bucket }) => {
    const listings: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/files')) listings.push(request.url());
    });
    await page.goto(`/b/${bucket}/a%2F%2Fb/`);
    await expect(page.getByRole('alert')).toContainText('There can be no folder');
    await expect(page.getByLabel('Upload files')).toHaveCount(0);
    expect(listings).toEqual([]);
  });

  test('New folder makes an empty folder that stays until deleted', async ({ page, bucket }) => {
    await page.goto(`/b/${bucket}`);
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
    await page.getByRole('button', { name: 'New folder' }).click();
    const dialog = page.getByRole('dialog', { name: 'New folder' });
    await dialog.getByLabel('Folder name').fill('a//b');
    await expect(dialog.getByText('Check the name: a key has no empty folder name (//).')).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Create folder' })).toBeDisabled();
    await dialog.getByLabel('Folder name').fill('drafts');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    await expect(dialog).toBeHidden();
    await expect(names(page)).toHaveText(['drafts/']);
    expect(await storedKeys(page, bucket)).toEqual(['drafts/']);

    await page.reload();
    await expect(names(page)).toHaveText(['drafts/']);
    await rowOf(page, 'drafts/').getByRole('link').click();
    await expect(page.getByText('This folder is empty.')).toBeVisible();
    // A folder inside it, made from there.
    await page.getByRole('button', { name: 'New folder' }).click();
    await dialog.getByLabel('Folder name').fill('inner');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    await expect(names(page)).toHaveText(['inner/']);
    expect(await storedKeys(page, bucket)).toEqual(['drafts/', 'drafts/inner/']);
  });

  test('a file stored elsewhere into a new subfolder shows its folder row, and the row goes when the folder empties', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'docs/readme.txt', Buffer.from('read me'));
    await page.goto(`/b/${bucket}/docs/`);
    await expect(names(page)).toHaveText(['readme.txt']);
    await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected');

    // Into this folder: a file row. Into a folder below it: that folder's row, once. Elsewhere: nothing.
    await rawUpload(pail, bucket, 'docs/notes.txt', Buffer.from('n'));
    await rawUpload(pail, bucket, 'docs/2026/q1/plan.txt', Buffer.from('p'));
    await rawUpload(pail, bucket, 'docs/2026/q2/plan.txt', Buffer.from('p'));
    await rawUpload(pail, bucket, 'other/x.txt', Buffer.from('x'));
    await rawUpload(pail, bucket, 'docsish.txt', Buffer.from('x'));
    await expect(names(page)).toHaveText(['2026/', 'notes.txt', 'readme.txt']);

    const client = await pail.raw();
    try {
      expect(await client.command(`delete_f ${bucket} docs/2026/q1/plan.txt`)).toMatch(/^1000 FDS /);
      // One file is left under 2026/: the row stays.
      await expect(names(page)).toHaveText(['2026/', 'notes.txt', 'readme.txt']);
      expect(await client.command(`delete_f ${bucket} docs/2026/q2/plan.txt`)).toMatch(/^1000 FDS /);
      await expect(names(page)).toHaveText(['notes.txt', 'readme.txt']);
    } finally {
      client.close();
    }
  });

  test('dropping a folder tree with a file beside it uploads the whole tree with its structure, each file with its own progress', async ({ page, bucket }) => {
    await page.goto(`/b/${bucket}`);
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
    await dropTree(page, {
      'album/one.txt': 'first',
      'album/deep/two.txt': 'second file',
      'album/deep/deeper/three.txt': 'third',
      'album/empty/': null,
      'scans/page.txt': 'scanned',
      'beside.txt': 'beside the folders',
    });
    const uploads = page.getByRole('region', { name: 'Uploads' });
    await expect(uploads.getByRole('status')).toHaveText('Done: 5 files uploaded, 1 empty folder created.');
    for (const key of ['album/one.txt', 'album/deep/two.txt', 'album/deep/deeper/three.txt', 'scans/page.txt', 'beside.txt']) {
      await expect(uploads.getByRole('progressbar', { name: `Upload progress of ${key}` })).toBeVisible();
    }
    await expect(uploads.getByRole('progressbar', { name: 'Upload progress of album/deep/two.txt' })).toHaveAttribute('value', '11');

    await expect(names(page)).toHaveText(['album/', 'scans/', 'beside.txt']);
    await rowOf(page, 'album/').getByRole('link').click();
    await expect(names(page)).toHaveText(['deep/', 'empty/', 'one.txt']);
    await rowOf(page, 'deep/').getByRole('link').click();
    await expect(names(page)).toHaveText(['deeper/', 'two.txt']);
    expect(await fetched(page, bucket, 'album/deep/deeper/three.txt')).toBe('third');

    // Dropped inside a folder, the tree goes under it.
    await dropTree(page, { 'more/four.txt': 'four' });
    await expect(names(page)).toHaveText(['deeper/', 'more/', 'two.txt']);
    expect(await fetched(page, bucket, 'album/deep/more/four.txt')).toBe('four');
  });

  test('the picker takes a whole folder too', async ({ page, bucket }) => {
    const root = await mkdtemp(join(tmpdir(), 'pail-picked-'));
    const folder = join(root, 'holiday');
    try {
      await mkdir(join(folder, 'day-1'), { recursive: true });
      await writeFile(join(folder, 'day-1', 'beach.txt'), 'sand');
      await writeFile(join(folder, 'list.txt'), 'towel');
      await page.goto(`/b/${bucket}`);
      await page.getByLabel('Upload a folder').setInputFiles(folder);
      await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('status')).toHaveText('Done: 2 files uploaded.');
      await expect(names(page)).toHaveText([`${basename(folder)}/`]);
      expect(await fetched(page, bucket, 'holiday/day-1/beach.txt')).toBe('sand');
      expect(await fetched(page, bucket, 'holiday/list.txt')).toBe('towel');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

test.describe('selection', () => {
  test('click, shift-click, Ctrl-click, Space and select all choose rows; one confirmation says how many files and bytes; each item says what became of it', async ({ page, pail, bucket }) => {
    await rawUploadMany(pail, bucket, [
      { name: 'a.txt', body: Buffer.alloc(1000) },
      { name: 'b.txt', body: Buffer.alloc(2000) },
      { name: 'c.txt', body: Buffer.alloc(3000) },
      { name: 'd.txt', body: Buffer.alloc(10) },
      { name: 'dir/x.bin', body: Buffer.alloc(500) },
      { name: 'dir/y/z.bin', body: Buffer.alloc(250) },
    ]);
    await page.goto(`/b/${bucket}`);
    await expect(names(page)).toHaveText(['dir/', 'a.txt', 'b.txt', 'c.txt', 'd.txt']);
    const selected = page.getByRole('region', { name: 'Selection' });
    const box = (name: string) => page.getByRole('checkbox', { name: `Select ${name}` });
    // A click on a row (not on its link) picks it alone; Shift extends to the range; Ctrl toggles one.
    await rowOf(page, 'a.txt').getByRole('cell').nth(2).click();
    await expect(selected).toContainText('1 item selected');
    await rowOf(page, 'c.txt').getByRole('cell').nth(2).click({ modifiers: ['Shift'] });
    await expect(selected).toContainText('3 items selected');
    await expect(box('b.txt')).toBeChecked();
    await rowOf(page, 'c.txt').getByRole('cell').nth(2).click({ modifiers: ['ControlOrMeta'] });
    await expect(box('c.txt')).not.toBeChecked();
    await rowOf(page, 'dir/').getByRole('cell').nth(2).click({ modifiers: ['ControlOrMeta'] });
    await expect(selected).toContainText('3 items selected');

    // The keyboard: Space toggles the focused row, Ctrl+A takes all, Escape none.
    await rowOf(page, 'd.txt').focus();
    await page.keyboard.press('Space');
    await expect(box('d.txt')).toBeChecked();
    await page.keyboard.press('Space');
    await expect(box('d.txt')).not.toBeChecked();
    await page.keyboard.press('ArrowUp');
    await expect(rowOf(page, 'c.txt')).toBeFocused();
    await page.keyboard.press('ControlOrMeta+a');
    await expect(selected).toContainText('5 items selected');
    await page.keyboard.press('Escape');
    await expect(selected).toHaveCount(0);
    await page.getByRole('checkbox', { name: 'Select all rows loaded' }).check();
    await expect(selected).toContainText('5 items selected');
    await page.getByRole('checkbox', { name: 'Select all rows loaded' }).uncheck();
    await expect(selected).toHaveCount(0);

    await box('a.txt').check();
    await box('b.txt').check();
    await box('dir/').check();
    await expect(selected).toContainText('3 items selected');
    await selected.getByRole('button', { name: 'Delete selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete 3 items?' });
    // The folder's keys are listed through to count them: 1000 + 2000 + 500 + 250 bytes in four files.
    await expect(dialog).toContainText('4 files (3.7 KiB) will be removed from');
    await dialog.getByRole('button', { name: 'Delete 4 files' }).click();
    const outcome = dialog.getByRole('list', { name: 'What was deleted' });
    await expect(outcome.getByRole('listitem')).toHaveText(['dir/: folder deleted with its 2 files', 'a.txt: deleted', 'b.txt: deleted']);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(names(page)).toHaveText(['c.txt', 'd.txt']);
    expect(await storedKeys(page, bucket)).toEqual(['c.txt', 'd.txt']);
  });

  test('a bulk delete tells which items failed and why', async ({ page, pail, bucket }) => {
    await rawUploadMany(pail, bucket, [
      { name: 'keep/one.txt', body: Buffer.from('1') },
      { name: 'keep/two.txt', body: Buffer.from('2') },
      { name: 'gone.txt', body: Buffer.from('3') },
    ]);
    await page.goto(`/b/${bucket}`);
    await expect(names(page)).toHaveText(['keep/', 'gone.txt']);
    // The connection to the gateway breaks for one of the deletes (the page's network, not the app, fails here).
    await page.route('**/files/keep/two.txt', (route) => (route.request().method() === 'DELETE' ? route.abort('connectionreset') : route.continue()));
    await rowOf(page, 'keep/').getByRole('cell').nth(2).click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Delete selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete 2 items?' });
    await expect(dialog).toContainText('3 files (3 B) will be removed');
    await dialog.getByRole('button', { name: 'Delete 3 files' }).click();
    await expect(dialog.getByRole('listitem')).toHaveText([/^keep\/: 1 of 2 files deleted; 1 failed: The gateway cannot be reached/, 'gone.txt: deleted']);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(names(page)).toHaveText(['keep/']);
    expect(await storedKeys(page, bucket)).toEqual(['keep/two.txt']);
  });

  test('downloads a selection of files and folders as one zip, names relative to the open folder, bytes intact', async ({ page, pail, bucket }) => {
    const bodies: Record<string, Buffer> = {
      'site/index.html': Buffer.from('<h1>hi</h1>'),
      'site/img/logo.png': Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251)),
      'site/img/icons/x.svg': Buffer.from('<svg/>'),
      'site/notes.txt': Buffer.from('not chosen'),
      'elsewhere.txt': Buffer.from('not under site'),
    };
    await rawUploadMany(pail, bucket, Object.entries(bodies).map(([name, body]) => ({ name, body })));
    await page.goto(`/b/${bucket}/site/`);
    await expect(names(page)).toHaveText(['img/', 'index.html', 'notes.txt']);
    await page.getByRole('checkbox', { name: 'Select img/' }).check();
    await page.getByRole('checkbox', { name: 'Select index.html' }).check();
    const downloading = page.waitForEvent('download');
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Download as zip' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(`${bucket}.zip`);
    const entries = await zipEntries(await download.path());
    const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
    const files = Object.fromEntries(entries.filter((e) => !e.name.endsWith('/')).map((e) => [e.name, e.sha256]));
    expect(files).toEqual({
      'img/icons/x.svg': sha(bodies['site/img/icons/x.svg']),
      'img/logo.png': sha(bodies['site/img/logo.png']),
      'index.html': sha(bodies['site/index.html']),
    });
    // The page stayed where it was: a form post answered with an attachment is a download, not a navigation.
    await expect(page).toHaveURL(`/b/${bucket}/site/`);

    // Every row of a folder listed to its end: the folder itself goes, as one prefix.
    await page.getByRole('checkbox', { name: 'Select all rows loaded' }).check();
    const posted = page.waitForRequest((request) => request.url().includes('/zip'));
    const whole = page.waitForEvent('download');
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Download as zip' }).click();
    expect(new URLSearchParams((await posted).postData() ?? '').get('selection')).toBe(JSON.stringify({ keys: [], prefixes: ['site/'] }));
    const all = (await zipEntries(await (await whole).path())).filter((e) => !e.name.endsWith('/'));
    expect(all.map((e) => e.name).sort()).toEqual(['img/icons/x.svg', 'img/logo.png', 'index.html', 'notes.txt']);
    expect(all.find((e) => e.name === 'notes.txt')?.sha256).toBe(sha(bodies['site/notes.txt']));
  });
});

/** The entries of a zip and the SHA-256 of each, read with Info-ZIP's unzip (a reader that is not the gateway's writer). */
async function zipEntries(path: string): Promise<{ name: string; sha256: string }[]> {
  await testArchive(path);
  return Object.entries(await extractedTree(path)).map(([name, sha256]) => ({ name, sha256 }));
}
