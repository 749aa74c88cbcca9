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

  test('a page load moves no focus, and the heading shows a focus box only when reached by keyboard', async ({ page, bucket }) => {
    await page.goto(`/b/${bucket}`);
    const heading = page.getByRole('heading', { level: 1, name: bucket });
    await expect(heading).toBeVisible();
    await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected');
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
    await expect(heading).not.toBeFocused();
    // The first Tab reaches the skip link, as on any page.
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();

    const outline = (level1: ReturnType<typeof page.getByRole>) => level1.evaluate((element) => getComputedStyle(element).outlineStyle);
    // A mouse click moves focus to the new heading without drawing a box around it.
    await page.getByRole('link', { name: 'All buckets' }).click();
    const buckets = page.getByRole('heading', { level: 1, name: 'Buckets' });
    await expect(buckets).toBeFocused();
    expect(await outline(buckets)).toBe('none');
    // The keyboard moves it there with the box, so it is seen where focus went.
    await page.getByRole('link', { name: bucket, exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect(heading).toBeFocused();
    expect(await outline(heading)).not.toBe('none');
  });
});
