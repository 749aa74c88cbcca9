import { createServer } from 'node:net';
import { expect, rawUpload, test } from './fixtures.ts';

/**
 * Listens on the stopped bucket server's port and hangs up on every
 * connection, counting them: how many times the gateway has tried, so a test
 * can wait for its backoff to grow instead of sleeping.
 */
async function hangUpCounter(port: number): Promise<{ readonly count: number; close(): Promise<void> }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.on('error', () => {});
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    get count() {
      return count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test.describe('live updates and places', () => {
  test('a file uploaded through a raw protocol client appears without a reload', async ({ page, pail, bucket }) => {
    await page.goto(`/b/${bucket}`);
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
    await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected');

    const reply = await rawUpload(pail, bucket, 'from-nc.txt', Buffer.from('typed into nc\n'));
    expect(reply).toMatch(/^700 FUTB 14 /);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'from-nc.txt' }) });
    await expect(row.getByRole('cell').nth(1)).toHaveText('14 B');

    const client = await pail.raw();
    expect(await client.command(`delete_f ${bucket} from-nc.txt`)).toMatch(/^1000 FDS /);
    client.close();
    await expect(row).toHaveCount(0);
  });

  test('a bucket created elsewhere appears in the list without a reload', async ({ page, pail }) => {
    await page.goto('/');
    await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected');
    const name = `elsewhere-${Date.now().toString(36)}`;
    const client = await pail.raw();
    expect(await client.command(`create_b ${name}`)).toMatch(/^300 BCS /);
    client.close();
    await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
  });

  test('a reload and the back button keep the open bucket', async ({ page, bucket }) => {
    await page.goto('/');
    await page.getByRole('link', { name: bucket, exact: true }).click();
    await expect(page).toHaveURL(`/b/${bucket}`);
    await expect(page.getByRole('heading', { level: 1, name: bucket })).toBeFocused();

    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: bucket })).toBeVisible();
    await expect(page).toHaveTitle(`${bucket} · Pail`);

    await page.goBack();
    await expect(page.getByRole('heading', { level: 1, name: 'Buckets' })).toBeVisible();
    await page.goForward();
    await expect(page.getByRole('heading', { level: 1, name: bucket })).toBeVisible();
  });

  test('a deep link survives a reload even when the bucket name looks like a file name', async ({ page, pail }) => {
    const name = `site.v1.${Date.now().toString(36)}.html`;
    const client = await pail.raw();
    expect(await client.command(`create_b ${name}`)).toMatch(/^300 BCS /);
    client.close();
    await page.goto(`/b/${name}`);
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.getByText('No files in this bucket yet')).toBeVisible();
  });

  test('a deep link to a bucket that does not exist says so', async ({ page }) => {
    await page.goto('/b/no-such-bucket-here');
    await expect(page.getByRole('alert')).toContainText('no-such-bucket-here');
    await page.getByRole('link', { name: 'Back to all buckets' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Buckets' })).toBeVisible();
  });

  test('a deep link to a name no bucket can have says why, and offers nothing to do there', async ({ page }) => {
    const listings: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/buckets/')) listings.push(request.url());
    });
    await page.goto('/b/Bad_Name!');
    await expect(page.getByRole('heading', { level: 1, name: 'Bad_Name!' })).toBeVisible();
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(page.getByLabel('Upload files')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Delete bucket' })).toHaveCount(0);
    await expect(page.getByText('Drop files anywhere')).toHaveCount(0);
    await expect(page.getByText('No files in this bucket yet')).toHaveCount(0);
    await expect(page.getByLabel('Filter by name')).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveText('There can be no bucket named “Bad_Name!”: a bucket name uses only lower-case letters, digits, hyphens and dots.');
    await expect(page.getByRole('alert')).toHaveCount(1);
    expect(listings).toEqual([]);
    await page.getByRole('link', { name: 'Back to all buckets' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Buckets' })).toBeVisible();
  });

  test('the connection indicator reacts to the bucket server stopping and starting', async ({ page, pail, bucket }) => {
    await page.goto(`/b/${bucket}`);
    const indicator = page.getByRole('status', { name: 'Connection' });
    await expect(indicator).toHaveText('Connected');
    try {
      await pail.stopServer();
      await expect(indicator).toHaveText('Bucket server unreachable, reconnecting…');
      await expect(indicator).toHaveAttribute('data-state', 'down');
    } finally {
      await pail.startServer();
    }
    // The gateway retries with backoff; events flow again once it has reconnected.
    await expect(indicator).toHaveText('Connected', { timeout: 20_000 });
    await rawUpload(pail, bucket, 'after-restart.txt', Buffer.from('back'));
    await expect(page.getByRole('rowheader', { name: 'after-restart.txt' })).toBeVisible();
  });

  test('the app tells when the gateway is gone and reconnects by itself', async ({ page, pail, bucket }) => {
    await page.goto(`/b/${bucket}`);
    const indicator = page.getByRole('status', { name: 'Connection' });
    await expect(indicator).toHaveText('Connected');
    try {
      await pail.stopGateway();
      await expect(indicator).toHaveText('Gateway unreachable, reconnecting…');
      // A change the page cannot hear about: made straight on the bucket server while the gateway is away.
      await rawUpload(pail, bucket, 'while-away.txt', Buffer.from('hello'));
    } finally {
      await pail.startGateway();
    }
    await expect(indicator).toHaveText('Connected', { timeout: 20_000 });
    // What changed while it was away is picked up by listing again after reconnecting.
    await expect(page.getByRole('rowheader', { name: 'while-away.txt' })).toBeVisible();
  });

  test('says Connected within about a second of the bucket server coming back, however long it was away', async ({ page, pail, bucket }) => {
    await page.goto(`/b/${bucket}`);
    const indicator = page.getByRole('status', { name: 'Connection' });
    await expect(indicator).toHaveText('Connected');
    await pail.stopServer();
    let attempts: Awaited<ReturnType<typeof hangUpCounter>> | null = null;
    try {
      await expect(indicator).toHaveText('Bucket server unreachable, reconnecting…');
      attempts = await hangUpCounter(pail.serverPort);
      // Five failed attempts: a backoff doubling from 250 ms would now wait 8 s before the next.
      const counter = attempts;
      await expect.poll(() => counter.count, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    } finally {
      await attempts?.close();
      await pail.startServer();
    }
    const back = Date.now();
    await page.waitForFunction(() => document.querySelector('[aria-label="Connection"]')?.textContent?.trim() === 'Connected', undefined, {
      polling: 'raf',
      timeout: 15_000,
    });
    expect(Date.now() - back).toBeLessThan(1_500);
  });
});
