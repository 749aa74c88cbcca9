import { createHash } from 'node:crypto';
import { request, type IncomingMessage, type ClientRequest } from 'node:http';

/** Bytes generated on the fly: `blocks` blocks of `blockSize`, each stamped with its index so no two are alike. */
export function* generated(blocks: number, blockSize: number): Generator<Buffer> {
  for (let i = 0; i < blocks; i++) {
    const block = Buffer.alloc(blockSize, i % 251);
    block.writeUInt32BE(i, 0);
    yield block;
  }
}

export function sha256Of(chunks: Iterable<Buffer>): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** Writes chunks to a request, waiting for it to drain whenever its buffer is full. */
export async function writeAll(req: ClientRequest, chunks: Iterable<Buffer>, onChunk: () => void = () => {}): Promise<void> {
  for (const chunk of chunks) {
    onChunk();
    if (!req.write(chunk)) await new Promise<void>((resolve) => req.once('drain', resolve));
  }
}

/** Starts a request whose body the caller writes; resolves with the response once it arrives. */
export function openRequest(url: string, options: { method: string; headers?: Record<string, string | number> }) {
  const req = request(url, options);
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  return { req, response };
}

export async function readJson(response: IncomingMessage): Promise<any> {
  let text = '';
  for await (const chunk of response) text += chunk;
  return JSON.parse(text);
}
