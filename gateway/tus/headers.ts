import type { FastifyRequest } from 'fastify';
import type { CommandName } from '../../shared/protocol/commands.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { SHA256_HEX } from '../../shared/protocol/request.ts';
import { refusal } from '../errors.ts';

/** The one tus version spoken. */
export const TUS_VERSION = '1.0.0';
/** The tus extensions served (Tus-Extension). */
export const TUS_EXTENSIONS = 'creation,creation-with-upload,termination,checksum';
/** The body type of a PATCH, and of a POST that carries the first bytes. */
export const OFFSET_OCTET_STREAM = 'application/offset+octet-stream';
/** The header a completion may carry (the client's digest of the whole file) and its reply always does (the server's). */
export const DIGEST_HEADER = 'pail-upload-sha256';

const DECIMAL = /^\d{1,16}$/;

/** A header of non-negative decimal bytes (Upload-Offset, Upload-Length), or undefined when absent. */
export function byteCount(request: FastifyRequest, name: string, command: CommandName): number | undefined {
  const value = header(request, name);
  if (value === undefined) return undefined;
  if (!DECIMAL.test(value) || !Number.isSafeInteger(Number(value))) throw refusal(command, Reason.badArgs, `${name} is ${JSON.stringify(value)}, not a byte count`);
  return Number(value);
}

/** `Upload-Checksum: sha256 BASE64` as hex; other algorithms are refused (400), as the checksum extension says. */
export function partChecksum(request: FastifyRequest, command: CommandName): string | undefined {
  const value = header(request, 'upload-checksum');
  if (value === undefined) return undefined;
  const [algorithm, digest, ...rest] = value.trim().split(/ +/);
  if (algorithm !== 'sha256' || rest.length > 0) throw refusal(command, Reason.badArgs, `Upload-Checksum: only "sha256 BASE64" is supported, not ${JSON.stringify(value)}`);
  const bytes = Buffer.from(digest ?? '', 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== digest) throw refusal(command, Reason.badArgs, 'Upload-Checksum: the sha256 digest is not 32 bytes of base64');
  return bytes.toString('hex');
}

/** Pail-Upload-Sha256: the whole file's digest, 64 hex digits. */
export function fileDigest(request: FastifyRequest, command: CommandName): string | undefined {
  const value = header(request, DIGEST_HEADER)?.trim().toLowerCase();
  if (value === undefined) return undefined;
  if (!SHA256_HEX.test(value)) throw refusal(command, Reason.badArgs, 'Pail-Upload-Sha256 is not 64 hex digits');
  return value;
}

/** Whether the body is tus's octet stream (parameters such as a charset are ignored). */
export function isOffsetOctetStream(request: FastifyRequest): boolean {
  return request.headers['content-type']?.split(';')[0].trim().toLowerCase() === OFFSET_OCTET_STREAM;
}

/** A request header as one string (repeats joined with commas, as HTTP allows), or undefined when absent. */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
