import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';
import { Exit } from '../../cli/exit.ts';
import { runPail, startPail, tempFolder } from './harness.ts';

/**
 * get must never leave a corrupt or partial file. A real server does not send
 * either, so this one lies on purpose: for `corrupt.bin` it announces a
 * SHA-256 the bytes do not have, for `cut.bin` it closes halfway through,
 * for `stall.bin` it stops sending halfway and waits.
 */
const BODY = Buffer.from('the bytes on the wire\n');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** What the server saw of the interrupted upload: its first chunk, and whether the body was ever finished. */
const upload = { lines: [] as string[], start: () => {} };
const uploadStarted = new Promise<void>((resolve) => {
  upload.start = resolve;
});

function lyingServer(): Server {
  return createServer((socket) => {
    socket.write(`${formatStatus('HELLO', [PROTOCOL_VERSION])}\n`);
    const lines = createInterface({ input: socket });
    lines.on('line', (line) => {
      if (!socket.writable || upload.lines.length) return;
      const modified = new Date(0).toISOString();
      if (line === 'download any corrupt.bin') {
        socket.write(`${formatStatus('FDFBS', [BODY.length, sha256(Buffer.from('other')), 0, BODY.length, modified])}\n`);
        socket.write(BODY);
      } else if (line === 'download any cut.bin') {
        socket.write(`${formatStatus('FDFBS', [BODY.length * 2, sha256(Buffer.concat([BODY, BODY])), 0, BODY.length * 2, modified])}\n`);
        socket.end(BODY);
      } else if (line === 'upload_f any stdin.bin chunked') {
        socket.write(`${formatStatus('SEND', ['chunked'])}\n`);
        lines.on('line', (body) => {
          upload.lines.push(body);
          upload.start();
        });
      } else if (line === 'download any stall.bin') {
        // Half the body, then nothing until the client gives up.
        socket.write(`${formatStatus('FDFBS', [BODY.length * 2, sha256(Buffer.concat([BODY, BODY])), 0, BODY.length * 2, modified])}\n`);
        socket.write(BODY);
      } else {
        socket.end(`${formatStatus('BYE')}\n`);
      }
    });
    socket.on('error', () => {});
  });
}

let server: Server;
let env: Record<string, string>;
let work: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  server = lyingServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  env = { PAIL_SERVER: `127.0.0.1:${(server.address() as AddressInfo).port}` };
  work = await tempFolder();
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await work.remove();
});

describe('get refuses to leave a bad file', () => {
  it('a SHA-256 mismatch fails with checksum-mismatch and leaves no file', async () => {
    const run = await runPail(['get', 'any', 'corrupt.bin', '--json'], { env, cwd: work.path });
    expect(run.status).toBe(Exit.refused);
    expect(JSON.parse(run.out)).toMatchObject({ ok: false, error: { code: Code.FDFBF, mnemonic: 'FDFBF', reason: Reason.checksumMismatch } });
    expect(await readdir(work.path)).toEqual([]);
  });

  it('a connection cut mid-body fails as unreachable and leaves no file under the name, only the partial one a next get resumes', async () => {
    const folder = join(work.path, 'cut');
    await mkdir(folder);
    const run = await runPail(['get', 'any', 'cut.bin'], { env, cwd: folder });
    expect(run.status).toBe(Exit.unreachable);
    expect(run.stderr).toMatch(/^pail: kept what was received of any\/cut\.bin in .*; get it again to resume\n/);
    expect(run.stderr).toMatch(new RegExp(`\npail: ${Code.BUSY} BUSY ${Reason.unreachable}: .*after ${BODY.length} of ${BODY.length * 2} bytes`));
    expect(await readdir(folder)).toEqual([`.cut.bin.${sha256(Buffer.concat([BODY, BODY]))}.pail-partial`]);
  });

  it('to standard output, a mismatch is still reported with a failing status', async () => {
    const run = await runPail(['get', 'any', 'corrupt.bin', '-'], { env, cwd: work.path });
    expect(run.status).toBe(Exit.refused);
    expect(run.stderr).toMatch(new RegExp(`^pail: ${Code.FDFBF} FDFBF ${Reason.checksumMismatch}: `));
  });
});

describe('Ctrl-C during get', () => {
  it('exits 130 leaving no file under the name, only the partial one a next get resumes', async () => {
    const folder = join(work.path, 'interrupted');
    await mkdir(folder);
    const partialName = `.stall.bin.${sha256(Buffer.concat([BODY, BODY]))}.pail-partial`;
    const partial = appears(folder, new RegExp(`^${partialName.replaceAll('.', '\\.')}$`));
    const get = startPail(['get', 'any', 'stall.bin'], { env, cwd: folder });
    await partial;
    get.signal('SIGINT');
    expect(await get.exited).toEqual({ status: Exit.interrupted, signal: null });
    expect(await readdir(folder)).toEqual([partialName]);
  });
});

/** Resolves once a file whose name matches appears in the folder. */
function appears(folder: string, name: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(folder, (_event, file) => {
      if (file && name.test(file)) {
        watcher.close();
        resolve();
      }
    });
  });
}

describe('Ctrl-C during put -', () => {
  it('stops waiting for standard input, cuts the upload before its end and exits 130', async () => {
    const put = startPail(['put', '-', 'any', '--name', 'stdin.bin'], { env });
    put.type('the first bytes of a long stream');
    await uploadStarted;
    put.signal('SIGINT');
    expect(await put.exited).toEqual({ status: Exit.interrupted, signal: null });
    // A chunked body ends with a chunk of size 0; it was never sent.
    expect(upload.lines).not.toContain('0');
  });
});
