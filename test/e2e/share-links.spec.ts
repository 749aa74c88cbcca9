import { randomBytes } from 'node:crypto';
import { request, type Page } from '@playwright/test';
import { expect, rawUpload, test } from './fixtures.ts';

// A share link made in the web app, followed by a client with none of the page's cookies: the S3 listener
// serves the file's bytes under its name. The worker runs the S3 listener beside the gateway.
test.use({ pailS3: true });

const fileRow = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });

test.describe('share links', () => {
  test("a file's menu makes a link that works without the page's cookies, and the dialog closes on Escape", async ({ page, context, pail, bucket }) => {
    const name = 'report 2026 ü+1.bin';
    const body = randomBytes(200_000);
    await rawUpload(pail, bucket, name, body);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto(`/b/${bucket}`);

    // Escape closes the menu and gives focus back to its button.
    const menuButton = fileRow(page, name).getByRole('button', { name: `More actions for ${name}` });
    const menu = page.getByRole('menu', { name: `Actions for ${name}` });
    await menuButton.click();
    await expect(menu).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
    await expect(menuButton).toHaveAttribute('aria-expanded', 'false');
    await expect(menuButton).toBeFocused();

    // The menu by keyboard: Enter opens it on its first item, ArrowDown moves to the next.
    await page.keyboard.press('Enter');
    await expect(menu).toBeVisible();
    await expect(menuButton).toHaveAttribute('aria-expanded', 'true');
    await expect(menu.getByRole('menuitem', { name: 'Download' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitem', { name: 'Share link…' })).toBeFocused();
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog', { name: `Share ${name}` });
    await expect(dialog).toBeVisible();
    await expect(menu).toBeHidden();
    await dialog.getByRole('radio', { name: 'Custom' }).check();
    await dialog.getByLabel('How long').fill('200');
    await dialog.getByLabel('Unit').selectOption('hours');
    // 200 hours is past the 7 days a link may last: refused in the dialog before the gateway is asked.
    await expect(dialog.getByText('Give a whole number of hours from 1 to 168.')).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Create link' })).toBeDisabled();
    await dialog.getByLabel('How long').fill('2');
    const before = Date.now();
    await dialog.getByRole('button', { name: 'Create link' }).click();

    const field = dialog.getByRole('textbox', { name: 'Link' });
    await expect(field).toBeFocused();
    const after = Date.now();
    const url = await field.inputValue();
    expect(url.startsWith(`${pail.s3Url}/${bucket}/`)).toBe(true);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('7200');
    const expires = Date.parse((await dialog.locator('time').getAttribute('datetime'))!);
    // Signed at a whole second (X-Amz-Date) between the two clock readings.
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 7200_000);
    expect(expires).toBeLessThanOrEqual(after + 7200_000);
    await expect(dialog.getByText(/^expires /)).toBeVisible();

    await dialog.getByRole('button', { name: 'Copy' }).click();
    await expect(dialog.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

    // Fetched by a client that has none of the page's cookies.
    const stranger = await request.newContext();
    try {
      const response = await stranger.get(url);
      expect(response.status()).toBe(200);
      expect((await response.body()).equals(body)).toBe(true);
      const disposition = response.headers()['content-disposition'] ?? '';
      expect(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1] ?? '')).toBe(name);
      // The signature carries the right: the same client gets nothing from a link whose expiry was lengthened.
      const tampered = await stranger.get(url.replace('X-Amz-Expires=7200', 'X-Amz-Expires=7201'));
      expect(tampered.status()).toBe(403);
    } finally {
      await stranger.dispose();
    }

    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(menuButton).toBeFocused();
  });
});
