/** A SHA-256 being computed off the page's thread; `cancel` stops the worker. */
export interface FileDigest {
  /** Lower-case hex SHA-256 of the whole file. */
  readonly sha256: Promise<string>;
  cancel(): void;
}

/**
 * Starts hashing a file in its own Web Worker. The File is handed to the
 * worker by reference (a Blob is not copied), and the worker streams it.
 */
export function digestFile(file: Blob): FileDigest {
  const worker = new Worker(new URL('../workers/sha256-worker.ts', import.meta.url), { type: 'module', name: 'sha256' });
  let settle: (error: Error | null, sha256?: string) => void = () => {};
  const sha256 = new Promise<string>((resolve, reject) => {
    settle = (error, hex) => {
      worker.terminate();
      if (error) reject(error);
      else resolve(hex ?? '');
    };
  });
  // Nobody may be waiting yet (the digest is needed only at the last chunk); a failure is still reported then.
  sha256.catch(() => undefined);
  worker.addEventListener('message', (event: MessageEvent<{ sha256?: string; error?: string }>) => {
    if (event.data.sha256) settle(null, event.data.sha256);
    else settle(new Error(`Could not compute the file's SHA-256: ${event.data.error ?? 'unknown error'}`));
  });
  worker.addEventListener('error', (event) => settle(new Error(`Could not compute the file's SHA-256: ${event.message || 'the worker failed'}`)));
  worker.postMessage(file);
  return { sha256, cancel: () => settle(new Error('Cancelled')) };
}
