import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import type { Recorded } from './recorder.ts';

const bytes = (data: SourceData): string | Buffer =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** SHA-256 (or, given a secret, HMAC-SHA256) in the shape @smithy/signature-v4 asks for. */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/**
 * A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload of `chunks`, signed by the AWS
 * SDK's own signer (@smithy/signature-v4): the request by signRequest, each
 * chunk by the chained chunk signing (signEvent with empty headers, which is
 * SigV4's AWS4-HMAC-SHA256-PAYLOAD string to sign). `declaredLength` defaults
 * to the chunks' total.
 */
export async function smithySignedUpload(chunks: readonly Buffer[], declaredLength?: number, path = '/bucket/a%20streamed%20key'): Promise<{ request: Recorded; signatures: string[] }> {
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: { accessKeyId: 'pail', secretAccessKey: 'pailsecret' }, sha256: NodeSha256, uriEscapePath: false });
  const decoded = declaredLength ?? chunks.reduce((n, c) => n + c.length, 0);
  const signingDate = new Date();
  const signed = await signer.sign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9000,
      path,
      query: {},
      headers: {
        host: '127.0.0.1:9000',
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'x-amz-decoded-content-length': String(decoded),
      },
    } as never,
    { signingDate },
  );
  const headers = Object.fromEntries(Object.entries((signed as unknown as { headers: Record<string, string> }).headers).map(([k, v]) => [k.toLowerCase(), v]));
  let previous = /Signature=([0-9a-f]{64})/.exec(headers.authorization)![1];
  const signatures: string[] = [];
  const wire: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const signature = await signer.sign({ headers: new Uint8Array(0), payload: chunk }, { signingDate, priorSignature: previous });
    signatures.push(signature);
    wire.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`), chunk, Buffer.from('\r\n'));
    previous = signature;
  }
  const body = Buffer.concat(wire);
  headers['content-length'] = String(body.length);
  return { request: { method: 'PUT', rawUrl: path, headers, body }, signatures };
}
