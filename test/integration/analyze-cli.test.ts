// `npm run analyze` over the shared fixtures reproduces expected.json, and reports bad data with exit 2.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../lib/config';
import { readFindings } from '../support/artifacts';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const ANALYZE = path.join(PROJECT_ROOT, 'cli', 'analyze.ts');

interface Expected {
  companyId: string;
  period: string;
  riskLevel: string;
  findings: Array<{
    ruleId: string;
    category: string;
    severity: string;
    amount?: number;
    threshold?: number;
    accruedInterest?: number;
    key?: string;
  }>;
}

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'analyze-'));
});
after(() => rm(dir, { recursive: true, force: true }));

type Compared = Omit<Expected['findings'][number], 'key'> & { dueDate?: string };
const signature = (f: Compared) =>
  JSON.stringify([f.ruleId, f.category, f.severity, f.amount ?? null, f.threshold ?? null, f.accruedInterest ?? null, f.dueDate ?? null]);
/** expected.json's key of a DEADLINE is the due date findings.json carries. */
const expectedSignature = ({ key, ...f }: Expected['findings'][number]) => signature({ ...f, ...(f.ruleId === 'DEADLINE' && { dueDate: key }) });

test('every company-month of the fixtures matches expected.json', async () => {
  const out = path.join(dir, 'fixtures-out');
  const { stdout } = await run(TSX, [ANALYZE, '--data-dir', FIXTURE_LEDGERS, '--out', out]);
  const expected = JSON.parse(await readFile(path.join(FIXTURE_LEDGERS, 'expected.json'), 'utf8')) as Expected[];
  assert.equal(stdout.trim().split('\n').length, expected.length);
  for (const want of expected) {
    const got = await readFindings(path.join(out, want.companyId, want.period, 'findings.json'));
    const where = `${want.companyId} ${want.period}`;
    assert.equal(got.riskLevel, want.riskLevel, where);
    assert.deepEqual(got.findings.map(signature).sort(), want.findings.map(expectedSignature).sort(), where);
    for (const f of got.findings) assert.ok(f.message && f.basis, `${where} ${f.ruleId} has message and basis`);
    // The offline narrative quotes each finding's message inside its own sentences: no doubled periods.
    assert.doesNotMatch(got.narrative.text, /\.\./, `${where} narrative`);
    for (const f of got.findings) assert.ok(got.narrative.text.includes(f.message.replace(/\.$/, '')), `${where} ${f.ruleId} in narrative`);
  }
});

test('a month that fails data quality gets findings.json with the violations and exit code 2', async () => {
  const data = path.join(dir, 'bad-data');
  await cp(path.join(FIXTURE_LEDGERS, 'companies', 'c00-한빛'), path.join(data, 'companies', 'c00-한빛'), { recursive: true });
  const ledger = path.join(data, 'companies', 'c00-한빛', 'ledger', '2024-02.csv');
  await writeFile(ledger, (await readFile(ledger, 'utf8')).replace(/\n(2024[^,]*),([^,]*),([^,]*),(\d{3}),/, '\n$1,$2,$3,999,'));
  const out = path.join(dir, 'bad-out');
  await assert.rejects(run(TSX, [ANALYZE, '--data-dir', data, '--period', '2024-02', '--out', out]), (err: { code?: number; stdout?: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stdout ?? '', /c00-한빛 2024-02 DATA-QUALITY FAILED/);
    return true;
  });
  const doc = await readFindings(path.join(out, 'c00-한빛', '2024-02', 'findings.json'));
  assert.equal(doc.dataQuality.conforms, false);
  assert.deepEqual([...new Set(doc.dataQuality.details.map((d) => d.ruleId))], ['DQ-ACCOUNT']);
  assert.equal(doc.dataQuality.details[0]!.sourceLine, 2);
});

test('a folder that is no company is named on stderr with the reason, and the run exits 2', async () => {
  const data = path.join(dir, 'skipped-folder');
  await cp(path.join(FIXTURE_LEDGERS, 'companies', 'c00-한빛'), path.join(data, 'companies', 'c00-한빛'), { recursive: true });
  await cp(path.join(FIXTURE_LEDGERS, 'companies', 'c01-가람'), path.join(data, 'companies', 'bad%2f..가람'), { recursive: true });
  await assert.rejects(
    run(TSX, [ANALYZE, '--data-dir', data, '--period', '2024-02', '--out', path.join(dir, 'skipped-out')]),
    (err: { code?: number; stdout?: string; stderr?: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stdout ?? '', /^c00-한빛 2024-02 /m);
      assert.match(err.stderr ?? '', /^companies\/"bad%2f\.\.가람" skipped: invalid company id "bad%2f\.\.가람": expected 1-64 characters/m);
      return true;
    },
  );
});

test('usage errors exit 1', async () => {
  await assert.rejects(run(TSX, [ANALYZE, '--out', dir]), (err: { code?: number; stderr?: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr ?? '', /usage: npm run analyze/);
    return true;
  });
});
