// Baseline: the plainest fair TCP file server. One transfer per connection: `PUT SIZE\n` + bytes, then the client
// half-closes; the bytes go to a file that is fsync'd before `OK\n`. `GET\n` answers `SIZE\n` + the file.
// No protocol, no hashing, no checks: the ceiling Pail's TCP path is held against.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { announce, fsyncFile, STREAM_BUFFER } from './announce.ts';

const file = join(process.argv[2], 'raw-tcp.bin');

async function serve(socket: Socket): Promise<void> {
  let head = Buffer.alloc(0);
  while (head.indexOf(0x0a) < 0) head = Buffer.concat([head, (await once(socket, 'data'))[0] as Buffer]);
  socket.pause();
  const at = head.indexOf(0x0a);
  const [verb] = head.subarray(0, at).toString('latin1').split(' ');
  if (verb === 'PUT') {
    socket.unshift(head.subarray(at + 1));
    await pipeline(socket, createWriteStream(file, { highWaterMark: STREAM_BUFFER }));
    await fsyncFile(file);
    socket.end('OK\n');
  } else {
    const { size } = await stat(file);
    socket.write(`${size}\n`);
    await pipeline(createReadStream(file, { highWaterMark: STREAM_BUFFER }), socket);
  }
}

const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
  serve(socket).catch(() => socket.destroy());
});
server.listen(0, '127.0.0.1', () => announce(server.address()));
