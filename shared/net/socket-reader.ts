import type { Socket } from 'node:net';
import { FrameBuffer, TOO_LONG } from '../protocol/frames.ts';

/** The peer closed the connection before a frame it owed was complete. */
export class PeerGone extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'PeerGone';
  }
}

/** The peer sends so slowly that it would hold the connection without end (a trickling line or body). */
export class PeerTooSlow extends PeerGone {
  constructor(readonly what: string) {
    super();
    this.message = what;
    this.name = 'PeerTooSlow';
  }
}

/** Limits on how slowly a peer may send once it has begun a line or a body; silence between commands is the idle timeout's business. */
export interface PaceLimits {
  /** A line must be complete this long after its first byte arrived. */
  readonly lineTimeoutMs: number;
  /** After the grace period, a body must arrive at least this fast on average over its whole length (bytes per second). */
  readonly minBodyRate: number;
  readonly bodyGraceMs: number;
}

const NO_PACE: PaceLimits = { lineTimeoutMs: Infinity, minBodyRate: 0, bodyGraceMs: Infinity };

/**
 * Awaitable frames over a socket: the session asks for a line or for body
 * bytes and waits until they arrive. Reading pauses the socket whenever
 * `highWater` bytes are waiting unread, so a fast sender can never fill
 * memory; it resumes as the session consumes them.
 */
export class SocketReader {
  readonly #frames: FrameBuffer;
  #ended = false;
  #discarding = false;
  #wake: (() => void) | undefined;
  /** The body being received, when one is timed (see beginBody). */
  #body: { readonly started: number; received: number } | undefined;

  constructor(
    readonly socket: Socket,
    maxLine: number,
    readonly highWater = 1 << 20,
    readonly pace: PaceLimits = NO_PACE,
  ) {
    this.#frames = new FrameBuffer(maxLine);
    socket.on('data', (chunk: Buffer) => {
      if (this.#discarding) return;
      this.#frames.push(chunk);
      if (this.#frames.size >= this.highWater) socket.pause();
      this.#notify();
    });
    const end = () => {
      this.#ended = true;
      this.#notify();
    };
    socket.on('end', end);
    socket.on('close', end);
  }

  /** The first bytes of the last line answered with TOO_LONG. */
  get overlongHead(): Buffer {
    return this.#frames.overlongHead;
  }

  /**
   * Drops everything received and everything still to come: once a reply has
   * said the connection is closing, the peer's remaining bytes (a body sent
   * without waiting for the go-ahead) are read and thrown away, never
   * buffered and never parsed, while the peer reads the reply.
   */
  discardInput(): void {
    this.#discarding = true;
    while (this.#frames.size > 0) this.#frames.takeBytes(this.#frames.size);
    if (this.socket.isPaused()) this.socket.resume();
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.#frames.size;
  }

  /** A line already received, taken without waiting; undefined when no whole line is in yet. */
  lineNow(): Buffer | typeof TOO_LONG | undefined {
    return this.#frames.takeLine() ?? undefined;
  }

  /** The next line (without its line ending), TOO_LONG for an overlong one, or null at the end of input. */
  async line(): Promise<Buffer | typeof TOO_LONG | null> {
    let started: number | undefined;
    for (;;) {
      const line = this.#frames.takeLine();
      if (line !== null) return line;
      if (this.#ended) return null;
      // A line that has begun must end in time, even if nothing more arrives: a trickle or a silence after
      // its first byte is not idle, only slow.
      let deadline = this.#bodyDeadline();
      if (this.#frames.size > 0) {
        started ??= Date.now();
        if (Date.now() - started >= this.pace.lineTimeoutMs) {
          throw new PeerTooSlow(`a line took longer than ${this.pace.lineTimeoutMs} ms to arrive`);
        }
        deadline = Math.min(deadline, started + this.pace.lineTimeoutMs);
      }
      this.#checkBodyRate();
      await this.#more(deadline);
    }
  }

  /** Exactly `n` bytes, as they arrive, in views of the received chunks. Throws PeerGone if the input ends first. */
  async *bytes(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      const piece = this.#frames.takeBytes(left);
      if (piece) {
        left -= piece.length;
        if (this.#body) this.#body.received += piece.length;
        this.#checkBodyRate();
        this.#resumeIfDrained();
        yield piece;
        continue;
      }
      if (this.#ended) throw new PeerGone();
      this.#checkBodyRate();
      await this.#more(this.#bodyDeadline());
    }
  }

  /**
   * Starts timing a body (after the go-ahead): from now until `endBody`, every
   * byte read (a chunked body's header lines count as time, its bytes as
   * progress) is held to the minimum rate over the whole body, and a body
   * that falls silent is dropped when its deadline passes, without waiting
   * for more bytes.
   */
  beginBody(): void {
    this.#body = { started: Date.now(), received: 0 };
  }

  endBody(): void {
    this.#body = undefined;
  }

  /**
   * When the body in progress falls behind the minimum rate: after the grace
   * period, a body that has received R bytes must not be older than R / rate.
   */
  #bodyDeadline(): number {
    const body = this.#body;
    if (!body || !(this.pace.minBodyRate > 0)) return Infinity;
    return body.started + Math.max(this.pace.bodyGraceMs, (body.received * 1000) / this.pace.minBodyRate);
  }

  #checkBodyRate(): void {
    if (Date.now() >= this.#bodyDeadline()) {
      throw new PeerTooSlow(`the body arrived slower than ${this.pace.minBodyRate} bytes per second`);
    }
  }

  #resumeIfDrained(): void {
    if (this.socket.isPaused() && this.#frames.size < this.highWater) this.socket.resume();
  }

  /** Whether a caller is waiting for bytes the peer has not sent yet. */
  get waitingForPeer(): boolean {
    return this.#wake !== undefined;
  }

  /** Waits for more input, or until `deadline` (a Date.now() time) so a caller can give up on a silent peer. */
  #more(deadline = Infinity): Promise<void> {
    this.#resumeIfDrained();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (deadline !== Infinity) timer = setTimeout(() => this.#notify(), Math.max(0, deadline - Date.now()) + 1);
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
