// `npm run cost-report -- --month 2024-12 [--json]`: tokens and USD per model and per company, cache hit rate and
// fallbacks of a report month, from the LLM call ledger (Redis with REDIS_URL, else LLM_USAGE_DIR).
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { assertPeriod } from '../lib/domain/ids';
import { costReport, formatCostReport } from '../lib/llm/cost-report';
import { createUsageLedger } from '../lib/llm/usage-ledger';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { month: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.month) throw new Error('usage: npm run cost-report -- --month YYYY-MM [--json]');
  const period = assertPeriod(values.month);
  const config = loadConfig();
  const ledger = createUsageLedger({ redisUrl: config.REDIS_URL, dir: config.LLM_USAGE_DIR });
  try {
    const report = costReport(period, await ledger.recordsFor(period));
    console.log(values.json ? JSON.stringify(report, null, 2) : formatCostReport(report));
  } finally {
    await ledger.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
