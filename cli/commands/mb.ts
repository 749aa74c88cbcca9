import { arg, type ClientCommand } from './command.ts';

export const mb: ClientCommand = {
  protocol: 'create_b',
  word: 'mb',
  args: [arg('bucket', 'bucket', 'bucket to create')],
  flags: [],
  async run({ connect, output }, args) {
    const bucket = args.one('bucket')!;
    await (await connect()).createBucket(bucket);
    output.report({ bucket }, [`created bucket ${bucket}`]);
  },
};
