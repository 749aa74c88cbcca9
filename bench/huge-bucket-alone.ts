// `node --import tsx bench/huge-bucket-alone.ts [--quick] [--files 10000,100000]`: issue 14's huge buckets of
// `npm run bench`, alone, against bucket servers in processes of their own, as the benchmark starts them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hugeBucket, hugeBucketChecks, type HugeBucketResult } from './huge-bucket.ts';
import { hugeBucketRows, memoryGrowthRow } from './huge-bucket-report.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false }, files: { type: 'string' } } });
const sizes = flags.files ? flags.files.split(',').map(Number) : flags.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const data = await mkdtemp(join(tmpdir(), 'pail-huge-'));
const measured: HugeBucketResult[] = [];
let failed = 0;
try {
  for (const files of sizes) {
    const outcome = await hugeBucket(data, files, join(import.meta.dirname, 'servers'));
    for (const r of hugeBucketRows(files, outcome)) console.log(`${r.measure}  ${r.value}  ${r.ratio ?? ''}`);
    if ('measured' in outcome) {
      measured.push(outcome.measured);
      for (const c of hugeBucketChecks(outcome.measured)) {
        if (!c.ok) failed++;
        console.log(`${c.ok ? 'ok' : 'FAILED'}: ${c.what}`);
      }
    }
  }
  const growth = memoryGrowthRow(measured);
  if (growth) console.log(`${growth.measure}  ${growth.value}  ${growth.ratio}`);
  console.log(JSON.stringify(measured, null, 2));
} finally {
  await rm(data, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
