import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

// The checksums S3 clients send beside a body (x-amz-checksum-ALGORITHM, as a
// header or a trailer): base64 of the big-endian digest.

/** A running checksum: feed it the body's bytes, then read the base64 of its digest. */
export interface Checksum {
  update(bytes: Uint8Array): void;
  base64(): string;
}

function table32(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78. */
const CRC32C_TABLE = table32(0x82f63b78);

export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, all ones in and out.
// Kept as two 32-bit halves, so a byte costs a few integer operations, not BigInt ones.
const CRC64_POLY_HI = 0x9a6c9329;
const CRC64_POLY_LO = 0xac4bc9b5;
const [CRC64_HI, CRC64_LO] = (() => {
  const hiTable = new Uint32Array(256);
  const loTable = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let hi = 0;
    let lo = n;
    for (let k = 0; k < 8; k++) {
      const low = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (low) {
        hi = (hi ^ CRC64_POLY_HI) >>> 0;
        lo = (lo ^ CRC64_POLY_LO) >>> 0;
      }
    }
    hiTable[n] = hi;
    loTable[n] = lo;
  }
  return [hiTable, loTable];
})();

/** CRC-64/NVME of `bytes` continuing `crc` ([hi, lo] 32-bit halves; [0, 0] to start). */
export function crc64nvmeUpdate(crc: readonly [number, number], bytes: Uint8Array): [number, number] {
  let hi = ~crc[0] >>> 0;
  let lo = ~crc[1] >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    const index = (lo ^ bytes[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_LO[index]) >>> 0;
    hi = ((hi >>> 8) ^ CRC64_HI[index]) >>> 0;
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
