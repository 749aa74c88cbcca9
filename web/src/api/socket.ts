/**
 * A WebSocket to the gateway that reconnects by itself, waiting a little
 * longer after each failure (up to a few seconds) and at once after success.
 */
export interface SocketHandlers {
  onOpen?(): void;
  onMessage(data: string): void;
  onClose?(): void;
}

export function socketUrl(path: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${path}`;
}

const MAX_DELAY_MS = 5_000;

export class ReconnectingSocket {
  #socket: WebSocket | null = null;
  #delay = 250;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #path: string;
  readonly #handlers: SocketHandlers;

  constructor(path: string, handlers: SocketHandlers) {
    this.#path = path;
    this.#handlers = handlers;
    this.#connect();
  }

  get open(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  send(data: string): boolean {
    if (!this.open) return false;
    this.#socket!.send(data);
    return true;
  }

  /** Drops the current connection and dials again now. */
  reconnect(): void {
    clearTimeout(this.#timer);
    this.#delay = 250;
    const old = this.#socket;
    this.#socket = null;
    if (old) {
      old.onclose = null;
      old.close();
      this.#handlers.onClose?.();
    }
    this.#connect();
  }

  close(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#socket?.close();
  }

  #connect(): void {
    if (this.#stopped) return;
    const socket = new WebSocket(socketUrl(this.#path));
    this.#socket = socket;
    socket.onopen = () => {
      this.#delay = 250;
      this.#handlers.onOpen?.();
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') this.#handlers.onMessage(event.data);
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#handlers.onClose?.();
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.#connect(), this.#delay);
      this.#delay = Math.min(this.#delay * 2, MAX_DELAY_MS);
    };
  }
}
