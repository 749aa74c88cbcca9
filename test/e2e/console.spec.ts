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
});
