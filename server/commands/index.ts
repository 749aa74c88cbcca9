import type { CommandName } from '../../shared/protocol/commands.ts';
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
import { watch } from './watch.ts';

/** The handler of each command in the table; the type makes a missing one a compile error. */
export const HANDLERS: Readonly<Record<CommandName, Handler>> = {
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
};
