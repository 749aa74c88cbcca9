import { Worker } from 'node:worker_threads';

/**
 * The thread's code, plain CommonJS run with `eval`: it needs only crypto, and
 * so does not depend on the TypeScript loader being present in workers. It
 * keeps one SHA-256 per stream, hashes ranges of shared memory in the order
 * they are posted (one port keeps that order), acknowledges each range, and
 * answers the digest at the end.
 */
const THREAD_CODE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let hash = hashes.get(m.id);
    if (!hash) hashes.set(m.id, (hash = createHash('sha256')));
    hash.update(new Uint8Array(m.memory, m.offset, m.length));
    parentPort.postMessage({ id: m.id, op: 'hashed' });
  } else if (m.op === 'digest') {
    const hash = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, op: 'digest', hex: hash.digest('hex') });
  } else if (m.op === 'drop') {
    hashes.delete(m.id);
  }
});
`;

interface Waiting {
  readonly resolve: (value: string | undefined) => void;
  readonly reject: (err: Error) => void;
}

/**
 * A SHA-256 computed on another thread over shared memory: the event loop
 * posts where the bytes are (no copy) and goes on receiving while they are
 * hashed. The caller must leave each range untouched until its `update`
 * resolves.
 */
export interface SharedHash {
  /** Hashes `length` bytes of `memory` from `offset`, after every range posted before. */
  update(memory: SharedArrayBuffer, offset: number, length: number): Promise<void>;
  /** The SHA-256 (hex) of every range posted, once all are hashed. */
  digest(): Promise<string>;
  /** Forgets the hash (an abandoned body); pending updates still settle. */
  drop(): void;
}

/**
 * One hashing thread for the whole process, started on first use. It holds
 * the process alive only while it owes an answer. If it dies, everything it
 * owed fails and the next stream starts a new thread.
 */
class HashThread {
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting[]>();
  /** Streams dropped while answers were still owed to them. */
  readonly #dropped = new Set<number>();
  #owed = 0;
  #nextId = 1;

  open(): SharedHash {
    const id = this.#nextId++;
    this.#waiting.set(id, []);
    return {
      update: (memory, offset, length) => this.#ask(id, { op: 'update', id, memory, offset, length }).then(() => {}),
      digest: () =>
        this.#ask(id, { op: 'digest', id }).then((hex) => {
          this.#waiting.delete(id);
          return hex!;
        }),
      drop: () => {
        const queue = this.#waiting.get(id);
        if (!queue) return;
        this.#worker?.postMessage({ op: 'drop', id });
        // Answers still owed arrive and settle (the message handler forgets the id after the last).
        if (queue.length === 0) this.#waiting.delete(id);
        else this.#dropped.add(id);
      },
    };
  }

  #ask(id: number, message: object): Promise<string | undefined> {
    const worker = this.#start();
    return new Promise((resolve, reject) => {
      this.#waiting.get(id)!.push({ resolve, reject });
      if (this.#owed++ === 0) worker.ref();
      worker.postMessage(message);
    });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(THREAD_CODE, { eval: true });
    worker.unref();
    worker.on('message', (m: { id: number; op: string; hex?: string }) => {
      const queue = this.#waiting.get(m.id);
      const waiting = queue?.shift();
      if (queue?.length === 0 && this.#dropped.delete(m.id)) this.#waiting.delete(m.id);
      if (--this.#owed === 0) worker.unref();
      waiting?.resolve(m.hex);
    });
    const fail = (err: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#owed = 0;
      for (const queue of this.#waiting.values()) for (const w of queue.splice(0)) w.reject(err);
      for (const id of this.#dropped) this.#waiting.delete(id);
      this.#dropped.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing thread exited (${code})`)));
    this.#worker = worker;
    return worker;
  }
}

const thread = new HashThread();

/** A SHA-256 over shared memory, computed on the process's hashing thread. */
export function sharedHash(): SharedHash {
  return thread.open();
}
