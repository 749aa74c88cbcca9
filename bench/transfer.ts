import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { PailConnection } from '../shared/client/connection.ts';
import { MiB, seconds } from './stats.ts';

/** A body of `size` bytes made of one random MiB repeated, with its SHA-256 computed before any timing. */
export interface Payload {
  readonly size: number;
  readonly sha256: string;
  chunks(): Generator<Buffer>;
}

export function payload(size: number): Payload {
  const block = randomBytes(MiB);
  function* chunks() {
    for (let sent = 0; sent < size; sent += block.length) yield size - sent >= block.length ? block : block.subarray(0, size - sent);
  }
  const hash = createHash('sha256');
  for (const chunk of chunks()) hash.update(chunk);
  return { size, sha256: hash.digest('hex'), chunks };
}

export interface Transfer {
  readonly seconds: number;
  readonly bytes: number;
  /**
   * SHA-256 of what arrived (downloads) or what the server reported (Pail's uploads); absent for the
   * baselines' uploads, which report none (the download that follows checks what they stored).
   */
  readonly sha256?: string;
}

async function writeAll(out: Writable, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
}

async function hashAll(input: AsyncIterable<Buffer>): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of input) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

export async function rawTcpUpload(port: number, body: Payload): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  socket.write(`PUT ${body.size}\n`);
  await writeAll(socket, body.chunks());
  socket.end();
  const reply = await hashAll(socket);
  if (reply.bytes !== 3) throw new Error('raw TCP baseline did not acknowledge');
  return { seconds: seconds(started), bytes: body.size };
}

export async function rawTcpDownload(port: number): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  socket.write('GET\n');
  const hash = createHash('sha256');
  let head = '';
  let bytes = 0;
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    let body = chunk;
    if (!head.endsWith('\n')) {
      const at = chunk.indexOf(0x0a);
      head += chunk.subarray(0, at < 0 ? chunk.length : at + 1).toString('latin1');
      body = at < 0 ? Buffer.alloc(0) : chunk.subarray(at + 1);
    }
    hash.update(body);
    bytes += body.length;
  }
  return { seconds: seconds(started), bytes, sha256: hash.digest('hex') };
}

export async function pailUpload(port: number, body: Payload, name = 'bench.bin'): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const client = await PailConnection.connect({ host: '127.0.0.1', port });
  const stored = await client.upload('bench', name, body.chunks(), { size: body.size, overwrite: true });
  const result = { seconds: seconds(started), bytes: stored.size, sha256: stored.sha256 };
  await client.quit();
  return result;
}

export async function pailDownload(port: number, name = 'bench.bin'): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const client = await PailConnection.connect({ host: '127.0.0.1', port });
  const download = await client.download('bench', name);
  const { bytes, sha256 } = await hashAll(download.body);
  const result = { seconds: seconds(started), bytes, sha256 };
  await client.quit();
  return result;
}

/** PUT (or multipart POST) of a payload over HTTP, the same for the plain node:http baseline and the gateway. */
export async function httpUpload(url: string, body: Payload, mode: 'put' | 'multipart' = 'put', name = 'bench.bin'): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const boundary = `----pailbench${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = mode === 'put' ? body.size : head.length + body.size + tail.length;
  const req = request(url, {
    method: mode === 'put' ? 'PUT' : 'POST',
    headers: {
      'content-length': length,
      'content-type': mode === 'put' ? 'application/octet-stream' : `multipart/form-data; boundary=${boundary}`,
    },
  });
  // once() rejects on 'error': a refusal that closes the connection mid-body fails this transfer, not the process.
  const response = once(req, 'response');
  req.on('error', () => {}); // after the response, a late EPIPE of the abandoned body is of no interest
  if (mode === 'multipart') req.write(head);
  await Promise.race([writeAll(req, body.chunks()), response]);
  if (mode === 'multipart') req.write(tail);
  req.end();
  const [res] = (await response) as [Readable & { statusCode: number }];
  const text = Buffer.concat(await res.toArray()).toString();
  if (res.statusCode >= 300) throw new Error(`upload to ${url} failed: ${res.statusCode} ${text}`);
  const match = /"sha256"\s*:\s*"([0-9a-f]{64})"/.exec(text);
  return { seconds: seconds(started), bytes: body.size, sha256: match?.[1] };
}

export async function httpDownload(url: string): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const req = request(url);
  req.end();
  const [res] = (await once(req, 'response')) as [Readable & { statusCode: number }];
  if (res.statusCode !== 200) throw new Error(`download from ${url} failed: ${res.statusCode}`);
  const { bytes, sha256 } = await hashAll(res);
  return { seconds: seconds(started), bytes, sha256 };
}
