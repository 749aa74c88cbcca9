import { expect, rawUpload, test } from './fixtures.ts';

test.describe('nothing uploaded runs in the page', () => {
  test('a file name holding markup is shown as text, and runs nothing', async ({ page, pail, bucket }) => {
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    const name = '<img src=x onerror=alert(1)>.html';
    expect(await rawUpload(pail, bucket, name, Buffer.from('hi'))).toMatch(/^700 FUTB/);
    await page.goto(`/b/${bucket}`);
    await expect(page.getByRole('rowheader', { name })).toBeVisible();
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    expect(dialogs).toBe(0);
  });

  for (const [name, body] of [
    ['evil.html', '<!doctype html><title>x</title><script>document.title = "ran"; fetch("/api/buckets", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "pwned" }) })</script>'],
    ['evil.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/api/buckets\', { method: \'POST\', headers: { \'content-type\': \'application/json\' }, body: JSON.stringify({ name: \'pwned\' }) })"><script>document.title = "ran"</script></svg>'],
  ] as const) {
    test(`an uploaded ${name} opened through its link is downloaded, never rendered`, async ({ page, pail, bucket }) => {
      expect(await rawUpload(pail, bucket, name, Buffer.from(body))).toMatch(/^700 FUTB/);
      await page.goto(`/b/${bucket}`);
      const link = page.getByRole('link', { name: `Download ${name}` }).or(page.getByRole('link', { name, exact: true }));
      const href = await link.first().getAttribute('href');
      expect(href).toBeTruthy();
      const download = page.waitForEvent('download');
      await page.goto(href!).catch(() => {}); // an attachment ends the navigation with "download is starting"
      expect((await download).suggestedFilename()).toBe(name);
      const response = await page.request.get(href!);
      expect(response.headers()['content-disposition']).toMatch(/^attachment/);
      expect(response.headers()['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(response.headers()['x-content-type-options']).toBe('nosniff');
      const buckets = await (await page.request.get('/api/buckets')).json();
      expect(buckets.buckets.map((b: { name: string }) => b.name)).not.toContain('pwned');
    });
  }
});
