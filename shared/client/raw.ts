import { Code } from '../protocol/codes.ts';
import { Reason } from '../protocol/reasons.ts';
import { announced, parseStatus, type Status } from '../protocol/reply.ts';
import { formatProblem, parseRequest } from '../protocol/request.ts';
import type { Channel } from './channel.ts';
import { PailError } from './errors.ts';

/**
 * Sends one command line as typed and returns the raw reply lines, for the
 * web console and the shell's raw mode. What the line is comes from the
 * codec's parse, never from its raw text (a quoted `"get"` is a download
 * too): a line the codec refuses is answered here with the reply the
 * server would give, and commands that carry a body are refused.
 */
export async function raw(channel: Channel, line: string): Promise<string[]> {
  const parsed = parseRequest(line);
  if (!parsed.ok) return [formatProblem(parsed.problem)];
  const { spec: command } = parsed.request;
  if (command.carriesBody) {
    throw new PailError(Code.BCMD, Reason.notNow, `${command.name} carries a body or a stream; use the app's upload and download, or the CLI`);
  }
  return channel.exclusive(async () => {
    channel.send(line);
    const first = await channel.line();
    const lines = [first];
    let status: Status;
    try {
      status = parseStatus(first);
    } catch {
      return lines;
    }
    const n = status.spec?.follows === 'rows' ? announced(status) : 0;
    for (let i = 0; i < n; i++) lines.push(await channel.line());
    if (status.code === Code.BYE) channel.markBroken();
    return lines;
  });
}
