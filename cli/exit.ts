/** The exit statuses of `pail`, as data so that help and scripts read the same list. */
export const EXIT_STATUSES = [
  { status: 0, name: 'ok', meaning: 'the command succeeded' },
  { status: 1, name: 'refused', meaning: 'the server refused (its reply code and reason are printed), or a local file could not be used' },
  { status: 2, name: 'usage', meaning: 'the command line was wrong' },
  { status: 3, name: 'unreachable', meaning: 'the bucket server could not be reached or went away' },
  { status: 130, name: 'interrupted', meaning: 'interrupted (Ctrl-C); no partial file is left behind' },
] as const;

type ExitName = (typeof EXIT_STATUSES)[number]['name'];

/** Named constants: `Exit.usage === 2`. */
export const Exit = Object.fromEntries(EXIT_STATUSES.map((e) => [e.name, e.status])) as {
  readonly [K in ExitName]: Extract<(typeof EXIT_STATUSES)[number], { name: K }>['status'];
};
export type ExitStatus = (typeof EXIT_STATUSES)[number]['status'];
