// `tsx dev/generate-sample-data.ts --out <dir> [--months 2026-08,2026-09 | --from 2026-08 --count 3]`:
// writes the synthetic ERP exports; without months, the 3 months before the current one in Asia/Seoul.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addMonths, monthRange, previousMonthInSeoul } from '../lib/domain/periods';
import { writeSampleData } from './sample-data';

function requestedMonths(values: { months?: string; from?: string; count?: string }): string[] {
  if (values.months) return values.months.split(',').map((m) => m.trim());
  const count = Number(values.count ?? 3);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count: expected a positive integer, got ${values.count}`);
  if (values.from) return monthRange(values.from, count);
  return monthRange(addMonths(previousMonthInSeoul(new Date()), 1 - count), count);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      months: { type: 'string' },
      from: { type: 'string' },
      count: { type: 'string' },
    },
  });
  if (!values.out) throw new Error('usage: generate-sample-data --out <dir> [--months YYYY-MM,...] [--from YYYY-MM --count N]');
  const months = requestedMonths(values);
  const companies = await writeSampleData(values.out, months);
  console.log(`sample data: ${companies.length} companies × ${months.length} months (${months.join(', ')}) → ${path.resolve(values.out)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
