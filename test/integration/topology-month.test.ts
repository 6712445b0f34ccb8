// The production topology, run for real: the Helm chart rendered with its defaults (plus an overlay that only
// points at local servers), each worker role and the console as its own process with exactly the environment,
// secrets, volumes and user its manifest gives it (dev/topology/), on RDF4J behind Basic auth, an
// S3-compatible server, SMTP and PostgreSQL, encryption on. The scheduled month runs as operators run it
// (setup Job, set-current-version, sealing the drop, `temporal schedule trigger`) and must pass.
//
// TOPOLOGY_COMPANIES sets the month's size (npm test: 20; `npm run test:topology` runs more).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { loadConfig } from '../../lib/config';
import { loadKeyWrapper } from '../../lib/security/keyring';
import { createObjectStore } from '../../lib/storage/create-object-store';
import { reportKeys } from '../../lib/storage/object-store';
import { judgeBatchResult } from '../../cli/smoke-batch';
import { registerTestSecret } from '../../dev/test-secrets';
import { startTopology, triggerSchedule, WORKLOADS, type Topology, type Workload } from '../../dev/topology/topology-stack';
import { type MonthlyReportBatchResult } from '../../lib/temporal-contract';

const COMPANIES = Number(process.env.TOPOLOGY_COMPANIES ?? 20);
const BATCH_TIMEOUT_MS = Number(process.env.TOPOLOGY_BATCH_TIMEOUT_MS ?? 600_000);

let t: Topology;
let batchId: string;
let result: MonthlyReportBatchResult;
let mails: Array<{ rcptTo: string[]; parsed: ParsedMail }>;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full) : [full];
  });
}

/** The variables of a running process, from the kernel (/proc/PID/environ), not from what the harness meant. */
function processEnv(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** Mount points of a running process's own view (/proc/PID/mountinfo, field 5). */
function mountPoints(pid: number): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[4]!);
}

describe(`the chart's topology runs the scheduled month for ${COMPANIES} companies`, { timeout: BATCH_TIMEOUT_MS + 600_000 }, () => {
  before(async () => {
    t = await startTopology({ companies: COMPANIES, logFile: process.env.LOG_FILE || undefined });
    batchId = await triggerSchedule(t);
    const timer = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`the batch did not end within ${BATCH_TIMEOUT_MS} ms`)), BATCH_TIMEOUT_MS).unref(),
    );
    result = (await Promise.race([t.client.workflow.getHandle(batchId).result(), timer])) as MonthlyReportBatchResult;
    mails = await Promise.all(t.services.smtp.received.map(async (m) => ({ rcptTo: m.rcptTo, parsed: await simpleParser(m.raw) })));
  });
  after(async () => {
    if (t && process.exitCode) for (const w of WORKLOADS) console.error(`--- ${w}\n${t.pods[w].output().slice(-3000)}`);
    await t?.stop();
  });

  test('every company of the month succeeded, and the staging smoke (deploy.yml) passes in the orchestration pod', async () => {
    const verdict = judgeBatchResult(result);
    assert.ok(verdict.ok, verdict.problems.join('\n'));
    assert.equal(result.period, t.period);
    assert.equal(result.counts.listed, COMPANIES);
    assert.equal(result.counts.succeeded, COMPANIES);
    const smoke = await t.pods.orchestration.exec(['node', '--import', 'tsx', 'cli/smoke-batch.ts', '--workflow-id', batchId, '--timeout', '2m']);
    assert.equal(smoke.code, 0, `${smoke.stdout}${smoke.stderr}`);
  });

  test('every report is delivered exactly once, and the mailed PDF is the stored one', async () => {
    // The orchestration role's own settings and keys, as the rendered manifest gives them.
    const config = loadConfig(t.spec('orchestration').env);
    const store = createObjectStore(config, await loadKeyWrapper(config));
    for (const companyId of t.companyIds) {
      const reports = mails.filter((m) => m.rcptTo.includes(`${companyId}@example.kr`));
      assert.equal(reports.length, 1, `${companyId}: ${reports.length} report mails`);
      const pdf = reports[0]!.parsed.attachments.find((a) => a.contentType === 'application/pdf');
      assert.ok(pdf, `${companyId}: the report mail carries the PDF`);
      assert.ok(pdf.content.equals(await store.get(reportKeys(companyId, t.period).pdf)), `${companyId}: mailed PDF = stored PDF`);
    }
    store.close?.();
  });

  test('PDFs, findings and ledgers are sealed at rest: no plaintext on the volume or in the bucket', () => {
    const names = t.companyIds.map((id) => `(주)벤치마크 ${id}`);
    const files = [...walk(t.claimDir('')), ...walk(t.services.s3.directory)].filter((f) => path.basename(f) !== 'company.json');
    const objects = walk(t.services.s3.directory).filter((f) => /\.(pdf|json)/.test(f) && !/metadata/.test(f));
    assert.ok(objects.length >= 2 * COMPANIES, `the bucket holds the reports (${objects.length} objects)`);
    for (const file of files) {
      const bytes = readFileSync(file);
      const text = bytes.toString('utf8');
      for (const plain of ['%PDF', '"findings"', '전표일자', ...names]) {
        assert.ok(!text.includes(plain), `${path.relative(t.layout.root, file)} holds ${JSON.stringify(plain)} in plaintext`);
      }
    }
    // The drop itself: every ledger was sealed in place by the operator's step.
    const ledgers = walk(t.claimDir('erp')).filter((f) => f.endsWith('.csv'));
    assert.equal(ledgers.length, COMPANIES);
    for (const f of ledgers) assert.equal(readFileSync(f).subarray(0, 6).toString('latin1'), 'TXENC1', f);
  });

  test('each process has exactly the variables and secrets its manifest gives it', () => {
    const secret = t.services.secret.data;
    for (const w of WORKLOADS) {
      const pod = t.pods[w];
      const env = processEnv(pod.pid);
      assert.deepEqual(Object.keys(env).sort(), Object.keys(pod.env).sort(), `${w}: the process's variables are the manifest's`);
      for (const [key, value] of Object.entries(secret)) {
        const given = pod.spec.secretKeys.includes(key) || (key === 'ENCRYPTION_KEYS' && 'ENCRYPTION_KEYS' in pod.spec.env);
        assert.equal(
          Object.values(env).some((v) => v.includes(value)),
          given,
          `${w}: ${key} ${given ? 'given' : 'not given'} by the manifest`,
        );
      }
    }
    // The properties the security notes promise, read off the running processes.
    const llm = processEnv(t.pods.llm.pid);
    assert.ok(llm.OPENAI_API_KEY);
    for (const key of ['ENCRYPTION_KEYS', 'DATABASE_URL', 'GRAPHDB_PASSWORD', 'S3_SECRET_ACCESS_KEY', 'SMTP_URL'])
      assert.equal(llm[key], undefined, `llm: ${key}`);
    for (const w of ['orchestration', 'render', 'console'] as const)
      assert.equal(processEnv(t.pods[w].pid).OPENAI_API_KEY, undefined, `${w}: OPENAI_API_KEY`);
    assert.equal(processEnv(t.pods.render.pid).GRAPHDB_PASSWORD, undefined, 'render: no graph credentials');
  });

  test('each process sees only the volumes its manifest mounts: nothing of the others, nothing of the host', async () => {
    const dataPath = (w: Workload) =>
      t
        .spec(w)
        .mounts.filter((m) => m.volume.kind === 'claim')
        .map((m) => m.path)
        .sort();
    assert.deepEqual(dataPath('llm'), [], 'the llm role mounts no data');
    assert.deepEqual(dataPath('render'), [], 'with S3 the render role mounts only scratch space');
    for (const w of WORKLOADS) {
      const claimMounts = dataPath(w);
      assert.deepEqual(
        mountPoints(t.pods[w].pid)
          .filter((p) => p.startsWith('/data/'))
          .sort(),
        claimMounts,
        `${w}: its mounts are the manifest's`,
      );
      const others = [...new Set(WORKLOADS.flatMap(dataPath))].filter((p) => !claimMounts.includes(p));
      // Paths it must not reach: other roles' directories, the harness's own tree (the claim's host directory).
      for (const target of [...others, t.claimDir(''), t.layout.root]) {
        const probe = await t.pods[w].exec(['sh', '-c', `test -e '${target}'`]);
        assert.equal(probe.code, 1, `${w} reaches ${target}`);
      }
      // readOnlyRootFilesystem: the image and everything outside its volumes refuse writes.
      const write = await t.pods[w].exec(['sh', '-c', 'touch /app/probe || touch /probe']);
      assert.notEqual(write.code, 0, `${w} wrote outside its volumes`);
    }
    const consoleWrite = await t.pods.console.exec(['sh', '-c', 'touch /data/erp/probe']);
    assert.notEqual(consoleWrite.code, 0, 'the console mounts the ERP drop read-only');
  });

  test('every graph request authenticated against the secured GraphDB, and only the llm role called the model', () => {
    assert.ok(t.services.graphdb.counts.authorized > 0);
    assert.equal(t.services.graphdb.counts.refused, 0, 'a process reached GraphDB without its credentials');
    const llmCalls = t.services.llm.requests;
    assert.ok(llmCalls.length >= COMPANIES, `the narrative came from the model (${llmCalls.length} calls)`);
    const bearer = `Bearer ${t.services.secret.data.OPENAI_API_KEY}`;
    assert.ok(
      llmCalls.every((r) => r.authorization === bearer),
      'every model call carried the key only the llm role has',
    );
  });

  test('the console lists the month: a token made in its pod (kubectl exec) reads every run', async () => {
    const made = await t.pods.console.exec([
      'npm',
      'run',
      '--silent',
      'console:token',
      '--',
      'create',
      '--name',
      'topology-admin',
      '--role',
      'admin',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const token = registerTestSecret(made.stdout.trim().split('\n').at(-1)!);
    const get = async (route: string) => {
      const res = await fetch(`${t.consoleUrl}${route}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, route);
      return res.json() as Promise<any>;
    };
    const { runs } = await get(`/api/runs?period=${t.period}`);
    const companyRuns = (runs as Array<{ companyId?: string; status: string }>).filter((r) => r.companyId);
    assert.deepEqual(companyRuns.map((r) => r.companyId).sort(), [...t.companyIds].sort());
    assert.ok(
      companyRuns.every((r) => r.status === 'COMPLETED'),
      JSON.stringify(companyRuns.filter((r) => r.status !== 'COMPLETED')),
    );
    const { companies } = await get('/api/companies');
    assert.equal(companies.length, COMPANIES);
  });
});
