import { randomBytes } from 'node:crypto';
import { expect, rawUpload, test } from './fixtures.ts';

/**
 * Screenshots of the main views in the light and the dark theme, for the
 * README: `PAIL_SCREENSHOTS=1 npx playwright test screenshots` writes them to
 * docs/screenshots/. Skipped otherwise, so ordinary runs leave docs/ alone.
 */
const DIR = 'docs/screenshots';
const THEMES = ['light', 'dark'] as const;

test.describe('screenshots', () => {
  test.skip(!process.env.PAIL_SCREENSHOTS, 'set PAIL_SCREENSHOTS=1 to write docs/screenshots');

  test.beforeEach(async ({ page, pail }) => {
    // A tidy store: only the buckets shown here.
    const listed = (await (await page.request.get(`${pail.url}/api/buckets`)).json()) as { buckets: { name: string }[] };
    for (const { name } of listed.buckets) await page.request.delete(`${pail.url}/api/buckets/${name}?force=true`);
    const client = await pail.raw();
    for (const name of ['photos', 'backups', 'logs-2026']) await client.command(`create_b ${name}`);
    client.close();
    const files: [string, string, number][] = [
      ['photos', 'beach at dusk.jpg', 3_481_220],
      ['photos', 'IMG_2041.HEIC', 2_210_004],
      ['photos', 'IMG_2042.HEIC', 2_305_771],
      ['photos', 'family, 2025 (edited).png', 6_120_448],
      ['photos', 'notes.txt', 1_203],
      ['backups', 'db-2026-11-22.sql.gz', 18_730_112],
      ['logs-2026', 'gateway.log', 48_201],
    ];
    for (const [bucket, name, size] of files) await rawUpload(pail, bucket, name, randomBytes(size));
  });

  for (const theme of THEMES) {
    test(`main views, ${theme} theme`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: theme });
      await page.setViewportSize({ width: 1280, height: 800 });

      await page.goto('/');
      await expect(page.getByRole('link', { name: 'logs-2026' })).toBeVisible();
      await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected');
      await page.screenshot({ path: `${DIR}/buckets-${theme}.png` });

      await page.goto('/b/photos');
      await expect(page.getByRole('rowheader')).toHaveCount(5);
      await page.getByLabel('Upload files').setInputFiles([
        { name: 'IMG_2043.HEIC', mimeType: 'image/heic', buffer: randomBytes(1_900_000) },
        { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('a newer note') },
      ]);
      const uploads = page.getByRole('region', { name: 'Uploads' });
      await expect(uploads.getByRole('button', { name: 'Overwrite notes.txt' })).toBeVisible();
      await expect(uploads.getByRole('listitem').first()).toContainText('Uploaded');
      await page.screenshot({ path: `${DIR}/bucket-${theme}.png`, fullPage: true });

      await page.getByRole('button', { name: 'Delete IMG_2041.HEIC' }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await page.screenshot({ path: `${DIR}/delete-dialog-${theme}.png` });
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: 'Protocol console' }).click();
      const input = page.getByLabel('Command');
      for (const line of ['help', 'ls_b', 'ls_f photos']) {
        await input.fill(line);
        await input.press('Enter');
      }
      await expect(page.getByRole('log')).toContainText('800 FLS');
      await page.screenshot({ path: `${DIR}/console-${theme}.png` });

      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('button', { name: 'Close' }).click();
      await page.reload();
      await expect(page.getByRole('rowheader')).toHaveCount(6);
      await page.screenshot({ path: `${DIR}/phone-${theme}.png`, fullPage: true });
    });
  }
});
