import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { dropFiles } from './drop.ts';
import { expect, rawUpload, rawUploadMany, test } from './fixtures.ts';

const fileRow = (page: Page, name: string) =>
  page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });

test.describe('files', () => {
  test('uploads a dropped file with progress, lists it with its size, and downloads the same bytes', async ({ page, bucket }) => {
    const body = randomBytes(1536 * 1024 + 17);
    await page.goto(`/b/${bucket}`);
    await dropFiles(page, [{ name: 'dropped.bin', body }]);

    const uploads = page.getByRole('region', { name: 'Uploads' });
    const progress = uploads.getByRole('progressbar', { name: 'Upload progress of dropped.bin' });
    await expect(progress).toBeVisible();
    await expect(progress).toHaveAttribute('max', String(body.length));
    await expect(progress).toHaveAttribute('value', String(body.length));
    await expect(uploads.getByRole('listitem')).toContainText(['Uploaded']);
    await expect(uploads.getByRole('status')).toHaveText('Done: 1 file uploaded.');

    const row = fileRow(page, 'dropped.bin');
    await expect(row.getByRole('cell').nth(1)).toHaveText('1.5 MiB');

    const downloading = page.waitForEvent('download');
    await row.getByRole('link', { name: 'dropped.bin' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('dropped.bin');
    const path = await download.path();
    expect((await readFile(path)).equals(body)).toBe(true);
  });

  test('uploads several files chosen with the picker and sums them up', async ({ page, bucket }) => {
    await page.goto(`/b/${bucket}`);
    await page.getByLabel('Upload files').setInputFiles([
      { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('alpha') },
      { name: 'b.txt', mimeType: 'text/plain', buffer: Buffer.from('bravo bravo') },
      { name: 'c d.txt', mimeType: 'text/plain', buffer: Buffer.alloc(4096, 'c') },
    ]);
    const uploads = page.getByRole('region', { name: 'Uploads' });
    await expect(uploads.getByRole('status')).toHaveText('Done: 3 files uploaded.');
    await expect(page.getByRole('table').getByRole('rowheader')).toHaveText(['a.txt', 'b.txt', 'c d.txt']);
    await expect(fileRow(page, 'b.txt').getByRole('cell').nth(1)).toHaveText('11 B');
    await expect(fileRow(page, 'c d.txt').getByRole('cell').nth(1)).toHaveText('4.0 KiB');
    await expect(fileRow(page, 'c d.txt').getByRole('link')).toHaveAttribute('download', 'c d.txt');
  });

  test('shows bytes, speed and time left while a file is on its way, and cancels it', async ({ page, pail, bucket }) => {
    await page.goto(`/b/${bucket}`);
    // Slow the page's uploads to 256 KiB/s so a 2 MiB file is in flight long enough to watch.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    await page.getByLabel('Upload files').setInputFiles({ name: 'slow.bin', mimeType: 'application/octet-stream', buffer: randomBytes(2 * 1024 * 1024) });

    const item = page.getByRole('region', { name: 'Uploads' }).getByRole('listitem');
    await expect(item).toContainText('Uploading');
    await expect(item).toContainText(/[\d.]+ (B|KiB|MiB) of 2\.0 MiB · [\d.]+ (B|KiB|MiB)\/s · .+ left/);
    await item.getByRole('button', { name: 'Cancel upload of slow.bin' }).click();
    await expect(item).toContainText('Cancelled');
    await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('status')).toHaveText('Done: 0 files uploaded, 1 cancelled.');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await expect(fileRow(page, 'slow.bin')).toHaveCount(0);
    // The browser gave up half-way: the bucket server keeps neither the file nor its temporary.
    await expect.poll(() => readdir(join(pail.data, '.pail', 'tmp'))).toEqual([]);
    expect(await readdir(join(pail.data, bucket))).toEqual([]);
  });

  test('with many uploads queued, the one on its way stays in sight', async ({ page, bucket }) => {
    await page.goto(`/b/${bucket}`);
    // Slowed to 96 KiB/s, twelve files of 32 KiB take about four seconds, three at a time.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 96 * 1024 });
    try {
      const names = Array.from({ length: 12 }, (_, i) => `queued-${String(i + 1).padStart(2, '0')}.bin`);
      await page.getByLabel('Upload files').setInputFiles(names.map((name) => ({ name, mimeType: 'application/octet-stream', buffer: randomBytes(32 * 1024) })));
      const uploads = page.getByRole('region', { name: 'Uploads' });
      const late = uploads.getByRole('listitem').filter({ hasText: 'queued-11.bin' });
      await expect(late).toContainText('Uploading', { timeout: 20_000 });
      await expect(late).toBeInViewport();
      await expect(uploads.getByRole('status')).toHaveText('Done: 12 files uploaded.', { timeout: 20_000 });
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    }
  });

  test('offers to overwrite a file that exists', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'notes.txt', Buffer.from('old'));
    await page.goto(`/b/${bucket}`);
    await expect(fileRow(page, 'notes.txt').getByRole('cell').nth(1)).toHaveText('3 B');

    await page.getByLabel('Upload files').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('newer text') });
    const item = page.getByRole('region', { name: 'Uploads' }).getByRole('listitem');
    await expect(item).toContainText('notes.txt already exists in this bucket. Overwrite it?');
    await item.getByRole('button', { name: 'Overwrite notes.txt' }).click();
    await expect(item).toContainText('Uploaded');
    await expect(fileRow(page, 'notes.txt').getByRole('cell').nth(1)).toHaveText('10 B');
  });

  test('keeping the existing file is its own outcome, not a cancellation', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'keep.txt', Buffer.from('old'));
    await page.goto(`/b/${bucket}`);
    await expect(fileRow(page, 'keep.txt').getByRole('cell').nth(1)).toHaveText('3 B');

    await page.getByLabel('Upload files').setInputFiles({ name: 'keep.txt', mimeType: 'text/plain', buffer: Buffer.from('newer text') });
    const item = page.getByRole('region', { name: 'Uploads' }).getByRole('listitem');
    await item.getByRole('button', { name: 'Keep the existing keep.txt' }).click();
    await expect(item).toContainText('Kept the existing file');
    await expect(item).not.toContainText('Cancelled');
    await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('status')).toHaveText('Done: 0 files uploaded, 1 existing file kept.');
    await expect(fileRow(page, 'keep.txt').getByRole('cell').nth(1)).toHaveText('3 B');
  });

  test('with the bucket server down, an upload pauses, says why, and goes on by itself once it is back', async ({ page, pail, bucket }) => {
    await page.goto(`/b/${bucket}`);
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
    const item = page.getByRole('region', { name: 'Uploads' }).getByRole('listitem');
    try {
      await pail.stopServer();
      await page.getByLabel('Upload files').setInputFiles({ name: 'retry.txt', mimeType: 'text/plain', buffer: Buffer.from('again') });
      await expect(item).toContainText('Paused, retrying');
      // The reason, as the gateway gave it.
      await expect(item.locator('.warning')).toContainText('bucket server');
      await expect(item.locator('.warning')).toContainText(/Trying again in \d+ s/);
    } finally {
      await pail.startServer();
    }
    await expect(item).toContainText('Uploaded · verified', { timeout: 20_000 });
    await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('status')).toHaveText('Done: 1 file uploaded.');
    await expect(fileRow(page, 'retry.txt').getByRole('cell').nth(1)).toHaveText('5 B');
  });

  test('offers to overwrite when the server refuses a name the page did not know was taken', async ({ page, pail, bucket }) => {
    // Swallow the change events, so the page keeps believing the bucket is empty.
    await page.routeWebSocket('**/api/events', (ws) => {
      ws.connectToServer().onMessage(() => {});
    });
    await page.goto(`/b/${bucket}`);
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
    await rawUpload(pail, bucket, 'race.txt', Buffer.from('first'));

    await page.getByLabel('Upload files').setInputFiles({ name: 'race.txt', mimeType: 'text/plain', buffer: Buffer.from('second!') });
    const item = page.getByRole('region', { name: 'Uploads' }).getByRole('listitem');
    await expect(item).toContainText('Already exists');
    await expect(item).toContainText('race.txt already exists in this bucket. Overwrite it?');
    await item.getByRole('button', { name: 'Overwrite race.txt' }).click();
    await expect(item).toContainText('Uploaded');
    await expect(fileRow(page, 'race.txt').getByRole('cell').nth(1)).toHaveText('7 B');
  });

  test('uploads, downloads and deletes a file whose name is 255 bytes of UTF-8, the longest the protocol takes', async ({ page, bucket }) => {
    // 185 characters, 255 bytes: past the 100 characters where the gateway's router used to stop.
    const name = `${'a'.repeat(150)}${'€'.repeat(35)}`;
    expect(Buffer.byteLength(name)).toBe(255);
    await page.goto(`/b/${bucket}`);
    await page.getByLabel('Upload files').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from('the longest name') });
    await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('status')).toHaveText('Done: 1 file uploaded.');
    const row = fileRow(page, name);
    await expect(row).toBeVisible();
    const downloading = page.waitForEvent('download');
    await row.getByRole('link', { name }).click();
    expect((await readFile(await (await downloading).path())).toString()).toBe('the longest name');
    await page.getByRole('button', { name: `Delete ${name}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete file' }).click();
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
  });

  test('deletes a file after confirming', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'gone.txt', Buffer.from('bye'));
    await rawUpload(pail, bucket, 'stays.txt', Buffer.from('hi'));
    await page.goto(`/b/${bucket}`);
    await page.getByRole('button', { name: 'Delete gone.txt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete gone.txt?' });
    await dialog.getByRole('button', { name: 'Delete file' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('table').getByRole('rowheader')).toHaveText(['stays.txt']);
  });

  test('sorts by any column and filters by name', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'medium.txt', Buffer.alloc(500));
    await rawUpload(pail, bucket, 'big.txt', Buffer.alloc(5000));
    await rawUpload(pail, bucket, 'small.txt', Buffer.alloc(5));
    await page.goto(`/b/${bucket}`);
    const names = page.getByRole('table').getByRole('rowheader');
    await expect(names).toHaveText(['big.txt', 'medium.txt', 'small.txt']);

    await page.getByRole('button', { name: 'Size' }).click();
    await expect(page.getByRole('columnheader', { name: 'Size' })).toHaveAttribute('aria-sort', 'ascending');
    await expect(names).toHaveText(['small.txt', 'medium.txt', 'big.txt']);
    await page.getByRole('button', { name: 'Size' }).click();
    await expect(names).toHaveText(['big.txt', 'medium.txt', 'small.txt']);

    // The filter is a prefix the server lists by: names starting with it, not containing it.
    await page.getByLabel('Filter by name').fill('m');
    await expect(names).toHaveText(['medium.txt']);
    await expect(page.getByText('1 name starts with “m”')).toBeVisible();
  });

  test('the keyboard moves between rows and selects them; screen readers are told the row count and each row\'s place', async ({ page, pail, bucket }) => {
    await rawUploadMany(pail, bucket, ['one.txt', 'two.txt', 'three.txt', 'four.txt'].map((name) => ({ name, body: Buffer.from(name) })));
    await page.goto(`/b/${bucket}`);
    const table = page.getByRole('table');
    // Four files and the header row.
    await expect(table).toHaveAttribute('aria-rowcount', '5');
    await expect(page.getByRole('row').first()).toHaveAttribute('aria-rowindex', '1');
    await expect(fileRow(page, 'four.txt')).toHaveAttribute('aria-rowindex', '2');
    await expect(fileRow(page, 'two.txt')).toHaveAttribute('aria-rowindex', '5');
    // One row is in the tab order, after the column headers; arrows move from there.
    await page.getByRole('button', { name: 'SHA-256', exact: true }).focus();
    await page.keyboard.press('Tab');
    await expect(fileRow(page, 'four.txt')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(fileRow(page, 'one.txt')).toBeFocused();
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    await expect(fileRow(page, 'two.txt')).toBeFocused();
    await expect(page.getByRole('region', { name: 'Selection' })).toContainText('3 items selected');
    await expect(page.getByRole('checkbox', { name: 'Select three.txt' })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: 'Select four.txt' })).not.toBeChecked();
    await page.keyboard.press('Home');
    await expect(fileRow(page, 'four.txt')).toBeFocused();
    // Enter does what a click on the name does: a file downloads.
    const downloading = page.waitForEvent('download');
    await page.keyboard.press('Enter');
    expect((await readFile(await (await downloading).path())).toString()).toBe('four.txt');
  });

  test('copies the whole SHA-256 from its short form', async ({ page, context, pail, bucket }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const stored = await rawUpload(pail, bucket, 'hash.txt', Buffer.from('hash me'));
    const sha256 = stored.split(' ')[3];
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    await page.goto(`/b/${bucket}`);
    const copy = page.getByRole('button', { name: 'Copy SHA-256 of hash.txt' });
    await expect(copy).toHaveText(sha256.slice(0, 12));
    await copy.click();
    await expect(copy).toContainText('copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sha256);
  });

  test('a filter that matches nothing says so instead of drawing a bare header row', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'present.txt', Buffer.from('x'));
    await page.goto(`/b/${bucket}`);
    await expect(page.getByRole('table')).toBeVisible();
    await page.getByLabel('Filter by name').fill('zebra');
    await expect(page.getByText('No name starts with “zebra”.')).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    await expect(page.getByText('0 names start with “zebra”')).toBeVisible();
    await page.getByLabel('Filter by name').fill('pres');
    await expect(page.getByRole('table').getByRole('rowheader')).toHaveText(['present.txt']);
  });

  test('copying a SHA-256 does not shift the columns', async ({ page, context, pail, bucket }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await rawUpload(pail, bucket, 'steady.txt', Buffer.from('still'));
    await page.goto(`/b/${bucket}`);
    const copy = page.getByRole('button', { name: 'Copy SHA-256 of steady.txt' });
    const remove = page.getByRole('button', { name: 'Delete steady.txt' });
    const boxes = async () => ({
      copy: await copy.boundingBox(),
      remove: await remove.boundingBox(),
      modified: await page.getByRole('columnheader', { name: 'Modified' }).boundingBox(),
    });
    await expect(copy).toBeVisible();
    const before = await boxes();
    await copy.click();
    await expect(copy).toContainText('copied');
    expect(await boxes()).toEqual(before);
  });
});
