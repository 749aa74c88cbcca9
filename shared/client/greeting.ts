import { Code } from '../protocol/codes.ts';
import { parseStatus, type Status } from '../protocol/reply.ts';
import { DEFAULT_TCP_PORT } from '../protocol/version.ts';
import { PeerGone } from '../net/socket-reader.ts';
import type { Channel } from './channel.ts';
import { PailError, UnreachableError } from './errors.ts';
import { within } from './within.ts';

/** After a silent peer's greeting timeout, how long its answer to a probing line may take. */
const PROBE_MS = 1_000;

/**
 * The server's greeting, which a Pail server sends at once. Whatever else
 * answers (nothing, an HTTP server, a closed connection) is named in an
 * UnreachableError, so a wrong port is told as such.
 */
export async function readGreeting(channel: Channel, timeoutMs: number): Promise<Status> {
  const address = channel.address;
  const notPail = (what: string) => new UnreachableError(`${address} is not a Pail bucket server: ${what}`);
  const pending = channel.nextLine();
  let first: string | undefined;
  try {
    first = await within(pending, timeoutMs);
  } catch (err) {
    if (err instanceof PeerGone) throw new UnreachableError(`${address} closed the connection before greeting`, { cause: err });
    throw err;
  }
  if (first === undefined) {
    // Silent, as an HTTP server is until asked: ask, and say what answered.
    channel.send('quit');
    const answer = await within(pending, PROBE_MS).catch(() => undefined);
    if (answer?.startsWith('HTTP/')) {
      throw notPail(`it answered HTTP (${JSON.stringify(answer)}): is that the gateway's HTTP port? The bucket server's TCP port is ${DEFAULT_TCP_PORT} unless set otherwise`);
    }
    throw new UnreachableError(`${address} accepted the connection but sent no greeting within ${timeoutMs} ms; is it a Pail bucket server?`);
  }
  let greeting: Status;
  try {
    greeting = parseStatus(first);
  } catch {
    throw notPail(`it said ${JSON.stringify(first.slice(0, 80))}`);
  }
  if (greeting.code === Code.HELLO) return greeting;
  if (greeting.spec?.failure) throw PailError.from(greeting);
  throw notPail(`it greeted with ${JSON.stringify(first.slice(0, 80))}`);
}
