import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

// The checksums S3 clients send beside a body (x-amz-checksum-ALGORITHM, as a
// header or a trailer): base64 of the big-endian digest.

/** A running checksum: feed it the body's bytes, then read the base64 of its digest. */
export interface Checksum {
  update(bytes: Uint8Array): void;
  base64(): string;
}

// Both CRCs below are table-driven, eight bytes a step ("slicing by 8"):
// table k gives the CRC of a byte followed by k zero bytes, so eight lookups
// replace eight dependent steps. Leftover bytes go one at a time through table 0.

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78: eight tables of 256. */
const CRC32C = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = ((prev >>> 8) ^ t[prev & 0xff]) >>> 0;
    }
  }
  return t;
})();

export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  const t = CRC32C;
  let c = ~crc >>> 0;
  let i = 0;
  for (const end = bytes.length - 7; i < end; i += 8) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c =
      t[7 * 256 + (c & 0xff)] ^
      t[6 * 256 + ((c >>> 8) & 0xff)] ^
      t[5 * 256 + ((c >>> 16) & 0xff)] ^
      t[4 * 256 + (c >>> 24)] ^
      t[3 * 256 + bytes[i + 4]] ^
      t[2 * 256 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, all ones in and out.
// Kept as two 32-bit halves (hi, lo), so a byte costs integer operations, not BigInt ones.
const [CRC64_HI, CRC64_LO] = (() => {
  const hi = new Uint32Array(8 * 256);
  const lo = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const low = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (low) {
        h = (h ^ 0x9a6c9329) >>> 0;
        l = (l ^ 0xac4bc9b5) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const ph = hi[(k - 1) * 256 + n];
      const pl = lo[(k - 1) * 256 + n];
      const index = pl & 0xff;
      lo[k * 256 + n] = (((pl >>> 8) | (ph << 24)) ^ lo[index]) >>> 0;
      hi[k * 256 + n] = ((ph >>> 8) ^ hi[index]) >>> 0;
    }
  }
  return [hi, lo];
})();

/** CRC-64/NVME of `bytes` continuing `crc` ([hi, lo] 32-bit halves; [0, 0] to start). */
export function crc64nvmeUpdate(crc: readonly [number, number], bytes: Uint8Array): [number, number] {
  const th = CRC64_HI;
  const tl = CRC64_LO;
  let hi = ~crc[0] >>> 0;
  let lo = ~crc[1] >>> 0;
  let i = 0;
  for (const end = bytes.length - 7; i < end; i += 8) {
    lo ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    hi ^= bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24);
    const a = 7 * 256 + (lo & 0xff);
    const b = 6 * 256 + ((lo >>> 8) & 0xff);
    const c = 5 * 256 + ((lo >>> 16) & 0xff);
    const d = 4 * 256 + (lo >>> 24);
    const e = 3 * 256 + (hi & 0xff);
    const f = 2 * 256 + ((hi >>> 8) & 0xff);
    const g = 256 + ((hi >>> 16) & 0xff);
    const h = hi >>> 24;
    lo = (tl[a] ^ tl[b] ^ tl[c] ^ tl[d] ^ tl[e] ^ tl[f] ^ tl[g] ^ tl[h]) >>> 0;
    hi = (th[a] ^ th[b] ^ th[c] ^ th[d] ^ th[e] ^ th[f] ^ th[g] ^ th[h]) >>> 0;
  }
  for (; i < bytes.length; i++) {
    const index = (lo ^ bytes[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ tl[index]) >>> 0;
    hi = ((hi >>> 8) ^ th[index]) >>> 0;
  }
  return [~hi >>> 0, ~lo >>> 0];
}

function crc32Checksum(update: (crc: number, bytes: Uint8Array) => number): Checksum {
  let crc = 0;
  return {
    update: (bytes) => void (crc = update(crc, bytes)),
    base64: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc);
      return out.toString('base64');
    },
  };
}

function digestChecksum(algorithm: 'sha1' | 'sha256'): Checksum {
  const hash = createHash(algorithm);
  return { update: (bytes) => void hash.update(bytes), base64: () => hash.digest('base64') };
}

/** The checksum header names S3 knows, each with a fresh running checksum. */
const ALGORITHMS: Readonly<Record<string, () => Checksum>> = {
  'x-amz-checksum-crc32': () => crc32Checksum((crc, bytes) => crc32(bytes, crc)),
  'x-amz-checksum-crc32c': () => crc32Checksum(crc32cUpdate),
  'x-amz-checksum-crc64nvme': () => {
    let crc: [number, number] = [0, 0];
    return {
      update: (bytes) => void (crc = crc64nvmeUpdate(crc, bytes)),
      base64: () => {
        const out = Buffer.alloc(8);
        out.writeUInt32BE(crc[0], 0);
        out.writeUInt32BE(crc[1], 4);
        return out.toString('base64');
      },
    };
  },
  'x-amz-checksum-sha1': () => digestChecksum('sha1'),
  'x-amz-checksum-sha256': () => digestChecksum('sha256'),
};

/** A running checksum for header or trailer `name` (lowercase), or undefined if S3 has no such checksum. */
export function checksumFor(name: string): Checksum | undefined {
  return Object.hasOwn(ALGORITHMS, name) ? ALGORITHMS[name]() : undefined;
}

export const CHECKSUM_NAMES: readonly string[] = Object.keys(ALGORITHMS);
