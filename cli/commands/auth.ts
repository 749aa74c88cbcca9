import { PailError } from '../../shared/client/errors.ts';
import { parseStatus } from '../../shared/protocol/reply.ts';
import { formatRequest } from '../../shared/protocol/request.ts';
import { arg, type ClientCommand } from './command.ts';

/** Presents a token: in the shell it changes what the session may do; on its own it checks the token. */
export const auth: ClientCommand = {
  protocol: 'auth',
  word: 'auth',
  args: [arg('token', 'token', 'token')],
  flags: [],
  async run({ connect, output }, args) {
    const [line] = await (await connect()).raw(formatRequest('auth', [args.one('token')!]));
    const status = parseStatus(line);
    if (status.spec?.failure) throw PailError.from(status);
    const access = status.fields.access;
    output.report({ access }, [`authenticated: ${access} access`]);
  },
};
