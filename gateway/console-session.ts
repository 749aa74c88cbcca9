import type { ConsoleMessage } from '../shared/api/types.ts';
import { PailConnection, type ConnectOptions } from '../shared/client/connection.ts';
import { PailError } from '../shared/client/errors.ts';
import type { Granted } from '../shared/access/access.ts';
import { Code, mnemonicOf } from '../shared/protocol/codes.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { formatFailure, formatStatus, parseStatus } from '../shared/protocol/reply.ts';
import { parseRequest } from '../shared/protocol/request.ts';
import { refusal } from './errors.ts';

/** Command lines waiting their turn in one console, at most. */
const MAX_WAITING_LINES = 64;

export interface ConsoleOutput {
  send(message: ConsoleMessage): void;
  /** The bucket server said goodbye (quit): the browser's end should close too. */
  goodbye(): void;
}

/**
 * One browser console's protocol session: command lines run one after
 * another on a TCP connection of its own, opened at once (its greeting is the
 * first message) and again for the next line if the bucket server dropped it.
 *
 * The console runs with its login's rights, whatever the bucket server would
 * allow (it may require no token at all): the gateway itself refuses a
 * read-only login's writes, judged from the command table's `writes` column
 * on the codec's parse of the line, and `auth`, which would let a console try
 * tokens without end or raise its own rights.
 */
export class ConsoleSession {
  #connection: PailConnection | undefined;
  #queue: Promise<void> = Promise.resolve();
  #waiting = 0;
  #closed = false;

  constructor(
    readonly options: ConnectOptions,
    readonly access: Granted,
    readonly output: ConsoleOutput,
  ) {}

  open(): void {
    this.#enqueue(async () => {
      await this.#connect();
    });
  }

  run(line: string): void {
    if (this.#waiting >= MAX_WAITING_LINES) {
      this.reject(refusal(undefined, Reason.notNow, `at most ${MAX_WAITING_LINES} commands may wait; wait for their replies`));
      return;
    }
    this.#enqueue(async () => {
      // Answered in turn, so replies stay in the order of their lines.
      const refused = this.#refusal(line);
      if (refused) {
        this.output.send({ type: 'lines', lines: [refused] });
        return;
      }
      const connection = await this.#connect();
      const lines = await connection.raw(line);
      this.output.send({ type: 'lines', lines });
      if (isGoodbye(lines[0])) this.output.goodbye();
    });
  }

  /** The reply line refusing a command this login may not send here, or undefined. */
  #refusal(line: string): string | undefined {
    const parsed = parseRequest(line);
    // A line the codec refuses is answered by PailConnection.raw with the server's own reply.
    if (!parsed.ok) return undefined;
    const { spec: command } = parsed.request;
    const failure = mnemonicOf(command.failure);
    if (command.name === 'auth') {
      return formatFailure(failure, Reason.forbidden, 'the console runs with the rights of your login; to change them, log in again with another token');
    }
    if (this.access === 'read' && command.writes) {
      return formatFailure(failure, Reason.forbidden, 'this login may only list and download; log in with the full token to change anything');
    }
    return undefined;
  }

  reject(err: PailError): void {
    this.output.send({ type: 'error', error: err.toJSON() });
  }

  close(): void {
    this.#closed = true;
    void this.#connection?.quit();
  }

  /** The session's connection, opened (and its greeting sent) when there is none usable. */
  async #connect(): Promise<PailConnection> {
    if (this.#connection?.usable) return this.#connection;
    const connection = await PailConnection.connect(this.options);
    if (this.#closed) {
      connection.destroy();
      throw refusal(undefined, Reason.notNow, 'the console is closed');
    }
    this.#connection = connection;
    const { greeting } = connection;
    this.output.send({ type: 'lines', lines: [formatStatus('HELLO', [greeting.fields.version], greeting.text)] });
    return connection;
  }

  #enqueue(work: () => Promise<void>): void {
    this.#waiting++;
    this.#queue = this.#queue
      .then(work)
      .catch((err) => {
        if (err instanceof PailError) this.reject(err);
        else this.reject(refusal(undefined, Reason.internal, err instanceof Error ? err.message : String(err)));
      })
      .finally(() => this.#waiting--);
  }
}

function isGoodbye(line: string | undefined): boolean {
  if (line === undefined) return false;
  try {
    return parseStatus(line).code === Code.BYE;
  } catch {
    return false;
  }
}
