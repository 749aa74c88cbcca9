import { expect, test } from './fixtures.ts';

test.describe('protocol console', () => {
  test('answers help and ls_b with the raw reply lines, and recalls commands with the arrow keys', async ({ page, bucket }) => {
    await page.goto('/');
    const toggle = page.getByRole('button', { name: 'Protocol console' });
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');

    const consoleRegion = page.getByRole('complementary', { name: 'Protocol console' });
    const transcript = consoleRegion.getByRole('log', { name: 'Console transcript' });
    const input = consoleRegion.getByLabel('Command');
    await expect(input).toBeFocused();
    await expect(transcript).toContainText('200 HELLO');

    await input.fill('help');
    await input.press('Enter');
    await expect(transcript).toContainText('210 HELP');
    await expect(transcript).toContainText('ls_b');
    await expect(input).toHaveValue('');

    await input.fill('ls_b');
    await consoleRegion.getByRole('button', { name: 'Send' }).click();
    await expect(transcript).toContainText('500 BLS');
    await expect(transcript).toContainText(bucket);

    await input.fill('create_b NOPE');
    await input.press('Enter');
    await expect(transcript).toContainText('350 BCF bad-name');

    await input.press('ArrowUp');
    await expect(input).toHaveValue('create_b NOPE');
    await input.press('ArrowUp');
    await expect(input).toHaveValue('ls_b');
    await input.press('ArrowUp');
    await expect(input).toHaveValue('help');
    await input.press('ArrowDown');
    await expect(input).toHaveValue('ls_b');
    await input.press('ArrowDown');
    await input.press('ArrowDown');
    await expect(input).toHaveValue('');

    await input.press('Escape');
    await expect(consoleRegion).toBeHidden();
    await expect(toggle).toBeFocused();
  });

  test('tells success from failure by the code table, not by the number', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Protocol console' }).click();
    const transcript = page.getByRole('log', { name: 'Console transcript' });
    const input = page.getByLabel('Command');
    await expect(transcript).toContainText('200 HELLO');
    // 280 AUTHF is a failure whose number looks like the successes around it; 350 BCF is one of the usual kind.
    for (const command of ['auth not-a-token', 'create_b NOPE', 'help']) {
      await input.fill(command);
      await input.press('Enter');
    }
    await expect(transcript).toContainText('210 HELP');
    const entry = (start: string) => transcript.locator('.entry').filter({ hasText: new RegExp(`^${start}`) }).first();
    const colour = (start: string) => entry(start).evaluate((element) => getComputedStyle(element).color);
    const danger = await page.evaluate(() => {
      const probe = document.createElement('p');
      probe.className = 'error';
      document.body.append(probe);
      const colour = getComputedStyle(probe).color;
      probe.remove();
      return colour;
    });
    await expect(entry('280 AUTHF forbidden')).toBeVisible();
    expect(await colour('350 BCF bad-name')).toBe(danger);
    expect(await colour('280 AUTHF forbidden')).toBe(danger);
    expect(await colour('210 HELP')).not.toBe(danger);
    expect(await colour('200 HELLO')).not.toBe(danger);
  });

  test("help's rows keep their columns: a long description wraps under itself", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/');
    await page.getByRole('button', { name: 'Protocol console' }).click();
    const transcript = page.getByRole('log', { name: 'Console transcript' });
    await expect(transcript).toContainText('200 HELLO');
    await page.getByLabel('Command').fill('help');
    await page.getByLabel('Command').press('Enter');
    const row = transcript.locator('.entry').filter({ hasText: /^upload_f BUCKET KEY SIZE/ });
    await expect(row).toBeVisible();
    const layout = await row.evaluate((entry) => {
      const walker = document.createTreeWalker(entry, NodeFilter.SHOW_TEXT);
      let text = walker.nextNode() as Text;
      while (!text.data.startsWith('upload_f')) text = walker.nextNode() as Text;
      const column = /^\S(?:.*?\S)?( {2,})/.exec(text.data)![0].length;
      const description = document.createRange();
      description.setStart(text, column);
      description.setEnd(text, text.data.length);
      // Where each drawn line of the description starts (a line may have several boxes: the spaces it ends with).
      const lines = [...description.getClientRects()].filter((r) => r.width > 0);
      const starts = new Map<number, number>();
      for (const r of lines) starts.set(Math.round(r.top), Math.min(starts.get(Math.round(r.top)) ?? Infinity, Math.round(r.left)));
      return {
        lefts: [...new Set(starts.values())],
        lines: starts.size,
        firstLineOffset: lines[0].top - entry.getBoundingClientRect().top,
        lineHeight: lines[0].height,
      };
    });
    // The description starts beside the first column, on the row's first line, and every further line starts where it did.
    expect(layout.firstLineOffset).toBeLessThan(layout.lineHeight / 2);
    expect(layout.lines).toBeGreaterThan(1);
    expect(layout.lefts).toHaveLength(1);
  });

  test('at phone width the console keeps its Close button beside its title', async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto('/');
    await page.getByRole('button', { name: 'Protocol console' }).click();
    const region = page.getByRole('complementary', { name: 'Protocol console' });
    await expect(region.getByRole('log')).toContainText('200 HELLO');
    const title = (await region.getByRole('heading', { name: 'Protocol console' }).boundingBox())!;
    const close = (await region.getByRole('button', { name: 'Close' }).boundingBox())!;
    expect(close.y).toBeLessThan(title.y + title.height);
    expect(close.y + close.height).toBeGreaterThan(title.y);
    // help's long rows wrap within the transcript, none reaching past its edge.
    await region.getByLabel('Command').fill('help');
    await region.getByLabel('Command').press('Enter');
    const transcript = region.getByRole('log');
    await expect(transcript).toContainText('210 HELP');
    await expect(transcript).toContainText('ls_f [BUCKET]');
    expect(await transcript.evaluate((log) => log.scrollWidth - log.clientWidth)).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });
});
