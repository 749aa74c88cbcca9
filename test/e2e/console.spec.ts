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
});
