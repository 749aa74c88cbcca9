import { splitHead } from '../../shared/protocol/tokens.ts';
import type { ClientCommand } from './command.ts';

/** Rows of `code_r`: `300 BCS meaning…`, then `reason WORD meaning…`. */
const REASON_ROW = 'reason';

export const codes: ClientCommand = {
  protocol: 'code_r',
  word: 'codes',
  args: [],
  flags: [],
  async run({ connect, output }) {
    const rows = await (await connect()).codes();
    const codes = [];
    const reasons = [];
    for (const row of rows) {
      const {
        head: [first, second],
        rest: meaning,
      } = splitHead(row, 2);
      if (first === REASON_ROW) reasons.push({ reason: second, meaning });
      else codes.push({ code: Number(first), mnemonic: second, meaning });
    }
    output.report({ codes, reasons }, rows);
  },
};
