import { createHash, timingSafeEqual } from 'node:crypto';
import type { Access } from './access.ts';

/** Checks access tokens in constant time: a full token, and optionally a read-only one. */
export class Authenticator {
  readonly #full: Buffer;
  readonly #read: Buffer | undefined;

  constructor(token: string, readToken?: string) {
    this.#full = digest(token);
    this.#read = readToken ? digest(readToken) : undefined;
  }

  check(token: string): Access {
    const presented = digest(token);
    if (timingSafeEqual(presented, this.#full)) return 'full';
    if (this.#read && timingSafeEqual(presented, this.#read)) return 'read';
    return 'none';
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
