// The staging smoke check of .github/workflows/deploy.yml: waits, with a deadline, for a month's batch
// (monthlyReportBatch) to end and judges its result, which is where a company's failure is recorded (the batch
// workflow itself completes when companies fail).
//
//   npx tsx cli/smoke-batch.ts --workflow-id <batch id>           wait for a batch started elsewhere
//   npx tsx cli/smoke-batch.ts --period 2026-10 [--workflow-id …]  start the month's batch, then wait for it
//
//   --address / --namespace / --task-queue   default $TEMPORAL_ADDRESS, $TEMPORAL_NAMESPACE, $TASK_QUEUE
//                                            (127.0.0.1:7233, default, tax-reports)
//   --concurrency N, --ledger-wait 10m       the batch's input, with --period only
//   --timeout 30m                            the deadline for the batch to end (default 30m); --poll 5s
//
// Prints the counts and exits
//   0  when every listed company succeeded or was unchanged (a re-run whose report matched the one delivered)
//      and at least one did;
//   1  on any failed or cancelled company (named with its cause), a company still waiting for its ledger (a smoke
//      run counts a missing ledger as a failure: once every on-time company has ended while some wait, it fails
//      without waiting for them), a listed company without an outcome, nothing succeeded, or a batch that did not
//      complete (failed, cancelled, terminated);
//   2  on a usage error or an unknown workflow id; 3 when the deadline passed first or Temporal did not answer.
import { parseArgs } from 'node:util';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import { assertPeriod } from '../lib/domain/ids';
import { type BatchProgress, COMPANY_REPORT_ID_PREFIX, type MonthlyReportBatchResult, WORKFLOW_TYPES } from '../lib/temporal-contract';

export const EXIT = { pass: 0, fail: 1, usage: 2, noVerdict: 3 } as const;

export interface Verdict {
  ok: boolean;
  /** The reasons it is not ok, one per line (a failed company and its cause per line). */
  problems: string[];
}

/** The smoke verdict on a batch's result. */
export function judgeBatchResult(result: MonthlyReportBatchResult): Verdict {
  const problems: string[] = [];
  const c = result.counts;
  if (c.failed > 0) {
    problems.push(`${c.failed} ${c.failed === 1 ? 'company' : 'companies'} failed:`);
    for (const { companyId, cause } of result.failed) problems.push(`  ${companyId}: ${cause}`);
    const unnamed = c.failed - result.failed.length;
    if (unnamed > 0) problems.push(`  … and ${unnamed} more (the batch result names at most ${result.failed.length})`);
  }
  if (c.cancelled > 0) problems.push(`${c.cancelled} cancelled`);
  if (c.waitingForLedger > 0) {
    problems.push(
      `${c.waitingForLedger} still waiting for a ledger (a failure for a smoke run)${
        result.waitingForLedger.length ? `: ${result.waitingForLedger.join(', ')}` : ''
      }`,
    );
  }
  const completed = c.succeeded + c.unchanged;
  const unaccounted = c.listed - completed - c.failed - c.cancelled - c.waitingForLedger;
  if (unaccounted > 0) {
    problems.push(
      `${unaccounted} of ${c.listed} listed companies ${unaccounted === 1 ? 'has' : 'have'} no outcome in the result` +
        (c.alreadyRunning ? ` (${c.alreadyRunning} already running when the batch reached them: ${result.alreadyRunning.join(', ')})` : ''),
    );
  }
  if (c.listed === 0) problems.push('the batch listed no company');
  else if (completed === 0) problems.push('no company succeeded');
  return { ok: problems.length === 0, problems };
}

export function formatCounts(c: MonthlyReportBatchResult['counts']): string {
  return (
    `listed ${c.listed}, started ${c.started}, succeeded ${c.succeeded}, unchanged ${c.unchanged}, failed ${c.failed}, ` +
    `cancelled ${c.cancelled}, already running ${c.alreadyRunning}, waiting for ledger ${c.waitingForLedger}`
  );
}

function isSlidingWindowResult(value: unknown): value is MonthlyReportBatchResult {
  const v = value as Partial<MonthlyReportBatchResult> | undefined;
  return typeof v?.counts?.listed === 'number' && Array.isArray(v.failed);
}

function parseDurationMs(text: string, option: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--${option}: a duration like 90s, 30m, 2h (got ${text})`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
}

class UsageError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Company runs of the month that wait for their ledger now (visibility + their `stage` query); best effort. */
async function companiesWaitingForLedger(client: Client, period: string): Promise<string[]> {
  const waiting: string[] = [];
  const prefix = COMPANY_REPORT_ID_PREFIX;
  const suffix = `-${period}`;
  try {
    const query = `WorkflowType='${WORKFLOW_TYPES.companyReport}' AND Period='${period}' AND ExecutionStatus='Running'`;
    for await (const run of client.workflow.list({ query, pageSize: 100 })) {
      const stage = await client.workflow
        .getHandle(run.workflowId)
        .query<string>('stage')
        .catch(() => undefined);
      if (stage === 'waiting-for-ledger') {
        const id = run.workflowId;
        waiting.push(id.startsWith(prefix) && id.endsWith(suffix) ? id.slice(prefix.length, -suffix.length) : id);
      }
      if (waiting.length >= 100) break;
    }
  } catch {
    // Names are a courtesy; the counts already decided the verdict.
  }
  return waiting;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      address: { type: 'string' },
      namespace: { type: 'string' },
      'task-queue': { type: 'string' },
      'workflow-id': { type: 'string' },
      period: { type: 'string' },
      concurrency: { type: 'string' },
      'ledger-wait': { type: 'string' },
      timeout: { type: 'string' },
      poll: { type: 'string' },
    },
    strict: true,
  });
  const address = values.address ?? process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = values.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
  const taskQueue = values['task-queue'] ?? process.env.TASK_QUEUE ?? 'tax-reports';
  const timeoutMs = parseDurationMs(values.timeout ?? '30m', 'timeout');
  const pollMs = parseDurationMs(values.poll ?? '5s', 'poll');
  if (!values['workflow-id'] && !values.period) throw new UsageError('give --workflow-id <batch id> or --period YYYY-MM (or both)');
  let period: string | undefined;
  if (values.period) {
    try {
      period = assertPeriod(values.period);
    } catch (err) {
      throw new UsageError(`--period: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const concurrency = Number(values.concurrency ?? '4');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency: a positive whole number');
  const ledgerWaitMs = parseDurationMs(values['ledger-wait'] ?? '10m', 'ledger-wait');
  const workflowId = values['workflow-id'] ?? `smoke-batch-${period}-${Date.now()}`;
  const deadline = Date.now() + timeoutMs;

  // Whatever hangs (a connection, a long poll), the verdict comes by the deadline.
  setTimeout(() => {
    console.error(`smoke: no verdict: still no answer ${Math.round(timeoutMs / 1000) + 30}s after the start`);
    process.exit(EXIT.noVerdict);
  }, timeoutMs + 30_000).unref();

  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: Math.min(30_000, timeoutMs) });
  } catch (err) {
    console.error(`smoke: no verdict: cannot reach Temporal at ${address}: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.noVerdict;
  }
  try {
    const client = new Client({ connection, namespace });
    let handle: WorkflowHandle;
    if (period) {
      try {
        handle = await client.workflow.start(WORKFLOW_TYPES.batch, {
          taskQueue,
          workflowId,
          args: [{ period, concurrency, ledgerWaitMs }],
        });
        console.log(`smoke: started ${workflowId}: monthlyReportBatch for ${period} on ${taskQueue} (concurrency ${concurrency})`);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        handle = client.workflow.getHandle(workflowId);
        console.log(`smoke: ${workflowId} is already running; waiting for it`);
      }
    } else {
      handle = client.workflow.getHandle(workflowId);
    }
    console.log(`smoke: waiting up to ${Math.round(timeoutMs / 1000)}s for ${workflowId} (${namespace} at ${address})`);

    let lastProgress = '';
    let progress: BatchProgress | undefined;
    for (;;) {
      let status: string;
      try {
        status = (await handle.describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          console.error(`smoke: no workflow ${workflowId} in namespace ${namespace}`);
          return EXIT.usage;
        }
        throw err;
      }
      if (status === 'COMPLETED') return report(workflowId, await handle.result());
      if (status !== 'RUNNING' && status !== 'CONTINUED_AS_NEW') return reportNotCompleted(workflowId, status, handle);

      progress = await handle.query<BatchProgress>('progress').catch(() => progress);
      if (progress?.counts) {
        const line = `${progress.period}: ${formatCounts(progress.counts)}; running ${progress.running}, waited on outside the window ${progress.outside}${progress.exhausted ? '' : ', still listing'}`;
        if (line !== lastProgress) console.log(`smoke: progress ${line}`);
        lastProgress = line;
        // Every on-time company has ended and some wait for a ledger: that is the smoke's answer already.
        if (progress.exhausted && progress.running === 0 && progress.counts.waitingForLedger > 0) {
          const names = await companiesWaitingForLedger(client, progress.period);
          console.log(`smoke: FAIL ${workflowId} (${progress.period}): ${formatCounts(progress.counts)}`);
          console.log(
            `  ${progress.counts.waitingForLedger} waiting for a ledger (a failure for a smoke run)${names.length ? `: ${names.join(', ')}` : ''}`,
          );
          if (progress.counts.failed > 0)
            console.log(`  ${progress.counts.failed} failed (names and causes: the batch result or its summary e-mail)`);
          return EXIT.fail;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        console.error(
          `smoke: no verdict: ${workflowId} did not end within ${Math.round(timeoutMs / 1000)}s${lastProgress ? ` (last progress ${lastProgress})` : ''}`,
        );
        return EXIT.noVerdict;
      }
      await sleep(Math.min(pollMs, left));
    }
  } finally {
    await connection.close().catch(() => {});
  }
}

function report(workflowId: string, result: unknown): number {
  if (!isSlidingWindowResult(result)) {
    console.log(`smoke: FAIL ${workflowId}: not a monthlyReportBatch result with counts: ${JSON.stringify(result).slice(0, 500)}`);
    return EXIT.fail;
  }
  const verdict = judgeBatchResult(result);
  console.log(`smoke: ${verdict.ok ? 'PASS' : 'FAIL'} ${workflowId} (${result.period}): ${formatCounts(result.counts)}`);
  for (const line of verdict.problems) console.log(`  ${line}`);
  console.log(`smoke: counts ${JSON.stringify(result.counts)}`);
  return verdict.ok ? EXIT.pass : EXIT.fail;
}

async function reportNotCompleted(workflowId: string, status: string, handle: WorkflowHandle): Promise<number> {
  let cause = '';
  try {
    await handle.result();
  } catch (err) {
    const inner = err instanceof WorkflowFailedError ? err.cause : err;
    cause = inner instanceof Error ? `: ${inner.message}` : '';
  }
  console.log(`smoke: FAIL ${workflowId} ended ${status}${cause}`);
  return EXIT.fail;
}

if (require.main === module) {
  main(process.argv.slice(2).filter((a) => a !== '--')).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError || (err as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
        console.error(`smoke: ${(err as Error).message}`);
        process.exit(EXIT.usage);
      }
      console.error(`smoke: no verdict: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(EXIT.noVerdict);
    },
  );
}
