import { randomBytes } from 'node:crypto';
import { joinTokens } from '../../shared/protocol/tokens.ts';
import { expect, rawUpload, test } from './fixtures.ts';

// A quota small enough to refuse an upload until room is made (a worker of its own: the setting is the servers').
test.use({ pailSettings: { quota: 256 * 1024 } });

test.describe('a refused upload', () => {
  test('is said plainly, drawn in the error colour, and sent again with Retry once the refusal is gone', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'filler.bin', randomBytes(200 * 1024));
    await page.goto(`/b/${bucket}`);
    await page.getByLabel('Upload files').setInputFiles({ name: 'refused.bin', mimeType: 'application/octet-stream', buffer: randomBytes(100 * 1024) });
    const item = page.getByRole('region', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: 'refused.bin' });
    await expect(item).toContainText('Failed');
    await expect(item).toContainText(/Not stored · \d+ B of 100 KiB sent/);
    await expect(item.locator('.error')).toContainText(/quota|space|full/i);
    const colours = await item.getByRole('progressbar').evaluate((bar) => {
      const probe = document.createElement('p');
      probe.className = 'error';
      document.body.append(probe);
      const danger = getComputedStyle(probe).color;
      probe.remove();
      return { bar: getComputedStyle(bar).accentColor, danger };
    });
    expect(colours.bar).toBe(colours.danger);

    const client = await pail.raw();
    try {
      expect(await client.command(joinTokens(['delete_f', bucket, 'filler.bin']))).toMatch(/^\d+ /);
    } finally {
      client.close();
    }
    await item.getByRole('button', { name: 'Retry upload of refused.bin' }).click();
    await expect(item).toContainText('Uploaded · verified');
    await expect(page.getByRole('region', { name: 'Uploads' }).getByRole('status')).toHaveText('Done: 1 file uploaded.');
  });
});
