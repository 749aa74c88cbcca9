import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { mnemonicOf } from '../../shared/protocol/codes.ts';
import type { CommandSpec } from '../../shared/protocol/commands.ts';
import { TOO_LONG } from '../../shared/protocol/frames.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { formatFailure, formatStatus } from '../../shared/protocol/reply.ts';
import { formatProblem, parseRequest } from '../../shared/protocol/request.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';
import { runHandler } from '../commands/index.ts';
import { replyBatches } from './reply-batches.ts';
import type { ServerContext } from '../context.ts';
import { StorageError } from '../storage/storage.ts';
import { PeerGone, PeerTooSlow, SocketReader } from '../../shared/net/socket-reader.ts';
import { bodyMayFollow } from './body-may-follow.ts';
import { drained, written } from '../../shared/net/drained.ts';

import type { Access } from '../../shared/access/access.ts';
import { BODY_GRACE_MS } from '../../shared/config/settings.ts';
type State = 'idle' | 'busy' | 'watching' | 'closed';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One client connection: reads command lines, runs their handlers one after
 * another, and writes replies with backpressure. Every failure becomes a
 * reply; nothing a client sends can throw out of here.
 */
export class Session {
  readonly reader: SocketReader;
  readonly log: Logger;
  #access: Access;
  /** Wrong tokens presented on this connection. */
  #wrongTokens = 0;
  #state: State = 'idle';
  /** Runs from the end of the last command; blank lines do not reset it, so they cannot keep a connection alive. */
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: Socket,
    readonly context: ServerContext,
    readonly id: number,
  ) {
    const { maxLine, lineTimeoutMs, minBodyRate, bodyGraceMs = BODY_GRACE_MS } = context.limits;
    this.reader = new SocketReader(socket, maxLine, undefined, { lineTimeoutMs, minBodyRate, bodyGraceMs });
    this.log = context.log.child({ session: id, peer: `${socket.remoteAddress}:${socket.remotePort}` });
    this.#access = context.auth ? 'none' : 'full';
  }

  get state(): State {
    return this.#state;
  }

  /** What the session may do: none before auth when the server requires a token, then what its token grants. */
  get access(): Access {
    return this.#access;
  }

  /** Gives the session the rights of the token it presented. */
  grant(access: Access): void {
    this.#access = access;
  }

  /** Counts a wrong token presented on this connection; returns how many it has presented. */
  countWrongToken(): number {
    return ++this.#wrongTokens;
  }

  /** The client's IP address. */
  get peerAddress(): string {
    return this.socket.remoteAddress ?? 'unknown';
  }

  /** Bytes written to the client that it has not yet taken. */
  get unsentBytes(): number {
    return this.socket.writableLength;
  }

  /** Calls `listener` once the connection has closed. */
  onClosed(listener: () => void): void {
    this.socket.once('close', listener);
  }

  /** Serves the connection until the client quits or goes away. */
  async run(): Promise<void> {
    this.send(formatStatus('HELLO', [PROTOCOL_VERSION], 'Pail bucket server ready; try help'));
    while (this.#state !== 'closed') {
      this.#armIdleTimer();
      let line: Awaited<ReturnType<SocketReader['line']>>;
      try {
        line = await this.reader.line();
      } catch (err) {
        if (!(err instanceof PeerTooSlow)) throw err;
        this.#tooSlow(err);
        break;
      }
      if (line === null) break;
      if ((this.#state as State) === 'closed') break;
      if (line === TOO_LONG) {
        this.#disarmIdleTimer();
        this.#refuseLine(
          formatFailure('BCMD', Reason.tooLong, `lines are limited to ${this.context.limits.maxLine} bytes`),
          this.reader.overlongHead.toString('latin1'),
        );
        continue;
      }
      let text: string;
      try {
        text = utf8.decode(line);
      } catch {
        this.#disarmIdleTimer();
        this.#refuseLine(formatFailure('BCMD', Reason.badUtf8, 'the line is not valid UTF-8'), line.toString('latin1'));
        continue;
      }
      if (text.trim() === '') continue;
      this.#disarmIdleTimer();
      await this.#execute(text);
    }
    this.close();
  }

  /**
   * Answers a line that runs no command. If it may have been an upload whose
   * body the client sent without waiting for 100 SEND, the connection closes
   * after the reply: those bytes must never be read as commands.
   */
  #refuseLine(reply: string, line: string): void {
    if (bodyMayFollow(line)) this.#closeAfterRefusedUpload(reply);
    else this.send(reply);
  }

  /** Says why an upload was refused before its go-ahead, then closes: a body may already be on its way. */
  #closeAfterRefusedUpload(reply: string): void {
    this.log.info('closing after a refused upload whose body may follow');
    this.closeWith(reply);
  }

  #armIdleTimer(): void {
    if (this.#idleTimer || this.#state !== 'idle') return;
    const { idleTimeoutMs } = this.context.limits;
    this.#idleTimer = setTimeout(() => {
      if (this.#state === 'idle') this.closeWith(formatFailure('BUSY', Reason.idleTimeout, 'the connection was idle for too long'));
    }, idleTimeoutMs);
  }

  #disarmIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  async #execute(text: string): Promise<void> {
    const started = performance.now();
    const parsed = parseRequest(text);
    if (!parsed.ok) {
      const { problem } = parsed;
      this.log.info({ line: text.slice(0, 200), code: problem.code, reason: problem.reason }, 'refused');
      this.#refuseLine(formatProblem(problem), text);
      return;
    }
    const { request } = parsed;
    const command = request.spec;
    const refusal = this.#refusal(command);
    if (refusal) {
      this.#refuseLine(refusal, text);
      return;
    }
    if (this.#state === 'idle') this.#state = 'busy';
    try {
      await runHandler(this, request);
    } catch (err) {
      if (err instanceof PeerTooSlow) {
        this.#tooSlow(err);
        return;
      }
      if (err instanceof PeerGone) {
        this.log.info({ command: command.name }, 'client left mid-command');
        this.close();
        return;
      }
      this.fail(command, err);
    } finally {
      if (this.#state === 'busy') this.#state = 'idle';
      this.log.info({ command: command.name, ms: Math.round(performance.now() - started) }, 'command');
    }
  }

  #tooSlow(err: PeerTooSlow): void {
    this.log.warn({ reason: err.message }, 'dropped a slow client');
    this.closeWith(formatFailure('BUSY', Reason.tooSlow, err.message));
  }

  /** Why the session may not run a command now, as a reply line; undefined when it may. */
  #refusal(command: CommandSpec): string | undefined {
    if (this.#state === 'watching' && command.name !== 'quit') {
      return formatFailure('BCMD', Reason.notNow, 'this connection is watching events; only quit is accepted');
    }
    if (this.access === 'none' && !command.open) {
      return formatFailure('NOAUTH', Reason.authRequired, 'this server requires auth TOKEN first');
    }
    if (this.access === 'read' && command.writes) {
      return formatFailure(mnemonicOf(command.failure), Reason.forbidden, 'this token may only read');
    }
    return undefined;
  }

  /** Answers a failed command with its failure code and the error's reason. */
  fail(command: CommandSpec, err: unknown): void {
    if (err instanceof StorageError) {
      this.send(formatFailure(mnemonicOf(command.failure), err.reason, err.message));
      this.log.info({ command: command.name, reason: err.reason }, 'failed');
      return;
    }
    this.log.error({ err, command: command.name }, 'command failed unexpectedly');
    this.send(formatFailure(mnemonicOf(command.failure), Reason.internal, 'the server failed; see its log'));
  }

  send(line: string): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    return this.socket.write(`${line}\n`);
  }

  /** A status line and its rows, written in batches that wait for the socket to drain. */
  async sendRows(status: string, rows: Iterable<string>): Promise<void> {
    for (const batch of replyBatches(status, rows)) await this.write(batch);
  }

  /** Writes and, when the socket's buffer is full, waits until it drains. */
  async write(data: string | Buffer): Promise<void> {
    if (this.socket.destroyed) throw new PeerGone();
    if (!this.socket.write(data)) await drained(this.socket);
  }

  /**
   * Writes bytes the caller will reuse: resolves once the socket has handed
   * them to the kernel (not merely buffered them), rejects if it closes first.
   */
  writeOut(bytes: Buffer): Promise<void> {
    return written(this.socket, bytes);
  }

  /** Turns the session into an event stream (after `watch`). */
  startWatching(): void {
    this.#disarmIdleTimer();
    this.#state = 'watching';
    this.socket.setTimeout(0);
    this.socket.setKeepAlive(true, 30_000);
  }

  /** True when no command is running: the session may be closed without losing work. */
  get idle(): boolean {
    return this.#state === 'idle' || this.#state === 'watching';
  }

  /**
   * True while a command waits on the client: for bytes of a line or body it
   * has not sent, or to take reply bytes it has not read. Otherwise a running
   * command waits on the server's own work (its storage slow to answer), and
   * the client's silence meanwhile is not the client's fault.
   */
  get waitingOnClient(): boolean {
    return this.reader.waitingForPeer || this.socket.writableLength > 0;
  }

  /**
   * Drops the connection at once, saying nothing: for when a reply already
   * promised what can no longer come (a download's bytes), or a client will
   * not read what it is sent. `why` goes to the log.
   */
  cut(why: string, err?: unknown): void {
    this.log.warn({ err, why }, 'connection cut');
    this.socket.destroy();
    this.close();
  }

  /** Says why, then ends the connection. */
  closeWith(line: string): void {
    if (this.#state === 'closed') return;
    this.send(line);
    this.close();
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#disarmIdleTimer();
    // Whatever the peer still sends is read and dropped while it reads the last reply, then the socket is cut.
    this.reader.discardInput();
    this.socket.end();
    // A peer that never reads would keep a half-closed socket forever.
    setTimeout(() => this.socket.destroy(), 5_000).unref();
  }
}
