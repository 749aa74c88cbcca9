import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { PailError } from '../../shared/client/errors.ts';
import { keyProblem } from '../../shared/protocol/names.ts';
import { Reason, s3CodeFor } from '../../shared/protocol/reasons.ts';
import type { BucketContext } from '../context.ts';
import { S3Error } from '../errors.ts';
import { headerValue } from '../headers.ts';
import { contentMd5Hex } from '../md5-check.ts';
import { sendXml } from '../respond.ts';
import { readSmallBody } from '../small-body.ts';
import { S3_NAMESPACE, XmlWriter } from '../xml.ts';
import { requireBucket } from './buckets.ts';

/** S3 takes at most 1000 keys in one multi-object delete. */
export const MAX_DELETE_KEYS = 1000;
/** 1000 keys of up to 1024 bytes each, escaped and wrapped, fit well within this. */
const MAX_DELETE_BODY = 8 * 1024 * 1024;

interface DeleteOutcome {
  readonly key: string;
  readonly code?: string;
  readonly message?: string;
}

/**
 * DeleteObjects (`POST ?delete`): each key deleted in turn on one commands
 * connection; a key that is not there counts as deleted, as in S3. Quiet
 * mode reports only the keys that failed.
 */
export async function deleteObjects(context: BucketContext): Promise<void> {
  const body = await readSmallBody(context, MAX_DELETE_BODY);
  const md5 = headerValue(context.request.headers, 'content-md5');
  if (md5 !== undefined && createHash('md5').update(body).digest('hex') !== contentMd5Hex(md5)) {
    throw new S3Error('BadDigest', 'the body does not have the MD5 given in Content-MD5');
  }
  const { keys, quiet } = parseDeleteRequest(body);
  await requireBucket(context);
  const outcomes = await context.setup.lanes.command(context.signal, async (connection) => {
    const done: DeleteOutcome[] = [];
    for (const key of keys) {
      if (keyProblem(key) !== null) {
        // No key breaking Pail's naming rules can exist.
        done.push({ key });
        continue;
      }
      try {
        await connection.deleteFile(context.bucket, key);
        done.push({ key });
      } catch (err) {
        if (err instanceof PailError && err.reason === Reason.noSuchFile) done.push({ key });
        else if (err instanceof PailError) done.push({ key, code: s3CodeFor(err.reason), message: err.message });
        else throw err;
      }
    }
    return done;
  });
  const xml = new XmlWriter().open('DeleteResult', { xmlns: S3_NAMESPACE });
  for (const outcome of outcomes) {
    if (outcome.code !== undefined) xml.open('Error').leaf('Key', outcome.key).leaf('Code', outcome.code).leaf('Message', outcome.message ?? '').close();
    else if (!quiet) xml.open('Deleted').leaf('Key', outcome.key).close();
  }
  sendXml(context.response, 200, xml.close());
}

/** The keys and the Quiet flag of a `<Delete>` document. */
export function parseDeleteRequest(body: Buffer): { keys: string[]; quiet: boolean } {
  let parsed: { Delete?: { Object?: { Key?: unknown }[]; Quiet?: unknown } };
  try {
    parsed = new XMLParser({
      removeNSPrefix: true,
      parseTagValue: false,
      // A key's spaces are part of it.
      trimValues: false,
      isArray: (name) => name === 'Object',
    }).parse(body, true) as typeof parsed;
  } catch {
    throw new S3Error('MalformedXML', 'the Delete document is not well-formed XML');
  }
  const document = parsed.Delete;
  if (typeof document !== 'object') throw new S3Error('MalformedXML', 'the body is not a Delete document');
  const objects = document.Object ?? [];
  if (objects.length === 0) throw new S3Error('MalformedXML', 'the Delete document names no Object');
  if (objects.length > MAX_DELETE_KEYS) throw new S3Error('MalformedXML', `at most ${MAX_DELETE_KEYS} keys in one delete`);
  const keys = objects.map((object) => {
    const key = object.Key;
    if (typeof key !== 'string' || key === '') throw new S3Error('MalformedXML', 'every Object of the Delete document has a Key');
    return key;
  });
  const quiet = typeof document.Quiet === 'string' && document.Quiet.trim().toLowerCase() === 'true';
  return { keys, quiet };
}
