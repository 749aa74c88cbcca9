import { createSHA256 } from 'hash-wasm';

/**
 * Computes the SHA-256 of the Blob it is sent, read as a stream so only the
 * chunk in hand is ever in memory, and posts back `{ sha256 }` (lower-case
 * hex) or `{ error }`. A worker, so hashing a big file never stalls the page.
 */
self.addEventListener('message', (event: MessageEvent<Blob>) => {
  void digest(event.data).then(
    (sha256) => self.postMessage({ sha256 }),
    (err: unknown) => self.postMessage({ error: err instanceof Error ? err.message : String(err) }),
  );
});

async function digest(file: Blob): Promise<string> {
  const hasher = await createSHA256();
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return hasher.digest('hex');
    hasher.update(value);
  }
}
