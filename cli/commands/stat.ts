import { arg, type ClientCommand } from './command.ts';

export const stat: ClientCommand = {
  protocol: 'stat',
  word: 'stat',
  args: [arg('bucket', 'bucket', 'bucket', { slashFills: 'name' }), arg('name', 'key', 'file to describe')],
  flags: [],
  async run({ connect, output }, args) {
    const bucket = args.one('bucket')!;
    const name = args.one('name')!;
    const file = await (await connect()).stat(bucket, name);
    output.report({ ...file }, [`${bucket}/${name}  ${file.size} bytes  ${file.modified}  sha256 ${file.sha256}`]);
  },
};
