import type { CommandName } from '../../shared/protocol/commands.ts';
import type { RequestOf } from '../../shared/protocol/request.ts';
import type { Session } from '../session/session.ts';

/** Runs one parsed command on a session. Throwing a StorageError answers with the command's failure code. */
export type Handler<N extends CommandName> = (session: Session, request: RequestOf<N>) => Promise<void>;
