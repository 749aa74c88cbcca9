import { PailConnection, type ConnectOptions } from '../shared/client/connection.ts';
import { bucketServerAddress, type Settings } from '../shared/config/settings.ts';

/**
 * The connection a command (or a whole shell session) uses: opened on first
 * use, so help needs no server, and opened again when the last one broke
 * (the shell outlives a server restart or an interrupted transfer).
 */
export class LazyConnection {
  #current: Promise<PailConnection> | undefined;

  constructor(readonly settings: Settings) {}

  /**
   * The open connection, or a new one when there is none or it broke. Each
   * call waits for the one before, so a command and Tab completion asking at
   * the same moment share one connection.
   */
  get(): Promise<PailConnection> {
    const previous = this.#current;
    this.#current = (async () => {
      const connection = await previous?.catch(() => undefined);
      return connection?.usable ? connection : this.#open();
    })();
    return this.#current;
  }

  /** Cuts the connection at once; whatever was under way on it fails, and the next get opens another. */
  destroy(): void {
    this.#current?.then((c) => c.destroy()).catch(() => {});
  }

  #open(): Promise<PailConnection> {
    return PailConnection.connect(this.connectOptions());
  }

  /** Where and how this command's connections connect, for a pool of further ones. */
  connectOptions(): ConnectOptions {
    const { host, port } = bucketServerAddress(this.settings);
    return { host, port, token: this.settings.token || undefined, replyTimeoutMs: this.settings.replyTimeoutMs };
  }

  /** Says goodbye if a connection was opened. */
  async close(): Promise<void> {
    const current = await this.#current?.catch(() => undefined);
    this.#current = undefined;
    await current?.quit();
  }
}
