// The console's month overview at firm size: N companies (company.json each) with a findings.json each, cloned from
// a real analysis of a fixture company-month, and N company runs on a real Temporal dev server that no worker polls
// (so they stay RUNNING, with their CompanyId / Period / ReportStage attributes). Times GET /months/<period> and
// GET /api/months/<period> with an admin's session: p50 and p95 over sequential requests after a few warm-ups.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { createConsoleDeps } from '../console/console-deps';
import { buildConsoleServer } from '../console/server';
import { inBatches } from '../lib/backup/backup-set';
import { loadConfig } from '../lib/config';
import type { FindingsDocument, RiskLevel } from '../lib/domain/findings';
import { addMonths } from '../lib/domain/periods';
import { loadCompany } from '../lib/erp/company';
import { OxigraphStore } from '../lib/graph/oxigraph-store';
import { createLogger } from '../lib/logging';
import { analyzeLedgerFile, loadAnalysisDeps } from '../lib/pipeline/analyze-month';
import { findingKey } from '../lib/review/finding-key';
import { writeFindingsDoc } from '../lib/storage/findings-json';
import { createObjectStore } from '../lib/storage/create-object-store';
import { reportKeys } from '../lib/storage/object-store';
import { sampleCompany, writeCompanyData } from '../dev/sample-documents';
import { freePort } from '../dev/free-port';
import { secondsSince } from './measure';
import { startDevServer } from '../dev/temporal-dev-server';
import { CompanyIdKey, PeriodKey, ReportStageKey, WORKFLOW_TYPES } from '../lib/temporal-contract';

export interface MonthPageBenchOptions {
  companies: number;
  warmups: number;
  requests: number;
  /** The fixture company-month every findings.json is cloned from. */
  fixtureDir: string;
  fixtureCompany: string;
  period: string;
}

export interface LatencyResult {
  p50Ms: number;
  p95Ms: number;
  /** Size of one response body. */
  kib: number;
}

export interface MonthPageBenchResult {
  timestamp: string;
  companies: number;
  /** Company runs started (all RUNNING) and how long starting them took. */
  runs: number;
  startRunsSeconds: number;
  findingsKiB: number;
  requests: number;
  page: LatencyResult;
  api: LatencyResult;
}

const STAGES = [undefined, 'waiting-for-ledger', 'analysing', 'awaiting-review', 'delivering'] as const;
const RISKS: readonly RiskLevel[] = ['HIGH', 'MEDIUM', 'LOW', 'NONE'];
const ACCOUNTANTS = ['김세무', '이세무', '박세무', '최세무', '정세무'];
const START_CONCURRENCY = 50;

/** Nearest-rank percentile of milliseconds. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

/** The fixture month's real findings.json, as the workflow would write it. */
async function fixtureDocument(options: MonthPageBenchOptions): Promise<FindingsDocument> {
  const config = loadConfig({ ERP_DATA_DIR: options.fixtureDir });
  const graph = new OxigraphStore();
  try {
    const company = await loadCompany(options.fixtureDir, options.fixtureCompany);
    return await analyzeLedgerFile(await loadAnalysisDeps(config, graph), company, options.period);
  } finally {
    await graph.close();
  }
}

/** Company `i`'s document: the fixture's findings under its id, with a full trend and last month's findings carried over. */
function cloneFor(base: FindingsDocument, companyId: string, companyName: string, i: number): FindingsDocument {
  const riskLevel = RISKS[i % RISKS.length]!;
  const keys = base.findings.map((f) => findingKey(f, base));
  return {
    ...base,
    companyId,
    companyName,
    riskLevel,
    carryOver: {
      previousPeriod: addMonths(base.period, -1),
      items: base.findings.map(({ ruleId, category, severity, message, amount }, j) => ({
        findingKey: keys[j]!,
        ruleId,
        category,
        severity,
        message,
        amount,
        status: j % 3 === 0 ? 'resolved' : 'open',
        recurring: j % 2 === 0,
      })),
    },
    trend: Array.from({ length: 12 }, (_, m) => ({
      period: addMonths(base.period, m - 11),
      riskLevel: RISKS[(i + m) % RISKS.length]!,
      findings: (i + m) % 7,
    })),
  };
}

async function timeRequests(url: string, cookie: string, warmups: number, requests: number): Promise<LatencyResult> {
  const once = async () => {
    const res = await fetch(url, { headers: { cookie } });
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer()).length;
  };
  for (let i = 0; i < warmups; i++) await once();
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    bytes = await once();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { p50Ms: percentile(ms, 0.5), p95Ms: percentile(ms, 0.95), kib: bytes / 1024 };
}

export async function benchMonthPage(options: MonthPageBenchOptions): Promise<MonthPageBenchResult> {
  const { companies, period } = options;
  const dir = await mkdtemp(join(os.tmpdir(), 'bench-month-page-'));
  const server = await startDevServer({ port: await freePort() });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const config = loadConfig({
      TEMPORAL_ADDRESS: server.address,
      TASK_QUEUE: 'month-page-bench-idle',
      ERP_DATA_DIR: join(dir, 'erp'),
      REPORT_STORE_DIR: join(dir, 'reports'),
      LLM_USAGE_DIR: join(dir, 'llm-usage'),
      API_TOKENS_FILE: join(dir, 'tokens.json'),
      AUDIT_LOG_FILE: join(dir, 'audit.jsonl'),
      CONSOLE_SESSION_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
    });
    const base = await fixtureDocument(options);
    const objects = createObjectStore(config);
    const ids = Array.from({ length: companies }, (_, i) => `co-${String(i).padStart(5, '0')}`);
    await inBatches(ids.entries(), 32, async ([i, id]) => {
      const company = sampleCompany({ id, name: `(주)벤치${i}`, accountant: ACCOUNTANTS[i % ACCOUNTANTS.length] });
      writeCompanyData(config.ERP_DATA_DIR, company, {});
      await writeFindingsDoc(objects, reportKeys(id, period).findings, cloneFor(base, id, company.name, i));
    });

    console.log(`starting ${companies.toLocaleString('en-US')} company runs with no worker …`);
    const started = performance.now();
    await inBatches(ids.entries(), START_CONCURRENCY, async ([i, id]) => {
      const stage = STAGES[i % STAGES.length];
      await client.workflow.start(WORKFLOW_TYPES.companyReport, {
        taskQueue: config.TASK_QUEUE,
        workflowId: `tax-report-${id}-${period}`,
        args: [{ companyId: id, period }],
        typedSearchAttributes: [
          { key: CompanyIdKey, value: id },
          { key: PeriodKey, value: period },
          ...(stage ? [{ key: ReportStageKey, value: stage }] : []),
        ],
      });
    });
    const startRunsSeconds = secondsSince(started);
    // Visibility lags the starts: wait until every run is listed.
    const query = `WorkflowType = '${WORKFLOW_TYPES.companyReport}' AND Period = '${period}'`;
    while ((await client.workflow.count(query)).count < companies) await new Promise((r) => setTimeout(r, 250));

    const { deps, close } = await createConsoleDeps(config, client, createLogger('silent'));
    const { app } = await buildConsoleServer(deps);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { token } = await deps.tokens.create({ name: 'bench-admin', role: 'admin' });
      const login = await fetch(`${url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next: '/' }).toString(),
      });
      const cookie = login.headers.get('set-cookie')?.split(';')[0];
      if (login.status !== 303 || !cookie) throw new Error(`sign-in: ${login.status}`);
      console.log(`timing the month page over ${companies.toLocaleString('en-US')} companies …`);
      const page = await timeRequests(`${url}/months/${period}`, cookie, options.warmups, options.requests);
      const api = await timeRequests(`${url}/api/months/${period}`, cookie, options.warmups, options.requests);
      const findingsKiB = Buffer.byteLength(JSON.stringify(cloneFor(base, ids[0]!, 'x', 0), null, 2)) / 1024;
      return {
        timestamp: new Date().toISOString(),
        companies,
        runs: companies,
        startRunsSeconds,
        findingsKiB,
        requests: options.requests,
        page,
        api,
      };
    } finally {
      await app.close();
      await close();
    }
  } finally {
    await connection.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function monthPageMarkdown(r: MonthPageBenchResult, table: (head: string[], rows: string[][]) => string): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const row = (name: string, l: LatencyResult) => [name, l.p50Ms.toFixed(0), l.p95Ms.toFixed(0), n(l.kib)];
  return `## Console: the month overview at ${n(r.companies)} companies (${r.timestamp})

${n(r.companies)} companies, each with a company.json and a ${r.findingsKiB.toFixed(0)} KiB findings.json (a fixture month's
real document with a 12-month trend and a carry-over), and ${n(r.runs)} company runs left RUNNING on a Temporal dev
server (no worker; started in ${r.startRunsSeconds.toFixed(1)} s). ${n(r.requests)} sequential requests with an admin's
session after warm-ups; every request lists the month's runs and reads every company.json and findings.json.

${table(['request', 'p50 ms', 'p95 ms', 'KiB'], [row(`GET /months/<period>`, r.page), row(`GET /api/months/<period>`, r.api)])}
`;
}
