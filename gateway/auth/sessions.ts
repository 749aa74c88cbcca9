import { randomBytes } from 'node:crypto';

import type { Granted as Access } from '../../shared/access/access.ts';

export type { Access };

interface Session {
  readonly access: Access;
  readonly expiresAt: number;
  /** Told when the session ends or expires: the WebSockets it opened close then. */
  readonly watchers: Set<() => void>;
}

/** Logins held at once, at most; the oldest goes first when a new one would pass it. */
const MAX_SESSIONS = 10_000;

/**
 * The gateway's logins, in memory: an opaque random id (the cookie's value)
 * names each, and each ends at a fixed time after it began. Nothing about a
 * session can be read from its id; a restart of the gateway logs everyone out.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();

  constructor(
    readonly ttlMs: number,
    readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#sessions.size;
  }

  /** Starts a session and returns its id. */
  create(access: Access): string {
    this.#sweep();
    const id = randomBytes(32).toString('base64url');
    this.#sessions.set(id, { access, expiresAt: this.now() + this.ttlMs, watchers: new Set() });
    return id;
  }

  /** The access of a live session, or undefined for an unknown or expired id. */
  access(id: string): Access | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.end(id);
      return undefined;
    }
    return session.access;
  }

  end(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    for (const watcher of session.watchers) watcher();
    session.watchers.clear();
  }

  /**
   * Calls `onEnd` once when the session ends (logout, a new login over it,
   * eviction) or expires. Returns the function that stops watching.
   */
  watch(id: string, onEnd: () => void): () => void {
    const session = this.#sessions.get(id);
    if (!session) {
      onEnd();
      return () => {};
    }
    const timer = setTimeout(() => this.end(id), Math.max(0, session.expiresAt - this.now()));
    timer.unref();
    const watcher = () => {
      clearTimeout(timer);
      onEnd();
    };
    session.watchers.add(watcher);
    return () => {
      clearTimeout(timer);
      session.watchers.delete(watcher);
    };
  }

  /** Drops expired sessions, then the oldest while the store is full; bounded by the store's size. */
  #sweep(): void {
    const now = this.now();
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.end(id);
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size < MAX_SESSIONS) break;
      this.end(id);
    }
  }
}
