import type { Request } from '../../shared/protocol/request.ts';
import type { Session } from '../session/session.ts';

/** Runs one parsed command on a session. Throwing a StorageError answers with the command's failure code. */
export type Handler = (session: Session, request: Request) => Promise<void>;
