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

/** Limits on how slowly a peer may send; silence itself is the idle timeout's business. */
export interface PaceLimits {
  /** A line must be complete this long after its first byte arrived. */
  readonly lineTimeoutMs: number;
  /** After the grace period, a body must arrive at least this fast on average (bytes per second). */
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
  #wake: (() => void) | undefined;

  constructor(
    readonly socket: Socket,
    maxLine: number,
    readonly highWater = 1 << 20,
    readonly pace: PaceLimits = NO_PACE,
  ) {
    this.#frames = new FrameBuffer(maxLine);
    socket.on('data', (chunk: Buffer) => {
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

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.#frames.size;
  }

  /** The next line (without its line ending), TOO_LONG for an overlong one, or null at the end of input. */
  async line(): Promise<Buffer | typeof TOO_LONG | null> {
    let started: number | undefined;
    for (;;) {
      const line = this.#frames.takeLine();
      if (line !== null) return line;
      if (this.#ended) return null;
      // A line that has begun must end in time: a peer trickling one byte at a time is not idle, only slow.
      if (this.#frames.size > 0) {
        started ??= Date.now();
        if (Date.now() - started > this.pace.lineTimeoutMs) {
          throw new PeerTooSlow(`a line took longer than ${this.pace.lineTimeoutMs} ms to arrive`);
        }
      }
      await this.#more();
    }
  }

  /** Exactly `n` bytes, as they arrive, in views of the received chunks. Throws PeerGone if the input ends first. */
  async *bytes(n: number): AsyncGenerator<Buffer> {
    let left = n;
    const started = Date.now();
    while (left > 0) {
      const piece = this.#frames.takeBytes(left);
      if (piece) {
        left -= piece.length;
        this.#checkRate(n - left, started);
        this.#resumeIfDrained();
        yield piece;
        continue;
      }
      if (this.#ended) throw new PeerGone();
      await this.#more();
    }
  }

  #checkRate(received: number, started: number): void {
    const elapsed = Date.now() - started;
    if (elapsed > this.pace.bodyGraceMs && (received * 1000) / elapsed < this.pace.minBodyRate) {
      throw new PeerTooSlow(`the body arrived slower than ${this.pace.minBodyRate} bytes per second`);
    }
  }

  #resumeIfDrained(): void {
    if (this.socket.isPaused() && this.#frames.size < this.highWater) this.socket.resume();
  }

  #more(): Promise<void> {
    this.#resumeIfDrained();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
