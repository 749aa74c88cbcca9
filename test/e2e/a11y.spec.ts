import type { Page } from '@playwright/test';
import { expect, rawUpload, test } from './fixtures.ts';

/** Controls in the accessibility tree that have no accessible name. */
async function unnamedControls(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot();
  return tree.split('\n').filter((line) => /^\s*- (button|link|textbox|searchbox|progressbar|checkbox|combobox|dialog|region|log)\b(?!\s+")/.test(line));
}

test.describe('accessibility', () => {
  test('every control of the main views has an accessible name', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'named.txt', Buffer.from('x'));
    await page.goto('/');
    await expect(page.getByRole('link', { name: bucket, exact: true })).toBeVisible();
    expect(await unnamedControls(page)).toEqual([]);

    await page.goto(`/b/${bucket}`);
    await page.getByLabel('Upload files').setInputFiles({ name: 'more.txt', mimeType: 'text/plain', buffer: Buffer.from('y') });
    await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('status')).toBeVisible();
    await page.getByRole('button', { name: 'Protocol console' }).click();
    await expect(page.getByRole('log')).toContainText('200 HELLO');
    expect(await unnamedControls(page)).toEqual([]);

    await page.getByRole('button', { name: 'Delete named.txt' }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    expect(await unnamedControls(page)).toEqual([]);
  });

  test('follows the system light or dark theme', async ({ page }) => {
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/');
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(background).not.toBe(light);
    expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(true);
  });
});
