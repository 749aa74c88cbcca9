import { arg, type ClientCommand } from './command.ts';

/** Presents a token: in the shell it changes what the session may do; on its own it checks the token. */
export const auth: ClientCommand = {
  protocol: 'auth',
  word: 'auth',
  args: [arg('token', 'token', 'token')],
  flags: [],
  async run({ connect, output }, args) {
    const access = await (await connect()).auth(args.one('token')!);
    output.report({ access }, [`authenticated: ${access} access`]);
  },
};
