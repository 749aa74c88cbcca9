import type { JSHandle, Page } from '@playwright/test';
import { expect } from './fixtures.ts';

/**
 * Drops a DataTransfer (made in the page) on the file list the way a browser
 * does: dragenter, dragover, drop. The page shows its drop hint in between.
 */
export async function dropTransfer(page: Page, dataTransfer: JSHandle<DataTransfer>): Promise<void> {
  const target = page.getByRole('table').or(page.getByText('No files in this bucket yet')).first();
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await expect(page.getByText('Drop to upload to')).toBeVisible();
  await target.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByText('Drop to upload to')).toBeHidden();
}

/** Drops files whose bytes come from the test. */
export async function dropFiles(page: Page, files: { name: string; body: Buffer }[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((items) => {
    const transfer = new DataTransfer();
    for (const { name, base64 } of items) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
    }
    return transfer;
  }, files.map((f) => ({ name: f.name, base64: f.body.toString('base64') })));
  await dropTransfer(page, dataTransfer);
}

/** Byte i of a generated file, as the page makes it in dropGeneratedFile (written twice: the page cannot import, and its CSP forbids eval). */
export function generatedByte(i: number): number {
  return (i ^ (i >>> 7) ^ (i >>> 15) ^ (i >>> 23)) & 0xff;
}

/**
 * Drops one generated file: `size` bytes of generatedByte, made in the page,
 * with a fixed modification time, so dropping it again after a reload drops
 * the same file as far as the page can tell (its fingerprint is bucket, key,
 * size and modification time).
 */
export async function dropGeneratedFile(page: Page, name: string, size: number, lastModified: number): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, size, lastModified }) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i ^ (i >>> 7) ^ (i >>> 15) ^ (i >>> 23)) & 0xff;
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name, { type: 'application/octet-stream', lastModified }));
      return transfer;
    },
    { name, size, lastModified },
  );
  await dropTransfer(page, dataTransfer);
}
