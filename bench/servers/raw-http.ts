// Baseline: a plain node:http file server. PUT streams the body to a file and fsyncs it before 200;
// GET streams the file back with its Content-Length. The ceiling the gateway's HTTP path is held against.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { announce, fsyncFile, STREAM_BUFFER } from './announce.ts';

const file = join(process.argv[2], 'raw-http.bin');

const server = createServer((req, res) => {
  const work = async () => {
    if (req.method === 'PUT') {
      await pipeline(req, createWriteStream(file, { highWaterMark: STREAM_BUFFER }));
      await fsyncFile(file);
      res.end('OK');
    } else {
      const { size } = await stat(file);
      res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
      await pipeline(createReadStream(file, { highWaterMark: STREAM_BUFFER }), res);
    }
  };
  work().catch(() => res.destroy());
});
server.listen(0, '127.0.0.1', () => announce(server.address()));
