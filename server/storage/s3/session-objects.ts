import type { _Object } from '@aws-sdk/client-s3';
import type { SessionMeta, UploadSessionInfo } from '../storage.ts';

/**
 * A session's objects in the system bucket (the layout s3-sessions.ts
 * describes): their keys, one table, and what a session's listed objects
 * say of it (the ranges held, the pieces that make the file, its description).
 */

/** Where every session's objects are. */
export const SESSIONS = 'sessions/';

const digits = (n: number, width: number) => String(n).padStart(width, '0');

/** The keys of a session's objects, and the prefixes they are listed by. */
export const sessionKeys = {
  /** Every object of a session. */
  all: (id: string) => `${SESSIONS}${id}/`,
  /** What it was begun with (JSON). */
  meta: (id: string) => `${SESSIONS}${id}/session.json`,
  offsetParts: (id: string) => `${SESSIONS}${id}/at/`,
  offsetPart: (id: string, offset: number, size: number) => `${SESSIONS}${id}/at/${digits(offset, 16)}-${digits(size, 16)}`,
  numberedParts: (id: string) => `${SESSIONS}${id}/part/`,
  numberedPart: (id: string, number: number) => `${SESSIONS}${id}/part/${digits(number, 5)}`,
  /** A bucket's sessions, as empty markers. */
  markers: (bucket: string) => `uploads/${bucket}/`,
  marker: (bucket: string, id: string) => `uploads/${bucket}/${id}`,
};

/** The session an object under SESSIONS belongs to. */
export const sessionOf = (key: string): string => key.split('/')[1];

/** A numbered part's number, from its key. */
export const partNumber = (key: string): number => Number(key.slice(key.lastIndexOf('/') + 1));

/** Bytes [start, end) of the file, read from `key` beginning at `from`. */
export interface Piece {
  readonly key: string;
  readonly etag: string;
  readonly start: number;
  readonly end: number;
  readonly from: number;
}

export interface HeldRange {
  readonly key: string;
  readonly etag: string;
  readonly start: number;
  readonly end: number;
}

/** The offset parts a session's objects hold. */
export function offsetParts(id: string, objects: readonly _Object[]): HeldRange[] {
  const prefix = sessionKeys.offsetParts(id);
  return objects
    .filter((o) => o.Key!.startsWith(prefix))
    .map((o) => {
      const [offset, length] = o.Key!.slice(prefix.length).split('-').map(Number);
      return { key: o.Key!, etag: o.ETag!, start: offset, end: offset + length };
    })
    .sort((a, b) => a.start - b.start || b.end - a.end);
}

/**
 * Pieces covering 0..size without a gap, as far as the parts reach: from
 * each part, the bytes past what the parts before it covered (`from` is
 * where in the part's object they begin).
 */
export function cover(ranges: readonly HeldRange[], size: number): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const r of ranges) {
    if (r.start > at) break;
    if (r.end <= at) continue;
    const end = Math.min(r.end, size);
    if (end <= at) continue;
    pieces.push({ key: r.key, etag: r.etag, start: at, end, from: at - r.start });
    at = end;
  }
  return pieces;
}

export function merged(ranges: readonly { readonly start: number; readonly end: number }[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** The bytes held ranges cover together (sorted as offsetParts sorts them), each byte once. */
export function coveredBytes(ranges: readonly { readonly start: number; readonly end: number }[]): number {
  return merged(ranges).reduce((sum, r) => sum + r.end - r.start, 0);
}

export function describeRanges(ranges: readonly { start: number; end: number }[]): string {
  return ranges.length ? ranges.map((r) => `${r.start}–${r.end}`).join(', ') : 'no bytes';
}

/** A session's description as the protocol gives it, from its objects. */
export function describe(id: string, meta: SessionMeta, objects: readonly _Object[]): UploadSessionInfo {
  const updated = Math.max(Date.parse(meta.created), ...objects.map((o) => o.LastModified?.getTime() ?? 0));
  const ranges = merged(offsetParts(id, objects));
  const partsHeld = objects.filter((o) => o.Key!.startsWith(sessionKeys.numberedParts(id))).reduce((sum, o) => sum + (o.Size ?? 0), 0);
  return {
    id,
    bucket: meta.bucket,
    key: meta.key,
    size: meta.size,
    overwrite: meta.overwrite,
    sha256: meta.sha256,
    attrs: meta.attrs,
    created: meta.created,
    updated: new Date(updated).toISOString(),
    numbered: meta.parts === true,
    held: meta.parts ? partsHeld : ranges.length && ranges[0].start === 0 ? ranges[0].end : 0,
    ranges: ranges.map((r) => ({ offset: r.start, length: r.end - r.start })),
  };
}
