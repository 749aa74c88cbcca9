import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures.ts';

const FILES = 100_000;
/** Rows the table may hold in the DOM at once, whatever the folder's size: the visible window plus its margins. */
const MOST_DRAWN_ROWS = 150;

const nameOf = (i: number) => `file-${String(i).padStart(6, '0')}.txt`;

/** Writes files straight into the bucket's folder, as an operator copying them in would; a few writes at a time. */
async function plantFiles(folder: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await writeFile(join(folder, nameOf(i)), String(i));
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

test.describe('a bucket of 100,000 files', () => {
  test('scrolls from the first file to the last with a bounded number of rows in the DOM, asking for pages as it goes', async ({ page, pail, bucket }) => {
    test.setTimeout(240_000);
    await plantFiles(join(pail.data, bucket), FILES);

    const pages: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(`/api/buckets/${bucket}/files?`)) pages.push(request.url());
    });
    const opened = Date.now();
    await page.goto(`/b/${bucket}`);
    const table = page.getByRole('table');
    await expect(page.getByRole('rowheader', { name: nameOf(0), exact: true })).toBeVisible();
    const firstRowMs = Date.now() - opened;
    // The whole count is not known until the last page is in: the table says so (aria-rowcount -1).
    await expect(table).toHaveAttribute('aria-rowcount', '-1');
    expect(pages.length).toBeLessThanOrEqual(2);
    for (const url of pages) expect(new URL(url).searchParams.get('limit')).toBe('1000');

    // Scroll to the bottom again and again, as a person dragging the scrollbar down would, counting drawn rows each time.
    const scrolling = Date.now();
    const drawn = await page.evaluate(
      async ({ last, deadline }) => {
        const box = document.querySelector<HTMLElement>('.scroller');
        if (!box) throw new Error('no scrolling table');
        const drawnRows = () => box.querySelectorAll('tbody tr[data-index]').length;
        const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
        const counts: number[] = [];
        const ends = Date.now() + deadline;
        for (let step = 0; step < 2_000 && Date.now() < ends; step++) {
          box.scrollTop = box.scrollHeight;
          await frame();
          await frame();
          counts.push(drawnRows());
          const names = [...box.querySelectorAll('tbody th')].map((th) => th.textContent?.trim());
          if (names.includes(last)) return { counts, found: true };
          // Wait for the next page to arrive before scrolling on.
          const before = box.scrollHeight;
          for (let wait = 0; wait < 600 && box.scrollHeight === before && Date.now() < ends; wait++) await frame();
        }
        return { counts, found: false };
      },
      { last: nameOf(FILES - 1), deadline: 180_000 },
    );
    expect(drawn.found).toBe(true);
    // Figures for the report, as measured on this run.
    console.log(
      `100,000 files: first row after ${firstRowMs} ms; scrolled to the last in ${Date.now() - scrolling} ms over ${drawn.counts.length} scrolls; ` +
        `${Math.min(...drawn.counts)}–${Math.max(...drawn.counts)} rows in the DOM`,
    );
    expect(Math.max(...drawn.counts)).toBeLessThanOrEqual(MOST_DRAWN_ROWS);
    expect(Math.min(...drawn.counts)).toBeGreaterThan(0);

    // Every page asked for once, each after the one before: 100 pages of 1,000.
    expect(pages.length).toBe(FILES / 1000);
    const afters = pages.map((url) => new URL(url).searchParams.get('after'));
    expect(new Set(afters).size).toBe(pages.length);

    // Now the count is known, and the last row says where it is.
    await expect(table).toHaveAttribute('aria-rowcount', String(FILES + 1));
    const lastRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: nameOf(FILES - 1), exact: true }) });
    await expect(lastRow).toHaveAttribute('aria-rowindex', String(FILES + 1));
    await expect(page.getByText(`${FILES.toLocaleString('en-US')} files`)).toBeVisible();
    expect(await page.locator('tbody tr[data-index]').count()).toBeLessThanOrEqual(MOST_DRAWN_ROWS);

    // The keyboard gets to the top and back to the bottom, the DOM staying small.
    await lastRow.click();
    await page.keyboard.press('Home');
    const firstRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: nameOf(0), exact: true }) });
    await expect(firstRow).toBeFocused();
    await expect(firstRow).toHaveAttribute('aria-rowindex', '2');
    await page.keyboard.press('End');
    await expect(lastRow).toBeFocused();
    expect(await page.locator('tbody tr[data-index]').count()).toBeLessThanOrEqual(MOST_DRAWN_ROWS);

    // The filter asks the server for a prefix: one page, the matching names only.
    pages.length = 0;
    await page.getByLabel('Filter by name').fill('file-09999');
    await expect(page.getByRole('rowheader')).toHaveCount(10);
    await expect(table).toHaveAttribute('aria-rowcount', '11');
    expect(pages.map((url) => new URL(url).searchParams.get('prefix'))).toContain('file-09999');
  });
});
