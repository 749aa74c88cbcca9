import { arg, type ClientCommand } from './command.ts';

export const rb: ClientCommand = {
  protocol: 'delete_b',
  word: 'rb',
  args: [arg('bucket', 'bucket', 'bucket to delete')],
  flags: [{ flag: '--force', summary: 'also delete the files the bucket still holds' }],
  async run({ connect, output }, args) {
    const bucket = args.one('bucket')!;
    const force = args.flag('--force') === true;
    await (await connect()).deleteBucket(bucket, { force });
    output.report({ bucket, force }, [`deleted bucket ${bucket}`]);
  },
};
