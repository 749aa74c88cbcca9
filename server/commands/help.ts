import { findCommand } from '../../shared/protocol/commands.ts';
import { commandHelpRows, helpRows } from '../../shared/protocol/help.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { formatFailure, formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const help: Handler<'help'> = async (session, { topic }) => {
  if (topic === undefined) {
    const rows = helpRows();
    return session.sendRows(formatStatus('HELP', [rows.length], 'commands follow; help COMMAND explains one'), rows);
  }
  const command = findCommand(topic);
  if (!command) {
    session.send(formatFailure('BCMD', Reason.unknownCommand, `no command ${JSON.stringify(topic.slice(0, 40))}; try help`));
    return;
  }
  const rows = commandHelpRows(command);
  return session.sendRows(formatStatus('HELP', [rows.length]), rows);
};
