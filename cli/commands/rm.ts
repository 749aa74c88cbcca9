import { arg, type ClientCommand } from './command.ts';

export const rm: ClientCommand = {
  protocol: 'delete_f',
  word: 'rm',
  args: [arg('bucket', 'bucket', 'bucket', { slashFills: 'name' }), arg('name', 'key', 'file to delete')],
  flags: [],
  async run({ connect, output }, args) {
    const bucket = args.one('bucket')!;
    const name = args.one('name')!;
    await (await connect()).deleteFile(bucket, name);
    output.report({ bucket, name }, [`deleted ${bucket}/${name}`]);
  },
};
