// The worker SIGKILLed during each of the five steps, then started again: every run completes, each recipient gets
// exactly one e-mail, and the graph holds exactly the month a clean run writes (no staging graph, nothing half).
// Real Temporal dev server, real RDF4J server (the graph outlives the worker, as GraphDB does), real SMTP server,
// the worker as a child process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../lib/config';
import { erpSource } from '../../lib/erp/erp-source';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { checkAndPromote, stageLedger } from '../../lib/pipeline/ledger-loading';
import { ledgerGraphIri, stagingGraphIri } from '../../lib/rdf/iris';
import { QueryCatalog } from '../../lib/rdf/query-catalog';
import { LedgerValidator } from '../../lib/validation/ledger-validator';
import { writeSyntheticCompany } from '../../dev/synthetic-ledger';
import { startFaultStack, waitUntilRunning, type FaultStack } from '../support/fault-stack';

const PERIOD = '2024-03';
/** Long enough that every step runs for a while on this machine, so the kill lands inside it. */
const LINES = 10_000;
const STEPS = ['extractLedger', 'validateLedger', 'analyzeLedger', 'renderReport', 'deliverReport'] as const;

let f: FaultStack;

before(async () => {
  f = await startFaultStack('crash');
  // A slow relay: the delivery step lasts long enough to be killed in the middle of its SMTP transaction.
  f.smtp.state.dataDelayMs = 3000;
  for (const step of STEPS) await writeSyntheticCompany(f.erpDir, companyOf(step), PERIOD, LINES);
  await f.worker.start();
});
after(async () => {
  await f?.stop();
});

function companyOf(step: string): string {
  return `crash-${step.replace('Ledger', '').replace('Report', '').toLowerCase()}`;
}

/** The triples a clean run leaves in the month's graph: the same file staged and promoted in a fresh store. */
async function cleanMonthTriples(companyId: string): Promise<number> {
  const store = new OxigraphStore();
  const config = loadConfig({ ERP_DATA_DIR: f.erpDir });
  const deps = {
    erp: erpSource(config),
    graph: store,
    validator: await LedgerValidator.load(config.SHAPES_DIR),
    queries: await QueryCatalog.load(config.SHAPES_DIR),
  };
  await stageLedger(deps, companyId, PERIOD);
  await checkAndPromote(deps, companyId, PERIOD);
  const count = await store.countTriples(ledgerGraphIri(companyId, PERIOD));
  await store.close();
  return count;
}

describe('worker killed mid-step', () => {
  for (const step of STEPS) {
    test(`SIGKILL during ${step}: the restarted worker finishes the run, one e-mail, the graph whole`, async () => {
      const companyId = companyOf(step);
      const workflowId = `crash-${step}`;
      const handle = await f.client.workflow.start('monthlyCompanyReport', {
        taskQueue: f.taskQueue,
        workflowId,
        args: [{ companyId, period: PERIOD }],
      });
      await waitUntilRunning(f.client, workflowId, step);
      await f.worker.kill();
      await f.worker.start();
      const result = await handle.result();

      assert.equal(result.emailsSent, 1);
      const mails = f.smtp.received.filter((m) => m.raw.toString('utf8').includes(`${companyId}@example.kr`));
      assert.equal(mails.length, 1, `${companyId}: ${mails.length} e-mails`);
      assert.equal(await f.graph.countTriples(stagingGraphIri(companyId, PERIOD)), 0, 'no staging graph left');
      assert.equal(await f.graph.countTriples(ledgerGraphIri(companyId, PERIOD)), await cleanMonthTriples(companyId));

      // The history shows the crash: the step's first attempt timed out on its heartbeat, the second completed.
      const history = await handle.fetchHistory();
      const timedOut = (history.events ?? []).filter((e) => e.activityTaskTimedOutEventAttributes);
      assert.equal(timedOut.length, 0, 'a retried attempt is not a timed-out activity');
      const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt! > 1);
      assert.equal(started.length, 1, `one retried attempt (of ${step})`);
    });
  }
});
