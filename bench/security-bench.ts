// What the security layer costs: envelope encryption of a ledger and a report, parsing a sealed ledger against a
// plaintext one, the audit log's append rate (file and PostgreSQL) and verification, and the console's
// authenticated request rate with a session cookie and with an API token (scrypt and an audit record each).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { createConsoleDeps } from '../console/console-deps';
import { buildConsoleServer } from '../console/server';
import { createAuditLog } from '../lib/audit/create-audit-log';
import type { AuditLog } from '../lib/audit/audit-log';
import { loadConfig } from '../lib/config';
import { ledgerAad } from '../lib/erp/company';
import { parseLedger } from '../lib/erp/parse-ledger';
import { createLogger } from '../lib/logging';
import { open, seal } from '../lib/security/envelope';
import { localKeyWrapper } from '../lib/security/keyring';
import { startPostgresServer } from '../dev/servers/postgres-server';
import { measure, secondsSince, summarize, type Measurement } from './measure';
import { writeSyntheticCompany } from '../dev/synthetic-ledger';

export interface SecurityBenchResult {
  ledgerLines: number;
  ledgerMiB: number;
  sealLedger: Measurement;
  openLedger: Measurement;
  parsePlain: Measurement;
  parseSealed: Measurement;
  pdfKiB: number;
  sealPdf: Measurement;
  audit: Array<{ store: 'file' | 'postgres'; appends: number; appendsPerSecond: number; verify: Measurement }>;
  console: Array<{ auth: 'session cookie' | 'API token'; requests: number; requestsPerSecond: number; medianMs: number }>;
}

const PERIOD = '2024-01';
const AUDIT_APPENDS = 2_000;
const CONSOLE_REQUESTS = 400;
const mib = (bytes: number) => bytes / 2 ** 20;

/** `pdfBytes`: the size of the rendered fixture report; AES-GCM's speed does not depend on the bytes themselves. */
export async function benchSecurity(opts: { runs: number; ledgerLines: number; pdfBytes: number }): Promise<SecurityBenchResult> {
  const dir = await mkdtemp(join(os.tmpdir(), 'bench-security-'));
  const keys = localKeyWrapper(new Map([['bench', randomBytes(32)]]), 'bench');
  try {
    const companyId = 'bench-sealed';
    const plainFile = await writeSyntheticCompany(dir, companyId, PERIOD, opts.ledgerLines);
    const ledger = await readFile(plainFile);
    const aad = ledgerAad(companyId, PERIOD);
    const sealed = await seal(ledger, keys, aad);
    const sealedFile = join(dir, 'sealed.csv');
    await writeFile(sealedFile, sealed);
    const countLines = async (file: string, unsealing?: { keys: typeof keys; aad: string }) => {
      let lines = 0;
      for await (const _ of parseLedger(file, { period: PERIOD, unsealing })) lines++;
      if (lines !== opts.ledgerLines) throw new Error(`parsed ${lines} lines, expected ${opts.ledgerLines}`);
    };
    const pdf = randomBytes(opts.pdfBytes);
    return {
      ledgerLines: opts.ledgerLines,
      ledgerMiB: mib(ledger.length),
      sealLedger: await measure(opts.runs, async () => void (await seal(ledger, keys, aad))),
      openLedger: await measure(opts.runs, async () => void (await open(sealed, keys, aad))),
      parsePlain: await measure(opts.runs, () => countLines(plainFile)),
      parseSealed: await measure(opts.runs, () => countLines(sealedFile, { keys, aad })),
      pdfKiB: pdf.length / 1024,
      sealPdf: await measure(opts.runs, async () => void (await seal(pdf, keys, 'c/2024-01/report.pdf'))),
      audit: await benchAudit(dir, opts.runs),
      console: await benchConsole(dir),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchAudit(dir: string, runs: number): Promise<SecurityBenchResult['audit']> {
  const log = createLogger('silent');
  const appendAll = async (audit: AuditLog) => {
    const start = performance.now();
    for (let i = 0; i < AUDIT_APPENDS; i++) {
      await audit.append({ action: 'report.viewed', actor: 'bench', role: 'viewer', target: `c${i % 50}/2024-01`, outcome: 'success' });
    }
    return AUDIT_APPENDS / secondsSince(start);
  };
  const file = createAuditLog({ file: join(dir, 'audit.jsonl'), log });
  const postgres = await startPostgresServer();
  const pg = createAuditLog({ file: join(dir, 'unused.jsonl'), databaseUrl: postgres.url, log });
  try {
    const results: SecurityBenchResult['audit'] = [];
    for (const [store, audit] of [
      ['file', file],
      ['postgres', pg],
    ] as const) {
      const appendsPerSecond = await appendAll(audit);
      const verify = await measure(runs, async () => {
        if (!(await audit.verify()).ok) throw new Error(`${store} audit log did not verify`);
      });
      results.push({ store, appends: AUDIT_APPENDS, appendsPerSecond, verify });
    }
    return results;
  } finally {
    await Promise.all([file.close(), pg.close()]);
    await postgres.stop();
  }
}

/** Sequential GET /api/me over HTTP: the cost of authenticating one request (no Temporal call on this route). */
async function benchConsole(dir: string): Promise<SecurityBenchResult['console']> {
  const config = loadConfig({
    API_TOKENS_FILE: join(dir, 'tokens.json'),
    AUDIT_LOG_FILE: join(dir, 'console-audit.jsonl'),
    CONSOLE_SESSION_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
  });
  // A lazy client: /api/me never reaches Temporal.
  const { deps, close } = await createConsoleDeps(config, new Client(), createLogger('silent'));
  const { app } = await buildConsoleServer(deps);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const { token, record } = await deps.tokens.create({ name: 'bench', role: 'viewer' });
    const cookie = `txr_session=${deps.sessions.issue({ subject: record.name, role: record.role, via: 'api-token', tokenId: record.id })}`;
    const rate = async (auth: 'session cookie' | 'API token', headers: Record<string, string>) => {
      const durations: number[] = [];
      const start = performance.now();
      for (let i = 0; i < CONSOLE_REQUESTS; i++) {
        const t = performance.now();
        const res = await fetch(`${url}/api/me`, { headers });
        if (res.status !== 200) throw new Error(`GET /api/me with ${auth}: ${res.status}`);
        await res.arrayBuffer();
        durations.push(performance.now() - t);
      }
      const seconds = secondsSince(start);
      // summarize() takes any unit: these are milliseconds.
      return { auth, requests: CONSOLE_REQUESTS, requestsPerSecond: CONSOLE_REQUESTS / seconds, medianMs: summarize(durations).medianSeconds };
    };
    return [await rate('session cookie', { cookie }), await rate('API token', { authorization: `Bearer ${token}` })];
  } finally {
    await app.close();
    await close();
  }
}

export function securityMarkdown(r: SecurityBenchResult, table: (head: string[], rows: string[][]) => string): string {
  const s = (m: Measurement) => m.medianSeconds.toFixed(3);
  const mibPerSecond = (m: Measurement, size: number) => (size / m.medianSeconds).toFixed(0);
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return `## Security: encryption at rest, audit log, console sign-in

A ${n(r.ledgerLines)}-line ledger (${r.ledgerMiB.toFixed(1)} MiB) and a ${n(r.pdfKiB)} KiB report under AES-256-GCM envelope
encryption (one data key per object, wrapped by a local key):

${table(
  ['operation', 'seconds', 'MiB/s'],
  [
    ['seal the ledger', s(r.sealLedger), mibPerSecond(r.sealLedger, r.ledgerMiB)],
    ['open the ledger', s(r.openLedger), mibPerSecond(r.openLedger, r.ledgerMiB)],
    ['seal the PDF', s(r.sealPdf), mibPerSecond(r.sealPdf, r.pdfKiB / 1024)],
    ['parse the plaintext ledger', s(r.parsePlain), ''],
    ['parse the sealed ledger (open + parse)', s(r.parseSealed), ''],
  ],
)}

Audit log: ${n(r.audit[0]?.appends ?? 0)} sequential appends, then a full verification:

${table(
  ['store', 'appends/s', 'verify (s)'],
  r.audit.map((a) => [a.store, n(a.appendsPerSecond), s(a.verify)]),
)}

Console: ${n(r.console[0]?.requests ?? 0)} sequential \`GET /api/me\` over loopback HTTP. An API token costs one scrypt
verification and one audit record (\`api_key.used\`) per request; a session cookie an HMAC check:

${table(
  ['authentication', 'requests/s', 'median ms'],
  r.console.map((c) => [c.auth, c.requestsPerSecond.toFixed(0), c.medianMs.toFixed(1)]),
)}
`;
}
