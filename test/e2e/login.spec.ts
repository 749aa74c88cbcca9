import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, rawUpload, test } from './fixtures.ts';

const TOKEN = 'e2e-full-token';
const READ_TOKEN = 'e2e-read-token';

// This file's worker runs its servers with tokens: the gateway asks for a login.
test.use({ pailAccess: { token: TOKEN, readToken: READ_TOKEN } });

async function logIn(page: Page, token: string): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

const fileNames = (page: Page) => page.getByRole('table').getByRole('rowheader');

test.describe('login', () => {
  test('asks for the token, refuses a wrong one plainly, then carries on: upload, log out, asked again', async ({ page, bucket }) => {
    await page.goto(`/b/${bucket}`);
    await logIn(page, 'not the token');
    await expect(page.getByRole('alert')).toHaveText('That token is not right. Check it and try again.');
    await expect(page.getByLabel('Access token')).toHaveAttribute('aria-invalid', 'true');

    await logIn(page, TOKEN);
    await expect(page.getByRole('heading', { name: bucket })).toBeVisible();
    await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected');
    await page.getByLabel('Upload files').setInputFiles({ name: 'after-login.txt', mimeType: 'text/plain', buffer: Buffer.from('logged in') });
    await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('status')).toHaveText('Done: 1 file uploaded.');
    await expect(fileNames(page)).toHaveText(['after-login.txt']);
    // The session cookie is HttpOnly: the page's scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await expect(page.getByText('You have logged out.')).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
  });

  test('a login that ends brings the login page back, and logging in again carries on where the page was', async ({ page, context, bucket }) => {
    await page.goto('/');
    await logIn(page, TOKEN);
    await expect(page.getByRole('link', { name: bucket, exact: true })).toBeVisible();
    await context.clearCookies();

    await page.getByLabel('Bucket name').fill(`${bucket}-x`);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await expect(page.getByText('Your login has ended. Log in again to carry on.')).toBeVisible();
    await logIn(page, TOKEN);
    await expect(page.getByRole('heading', { name: 'Buckets' })).toBeVisible();
    await page.getByLabel('Bucket name').fill(`${bucket}-x`);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await expect(page.getByRole('link', { name: `${bucket}-x`, exact: true })).toBeVisible();
  });

  test('a read-only login lists and downloads, and offers no way to change anything', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'shared.txt', Buffer.from('read me'));
    await page.goto(`/b/${bucket}`);
    await logIn(page, READ_TOKEN);
    await expect(page.getByText('Read-only', { exact: true })).toBeVisible();
    await expect(fileNames(page)).toHaveText(['shared.txt']);
    await expect(page.getByText(`This login is read-only: you can download the files of ${bucket}`)).toBeVisible();
    await expect(page.getByLabel('Upload files')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Delete bucket' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Delete shared.txt' })).toHaveCount(0);

    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: 'shared.txt' }).click();
    expect(await readFile(await (await downloading).path(), 'utf8')).toBe('read me');

    // The console presents the read token, so the bucket server refuses writes itself.
    await page.getByRole('button', { name: 'Protocol console' }).click();
    const log = page.getByRole('log');
    await expect(log).toContainText('200 HELLO');
    await page.getByRole('textbox', { name: /command/i }).fill(`delete_f ${bucket} shared.txt`);
    await page.getByRole('textbox', { name: /command/i }).press('Enter');
    await expect(log).toContainText('1050 FDF forbidden');
  });
});
