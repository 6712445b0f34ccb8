// The bad-input corpus (test/fixtures/bad, made by dev/generate-bad-corpus.ts) through the real workflow and
// `npm run analyze`: every bad file or id fails the run once and non-retryably, with an error naming file and line,
// and leaves the graph, the report store and the company's inbox as they were. Hostile memo text is plain data.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ParsedMail } from 'mailparser';
import { PROJECT_ROOT } from '../../lib/config';
import { assertCompanyId } from '../../lib/domain/ids';
import { ledgerGraphIri, stagingGraphIri } from '../../lib/rdf/iris';
import { DATA, tax } from '../../lib/rdf/vocabulary';
import { reportKeys } from '../../lib/storage/object-store';
import {
  BAD_CORPUS_DIR,
  badCorpusFiles,
  badInputCases,
  companyJson,
  ownerAddress,
  testTimeFile,
  validLedger,
  type BadInputCase,
} from '../../dev/bad-corpus';
import { outboxMails, pdfText, readFindings, recipientsOf } from '../support/artifacts';
import { startHarness, type Harness } from '../support/temporal-harness';
import { type MonthlyCompanyReportResult } from '../../lib/temporal-contract';

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const ANALYZE = path.join(PROJECT_ROOT, 'cli', 'analyze.ts');

/** Where a hostile id would lead if it were used as a path: a valid company whose report must never go out. */
const DECOY_RECIPIENT = 'decoy@example.kr';
const CASES_AT_ONCE = 6;

const cases = badInputCases();
const failing = cases.filter((c) => c.errorType !== null);
const succeeding = cases.filter((c) => c.errorType === null);
// The 200,000-line files are left to the workflow: the CLI loads them with the same stage-and-check code
// (lib/pipeline/ledger-loading.ts), and a second pass over them would double the longest part of this file.
const analyzeCases = cases.filter((c) => c.kind === 'ledger' && !c.generatedAtTestTime);
const clearErrors = new Set<string>();

let h: Harness;
let analyzeDir: string;
let analyzeRun: Promise<{ code: number; output: string }>;

before(async () => {
  // Several 200,000-line months in one embedded store go past its default bound; this file is about the errors of
  // bad input, the bound has its own tests (oxigraph-persistence.test.ts).
  h = await startHarness({ GRAPH_EMBEDDED_MAX_QUADS: '20000000' });
  analyzeDir = await mkdtemp(path.join(tmpdir(), 'bad-input-analyze-'));
  for (const c of analyzeCases) await installLedgerCase(analyzeDir, c);
  // The CLI runs beside the workflow cases; its outcome is checked at the end.
  analyzeRun = run(TSX, [ANALYZE, '--data-dir', analyzeDir, '--out', path.join(analyzeDir, 'out')], { maxBuffer: 16 << 20 }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
  );
});
after(async () => {
  await analyzeRun;
  await h?.stop();
  if (analyzeDir) await rm(analyzeDir, { recursive: true, force: true });
});

// ---- installing a case into a data dir ----

const companyFolder = (dataDir: string, companyId: string) => path.join(dataDir, 'companies', companyId);
const ledgerFile = (dataDir: string, c: BadInputCase) => path.join(companyFolder(dataDir, c.companyId), 'ledger', `${c.period}.csv`);
const companyFile = (dataDir: string, c: BadInputCase) => path.join(companyFolder(dataDir, c.companyId), 'company.json');

const testTimeContent = new Map<string, Buffer>();

async function corpusContent(c: BadInputCase): Promise<Buffer> {
  const file = c.file!;
  if (!c.generatedAtTestTime) return readFile(path.join(BAD_CORPUS_DIR, file));
  if (!testTimeContent.has(file)) testTimeContent.set(file, testTimeFile(file));
  return testTimeContent.get(file)!;
}

async function writeCompany(dataDir: string, c: BadInputCase, companyJsonText: string | Buffer, ledger: Buffer): Promise<void> {
  await mkdir(path.dirname(ledgerFile(dataDir, c)), { recursive: true });
  await writeFile(companyFile(dataDir, c), companyJsonText);
  await writeFile(ledgerFile(dataDir, c), ledger);
}

async function installLedgerCase(dataDir: string, c: BadInputCase): Promise<void> {
  await writeCompany(dataDir, c, companyJson(c.companyId), await corpusContent(c));
}

async function installCase(c: BadInputCase): Promise<void> {
  const dataDir = h.config.ERP_DATA_DIR;
  if (c.kind === 'ledger') return installLedgerCase(dataDir, c);
  if (c.kind === 'company-json') return writeCompany(dataDir, c, await corpusContent(c), validLedger());
  // A hostile id gets a decoy where it would lead as a path, so only the id check can stop the run.
  if (c.errorType === 'InvalidIdError') {
    const decoy = companyJson(c.companyId, (company) => {
      company.reportRecipients = [DECOY_RECIPIENT];
    });
    await writeCompany(dataDir, c, decoy, validLedger());
  }
}

/** The address the case's company sends its report to. */
const recipientOf = (c: BadInputCase) => (c.kind === 'company-id' ? DECOY_RECIPIENT : ownerAddress(c.companyId));

// ---- reading what a run left behind ----

function causes(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let cause = err; cause instanceof Error; cause = cause.cause) chain.push(cause);
  return chain;
}

const applicationFailureOf = (err: unknown) => causes(err).find((e): e is ApplicationFailure => e instanceof ApplicationFailure);
const describeFailure = (err: unknown) =>
  causes(err)
    .map((e) => `${e.name}: ${e.message}`)
    .join(' ← ');

interface ActivityAttempt {
  activity: string;
  attempt: number;
}

/** The run's activities in schedule order, with the attempt each ended on, and the ones that failed. */
async function activityHistory(handle: WorkflowHandle): Promise<{ scheduled: string[]; started: ActivityAttempt[]; failed: string[] }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const names = new Map<string, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) names.set(String(e.eventId), name);
  }
  const nameOf = (scheduledEventId: unknown) => names.get(String(scheduledEventId)) ?? '?';
  return {
    scheduled: [...names.values()],
    started: events.flatMap((e) => {
      const a = e.activityTaskStartedEventAttributes;
      return a ? [{ activity: nameOf(a.scheduledEventId), attempt: a.attempt ?? 0 }] : [];
    }),
    failed: events.flatMap((e) => (e.activityTaskFailedEventAttributes ? [nameOf(e.activityTaskFailedEventAttributes.scheduledEventId)] : [])),
  };
}

/** Graphs named under the company's IRI (ledger, staging, findings); a hostile id is looked for as it would be encoded. */
async function companyGraphs(companyId: string): Promise<string[]> {
  const prefix = `${DATA}company/${encodeURIComponent(companyId)}/`;
  const rows = await h.worker.deps.graph.select(
    `SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ${JSON.stringify(prefix)})) }`,
  );
  return rows.map((r) => r.g!.value);
}

const isCompanyId = (id: string) => {
  try {
    return assertCompanyId(id) === id;
  } catch {
    return false;
  }
};

function mentions(mail: ParsedMail, companyId: string): boolean {
  const escaped = companyId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const text = [mail.subject ?? '', mail.text ?? '', ...mail.attachments.map((a) => a.filename ?? '')].join('\n');
  return new RegExp(`(^|[^\\w-])${escaped}([^\\w-]|$)`).test(text);
}

const withoutSpace = (text: string) => text.replace(/\s+/g, '');
const reportPath = (key: string) => path.join(h.config.REPORT_STORE_DIR, key);

// ---- the invariants ----

/** The error names the file and line (a DataValidationError: in its first sample, relative to ERP_DATA_DIR). */
function assertNamesFileAndLine(c: BadInputCase, failure: ApplicationFailure): void {
  if (c.errorType === 'DataValidationError') {
    const [details] = failure.details as [{ sample: string[] }];
    const first = details.sample[0] ?? '';
    assert.ok(failure.message.startsWith(`${c.companyId} ${c.period}: `), failure.message);
    const file = path.relative(h.config.ERP_DATA_DIR, ledgerFile(h.config.ERP_DATA_DIR, c));
    assert.ok(first.startsWith(`${file}:${c.line}: `), first);
    assert.ok(failure.message.includes(`${file}:${c.line}: `), failure.message);
    assert.match(first, new RegExp(c.message!));
    return;
  }
  assert.match(failure.message, new RegExp(c.message!));
  if (c.kind === 'company-id') {
    assert.ok(failure.message.includes(JSON.stringify(c.companyId)), failure.message);
    return;
  }
  const file = c.kind === 'ledger' ? ledgerFile(h.config.ERP_DATA_DIR, c) : companyFile(h.config.ERP_DATA_DIR, c);
  assert.ok(failure.message.startsWith(`${file}:${c.line}`), `expected ${file}:${c.line} in ${failure.message}`);
  assert.deepEqual((failure.details?.[0] as { line?: number }).line, c.line);
}

/** One failed activity, attempted once; after it only what tells the admin: the data-quality report, or the failure notice. */
async function assertFailedOnce(c: BadInputCase, handle: WorkflowHandle): Promise<void> {
  const { scheduled, started, failed } = await activityHistory(handle);
  assert.equal(failed.length, 1, `failed activities: ${failed.join(', ')}`);
  const [activity] = failed as [string];
  if (c.errorType === 'DataValidationError') assert.equal(activity, 'validateLedger');
  assert.deepEqual(
    started.filter((s) => s.activity === activity),
    [{ activity, attempt: 1 }],
  );
  const afterFailure = scheduled.slice(scheduled.lastIndexOf(activity) + 1);
  const allowed = c.errorType === 'DataValidationError' ? ['renderDataQualityReport', 'deliverDataQualityReport'] : ['deliverRunFailureNotice'];
  assert.deepEqual(afterFailure, allowed, `activities after ${activity}`);
  assert.equal((await handle.describe()).status.name, 'FAILED');
}

async function assertNothingWritten(c: BadInputCase): Promise<void> {
  assert.deepEqual(await companyGraphs(c.companyId), [], 'graphs of the company');
  if (isCompanyId(c.companyId)) {
    const graph = h.worker.deps.graph;
    assert.equal(await graph.countTriples(ledgerGraphIri(c.companyId, c.period)), 0);
    assert.equal(await graph.countTriples(stagingGraphIri(c.companyId, c.period)), 0);
    const keys = reportKeys(c.companyId, c.period);
    const dataError = c.errorType === 'DataValidationError';
    assert.equal(await h.worker.deps.objects.exists(keys.pdf), false, keys.pdf);
    assert.equal(await h.worker.deps.objects.exists(keys.findings), false, keys.findings);
    // The admin's explanation of a data-quality failure is the one thing that may (and must) be stored.
    assert.equal(await h.worker.deps.objects.exists(keys.dataQualityFindings), dataError, keys.dataQualityFindings);
  }
  const mails = await outboxMails(h.config.OUTBOX_DIR);
  assert.equal(mails.filter((m) => recipientsOf(m).includes(recipientOf(c))).length, 0, 'mails to the company');
  // A hostile id cannot be told apart in mail text (the empty id is in every mail); its decoy's recipient can.
  if (!isCompanyId(c.companyId)) return;
  // Exactly one mail about it, to the admin: the data-quality report, or the failure notice naming the cause.
  const aboutCompany = mails.filter((m) => mentions(m, c.companyId));
  assert.deepEqual(aboutCompany.map(recipientsOf), [[h.config.ADMIN_EMAIL]], 'mails about the company');
  if (c.errorType !== 'DataValidationError') assert.match(aboutCompany[0]!.text ?? '', new RegExp(c.errorType!), 'the notice names the cause');
}

async function assertFailsClearly(c: BadInputCase, handle: WorkflowHandle, err: unknown): Promise<void> {
  assert.ok(err instanceof WorkflowFailedError, `expected a failed run, got ${describeFailure(err)}`);
  const failure = applicationFailureOf(err);
  assert.ok(failure, `no ApplicationFailure in ${describeFailure(err)}`);
  assert.equal(failure.type, c.errorType, failure.message);
  assert.equal(failure.nonRetryable, true);
  assertNamesFileAndLine(c, failure);
  await assertFailedOnce(c, handle);
  await assertNothingWritten(c);
  clearErrors.add(c.name);
}

/** The run succeeds, the memo reaches graph, findings.json and PDF as the very text, and the company gets its report. */
async function assertHarmless(c: BadInputCase, result: MonthlyCompanyReportResult): Promise<void> {
  assert.equal(result.emailsSent, 1);
  const mails = await outboxMails(h.config.OUTBOX_DIR);
  assert.equal(mails.filter((m) => recipientsOf(m).includes(recipientOf(c))).length, 1);
  const findings = await readFindings(reportPath(result.findingsKey));
  if (c.warning) assert.ok(findings.dataQuality.details.some((d) => d.ruleId === c.warning && d.severity === 'Warning'));
  if (!c.memo) return;
  const rows = await h.worker.deps.graph.select(
    `SELECT ?memo WHERE { GRAPH <${ledgerGraphIri(c.companyId, c.period)}> { ?line <${tax('memo')}> ?memo } }`,
  );
  assert.ok(
    rows.some((r) => r.memo?.termType === 'Literal' && r.memo.value === c.memo),
    'memo literal in the graph',
  );
  const evidence = findings.findings.flatMap((f) => f.evidence);
  assert.ok(
    evidence.some((e) => e.memo === c.memo),
    'memo in findings.json evidence',
  );
  // Escaped, markup and all, it prints as the text itself (pdftotext breaks lines, so spaces are not compared).
  assert.ok(withoutSpace(await pdfText(reportPath(result.pdfKey))).includes(withoutSpace(c.memo)), 'memo printed in the PDF');
}

type Outcome = { result: MonthlyCompanyReportResult } | { error: unknown };

/**
 * How the run ended. A run with an activity in its second attempt is terminated and fails the case at once,
 * instead of being waited out through the whole retry policy.
 */
async function outcomeOf(handle: WorkflowHandle): Promise<Outcome> {
  let ended = false;
  const outcome = handle
    .result()
    .then(
      (result: MonthlyCompanyReportResult): Outcome => ({ result }),
      (error: unknown): Outcome => ({ error }),
    )
    .finally(() => (ended = true));
  while (!ended) {
    const retried = (await handle.describe()).raw.pendingActivities?.find((a) => (a.attempt ?? 1) > 1);
    if (retried) {
      await handle.terminate('bad-input test: an activity was retried').catch(() => {}); // it may just have ended
      assert.fail(`${retried.activityType?.name} was retried (attempt ${retried.attempt}) after: ${retried.lastFailure?.message}`);
    }
    await Promise.race([outcome, delay(500)]);
  }
  return outcome;
}

async function runCase(c: BadInputCase): Promise<void> {
  await installCase(c);
  const handle = await h.client.workflow.start('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: `bad-input-${c.name}`,
    args: [{ companyId: c.companyId, period: c.period }],
  });
  const outcome = await outcomeOf(handle);
  if (c.errorType === null) {
    assert.ok('result' in outcome, `expected success, got ${'error' in outcome ? describeFailure(outcome.error) : ''}`);
    await assertHarmless(c, outcome.result);
  } else {
    assert.ok('error' in outcome, 'expected the run to fail');
    await assertFailsClearly(c, handle, outcome.error);
  }
}

const caseTitle = (c: BadInputCase) =>
  `${c.name}: ${c.errorType === null ? 'succeeds, text stored verbatim' : `${c.errorType}${c.line ? ` at line ${c.line}` : ''}`}`;

// ---- the tests ----

test('the committed corpus is what the generator writes, with 40 files or more', async () => {
  const generated = badCorpusFiles();
  const committed = (await readdir(BAD_CORPUS_DIR, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(BAD_CORPUS_DIR, path.join(e.parentPath, e.name)));
  const hint = 'run `npx tsx dev/generate-bad-corpus.ts`';
  assert.deepEqual(committed.sort(), [...generated.keys()].sort(), hint);
  for (const [file, content] of generated) {
    assert.ok(content.equals(await readFile(path.join(BAD_CORPUS_DIR, file))), `${file} differs: ${hint}`);
  }
  assert.ok(generated.size - 1 >= 40, `${generated.size - 1} corpus files`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
});

describe('monthlyCompanyReport on bad input', { concurrency: CASES_AT_ONCE }, () => {
  for (const c of cases.filter((c) => !c.generatedAtTestTime)) test(caseTitle(c), () => runCase(c));
});

// One at a time and after the small ones: a 200,000-line month keeps the worker's event loop busy for seconds.
describe('monthlyCompanyReport on 200,000-line exports', () => {
  for (const c of cases.filter((c) => c.generatedAtTestTime)) test(caseTitle(c), () => runCase(c));
});

test('the memo injections dropped nothing, and only runs that reached validation stored anything', async () => {
  // A DROP ALL or CLEAR ALL that got through would have emptied these.
  for (const c of succeeding) assert.ok((await h.worker.deps.graph.countTriples(ledgerGraphIri(c.companyId, c.period))) > 0, c.name);
  const mayStore = new Set(cases.filter((c) => c.errorType === null || c.errorType === 'DataValidationError').map((c) => c.companyId));
  assert.deepEqual(
    (await readdir(h.config.REPORT_STORE_DIR)).filter((folder) => !mayStore.has(folder)),
    [],
  );
  const mails = await outboxMails(h.config.OUTBOX_DIR);
  assert.equal(mails.filter((m) => recipientsOf(m).includes(DECOY_RECIPIENT)).length, 0, 'mails to a decoy');
});

test('npm run analyze over the ledger cases exits 2 and names each file and line', async () => {
  const { code, output } = await analyzeRun;
  assert.equal(code, 2, output);
  const lines = output.split('\n');
  for (const c of analyzeCases) {
    const line = lines.find((l) => l.startsWith(`${c.companyId} ${c.period}`));
    assert.ok(line, `no output for ${c.companyId}`);
    if (c.errorType === null) assert.doesNotMatch(line, /FAILED|Error/, line);
    // A data-quality failure is named by company and month, i.e. companies/<id>/ledger/<month>.csv, and line.
    else if (c.errorType === 'DataValidationError') assert.ok(line.includes('DATA-QUALITY FAILED') && line.includes(`(line ${c.line} `), line);
    else assert.ok(line.includes(`${ledgerFile(analyzeDir, c)}:${c.line}`), line);
  }
});

test('every failing case gave a clear, non-retryable error', (t) => {
  const count = `${clearErrors.size}/${failing.length} failing cases gave a clear error`;
  t.diagnostic(`${count}; ${succeeding.length} hostile-data cases ran as plain data`);
  assert.deepEqual(
    failing.filter((c) => !clearErrors.has(c.name)).map((c) => c.name),
    [],
    count,
  );
});
