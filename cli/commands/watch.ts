import type { PailEvent } from '../../shared/protocol/types.ts';
import type { ClientCommand } from './command.ts';

/** Prints change events as they happen, until Ctrl-C. */
export const watch: ClientCommand = {
  protocol: 'watch',
  word: 'watch',
  summary: 'Prints every change (buckets and files created or deleted) as it happens, until Ctrl-C',
  args: [],
  flags: [],
  async run({ connect, output }) {
    const connection = await connect();
    for await (const event of connection.watch({ onWatching: () => output.note('watching; Ctrl-C stops') })) {
      output.report({ event }, [describe(event)]);
    }
  },
};

function describe(event: PailEvent): string {
  switch (event.kind) {
    case 'bucket-created':
    case 'bucket-deleted':
      return `${event.kind} ${event.bucket}`;
    case 'file-deleted':
      return `${event.kind} ${event.bucket}/${event.name}`;
    case 'file-uploaded':
      return `${event.kind} ${event.bucket}/${event.file.name} ${event.file.size} bytes sha256 ${event.file.sha256}`;
  }
}
