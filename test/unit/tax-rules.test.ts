import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Company } from '../../lib/domain/company';
import { overallRiskLevel, type Finding, type RiskLevel } from '../../lib/domain/findings';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { TaxRuleEngine, derivedGraphIri, ruleFactsGraphIri } from '../../lib/rules/tax-rule-engine';
import { loadLedgerGraphs } from '../support/ledger-graphs';
import { sampleCompany, writeCompanyData } from '../../dev/sample-documents';

const ROOT = resolve(__dirname, '../..');
const FIXTURE_DIR = join(ROOT, 'test/fixtures/ledgers');
const SHAPES_DIR = join(ROOT, 'shapes');
const STANDARD_CHART = join(ROOT, 'ontology/accounts.csv');

interface ExpectedFinding {
  ruleId: string;
  category: string;
  severity: string;
  amount?: number;
  threshold?: number;
  accruedInterest?: number;
  key?: string;
}
interface ExpectedMonth {
  companyId: string;
  period: string;
  riskLevel: RiskLevel;
  findings: ExpectedFinding[];
}
const expected = JSON.parse(readFileSync(join(FIXTURE_DIR, 'expected.json'), 'utf8')) as ExpectedMonth[];

const tmp = mkdtempSync(join(tmpdir(), 'tax-rules-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The instance key of expected.json, where a finding carries it: due date, line, or account. */
function keyOf(f: Finding): string | undefined {
  const line = f.evidence[0];
  switch (f.ruleId) {
    case 'DEADLINE':
      return f.dueDate;
    case 'ENT-PROOF':
    case 'WELFARE-MISCLASS':
      return line && `${line.date}|${line.account}|${line.amount}`;
    case 'SPIKE':
      return line?.account;
    default:
      return undefined;
  }
}

/** Findings as comparable strings: the fields expected.json lists, in a fixed order, sorted as a multiset. */
function canonical(findings: readonly (Finding | ExpectedFinding)[]): string[] {
  return findings
    .map((f) => {
      const key = 'message' in f ? keyOf(f) : f.key;
      const { ruleId, category, severity, amount, threshold, accruedInterest } = f;
      return JSON.stringify({ ruleId, category, severity, amount, threshold, accruedInterest, key });
    })
    .sort();
}

function assertWellFormed(findings: readonly Finding[]): void {
  for (const f of findings) {
    assert.ok(f.message.length > 0 && !/\{\w+\}/.test(f.message), `${f.ruleId} message: ${f.message}`);
    assert.ok(f.basis.length > 0, `${f.ruleId} basis`);
    for (const n of [f.amount, f.threshold, f.accruedInterest]) assert.ok(n === undefined || Number.isSafeInteger(n));
    for (const line of f.evidence) assert.match(line.date, /^\d{4}-\d{2}-\d{2}$/);
  }
}

/** An engine on a copy of shapes/ whose parameters.ttl went through `edit` (which must change it). */
async function engineWithEditedShapes(name: string, edit: (parameters: string) => string, holiday?: string) {
  const shapes = join(tmp, `shapes-${name}`);
  cpSync(SHAPES_DIR, shapes, { recursive: true });
  const file = join(shapes, 'tax/parameters.ttl');
  const parameters = readFileSync(file, 'utf8');
  const edited = edit(parameters);
  assert.notEqual(edited, parameters);
  writeFileSync(file, edited);
  const holidayLine = `[] a tax:PublicHoliday ; tax:date "${holiday}"^^xsd:date .\n`;
  if (holiday) appendFileSync(join(shapes, 'tax/holidays.ttl'), holidayLine);
  return TaxRuleEngine.load(shapes);
}

describe('tax rules on the fixture ledgers', () => {
  const store = new OxigraphStore();
  let companies: Map<string, Company>;
  let engine: TaxRuleEngine;
  const evaluate = (companyId: string, period: string, rules = engine) => rules.evaluate(store, { company: companies.get(companyId)!, period });

  before(async () => {
    companies = await loadLedgerGraphs(store, FIXTURE_DIR, STANDARD_CHART);
    engine = await TaxRuleEngine.load(SHAPES_DIR);
  });

  for (const month of expected) {
    test(`${month.companyId} ${month.period} matches expected.json`, async () => {
      const findings = await evaluate(month.companyId, month.period);
      assert.deepEqual(canonical(findings), canonical(month.findings));
      assert.equal(overallRiskLevel(findings), month.riskLevel);
      assertWellFormed(findings);
    });
  }

  test('findings are ordered by severity, rule id and key', async () => {
    const findings = await evaluate('c03-다솜', '2024-02');
    assert.deepEqual(
      findings.map((f) => `${f.ruleId}:${f.dueDate ?? ''}`),
      ['LOAN-INSIDER:', 'DEADLINE:2024-03-11', 'DEADLINE:2024-04-01'],
    );
    const [loan] = findings;
    assert.deepEqual(loan!.evidence, [{ date: '2024-02-15', voucher: '00001', account: '134', amount: 30_000_000, memo: '대표이사 가지급' }]);
    assert.match(loan!.message, /30,000,000원.*56,712원/);
  });

  test('re-evaluating gives the same findings and replaces the derived graph instead of growing it', async () => {
    const ledger = ledgerGraphIri('c03-다솜', '2024-05');
    const first = await evaluate('c03-다솜', '2024-05');
    const sizes = () => Promise.all([derivedGraphIri(ledger), ruleFactsGraphIri(ledger)].map((g) => store.countTriples(g)));
    const initial = await sizes();
    assert.deepEqual(await evaluate('c03-다솜', '2024-05'), first);
    assert.deepEqual(await sizes(), initial);
    assert.ok(initial[0]! > 0);
  });

  test('thresholds and holidays are data: editing a copy of shapes/ changes the findings', async () => {
    const changed = await engineWithEditedShapes(
      'thresholds',
      (parameters) =>
        parameters
          .replace('tax:threshold 50000000', 'tax:threshold 20000000') // DEPOSIT-INSIDER MEDIUM bound
          .replace('tax:highLevel 100000000', 'tax:highLevel 50000000'), // LOAN-INSIDER HIGH bound
      '2024-02-13', // c00's 2024-01 withholding deadline, after the 설 substitute holiday of the 12th
    );
    const deposit = (await evaluate('c05-새봄', '2024-03', changed)).find((f) => f.ruleId === 'DEPOSIT-INSIDER');
    assert.deepEqual([deposit?.severity, deposit?.amount, deposit?.threshold], ['MEDIUM', 30_000_000, 20_000_000]);
    const loan = (await evaluate('c03-다솜', '2024-03', changed)).find((f) => f.ruleId === 'LOAN-INSIDER');
    assert.equal(loan?.severity, 'HIGH');
    const deadlines = (await evaluate('c00-한빛', '2024-01', changed)).map((f) => f.dueDate);
    assert.deepEqual(deadlines, ['2024-02-14']);
  });

  test('a month missing from the graph is an error, not an empty report', async () => {
    await assert.rejects(evaluate('c00-한빛', '2023-12'), /not in the graph/);
  });
});

describe('tax rules on a crafted ledger', () => {
  const HOSTILE = '명절 선물 " } ; DROP ALL # <script>alert(1)</script>';
  const NAMES: Record<string, string> = {
    '103': '보통예금',
    '108': '외상매출금',
    '255': '부가세예수금',
    '404': '제품매출',
    '811': '복리후생비',
    '812': '여비교통비',
    '813': '기업업무추진비',
    '822': '차량유지비',
    '830': '소모품비',
  };
  /** Expense lines of April beyond the monthly ones: [account, amount, memo, 증빙구분]. */
  const APRIL: [string, number, string, string][] = [
    ['811', 150_000, HOSTILE, '3'], // WELFARE-MISCLASS, with a memo that attacks query and HTML escaping
    ['813', 85_000, '거래처 식사 (현금)', '9'], // ENT-PROOF above 30,000
    ['813', 300_000, '거래처 축의금', '9'], // ENT-PROOF above 200,000
    ['813', 100_000, '거래처 부의금', '9'], // 경조사비 within 200,000: no finding
    ['812', 1_200_000, '출장비 현금', '9'], // EXP-PROOF, total above 1,000,000
    ['812', 20_000, '택시비', '9'], // within 30,000: not counted
  ];
  const store = new OxigraphStore();
  let company: Company;
  let engine: TaxRuleEngine;
  const evaluate = (period: string) => engine.evaluate(store, { company, period });

  /** 2025-01..04: revenue, 1,000,000 of supplies (April: 41,000,000, a SPIKE), 5,000,000 of vehicle cost a month. */
  function ledgerCsv(month: string): string {
    const expenses: [string, number, string, string][] = [
      ['830', month === '04' ? 41_000_000 : 1_000_000, '소모품', '1'],
      ['822', 5_000_000, '주유', '3'],
      ...(month === '04' ? APRIL : []),
    ];
    const vouchers = [
      [
        ['108', 110_000_000, 0, '매출', '1'],
        ['404', 0, 100_000_000, '매출', '1'],
        ['255', 0, 10_000_000, '부가세', '1'],
      ],
      ...expenses.map(([code, amount, memo, proof]) => [
        [code, amount, 0, memo, proof],
        ['103', 0, amount, '이체', ''],
      ]),
    ] as const;
    const cell = (v: string | number) => (v === 0 ? '' : `"${String(v).replace(/"/g, '""')}"`);
    const rows = vouchers.flatMap((lines, i) =>
      lines.map(([code, debit, credit, memo, proof]) =>
        [`2025-${month}-10`, String(i + 1).padStart(5, '0'), code, NAMES[code]!, debit, credit, memo, proof].map(cell).join(','),
      ),
    );
    return ['전표일자,전표번호,계정코드,계정과목,차변,대변,적요,증빙구분', ...rows].join('\n');
  }

  before(async () => {
    const dataDir = join(tmp, 'crafted');
    writeCompanyData(
      dataDir,
      sampleCompany({
        id: 'probe',
        name: '(주)프로브',
        industry: '서비스',
        reportRecipients: ['ceo@example.kr'],
        vehicles: [
          { plate: '12가3456', businessInsurance: true, mileageLog: false },
          { plate: '34나5678', businessInsurance: false, mileageLog: true },
        ],
      }),
      Object.fromEntries(['01', '02', '03', '04'].map((month) => [`2025-${month}`, ledgerCsv(month)])),
    );
    company = (await loadLedgerGraphs(store, dataDir, STANDARD_CHART)).get('probe')!;
    engine = await TaxRuleEngine.load(SHAPES_DIR);
  });

  test('each rule fires on its planted lines, findings in order', async () => {
    const findings = await evaluate('2025-04');
    assertWellFormed(findings);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.severity, f.amount, f.threshold, keyOf(f)]),
      [
        ['CAR-COST', 'HIGH', undefined, undefined, undefined],
        ['CAR-COST', 'MEDIUM', 20_000_000, 5_000_000, undefined],
        ['ENT-PROOF', 'MEDIUM', 300_000, 200_000, '2025-04-10|813|300000'],
        ['ENT-PROOF', 'MEDIUM', 85_000, 30_000, '2025-04-10|813|85000'],
        ['EXP-PROOF', 'MEDIUM', 1_200_000, 1_000_000, undefined],
        ['SPIKE', 'LOW', 41_000_000, 3_000_000, '830'],
        ['WELFARE-MISCLASS', 'LOW', 150_000, undefined, '2025-04-10|811|150000'],
        ['DEADLINE', 'INFO', undefined, undefined, '2025-05-12'],
      ],
    );
    assert.match(findings[0]!.message, /34나5678/);
    assert.deepEqual(
      findings[4]!.evidence.map((l) => l.amount),
      [1_200_000],
    );
  });

  test('ENT-LIMIT follows the revenue tiers, the related-party share and rounds down', async () => {
    // warnRatio 0 reports the limit whatever the entertainment; YTD revenue 400,000,000 over m = 4 months.
    const always = (parameters: string) => parameters.replace('tax:warnRatio 0.8', 'tax:warnRatio 0');
    const limitOf = async (rules: TaxRuleEngine) => {
      const input = { company: { ...company, sme: false, relatedPartyRevenueShare: 0.3 }, period: '2025-04' };
      return (await rules.evaluate(store, input)).find((f) => f.ruleId === 'ENT-LIMIT')?.threshold;
    };
    // R = 1.2bn, Rg = 0.84bn: L = (12,000,000 + 0.003 Rg + 0.1 × 0.003 (R − Rg)) × 4 / 12.
    assert.equal(await limitOf(await engineWithEditedShapes('ent-limit', always)), 4_876_000);
    // With the second tier from 1bn: f(R) = 30,000,000 + 0.002 (R − 1bn) = 30,400,000, and
    // L = ⌊(12,000,000 + 2,520,000 + 0.1 × (30,400,000 − 2,520,000)) × 4 / 12⌋ = ⌊5,769,333.3⌋.
    const lowTier = (parameters: string) => always(parameters).replace('tax:above 10000000000', 'tax:above 1000000000');
    assert.equal(await limitOf(await engineWithEditedShapes('ent-limit-tier', lowTier)), 5_769_333);
  });

  test('a hostile memo stays literal text in the evidence and breaks nothing', async () => {
    const graphs = ['01', '02', '03', '04'].map((m) => ledgerGraphIri('probe', `2025-${m}`));
    const sizes = await Promise.all(graphs.map((g) => store.countTriples(g)));
    const welfare = (await evaluate('2025-04')).find((f) => f.ruleId === 'WELFARE-MISCLASS');
    assert.deepEqual(welfare?.evidence, [{ date: '2025-04-10', voucher: '00004', account: '811', amount: 150_000, memo: HOSTILE }]);
    assert.match(welfare.message, /'선물'/);
    assert.deepEqual(await Promise.all(graphs.map((g) => store.countTriples(g))), sizes);
  });

  test('SPIKE needs all three previous months in the graph', async () => {
    await store.dropGraph(ledgerGraphIri('probe', '2025-02'));
    const rules = (await evaluate('2025-04')).map((f) => f.ruleId);
    assert.ok(!rules.includes('SPIKE'), rules.join());
    assert.ok(rules.includes('CAR-COST'));
  });
});
