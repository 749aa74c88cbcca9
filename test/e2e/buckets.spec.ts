import { expect, rawUpload, test } from './fixtures.ts';

test.describe('buckets', () => {
  test('creates a bucket with the form and opens it', async ({ page }) => {
    const name = `photos-${test.info().workerIndex}-${Date.now().toString(36)}`;
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Buckets' })).toBeVisible();
    await page.getByLabel('Bucket name').fill(name);
    await page.getByRole('button', { name: 'Create bucket' }).click();

    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row.getByRole('cell')).toHaveText(['0', '0 B', /\d/, 'Delete']);
    await expect(page.getByLabel('Bucket name')).toHaveValue('');

    await row.getByRole('link', { name }).click();
    await expect(page).toHaveURL(`/b/${name}`);
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
  });

  test('checks the name while it is typed with the codec\'s rules, says so once, and does not send it', async ({ page, pail }) => {
    // What the bucket server itself says to this name, asked the way `nc` would: the page's check says the same.
    const client = await pail.raw();
    const reply = await client.command('create_b Bad_Name');
    client.close();
    expect(reply).toMatch(/^350 BCF bad-name /);
    const rule = reply.replace(/^350 BCF bad-name "Bad_Name": /, '');
    expect(rule).toMatch(/^a bucket name uses only/);

    await page.goto('/');
    const input = page.getByLabel('Bucket name');
    const create = page.getByRole('button', { name: 'Create bucket' });
    await input.fill('Bad_Name');
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText(`Check the name: ${rule}.`)).toBeVisible();
    await expect(create).toBeDisabled();
    // Enter submits a form too: still nothing is sent, and the message is not said a second time.
    await input.press('Enter');
    await expect(page.getByText(rule)).toHaveCount(1);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Bad_Name' })).toHaveCount(0);

    await input.fill('good-name-but-longer-than-sixty-three-characters-is-too-long-for-a-bucket');
    await expect(page.getByText('Check the name: a bucket name has 3 to 63 characters.')).toBeVisible();
    await expect(create).toBeDisabled();
    await input.fill('fine-name');
    await expect(create).toBeEnabled();
    await expect(input).toHaveAttribute('aria-invalid', 'false');
  });

  test('shows the server refusing a name that is taken', async ({ page, bucket }) => {
    await page.goto('/');
    await page.getByLabel('Bucket name').fill(bucket);
    await expect(page.getByText(`A bucket named ${bucket} already exists.`)).toBeVisible();
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await expect(page.getByRole('alert')).toContainText('350 BCF exists');
    // The refusal stands in for the early warning: the page says it once.
    await expect(page.getByText(`A bucket named ${bucket} already exists.`)).toHaveCount(0);
  });

  test('lists each bucket with its file count and size', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'one.txt', Buffer.alloc(1000, 1));
    await rawUpload(pail, bucket, 'two.txt', Buffer.alloc(2048, 2));
    await page.goto('/');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: bucket, exact: true }) });
    await expect(row.getByRole('cell')).toHaveText(['2', '3.0 KiB', /\d/, 'Delete']);
  });

  test('sorts by any column and filters by name like the file list', async ({ page, pail }) => {
    const stamp = `${test.info().workerIndex}-${Date.now().toString(36)}`;
    const made = [`sort-b-${stamp}`, `sort-a-${stamp}`, `sort-c-${stamp}`];
    const client = await pail.raw();
    try {
      for (const name of made) expect(await client.command(`create_b ${name}`)).toMatch(/^300 BCS /);
    } finally {
      client.close();
    }
    await rawUpload(pail, made[0], 'big.bin', Buffer.alloc(3000));
    await rawUpload(pail, made[2], 'small.bin', Buffer.alloc(10));
    await page.goto('/');
    await page.getByLabel('Filter buckets by name').fill('sort-');
    const names = page.getByRole('table').getByRole('rowheader');
    await expect(names).toHaveText([`sort-a-${stamp}`, `sort-b-${stamp}`, `sort-c-${stamp}`]);
    await expect(page.getByText('3 buckets of')).toBeVisible();

    await page.getByRole('button', { name: 'Size' }).click();
    await expect(page.getByRole('columnheader', { name: 'Size' })).toHaveAttribute('aria-sort', 'ascending');
    await expect(names).toHaveText([`sort-a-${stamp}`, `sort-c-${stamp}`, `sort-b-${stamp}`]);
    await page.getByRole('button', { name: 'Size' }).click();
    await expect(names).toHaveText([`sort-b-${stamp}`, `sort-c-${stamp}`, `sort-a-${stamp}`]);
    await page.getByRole('button', { name: 'Name' }).click();
    await expect(names).toHaveText([`sort-a-${stamp}`, `sort-b-${stamp}`, `sort-c-${stamp}`]);
    await page.getByRole('button', { name: 'Name' }).click();
    await expect(names).toHaveText([`sort-c-${stamp}`, `sort-b-${stamp}`, `sort-a-${stamp}`]);

    // A prefix, as in the file list: names starting with it, not containing it.
    await page.getByLabel('Filter buckets by name').fill(`sort-a`);
    await expect(names).toHaveText([`sort-a-${stamp}`]);
    await page.getByLabel('Filter buckets by name').fill(stamp);
    await expect(page.getByText(`No bucket name starts with “${stamp}”.`)).toBeVisible();
  });

  test('deletes an empty bucket after confirming', async ({ page, bucket }) => {
    await page.goto('/');
    await page.getByRole('button', { name: `Delete bucket ${bucket}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete bucket ${bucket}?` });
    await expect(dialog).toContainText('The bucket is empty');
    // Cancel first: nothing happens, focus returns to the button that opened the dialog.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('button', { name: `Delete bucket ${bucket}` })).toBeFocused();

    await page.getByRole('button', { name: `Delete bucket ${bucket}` }).click();
    await dialog.getByRole('button', { name: 'Delete bucket' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('link', { name: bucket, exact: true })).toHaveCount(0);
  });

  test('offers to delete a bucket together with the files it holds', async ({ page, pail, bucket }) => {
    await rawUpload(pail, bucket, 'keep.txt', Buffer.from('still here'));
    await page.goto('/');
    await page.getByRole('button', { name: `Delete bucket ${bucket}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete bucket ${bucket}?` });
    await expect(dialog).toContainText('This bucket still holds 1 file (10 B)');
    await dialog.getByRole('button', { name: 'Delete bucket and its files' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('link', { name: bucket, exact: true })).toHaveCount(0);
  });

  test('a dialog keeps the keyboard inside it and closes on Escape', async ({ page, bucket }) => {
    await page.goto('/');
    await page.getByRole('button', { name: `Delete bucket ${bucket}` }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Delete bucket ${bucket}?` });
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(dialog.getByRole('button', { name: 'Delete bucket' })).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    // Past either end, a modal dialog lets focus leave only to the browser itself, never to the page behind it.
    for (const key of ['Shift+Tab', 'Shift+Tab', 'Tab', 'Tab', 'Tab']) {
      await page.keyboard.press(key);
      expect(await page.evaluate(() => document.activeElement === document.body || !!document.activeElement?.closest('dialog'))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('link', { name: bucket, exact: true })).toBeVisible();
  });
});
