import { expect, rawUpload, rawUploadMany, test } from './fixtures.ts';

test.describe('size and scale', () => {
  test('works at phone width without sideways scrolling', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'a rather long file name that has to wrap somewhere.txt', Buffer.from('x'));
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`/b/${bucket}`);
    await expect(page.getByRole('rowheader')).toHaveCount(1);
    await expect(page.getByLabel('Upload files')).toBeAttached();
    await expect(page.getByText('Upload files')).toBeVisible();
    await expect(page.getByRole('button', { name: /^Delete a rather long/ })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Protocol console' })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    await page.goto('/');
    await expect(page.getByRole('link', { name: bucket, exact: true })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });

  test('a long name wraps itself, never the date beside it', async ({ page, pail, bucket }) => {
    const long = `${'a-very-long-file-name-without-any-spaces-'.repeat(5)}end.txt`;
    await rawUpload(pail, bucket, long, Buffer.from('x'));
    await rawUpload(pail, bucket, 'short.txt', Buffer.from('y'));
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(`/b/${bucket}`);
    await expect(page.getByRole('rowheader')).toHaveCount(2);
    const lines = (name: string) =>
      page
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name, exact: true }) })
        .locator('time')
        .evaluate((time) => time.getClientRects().length);
    expect(await lines('short.txt')).toBe(1);
    expect(await lines(long)).toBe(1);
    // The name is the one that wraps: its cell is taller than one line of text.
    const nameHeight = await page.getByRole('link', { name: long }).evaluate((link) => link.getClientRects().length);
    expect(nameHeight).toBeGreaterThan(1);
  });

  test('a name with leading and trailing spaces shows them', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, '  spaced out.txt ', Buffer.from('x'));
    await page.goto(`/b/${bucket}`);
    const link = page.getByRole('table').getByRole('link');
    await expect(link).toHaveCount(1);
    // innerText is the text as drawn: collapsed white space would drop the edges.
    expect(await link.evaluate((element) => (element as HTMLElement).innerText)).toBe('  spaced out.txt ');
    await expect(link).toHaveAttribute('download', '  spaced out.txt ');
    // Its uploads and dialogs show it whole too.
    await page.getByRole('button', { name: 'Delete   spaced out.txt ' }).click();
    const title = page.getByRole('dialog').getByRole('heading');
    expect(await title.evaluate((element) => (element as HTMLElement).innerText)).toBe('Delete   spaced out.txt ?');
  });

  test('stays quick with thousands of files: a page is listed, only the rows in sight are drawn, the filter asks the server', async ({ page, pail, bucket }) => {
    const count = 2000;
    await rawUploadMany(
      pail,
      bucket,
      Array.from({ length: count }, (_, i) => ({ name: `file-${String(i).padStart(4, '0')}.txt`, body: Buffer.from(String(i)) })),
    );
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(`/b/${bucket}`);
    await expect(page.getByRole('rowheader', { name: 'file-0000.txt' })).toBeVisible();
    // One page of 1,000 is listed; the rest waits until the table is scrolled near it.
    await expect(page.getByText('1,000 rows loaded, more as you scroll')).toBeVisible();
    expect(await page.getByRole('rowheader').count()).toBeLessThan(80);

    const started = Date.now();
    await page.getByRole('button', { name: 'Size' }).click();
    // Sorting by another column orders what is loaded, and says so.
    await expect(page.getByRole('note')).toHaveText(/^Sorted by size among the 1,000 rows loaded so far/);
    await page.getByRole('button', { name: 'Name' }).click();
    await page.getByRole('button', { name: 'Name' }).click();
    await expect(page.getByRole('rowheader').first()).toHaveText('file-0999.txt');
    await expect(page.getByRole('note')).toHaveText(/^Sorted by name, last first, among the 1,000 rows loaded so far/);
    await page.getByRole('button', { name: 'Name' }).click();
    await page.getByLabel('Filter by name').fill('file-12');
    await expect(page.getByRole('table')).toHaveAttribute('aria-rowcount', '101');
    await expect(page.getByRole('rowheader').first()).toHaveText('file-1200.txt');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await page.getByRole('rowheader').count()).toBeLessThan(80);
  });
});

test('the file picker opens from the keyboard', async ({ page, bucket }) => {
  // Listening from the start: Playwright turns on its interception of file choosers when the first listener is added.
  const choosing = page.waitForEvent('filechooser', { timeout: 15_000 });
  await page.goto(`/b/${bucket}`);
  await page.getByRole('link', { name: 'All buckets' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Upload files')).toBeFocused();
  await page.keyboard.press('Space');
  const chooser = await choosing;
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles({ name: 'keyboard.txt', mimeType: 'text/plain', buffer: Buffer.from('typed') });
  await expect(page.getByRole('rowheader', { name: 'keyboard.txt' })).toBeVisible();
});
