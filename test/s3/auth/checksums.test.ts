import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checksumFor, crc32cUpdate, crc64nvmeUpdate } from '../../../s3/auth/checksums.ts';

// Check values from the CRC catalogue (the CRC of the ASCII bytes "123456789"),
// and AWS's documented CRC32C trailer of its 66,560-byte example.

const CHECK = Buffer.from('123456789');

describe('checksums', () => {
  it('CRC-32C of "123456789" is E3069283', () => {
    expect(crc32cUpdate(0, CHECK).toString(16)).toBe('e3069283');
  });

  it('CRC-64/NVME of "123456789" is AE8B14860A799888', () => {
    const [hi, lo] = crc64nvmeUpdate([0, 0], CHECK);
    expect(hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')).toBe('ae8b14860a799888');
  });

  it("the x-amz-checksum-crc32c of AWS's example (66,560 bytes of 'a') is sOO8/Q==", () => {
    const checksum = checksumFor('x-amz-checksum-crc32c')!;
    checksum.update(Buffer.alloc(66_560, 'a'));
    expect(checksum.base64()).toBe('sOO8/Q==');
  });

  it('the x-amz-checksum-crc32 of "123456789" is the base64 of CBF43926, big-endian', () => {
    const checksum = checksumFor('x-amz-checksum-crc32')!;
    checksum.update(CHECK);
    expect(checksum.base64()).toBe(Buffer.from('cbf43926', 'hex').toString('base64'));
  });

  it.each(['x-amz-checksum-crc32', 'x-amz-checksum-crc32c', 'x-amz-checksum-crc64nvme', 'x-amz-checksum-sha1', 'x-amz-checksum-sha256'])(
    '%s fed in pieces equals %s fed at once',
    (name) => {
      const bytes = randomBytes(100_003);
      const whole = checksumFor(name)!;
      whole.update(bytes);
      const pieces = checksumFor(name)!;
      for (let at = 0; at < bytes.length; at += 777) pieces.update(bytes.subarray(at, at + 777));
      expect(pieces.base64()).toBe(whole.base64());
    },
  );

  it('knows no other checksum names', () => {
    expect(checksumFor('x-amz-checksum-md5')).toBeUndefined();
    expect(checksumFor('constructor')).toBeUndefined();
  });
});
