import type { ReconnectingSocket } from '../api/socket.ts';
import { openConsole } from '../api/console.ts';
import { secondColumn } from './reply-columns.ts';
import { replyTone, type ReplyTone } from './reply-tone.ts';

export interface ConsoleLine {
  readonly id: number;
  readonly kind: 'command' | 'reply' | 'note';
  readonly text: string;
  /** A reply's status line is told good or bad; the rows after it are plain. */
  readonly tone: ReplyTone;
  /** For a row in columns: where its second column starts, in characters (0 for none). */
  readonly hang: number;
}

const MAX_LINES = 2_000;
const MAX_HISTORY = 200;

/** The protocol console: one raw session, its transcript and the command history. */
class ProtocolConsole {
  lines = $state.raw<ConsoleLine[]>([]);
  connected = $state(false);
  history = $state.raw<string[]>([]);
  #cursor = -1;
  #draft = '';
  #socket: ReconnectingSocket | null = null;
  #id = 0;

  start(): void {
    if (this.#socket) return;
    this.#socket = openConsole({
      onOpen: () => {
        this.connected = true;
        this.#add('note', 'Connected to the bucket server. Type help to list the commands.');
      },
      onClose: () => {
        if (this.connected) this.#add('note', 'Connection lost; reconnecting…');
        this.connected = false;
      },
      onLines: (lines) => {
        // Each message is one reply: its status line first, then any rows.
        lines.forEach((line, i) => (i === 0 ? this.#add('reply', line, replyTone(line)) : this.#add('reply', line, 'plain', secondColumn(line))));
      },
    });
  }

  stop(): void {
    this.#socket?.close();
    this.#socket = null;
    this.connected = false;
  }

  send(line: string): boolean {
    const command = line.trim();
    if (!command) return false;
    if (this.history.at(-1) !== command) this.history = [...this.history, command].slice(-MAX_HISTORY);
    this.#cursor = -1;
    this.#draft = '';
    this.#add('command', command);
    if (!this.#socket?.send(command)) {
      this.#add('note', 'Not connected; the command was not sent.');
      return false;
    }
    return true;
  }

  /** Arrow-key history: returns the line to show, or null to leave the input as it is. */
  older(current: string): string | null {
    if (this.history.length === 0) return null;
    if (this.#cursor === -1) {
      this.#draft = current;
      this.#cursor = this.history.length - 1;
    } else if (this.#cursor > 0) this.#cursor--;
    else return null;
    return this.history[this.#cursor];
  }

  newer(): string | null {
    if (this.#cursor === -1) return null;
    if (this.#cursor < this.history.length - 1) {
      this.#cursor++;
      return this.history[this.#cursor];
    }
    this.#cursor = -1;
    return this.#draft;
  }

  clear(): void {
    this.lines = [];
  }

  #add(kind: ConsoleLine['kind'], text: string, tone: ReplyTone = 'plain', hang = 0): void {
    const next = [...this.lines, { id: ++this.#id, kind, text, tone, hang }];
    this.lines = next.length > MAX_LINES ? next.slice(-MAX_LINES) : next;
  }
}

export const protocolConsole = new ProtocolConsole();
