/** Pail has one tenant: every key pair sees every bucket, all owned by this one owner. */
export const OWNER = { id: 'pail', displayName: 'pail' } as const;
