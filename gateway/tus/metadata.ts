import { Reason } from '../../shared/protocol/reasons.ts';
import { SHA256_HEX } from '../../shared/protocol/request.ts';
import { checkedKey } from '../http/key.ts';
import { refusal } from '../errors.ts';
import { CONTENT_TYPE_ATTR, encodeAttrs, TUS_METADATA_ATTR } from '../../shared/api/file-attrs.ts';

/** What a tus upload's Upload-Metadata asks for: where the file goes, and how. */
export interface UploadTarget {
  readonly bucket: string;
  readonly key: string;
  readonly overwrite: boolean;
  /** The whole file's SHA-256 (lower-case hex), when the client knows it before sending. */
  readonly sha256?: string;
  /** Kept with the session and its file: the Upload-Metadata as sent (HEAD gives it back), and `filetype` as the content type. */
  readonly attrs?: string;
}

/** A metadata key: tus allows any ASCII but space and comma. */
const METADATA_KEY = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Upload-Metadata (`key base64value,key2,…`) as a map of decoded values; a
 * key without a value maps to ''. Refused (400) when malformed or a key repeats.
 */
export function parseMetadata(header: string | undefined): Map<string, string> {
  const pairs = new Map<string, string>();
  if (header === undefined || header.trim() === '') return pairs;
  for (const item of header.split(',')) {
    const [key, value, ...rest] = item.trim().split(/ +/);
    if (!METADATA_KEY.test(key ?? '') || rest.length > 0) throw badMetadata(`${JSON.stringify(item.trim())} is not "key" or "key base64value"`);
    if (pairs.has(key)) throw badMetadata(`the key ${JSON.stringify(key)} is given twice`);
    if (value !== undefined && (!BASE64.test(value) || value.length % 4 !== 0)) throw badMetadata(`the value of ${JSON.stringify(key)} is not base64`);
    pairs.set(key, value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8'));
  }
  return pairs;
}

/** The bucket, key and options a creation names in its metadata (`bucket`, `name`, `overwrite`, `sha256`; `filetype`, as tus-js-client and Uppy send it). */
export function uploadTarget(header: string | undefined): UploadTarget {
  const metadata = parseMetadata(header);
  const bucket = metadata.get('bucket');
  const name = metadata.get('name');
  if (!bucket) throw badMetadata('it names no bucket (the key "bucket")');
  if (!name) throw badMetadata('it names no key (the key "name")');
  const sha256 = metadata.get('sha256')?.toLowerCase();
  if (sha256 !== undefined && !SHA256_HEX.test(sha256)) throw badMetadata('"sha256" is not 64 hex digits');
  const filetype = metadata.get('filetype');
  const attrs = encodeAttrs([...(filetype ? [[CONTENT_TYPE_ATTR, filetype] as const] : []), [TUS_METADATA_ATTR, header!.trim()]]);
  return { bucket, key: checkedKey(name, 'begin_u'), overwrite: flag(metadata.get('overwrite')), sha256, attrs };
}

/** `overwrite`: present without a value, "true" or "1" means yes; absent, "false" or "0" no. */
function flag(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === '' || value === 'true' || value === '1') return true;
  throw badMetadata(`"overwrite" is ${JSON.stringify(value)}, not true or false`);
}

function badMetadata(why: string) {
  return refusal('begin_u', Reason.badArgs, `Upload-Metadata: ${why}`);
}
