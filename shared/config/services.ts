/**
 * The words of `pail` that are not protocol commands: the services that run
 * Pail rather than talk to it (each takes the settings flags), and the
 * interactive shell. Help and the launcher read this table; the launcher
 * (launcher/services.ts) gives each service its start.
 */
export interface ServiceWord {
  readonly name: 'server' | 'gateway' | 's3' | 'start';
  readonly summary: string;
}

export const SERVICE_WORDS: readonly ServiceWord[] = [
  { name: 'server', summary: 'Runs the bucket server: the TCP protocol on --host and --port, files in --data' },
  { name: 'gateway', summary: 'Runs the HTTP gateway and web app on --host and --http-port, in front of the bucket server at --server' },
  { name: 's3', summary: 'Runs the S3-compatible listener on --host and --s3-port, in front of the bucket server at --server' },
  { name: 'start', summary: 'Runs the bucket server, the gateway and the S3 listener together (what npm start runs)' },
];

export const SHELL_WORD = {
  name: 'shell',
  summary: 'An interactive shell (what pail alone starts on a terminal): history, Tab completion, and it asks for missing arguments',
} as const;

export function findServiceWord(word: string): ServiceWord | undefined {
  return SERVICE_WORDS.find((s) => s.name === word);
}
