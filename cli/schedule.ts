// `npm run schedule [-- --trigger | --backfill 2024-10..2024-12]`: create/update the monthly schedule.
import { Client, Connection } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { backfillPeriods, upsertMonthlySchedule } from '../lib/schedule/monthly-schedule';
import { SCHEDULE_ID } from '../lib/temporal-contract';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { trigger: { type: 'boolean' }, backfill: { type: 'string' } } });
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const done = await upsertMonthlySchedule(client, {
      taskQueue: config.TASK_QUEUE,
      concurrency: config.BATCH_CONCURRENCY,
      ledgerWaitMs: config.LEDGER_WAIT,
    });
    console.log(`schedule ${SCHEDULE_ID} ${done} (1st of the month 09:00 Asia/Seoul, overlap SKIP)`);
    if (values.trigger) {
      await client.schedule.getHandle(SCHEDULE_ID).trigger();
      console.log('triggered: the batch for last month starts now');
    }
    if (values.backfill) {
      const { from, to } = await backfillPeriods(client, values.backfill);
      console.log(`backfill requested for ${from} .. ${to}`);
    }
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
