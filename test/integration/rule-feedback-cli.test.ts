// `npm run rule-feedback` against a persisted embedded graph: the rates, the proposal as a diff that `git apply`
// takes, the effect on last year's findings from the fixture ledgers, the files under --out, and its exit codes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../lib/config';
import type { Finding, ReviewStatus } from '../../lib/domain/findings';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { recordFindings } from '../../lib/llm/findings-graph';
import { findingKey } from '../../lib/review/finding-key';
import { appendReview } from '../../lib/review/finding-reviews';
import { sampleCompany, sampleFindings } from '../../dev/sample-documents';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(PROJECT_ROOT, 'cli', 'rule-feedback.ts');
const COMPANIES = ['c04-미르', 'c05-새봄'];

let dir: string;
let env: NodeJS.ProcessEnv;

/** SPIKE findings just past the threshold at c05 (4 of 5 dismissed) and one far past it at c04, never reviewed. */
const SCRIPT: Array<[string, string, number, ReviewStatus | undefined]> = [
  ['c05-새봄', '2024-01', 12_000_000, 'false-positive'],
  ['c05-새봄', '2024-02', 12_000_000, 'false-positive'],
  ['c05-새봄', '2024-03', 12_000_000, 'false-positive'],
  ['c05-새봄', '2024-04', 12_000_000, 'false-positive'],
  ['c05-새봄', '2024-05', 14_000_000, 'resolved'],
  ['c04-미르', '2024-03', 45_000_000, undefined],
];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rule-feedback-cli-'));
  for (const id of COMPANIES) await cp(path.join(FIXTURE_LEDGERS, 'companies', id), path.join(dir, 'data', 'companies', id), { recursive: true });
  const persistFile = path.join(dir, 'graph.nq');
  const graph = new OxigraphStore({ persistFile });
  for (const [companyId, period, amount, status] of SCRIPT) {
    const spike: Finding = {
      ruleId: 'SPIKE',
      category: 'EXPENSE_SPIKE',
      severity: 'LOW',
      amount,
      threshold: 10_000_000,
      message: '급증',
      basis: '사무소 자체 기준 (비용 급증)',
      evidence: [{ date: `${period}-10`, account: '830', amount }],
    };
    const doc = sampleFindings(sampleCompany({ id: companyId }), { period, findings: [spike] });
    await recordFindings(graph, doc);
    if (status) {
      const key = findingKey(spike, doc);
      await appendReview(graph, {
        companyId,
        period,
        findingKey: key,
        ruleId: 'SPIKE',
        status,
        reviewer: 'choi',
        reviewedAt: '2024-07-01T00:00:00Z',
        version: 1,
      });
    }
  }
  await graph.close();
  env = { ...process.env, GRAPHDB_URL: '', GRAPH_PERSIST_FILE: persistFile, LOG_LEVEL: 'warn' };
});
after(() => rm(dir, { recursive: true, force: true }));

test('prints rates, proposal and effect, and writes rule-feedback.md and parameters.diff', { timeout: 180_000 }, async () => {
  const out = path.join(dir, 'out');
  const { stdout } = await run(TSX, [CLI, '--data-dir', path.join(dir, 'data'), '--from', '2024-01', '--to', '2024-06', '--out', out], { env });
  assert.match(stdout, /^# 규칙 피드백 \(rule feedback\) 2024-01\.\.2024-06$/m);
  assert.match(stdout, /^\| SPIKE \| 1–1\.5× \| 5 \| 0 \| 0 \| 1 \| 4 \| 100% \| 0% \| 20% \| 80% \|$/m);
  assert.match(stdout, /^\| SPIKE \| >3× \| 1 \| 1 \| 0 \| 0 \| 0 \| 0% \| – \| – \| – \|$/m);
  assert.match(stdout, /^### 건설 \(기업 1곳\)$/m);
  assert.match(stdout, /^### 정보통신 \(기업 1곳\)$/m);
  assert.match(stdout, /^- SPIKE tax:multiplier 3 → 4\.5: 1–1\.5× 구간 검토 5건 중 오탐 4건 \(80%\)$/m);
  assert.match(stdout, /^- {2}tax:multiplier 3 ;\n\+ {2}tax:multiplier 4\.5 ;$/m);
  // No fixture month has a spike: raising the multiplier changes none of last year's findings.
  assert.match(stdout, /^같은 기간 12개 기업-월을 현재 기준과 제안 기준으로 다시 분석한/m);
  assert.match(stdout, /^\| DEPOSIT-INSIDER \| 4 \(LOW 4\) \| 4 \(LOW 4\) \| {2}\|$/m);

  assert.equal(await readFile(path.join(out, 'rule-feedback.md'), 'utf8'), stdout);
  // The diff applies to the repository's parameters.ttl as it is.
  const repo = path.join(dir, 'repo');
  await mkdir(path.join(repo, 'shapes', 'tax'), { recursive: true });
  await cp(path.join(PROJECT_ROOT, 'shapes', 'tax', 'parameters.ttl'), path.join(repo, 'shapes', 'tax', 'parameters.ttl'));
  await run('git', ['apply', '--check', path.join(out, 'parameters.diff')], { cwd: repo });
});

test('--no-effect skips the re-run; bad arguments exit 1', { timeout: 120_000 }, async () => {
  const { stdout } = await run(TSX, [CLI, '--data-dir', path.join(dir, 'data'), '--from', '2024-01', '--to', '2024-06', '--no-effect'], { env });
  assert.match(stdout, /^다시 분석하지 않았습니다 \(--no-effect\)\.$/m);
  for (const args of [['--from', '2024-01'], ['--from', '2024-13', '--to', '2024-12'], ['--from', '2024-06', '--to', '2024-01'], ['--bogus']]) {
    await assert.rejects(run(TSX, [CLI, '--data-dir', path.join(dir, 'data'), ...args], { env }), (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 1, args.join(' '));
      assert.ok(err.stderr?.trim(), `${args.join(' ')} says why`);
      return true;
    });
  }
});
