import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, describe, expect, it } from 'vitest';
import { parseS3Keys } from '../../../shared/sigv4/keys.ts';
import { verifyRequest } from '../../../s3/auth/verify.ts';
import { awsCli } from './cli.ts';
import { sdkClient, startRecorder } from './recorder.ts';
import { following, refusal } from './refusal.ts';

// Presigned URLs made by real presigners (@aws-sdk/s3-request-presigner, aws s3 presign), checked as a server would get them.

const KEYS = parseS3Keys('pail:pailsecret');
const rec = await startRecorder();
afterAll(() => rec.close());
const sdk = sdkClient(rec.endpoint, 'pail', 'pailsecret');

/** When the URL was signed (X-Amz-Date), in ms. */
const signedAt = (url: string) =>
  Date.parse(new URL(url).searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));

describe('presigned URLs', () => {
  it.each(['plain.txt', 'a key/with spaces+plus=eq ü.bin', "odd!'()*~chars"])('a presigned GET and PUT of %j verify, payload unsigned', async (key) => {
    const get = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 'bucket', Key: key, ResponseContentDisposition: 'attachment; filename="x y.txt"' }), { expiresIn: 3600 });
    const verified = verifyRequest(following(get), KEYS, Date.now());
    expect(verified.key.accessKey).toBe('pail');
    expect(verified.payload).toEqual({ kind: 'unsigned' });
    const put = await getSignedUrl(sdk, new PutObjectCommand({ Bucket: 'bucket', Key: key }), { expiresIn: 600 });
    expect(verifyRequest(following(put, 'PUT'), KEYS, Date.now()).payload).toEqual({ kind: 'unsigned' });
  });

  it('is refused once expired (AccessDenied "Request has expired"), and not before', async () => {
    const url = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }), { expiresIn: 3600 });
    const at = signedAt(url);
    expect(verifyRequest(following(url), KEYS, at + 3600_000).key.accessKey).toBe('pail');
    const refused = refusal(() => verifyRequest(following(url), KEYS, at + 3601_000));
    expect([refused.s3Code, refused.status, refused.message]).toEqual(['AccessDenied', 403, 'Request has expired']);
  });

  it('lasts at most 7 days: a longer X-Amz-Expires is refused (AuthorizationQueryParametersError)', async () => {
    const week = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }), { expiresIn: 604_800 });
    expect(verifyRequest(following(week), KEYS, signedAt(week) + 604_000_000).key.accessKey).toBe('pail');
    const longer = week.replace('X-Amz-Expires=604800', 'X-Amz-Expires=604801');
    const refused = refusal(() => verifyRequest(following(longer), KEYS, Date.now()));
    expect([refused.s3Code, refused.status]).toEqual(['AuthorizationQueryParametersError', 400]);
  });

  it.each([
    ['a longer expiry', (u: string) => u.replace('X-Amz-Expires=3600', 'X-Amz-Expires=7200')],
    ['another key in the path', (u: string) => u.replace('/bucket/k?', '/bucket/other?')],
    ['an added response override', (u: string) => `${u}&response-content-type=text%2Fhtml`],
  ])('is refused when changed: %s (SignatureDoesNotMatch)', async (_what, tamper) => {
    const url = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }), { expiresIn: 3600 });
    expect(verifyRequest(following(url), KEYS, Date.now()).key.accessKey).toBe('pail');
    const refused = refusal(() => verifyRequest(following(tamper(url)), KEYS, Date.now()));
    expect([refused.s3Code, refused.status]).toEqual(['SignatureDoesNotMatch', 403]);
  });

  it('is refused for another method than the one presigned (SignatureDoesNotMatch)', async () => {
    const url = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }), { expiresIn: 3600 });
    expect(refusal(() => verifyRequest(following(url, 'DELETE'), KEYS, Date.now())).s3Code).toBe('SignatureDoesNotMatch');
  });

  it('is refused for an unknown access key (InvalidAccessKeyId)', async () => {
    const url = await getSignedUrl(sdkClient(rec.endpoint, 'nobody', 'pailsecret'), new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }), { expiresIn: 60 });
    expect(refusal(() => verifyRequest(following(url), KEYS, Date.now())).s3Code).toBe('InvalidAccessKeyId');
  });

  it('aws s3 presign with s3v4 makes a URL that verifies, in the region it names', async () => {
    const stdout = await awsCli(rec.endpoint, 'pail', 'pailsecret', ['s3', 'presign', 's3://bucket/dir/a key+ü.txt', '--expires-in', '900', '--region', 'eu-central-1']);
    const url = stdout.trim();
    expect(url).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
    const verified = verifyRequest(following(url), KEYS, Date.now());
    expect([verified.key.accessKey, verified.region]).toEqual(['pail', 'eu-central-1']);
    expect(refusal(() => verifyRequest(following(url), KEYS, signedAt(url) + 901_000)).message).toBe('Request has expired');
  });

  it('refuses a URL with both a presigned query and an Authorization header (InvalidArgument)', async () => {
    const url = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }), { expiresIn: 60 });
    const req = following(url);
    const refused = refusal(() => verifyRequest({ ...req, headers: { ...req.headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' } }, KEYS, Date.now()));
    expect([refused.s3Code, refused.status]).toEqual(['InvalidArgument', 400]);
  });
});
