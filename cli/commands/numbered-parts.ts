import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { MAX_PART_NUMBER } from '../../shared/protocol/commands.ts';
import { UsageError } from '../errors.ts';
import { cannotRead } from '../local-file.ts';
import { formatBytes, formatTable } from '../format.ts';
import { arg, type ClientCommand } from './command.ts';

/**
 * The commands of a session of numbered parts (begun with `begin --parts`),
 * as the protocol has them: a part sent from a local file under its number,
 * and the parts held. `complete --parts LIST` completes such a session.
 */

export const partN: ClientCommand = {
  protocol: 'part_n',
  word: 'part_n',
  args: [arg('upload', 'upload', 'upload id'), arg('number', 'part', `part number (1 to ${MAX_PART_NUMBER})`), arg('file', 'path', 'local file holding the part')],
  flags: [
    { flag: '--sha256', value: 'HEX', summary: "refuse unless the part's bytes have this SHA-256" },
    { flag: '--md5', value: 'HEX', summary: "refuse unless the part's bytes have this MD5" },
  ],
  async run({ connect, output }, args) {
    const upload = args.one('upload')!;
    const number = Number(args.one('number'));
    if (!Number.isInteger(number) || number < 1 || number > MAX_PART_NUMBER) throw new UsageError(`NUMBER is a part number from 1 to ${MAX_PART_NUMBER}`);
    const path = args.one('file')!;
    const { size } = await stat(path).catch((err: unknown) => {
      throw cannotRead(path, err);
    });
    const digest = (flag: string) => {
      const value = args.flag(flag);
      return typeof value === 'string' ? value.toLowerCase() : undefined;
    };
    const stored = await (await connect()).writeNumberedPart(upload, number, createReadStream(path), { size, sha256: digest('--sha256'), md5: digest('--md5') });
    output.report({ ...stored }, [`stored part ${stored.number}: ${formatBytes(stored.size)}  md5 ${stored.md5}  sha256 ${stored.sha256}`]);
  },
};

export const lsP: ClientCommand = {
  protocol: 'ls_p',
  word: 'ls_p',
  args: [arg('upload', 'upload', 'upload id')],
  flags: [],
  async run({ connect, output }, args) {
    const upload = args.one('upload')!;
    const parts = await (await connect()).listParts(upload);
    output.report(
      { upload, parts },
      parts.length ? formatTable(['PART', 'SIZE', 'MD5', 'MODIFIED'], parts.map((p) => [String(p.number), formatBytes(p.size), p.md5, p.modified])) : [`no parts held by ${upload}`],
    );
  },
};
