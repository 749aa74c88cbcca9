import type { ClientCommand } from './command.ts';

/** Ends the shell; on its own it checks that the server answers and says goodbye. */
export const quit: ClientCommand = {
  protocol: 'quit',
  word: 'quit',
  args: [],
  flags: [],
  async run({ connect, output }) {
    await (await connect()).quit();
    output.report({}, ['bye']);
  },
};
