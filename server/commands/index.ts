import type { CommandName } from '../../shared/protocol/commands.ts';
import type { RequestOf } from '../../shared/protocol/request.ts';
import type { Session } from '../session/session.ts';
import { auth } from './auth.ts';
import { codeR } from './code-r.ts';
import { createB } from './create-b.ts';
import { deleteB } from './delete-b.ts';
import { deleteF } from './delete-f.ts';
import { download } from './download.ts';
import type { Handler } from './handler.ts';
import { help } from './help.ts';
import { lsB } from './ls-b.ts';
import { lsF } from './ls-f.ts';
import { quit } from './quit.ts';
import { stat } from './stat.ts';
import { uploadF } from './upload-f.ts';
import { partU } from './part-u.ts';
import { partN } from './part-n.ts';
import { abortU, beginU, completeU, lsP, lsU, statusU } from './upload-sessions.ts';
import { watch } from './watch.ts';

/** The handler of each command in the table; the type makes a missing one a compile error. */
export const HANDLERS: { readonly [N in CommandName]: Handler<N> } = {
  help,
  code_r: codeR,
  quit,
  auth,
  watch,
  create_b: createB,
  delete_b: deleteB,
  ls_b: lsB,
  upload_f: uploadF,
  download,
  stat,
  delete_f: deleteF,
  ls_f: lsF,
  begin_u: beginU,
  part_u: partU,
  part_n: partN,
  ls_p: lsP,
  status_u: statusU,
  complete_u: completeU,
  abort_u: abortU,
  ls_u: lsU,
};

/** Runs a request's own handler, which takes exactly that command's request. */
export function runHandler<N extends CommandName>(session: Session, request: RequestOf<N>): Promise<void> {
  const handler: Handler<N> = HANDLERS[request.command];
  return handler(session, request);
}
