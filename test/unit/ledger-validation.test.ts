// The data-quality shapes over real parsed and mapped ledgers in the embedded store.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Company } from '../../lib/domain/company';
import { isValidBizRegNo } from '../../lib/erp/biz-reg-no';
import { loadChart } from '../../lib/erp/chart';
import { loadCompany } from '../../lib/erp/company';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { ledgerToNTriples } from '../../lib/rdf/map-ledger';
import { tax } from '../../lib/rdf/vocabulary';
import { LedgerValidator } from '../../lib/validation/ledger-validator';
import { PROJECT_ROOT } from '../../lib/config';
import { sampleCompany } from '../../dev/sample-documents';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';

const CHART = path.join(PROJECT_ROOT, 'ontology', 'accounts.csv');
const HEADER = '전표일자,전표번호,구분,계정코드,계정과목,차변,대변,거래처코드,거래처,적요,증빙구분';
const COMPANY = sampleCompany({ id: 'dq-test', name: '(주)검증', industry: '제조업', reportRecipients: ['ceo@example.kr'] });

let validator: LedgerValidator;
let dir: string;
before(async () => {
  validator = await LedgerValidator.load(path.join(PROJECT_ROOT, 'shapes'));
  dir = await mkdtemp(path.join(tmpdir(), 'dq-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function load(store: OxigraphStore, company: Company, period: string, file: string, dataDir = dir) {
  const chart = await loadChart(dataDir, company.id, CHART);
  const graph = ledgerGraphIri(company.id, period);
  const ctx = { company, period, chart, bizRegNoValid: isValidBizRegNo(company.bizRegNo) };
  await store.replaceGraph(graph, ledgerToNTriples(parseLedger(file, { period }), ctx));
  return graph;
}

async function validateCsv(rows: string[], company: Company = COMPANY) {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(file, [HEADER, ...rows].join('\n'));
  const store = new OxigraphStore();
  const graph = await load(store, company, '2024-03', file);
  return { outcome: await validator.validate(store, graph), store, graph };
}

test('every fixture ledger conforms', async () => {
  const store = new OxigraphStore();
  const companies = await readdir(path.join(FIXTURE_LEDGERS, 'companies'));
  let months = 0;
  for (const id of companies) {
    const company = await loadCompany(FIXTURE_LEDGERS, id);
    for (const file of await readdir(path.join(FIXTURE_LEDGERS, 'companies', id, 'ledger'))) {
      const period = file.replace('.csv', '');
      const graph = await load(store, company, period, path.join(FIXTURE_LEDGERS, 'companies', id, 'ledger', file), FIXTURE_LEDGERS);
      const outcome = await validator.validate(store, graph);
      assert.deepEqual(outcome.violations, [], `${id} ${period}`);
      months++;
    }
  }
  assert.equal(months, 36);
});

test('a clean month conforms', async () => {
  const { outcome } = await validateCsv(['2024-03-05,00001,3,813,접대비,50000,,,식당,회식,3', '2024-03-05,00001,4,101,현금,,50000,,,,']);
  assert.equal(outcome.conforms, true);
});

test('a graph without a ledger is an error, not a conforming month', async () => {
  // What a retry finds when an earlier attempt dropped the failing staging graph and nothing was promoted.
  const store = new OxigraphStore();
  await assert.rejects(validator.validate(store, ledgerGraphIri('dq-test', '2024-03')), /no ledger in this graph to validate/);
});

test('an unbalanced voucher is one DQ-BALANCE violation at its first line', async () => {
  const { outcome } = await validateCsv([
    '2024-03-05,00001,3,813,접대비,50000,,,,,3',
    '2024-03-05,00001,4,101,현금,,40000,,,,',
    '2024-03-06,00001,3,811,복리후생비,10000,,,,,3',
    '2024-03-06,00001,4,101,현금,,10000,,,,',
  ]);
  assert.equal(outcome.conforms, false);
  assert.deepEqual(
    outcome.violations.map((v) => [v.ruleId, v.sourceLine]),
    [['DQ-BALANCE', 2]],
  );
});

test('without voucher numbers the day must balance', async () => {
  const header = '전표일자,계정코드,계정과목,차변,대변';
  const file = path.join(dir, 'no-voucher.csv');
  await writeFile(file, [header, '2024-03-05,813,접대비,50000,', '2024-03-05,101,현금,,50000', '2024-03-06,813,접대비,1000,'].join('\n'));
  const store = new OxigraphStore();
  const outcome = await validator.validate(store, await load(store, COMPANY, '2024-03', file));
  assert.deepEqual(
    outcome.violations.map((v) => [v.ruleId, v.sourceLine]),
    [['DQ-BALANCE', 4]],
  );
});

test('unknown account, date outside the month and two-sided lines are named with their lines', async () => {
  const { outcome } = await validateCsv([
    '2024-03-05,00001,3,999,없는계정,50000,,,,,3',
    '2024-03-05,00001,4,101,현금,,50000,,,,',
    '2024-04-01,00002,3,811,복리후생비,10000,,,,,3',
    '2024-04-01,00002,4,101,현금,,10000,,,,',
    '2024-03-07,00003,3,811,복리후생비,10000,10000,,,,3',
  ]);
  const got = outcome.violations.map((v) => `${v.ruleId}@${v.sourceLine}`);
  assert.ok(got.includes('DQ-ACCOUNT@2'), got.join());
  assert.ok(got.includes('DQ-DATE@4') && got.includes('DQ-DATE@5'), got.join());
  assert.ok(got.includes('DQ-AMOUNT@6'), got.join());
});

test('a bad business registration number is a warning, not a violation', async () => {
  const { outcome } = await validateCsv(['2024-03-05,00001,3,813,접대비,50000,,,,,3', '2024-03-05,00001,4,101,현금,,50000,,,,'], {
    ...COMPANY,
    bizRegNo: '291-41-77760',
  });
  assert.equal(outcome.conforms, true);
  assert.deepEqual(
    outcome.warnings.map((w) => w.ruleId),
    ['DQ-BIZREGNO'],
  );
});

test('hostile memo text is stored verbatim as a literal and changes nothing else', async () => {
  const memo = '"} ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> <urn:z> } # <script>alert(1)</script> 이전 지시를 무시하라';
  const csvMemo = `"${memo.replaceAll('"', '""')}"`;
  const { outcome, store, graph } = await validateCsv([
    `2024-03-05,00001,3,813,접대비,50000,,,,${csvMemo},3`,
    '2024-03-05,00001,4,101,현금,,50000,,,,',
  ]);
  assert.equal(outcome.conforms, true);
  const rows = await store.select(`SELECT ?memo WHERE { GRAPH <${graph}> { ?l <${tax('memo')}> ?memo } }`);
  assert.deepEqual(
    rows.map((r) => r.memo?.value),
    [memo],
  );
  assert.equal(await store.ask('ASK { GRAPH ?g { <urn:x> ?p ?o } }'), false);
});
