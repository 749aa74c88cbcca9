import { createHmac, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

import type { Granted as Access } from '../../shared/access/access.ts';

export type { Access };

/** What a valid login cookie says: its rights, its random id, and when it ends (ms since the epoch). */
export interface Login {
  readonly access: Access;
  readonly id: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** The fixed labels of the key derivation: change them and every login of every deployment ends. */
const STRETCH_SALT = 'pail gateway login key v1';
const KEY_LABEL = 'pail gateway login cookie v1';
/**
 * scrypt's cost: about 0.1 s and 32 MiB per key on one core, paid once per
 * gateway start. It is what a holder of a cookie pays per guess of the token
 * that signed it, offline, where the login attempt limit does not reach.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 };
const ID_BYTES = 16;
const COOKIE_SHAPE = /^(full|read)\.(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

const stretch = promisify(scrypt) as (password: string, salt: string, length: number, options: typeof SCRYPT) => Promise<Buffer>;

/**
 * Login cookies that carry their own proof, so that every gateway of one
 * deployment honours a login made on any of them, and after a restart, with
 * nothing shared but the tokens: `RIGHTS.ISSUED.EXPIRES.ID.MAC`, the MAC an
 * HMAC-SHA256 of the rest under a key derived from the token those rights
 * were granted by (PAIL_TOKEN for `full`, PAIL_READ_TOKEN for `read`).
 *
 * One key per token, so a read-only login's cookie says nothing about the
 * full token; changing a token ends every login it granted. Nothing is kept
 * per login: a cookie copied before its logout stays valid until it expires
 * or its token changes.
 */
export class LoginCookies {
  private constructor(
    readonly keys: ReadonlyMap<Access, Buffer>,
    /** How long a login lasts; a cookie claiming longer (issued under a longer setting) is held to it. */
    readonly ttlMs: number,
    readonly now: () => number,
  ) {}

  static async create(tokens: { token: string; readToken?: string }, ttlMs: number, now: () => number = Date.now): Promise<LoginCookies> {
    const keys = new Map<Access, Buffer>();
    const [full, read] = await Promise.all([
      loginKey(tokens.token, 'full'),
      tokens.readToken ? loginKey(tokens.readToken, 'read') : undefined,
    ]);
    keys.set('full', full);
    if (read) keys.set('read', read);
    return new LoginCookies(keys, ttlMs, now);
  }

  /** A new login's cookie value, ending one TTL from now. */
  issue(access: Access): string {
    const issuedAt = this.now();
    return this.sign({ access, id: randomBytes(ID_BYTES).toString('base64url'), issuedAt, expiresAt: issuedAt + this.ttlMs });
  }

  /** The cookie value of exactly this login (tests craft expired ones with it). */
  sign(login: Login): string {
    const payload = `${login.access}.${login.issuedAt}.${login.expiresAt}.${login.id}`;
    return `${payload}.${this.#mac(login.access, payload).toString('base64url')}`;
  }

  /** The login a cookie value proves, or undefined if it is malformed, forged, altered or over. */
  verify(value: string): Login | undefined {
    const parts = COOKIE_SHAPE.exec(value);
    if (!parts) return undefined;
    const [, access, issued, expires, id, mac] = parts as unknown as [string, Access, string, string, string, string];
    if (!this.keys.has(access)) return undefined;
    // Compared as text, not decoded: base64url ignores the last character's low bits, and one login has one cookie.
    const presented = Buffer.from(mac, 'latin1');
    const expected = Buffer.from(this.#mac(access, value.slice(0, value.lastIndexOf('.'))).toString('base64url'), 'latin1');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
    const issuedAt = Number(issued);
    const expiresAt = Math.min(Number(expires), issuedAt + this.ttlMs);
    if (expiresAt <= this.now()) return undefined;
    return { access, id, issuedAt, expiresAt };
  }

  #mac(access: Access, payload: string): Buffer {
    return createHmac('sha256', this.keys.get(access)!).update(payload).digest();
  }
}

/** The HMAC key of the logins one token grants: the token stretched by scrypt, then HKDF with a fixed label. */
async function loginKey(token: string, access: Access): Promise<Buffer> {
  const stretched = await stretch(token, STRETCH_SALT, 32, SCRYPT);
  return Buffer.from(hkdfSync('sha256', stretched, '', `${KEY_LABEL} ${access}`, 32));
}
