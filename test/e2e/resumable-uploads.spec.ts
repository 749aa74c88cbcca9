import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { CDPSession, Locator, Page, Request } from '@playwright/test';
import { joinTokens } from '../../shared/protocol/tokens.ts';
import { dropGeneratedFile, generatedByte } from './drop.ts';
import { expect, test, type Pail } from './fixtures.ts';

/** The web app's tus chunk (web/src/api/tus-upload.ts): what a lost connection may cost at most. */
const CHUNK = 8 * 1024 * 1024;
const MiB = 1024 * 1024;
const BIG = 200 * 1000 * 1000;

/** Writes `size` random bytes to `path` a MiB at a time; resolves to its SHA-256. */
async function writeRandomFile(path: string, size: number): Promise<string> {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  for (let written = 0; written < size; written += MiB) {
    const block = randomBytes(Math.min(MiB, size - written));
    hash.update(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path)) hash.update(block as Buffer);
  return hash.digest('hex');
}

/**
 * Counts the bytes the page offered the gateway in tus PATCHes, from each
 * request's Upload-Offset and the chunk size (a PATCH cut short counts whole).
 */
function countPatchBytes(page: Page, size: number): { bytes: () => number; creations: () => number } {
  let bytes = 0;
  let creations = 0;
  page.on('request', (request: Request) => {
    if (!new URL(request.url()).pathname.startsWith('/api/uploads')) return;
    if (request.method() === 'POST') creations++;
    if (request.method() !== 'PATCH') return;
    const offset = Number(request.headers()['upload-offset']);
    bytes += Math.min(CHUNK, size - offset);
  });
  return { bytes: () => bytes, creations: () => creations };
}

/**
 * Slows the page's uploads, so a test can act while one is on its way.
 * Detach the session it returns to lift it: its conditions would otherwise
 * keep the page online through Playwright's setOffline.
 */
async function throttle(page: Page, bytesPerSecond: number): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  return cdp;
}

async function sentOf(progress: Locator): Promise<number> {
  return Number(await progress.getAttribute('value'));
}

async function openSessions(pail: Pail, bucket: string): Promise<string[]> {
  const client = await pail.raw();
  try {
    const head = await client.command(joinTokens(['ls_u', bucket]));
    const count = Number(head.split(' ')[2]);
    return count > 0 ? await client.lines(count) : [];
  } finally {
    client.close();
  }
}

const uploadItem = (page: Page, name: string) => page.getByRole('region', { name: 'Uploads', exact: true }).getByRole('listitem').filter({ hasText: name });

test.describe('resumable uploads', () => {
  test('a 200 MB upload with the network taken offline twice pauses, says so, resumes and is verified', async ({ page, context, pail, bucket }, testInfo) => {
    test.setTimeout(240_000);
    const path = testInfo.outputPath('offline.bin');
    const sha256 = await writeRandomFile(path, BIG);
    const sent = countPatchBytes(page, BIG);
    await page.goto(`/b/${bucket}`);
    let slow = await throttle(page, 40 * MiB);
    await page.getByLabel('Upload files').setInputFiles(path);
    const item = uploadItem(page, 'offline.bin');
    const progress = item.getByRole('progressbar');
    for (const share of [0.25, 0.6]) {
      await expect.poll(() => sentOf(progress), { timeout: 90_000 }).toBeGreaterThan(share * BIG);
      await slow.detach();
      await context.setOffline(true);
      await expect(item).toContainText('Paused, retrying');
      await expect(item).toContainText('this browser is offline');
      const before = await sentOf(progress);
      await context.setOffline(false);
      slow = await throttle(page, 40 * MiB);
      // It goes on by itself, from no further back than the chunk that was cut.
      await expect(item).not.toContainText('Paused');
      await expect.poll(() => sentOf(progress)).toBeGreaterThan(before);
    }
    await expect(item).toContainText('Uploaded · verified', { timeout: 120_000 });
    await expect(item.locator('.verified')).toHaveAttribute('title', new RegExp(sha256));
    expect(await sha256Of(join(pail.data, bucket, 'offline.bin'))).toBe(sha256);
    const again = sent.bytes() - BIG;
    testInfo.annotations.push({ type: 'figure', description: `sent again after two offline spells: ${again} bytes` });
    // Each spell costs at most the chunk on its way.
    expect(again).toBeLessThanOrEqual(2 * CHUNK);
    expect(sent.creations()).toBe(1);
    expect(await openSessions(pail, bucket)).toEqual([]);
  });

  test('after a reload, picking the same file again resumes it, sending less than two chunks again', async ({ page, pail, bucket }, testInfo) => {
    test.setTimeout(240_000);
    const path = testInfo.outputPath('reload.bin');
    const sha256 = await writeRandomFile(path, BIG);
    const sent = countPatchBytes(page, BIG);
    await page.goto(`/b/${bucket}`);
    await throttle(page, 40 * MiB);
    await page.getByLabel('Upload files').setInputFiles(path);
    const progress = uploadItem(page, 'reload.bin').getByRole('progressbar');
    await expect.poll(() => sentOf(progress), { timeout: 90_000 }).toBeGreaterThan(0.4 * BIG);
    await page.reload();

    // The page lists what it knows is unfinished, with resume and discard.
    const unfinished = page.getByRole('region', { name: 'Left unfinished' });
    await expect(unfinished.getByRole('listitem')).toContainText('reload.bin');
    await expect(unfinished.getByRole('button', { name: 'Discard unfinished upload of reload.bin' })).toBeVisible();
    const held = Number((await openSessions(pail, bucket))[0].split(' ')[2]);
    expect(held).toBeGreaterThan(0.3 * BIG);

    await throttle(page, 40 * MiB);
    await page.getByLabel('Upload files').setInputFiles(path);
    const item = uploadItem(page, 'reload.bin');
    await expect(item).toContainText('Uploaded · verified', { timeout: 120_000 });
    await expect(item).toContainText(/resumed at \d/);
    await expect(unfinished).toBeHidden();
    expect(await sha256Of(join(pail.data, bucket, 'reload.bin'))).toBe(sha256);
    const again = sent.bytes() - BIG;
    testInfo.annotations.push({ type: 'figure', description: `sent again after a reload: ${again} bytes (${held} held at the reload)` });
    expect(again).toBeLessThan(2 * CHUNK);
    expect(sent.creations()).toBe(1);
  });

  test('after a reload, dropping the same file again resumes it, sending less than two chunks again', async ({ page, pail, bucket }, testInfo) => {
    test.setTimeout(240_000);
    const size = 64 * MiB;
    const lastModified = Date.UTC(2026, 0, 2, 3, 4, 5);
    const expected = createHash('sha256').update(Uint8Array.from({ length: size }, (_, i) => generatedByte(i))).digest('hex');
    const sent = countPatchBytes(page, size);
    await page.goto(`/b/${bucket}`);
    await throttle(page, 16 * MiB);
    await dropGeneratedFile(page, 'dropped-again.bin', size, lastModified);
    const progress = uploadItem(page, 'dropped-again.bin').getByRole('progressbar');
    await expect.poll(() => sentOf(progress), { timeout: 90_000 }).toBeGreaterThan(0.4 * size);
    await page.reload();
    const unfinished = page.getByRole('region', { name: 'Left unfinished' });
    await expect(unfinished.getByRole('listitem')).toContainText('dropped-again.bin');
    const held = Number((await openSessions(pail, bucket))[0].split(' ')[2]);

    await dropGeneratedFile(page, 'dropped-again.bin', size, lastModified);
    const item = uploadItem(page, 'dropped-again.bin');
    await expect(item).toContainText('Uploaded · verified', { timeout: 120_000 });
    await expect(item).toContainText(/resumed at \d/);
    expect(await sha256Of(join(pail.data, bucket, 'dropped-again.bin'))).toBe(expected);
    const again = sent.bytes() - size;
    testInfo.annotations.push({ type: 'figure', description: `sent again after a reload and a re-drop: ${again} bytes (${held} held at the reload)` });
    expect(again).toBeLessThan(2 * CHUNK);
    expect(sent.creations()).toBe(1);
  });

  test('the bucket server restarted mid-upload: the upload pauses, says why, and goes on where the server is', async ({ page, pail, bucket }, testInfo) => {
    test.setTimeout(240_000);
    const path = testInfo.outputPath('restart.bin');
    const sha256 = await writeRandomFile(path, BIG);
    const sent = countPatchBytes(page, BIG);
    await page.goto(`/b/${bucket}`);
    await throttle(page, 40 * MiB);
    await page.getByLabel('Upload files').setInputFiles(path);
    const item = uploadItem(page, 'restart.bin');
    const progress = item.getByRole('progressbar');
    await expect.poll(() => sentOf(progress), { timeout: 90_000 }).toBeGreaterThan(0.3 * BIG);
    try {
      await pail.stopServer();
      await expect(item).toContainText('Paused, retrying');
      await expect(item.locator('.warning')).toContainText('bucket server');
      // Down long enough for a second try to fail too: asking the gateway where the upload is (HEAD) must not begin another.
      await expect(item.locator('.warning')).toContainText('Trying again in 2 s', { timeout: 15_000 });
    } finally {
      await pail.startServer();
    }
    await expect(item).toContainText('Uploaded · verified', { timeout: 120_000 });
    expect(await sha256Of(join(pail.data, bucket, 'restart.bin'))).toBe(sha256);
    const again = sent.bytes() - BIG;
    testInfo.annotations.push({ type: 'figure', description: `sent again across a bucket server restart: ${again} bytes` });
    expect(again).toBeLessThan(2 * CHUNK);
    expect(sent.creations()).toBe(1);
  });

  test('the gateway restarted mid-upload: the upload pauses and goes on where the bucket server is', async ({ page, pail, bucket }, testInfo) => {
    test.setTimeout(240_000);
    const size = 64 * MiB;
    const path = testInfo.outputPath('gateway.bin');
    const sha256 = await writeRandomFile(path, size);
    const sent = countPatchBytes(page, size);
    await page.goto(`/b/${bucket}`);
    await throttle(page, 16 * MiB);
    await page.getByLabel('Upload files').setInputFiles(path);
    const item = uploadItem(page, 'gateway.bin');
    await expect.poll(() => sentOf(item.getByRole('progressbar')), { timeout: 60_000 }).toBeGreaterThan(0.3 * size);
    try {
      await pail.stopGateway();
      await expect(item).toContainText('Paused, retrying');
      await expect(item.locator('.warning')).toContainText('lost its connection to the gateway');
    } finally {
      await pail.startGateway();
    }
    await expect(item).toContainText('Uploaded · verified', { timeout: 120_000 });
    expect(await sha256Of(join(pail.data, bucket, 'gateway.bin'))).toBe(sha256);
    const again = sent.bytes() - size;
    testInfo.annotations.push({ type: 'figure', description: `sent again across a gateway restart: ${again} bytes` });
    expect(again).toBeLessThan(2 * CHUNK);
    expect(sent.creations()).toBe(1);
  });

  test('Pause and Resume by hand go on from where the server is', async ({ page, bucket }, testInfo) => {
    const size = 3 * CHUNK + 5;
    const path = testInfo.outputPath('pause.bin');
    await writeRandomFile(path, size);
    const sent = countPatchBytes(page, size);
    await page.goto(`/b/${bucket}`);
    const slow = await throttle(page, 4 * MiB);
    await page.getByLabel('Upload files').setInputFiles(path);
    const item = uploadItem(page, 'pause.bin');
    await expect.poll(() => sentOf(item.getByRole('progressbar'))).toBeGreaterThan(CHUNK + MiB);
    await item.getByRole('button', { name: 'Pause upload of pause.bin' }).click();
    await expect(item).toContainText('Paused');
    await expect(item.getByRole('button', { name: 'Resume upload of pause.bin' })).toBeVisible();
    await slow.detach();
    await item.getByRole('button', { name: 'Resume upload of pause.bin' }).click();
    await expect(item).toContainText('Uploaded · verified');
    // The PATCH that Pause cut is the most sent again.
    expect(sent.bytes() - size).toBeLessThanOrEqual(CHUNK);
    expect(sent.creations()).toBe(1);
  });

  test("after a reload, the list's Resume asks for the file again, refuses another one, and resumes the same one", async ({ page, bucket }, testInfo) => {
    const size = 3 * CHUNK + 7;
    const path = testInfo.outputPath('listed.bin');
    await writeRandomFile(path, size);
    const sent = countPatchBytes(page, size);
    await page.goto(`/b/${bucket}`);
    const slow = await throttle(page, 4 * MiB);
    await page.getByLabel('Upload files').setInputFiles(path);
    await expect.poll(() => sentOf(uploadItem(page, 'listed.bin').getByRole('progressbar'))).toBeGreaterThan(CHUNK + MiB);
    await page.reload();
    await slow.detach();
    const unfinished = page.getByRole('region', { name: 'Left unfinished' });
    const resume = unfinished.getByRole('button', { name: 'Resume unfinished upload of listed.bin' });

    let chooser = page.waitForEvent('filechooser');
    await resume.click();
    await (await chooser).setFiles({ name: 'other.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(10) });
    await expect(unfinished.getByRole('alert')).toContainText('pick the same file to resume it');

    chooser = page.waitForEvent('filechooser');
    await resume.click();
    await (await chooser).setFiles(path);
    const item = uploadItem(page, 'listed.bin');
    await expect(item).toContainText('Uploaded · verified');
    await expect(item).toContainText(/resumed at \d/);
    expect(sent.bytes() - size).toBeLessThan(2 * CHUNK);
    expect(sent.creations()).toBe(1);
  });

  test('an unfinished upload found after a reload can be discarded: the server forgets it too', async ({ page, pail, bucket }, testInfo) => {
    const path = testInfo.outputPath('discard.bin');
    await writeRandomFile(path, 3 * CHUNK);
    await page.goto(`/b/${bucket}`);
    await throttle(page, 4 * MiB);
    await page.getByLabel('Upload files').setInputFiles(path);
    await expect.poll(() => sentOf(uploadItem(page, 'discard.bin').getByRole('progressbar'))).toBeGreaterThan(CHUNK + MiB);
    await page.reload();
    const unfinished = page.getByRole('region', { name: 'Left unfinished' });
    await expect(unfinished).toContainText('discard.bin');
    expect(await openSessions(pail, bucket)).toHaveLength(1);
    await unfinished.getByRole('button', { name: 'Discard unfinished upload of discard.bin' }).click();
    await expect(unfinished).toBeHidden();
    await expect.poll(() => openSessions(pail, bucket)).toEqual([]);
  });

  test('a digest that differs at completion is an error, and the file does not appear', async ({ page, pail, bucket }) => {
    // The completing PATCH carries a digest that is not the file's, as if the bytes had changed on the way.
    await page.route('**/api/uploads/*', async (route) => {
      const headers = route.request().headers();
      if (route.request().method() === 'PATCH' && headers['pail-upload-sha256']) {
        await route.continue({ headers: { ...headers, 'pail-upload-sha256': '0'.repeat(64) } });
      } else await route.continue();
    });
    await page.goto(`/b/${bucket}`);
    await page.getByLabel('Upload files').setInputFiles({ name: 'tampered.bin', mimeType: 'application/octet-stream', buffer: randomBytes(100_000) });
    const item = uploadItem(page, 'tampered.bin');
    await expect(item).toContainText('Failed');
    await expect(item.locator('.error')).toContainText(/SHA-256/i);
    await expect(item).not.toContainText('verified');
    await expect(page.getByRole('rowheader', { name: 'tampered.bin' })).toHaveCount(0);
    expect(await openSessions(pail, bucket)).toEqual([]);
    // The session is gone, so the page does not offer to resume it.
    await expect(page.getByRole('region', { name: 'Left unfinished' })).toBeHidden();
  });
});
