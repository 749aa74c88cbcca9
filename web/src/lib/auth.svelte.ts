import { ApiError, onUnauthorized } from '../api/http.ts';
import * as api from '../api/session.ts';

/**
 * The page's login: `checking` until the gateway has said, then `out` (the
 * login page shows) or `in`. Any 401 from the gateway puts it back to `out`,
 * and logging in again carries on where the page was.
 */
class Auth {
  state = $state<'checking' | 'out' | 'in'>('checking');
  access = $state<'full' | 'read'>('full');
  /** Whether the gateway asks for a login at all (then there is a way to log out). */
  required = $state(false);
  /** Why the last login failed, as the gateway said it. */
  error = $state<string | null>(null);
  /** Why the page asks for a login: none yet, or the login ended. */
  notice = $state<string | null>(null);
  busy = $state(false);

  readonly canWrite = $derived(this.access === 'full');

  constructor() {
    onUnauthorized(() => this.#ended());
  }

  async check(): Promise<void> {
    try {
      this.#enter(await api.currentSession());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.required = true;
        this.state = 'out';
        return;
      }
      // The gateway cannot be reached: show the app, whose indicator says so, and let it load what it can.
      this.state = 'in';
    }
  }

  /** After a WebSocket closed: asks whether the login still holds, and shows the login page if it ended. */
  async confirm(): Promise<void> {
    if (this.state !== 'in' || !this.required) return;
    try {
      this.#enter(await api.currentSession());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.#ended();
    }
  }

  async logIn(token: string): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      this.#enter(await api.logIn(token));
      this.notice = null;
      return true;
    } catch (err) {
      this.error =
        err instanceof ApiError && err.reason === 'bad-token'
          ? 'That token is not right. Check it and try again.'
          : err instanceof Error
            ? err.message
            : String(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  async logOut(): Promise<void> {
    try {
      await api.logOut();
    } finally {
      this.notice = 'You have logged out.';
      this.error = null;
      this.state = 'out';
    }
  }

  #enter(session: api.SessionInfo): void {
    this.access = session.access;
    this.required = session.login;
    this.state = 'in';
  }

  #ended(): void {
    if (this.state !== 'in') return;
    this.required = true;
    this.notice = 'Your login has ended. Log in again to carry on.';
    this.state = 'out';
  }
}

export const auth = new Auth();
