/**
 * What a presented token grants, for the bucket server's sessions and the
 * gateway's logins alike: `full` may change things, `read` may only list and
 * download, `none` has presented nothing valid yet.
 */
export type Access = 'none' | 'read' | 'full';

/** The access a valid token grants (a login never holds `none`). */
export type Granted = Exclude<Access, 'none'>;
