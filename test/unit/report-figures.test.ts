import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { reportFigures } from '../../lib/analysis/report-figures';
import type { Company } from '../../lib/domain/company';
import type { Finding, MonthlyPnl } from '../../lib/domain/findings';
import type { LedgerLine } from '../../lib/domain/ledger';
import { addMonths } from '../../lib/domain/periods';
import { ledgerPath } from '../../lib/erp/company';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { QueryCatalog } from '../../lib/rdf/query-catalog';
import { TaxRuleEngine } from '../../lib/rules/tax-rule-engine';
import { loadLedgerGraphs } from '../support/ledger-graphs';
import { sampleCompany, writeCompanyData } from '../../dev/sample-documents';

const ROOT = resolve(__dirname, '../..');
const FIXTURE_DIR = join(ROOT, 'test/fixtures/ledgers');
const SHAPES_DIR = join(ROOT, 'shapes');
let queries: QueryCatalog;
const STANDARD_CHART = join(ROOT, 'ontology/accounts.csv');

const expected = JSON.parse(readFileSync(join(FIXTURE_DIR, 'expected.json'), 'utf8')) as { companyId: string; period: string }[];

async function parsedLines(dataDir: string, companyId: string, period: string): Promise<LedgerLine[]> {
  const lines: LedgerLine[] = [];
  for await (const line of parseLedger(ledgerPath(dataDir, companyId, period), { period })) lines.push(line);
  return lines;
}

/** Σdebit − Σcredit of the lines whose account lies in [lo, hi]. */
function net(lines: readonly LedgerLine[], lo: number, hi: number): number {
  return lines.filter((l) => Number(l.account) >= lo && Number(l.account) <= hi).reduce((s, l) => s + l.debit - l.credit, 0);
}

/** The P&L totals written out from the file lines, independently of the query. */
function pnlFromLines(lines: readonly LedgerLine[]) {
  // 0 − x rather than −x: strict deepEqual tells −0 from 0.
  const revenue = 0 - net(lines, 401, 450);
  const costOfSales = net(lines, 451, 500);
  const manufacturingCost = net(lines, 501, 700);
  const sgaTotal = net(lines, 801, 900);
  const operatingResult = revenue - costOfSales - manufacturingCost - sgaTotal;
  const nonOperatingIncome = 0 - net(lines, 901, 930);
  const nonOperatingExpense = net(lines, 931, 997);
  return {
    revenue,
    costOfSales,
    manufacturingCost,
    sgaTotal,
    operatingResult,
    nonOperatingIncome,
    nonOperatingExpense,
    ordinaryResult: operatingResult + nonOperatingIncome - nonOperatingExpense,
  };
}

/** A P&L without its period and SG&A accounts: the totals pnlFromLines computes. */
const totals = ({ sga: _sga, period: _period, ...rest }: MonthlyPnl) => rest;
const finding = (findings: readonly Finding[], ruleId: string) => findings.find((f) => f.ruleId === ruleId);

describe('report figures on the fixture ledgers', () => {
  const store = new OxigraphStore();
  let companies: Map<string, Company>;
  let engine: TaxRuleEngine;
  const lines = new Map<string, LedgerLine[]>();
  /** Lines of a fixture month; [] when the month has no file. */
  const linesOf = (companyId: string, period: string) => lines.get(`${companyId}/${period}`) ?? [];

  before(async () => {
    companies = await loadLedgerGraphs(store, FIXTURE_DIR, STANDARD_CHART);
    [engine, queries] = await Promise.all([TaxRuleEngine.load(SHAPES_DIR), QueryCatalog.load(SHAPES_DIR)]);
    for (const { companyId, period } of expected) lines.set(`${companyId}/${period}`, await parsedLines(FIXTURE_DIR, companyId, period));
  });

  for (const { companyId, period } of expected) {
    test(`${companyId} ${period}: P&L sums the lines, limits and balances are the findings'`, async () => {
      const company = companies.get(companyId)!;
      const findings = await engine.evaluate(store, { company, period });
      const figures = await reportFigures(store, queries, company, period);
      const months = expected.filter((m) => m.companyId === companyId && m.period <= period).map((m) => m.period);
      const month = linesOf(companyId, period);

      // P&L of the month and of the month before, when the graph has it.
      const { current, previous } = figures.pnl;
      assert.deepEqual(totals(current), pnlFromLines(month));
      assert.equal(
        current.sga.reduce((s, a) => s + a.amount, 0),
        current.sgaTotal,
      );
      const before = addMonths(period, -1);
      if (months.includes(before)) {
        assert.equal(previous?.period, before);
        assert.deepEqual(totals(previous), pnlFromLines(linesOf(companyId, before)));
      } else assert.equal(previous, undefined);

      // Entertainment: the ENT-LIMIT fact exists with or without a finding.
      const ytdLines = months.flatMap((m) => linesOf(companyId, m));
      const ent = figures.entertainment!;
      assert.equal(ent.ytd, net(ytdLines, 813, 813) + net(ytdLines, 513, 513));
      assert.ok(ent.limit > 0 && ent.warnLevel < ent.limit);
      const entFinding = finding(findings, 'ENT-LIMIT');
      if (entFinding) assert.deepEqual([ent.ytd, ent.limit], [entFinding.amount, entFinding.threshold]);
      else assert.ok(ent.ytd <= ent.warnLevel);

      // Insider balances: running balances from the lines, the report month's and 인정이자 the findings'.
      for (const [key, account, sign, ruleId] of [
        ['provisionalPayment', '134', 1, 'LOAN-INSIDER'],
        ['suspenseReceipt', '257', -1, 'DEPOSIT-INSIDER'],
      ] as const) {
        const figure = figures[key]!;
        let balance = company.openingBalances[account] ?? 0;
        const trend = months.map((m) => ({ period: m, balance: (balance += sign * net(linesOf(companyId, m), +account, +account)) }));
        assert.deepEqual(figure.trend, trend);
        assert.equal(figure.balance, trend.at(-1)!.balance);
        const f = finding(findings, ruleId);
        if (f) assert.equal(figure.balance, f.amount);
        else assert.ok(figure.balance <= 0, `${ruleId} without a finding`);
      }
      const loan = finding(findings, 'LOAN-INSIDER');
      assert.equal(figures.provisionalPayment!.accruedInterest, loan?.accruedInterest ?? 0);

      assert.equal(figures.vehicleCost, undefined, 'no vehicles and no vehicle cost lines');
    });
  }
});

describe('report figures on a crafted ledger', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'report-figures-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const store = new OxigraphStore();
  let company: Company;
  let engine: TaxRuleEngine;
  const NAMES: Record<string, string> = {
    '103': '보통예금',
    '108': '외상매출금',
    '146': '상품',
    '404': '제품매출',
    '455': '제품매출원가',
    '511': '복리후생비',
    '522': '차량유지비',
    '822': '차량유지비',
    '901': '이자수익',
    '931': '이자비용',
  };
  /** Vouchers of one month: [debit account, credit account, amount]. February reverses 500,000 of vehicle cost. */
  const vouchers = (month: string): [string, string, number][] => [
    ['108', '404', 100_000_000],
    ['455', '146', 30_000_000],
    ['511', '103', 2_000_000],
    ['522', '103', 1_000_000],
    ['822', '103', 2_500_000],
    ['103', '901', 50_000],
    ['931', '103', 300_000],
    ...(month === '02' ? [['103', '822', 500_000] as [string, string, number]] : []),
  ];

  before(async () => {
    const ledgers = Object.fromEntries(
      ['01', '02'].map((month) => {
        const rows = vouchers(month).flatMap(([debit, credit, amount], i) => [
          `2025-${month}-10,${String(i + 1).padStart(5, '0')},${debit},${NAMES[debit]},${amount},,,1`,
          `2025-${month}-10,${String(i + 1).padStart(5, '0')},${credit},${NAMES[credit]},,${amount},,1`,
        ]);
        return [`2025-${month}`, ['전표일자,전표번호,계정코드,계정과목,차변,대변,적요,증빙구분', ...rows].join('\n')];
      }),
    );
    writeCompanyData(
      tmp,
      sampleCompany({
        id: 'probe',
        name: '(주)프로브',
        industry: '제조',
        reportRecipients: ['ceo@example.kr'],
        vehicles: [{ plate: '12가3456', businessInsurance: true, mileageLog: false }],
      }),
      ledgers,
    );
    company = (await loadLedgerGraphs(store, tmp, STANDARD_CHART)).get('probe')!;
    [engine, queries] = await Promise.all([TaxRuleEngine.load(SHAPES_DIR), QueryCatalog.load(SHAPES_DIR)]);
  });

  test('groups the P&L by account class, with the month before', async () => {
    await engine.evaluate(store, { company, period: '2025-02' });
    const { pnl } = await reportFigures(store, queries, company, '2025-02');
    assert.deepEqual(pnl.current, {
      period: '2025-02',
      revenue: 100_000_000,
      costOfSales: 30_000_000,
      manufacturingCost: 3_000_000,
      sga: [{ code: '822', name: '차량유지비', amount: 2_000_000 }],
      sgaTotal: 2_000_000,
      operatingResult: 65_000_000,
      nonOperatingIncome: 50_000,
      nonOperatingExpense: 300_000,
      ordinaryResult: 64_750_000,
    });
    assert.equal(pnl.previous?.sgaTotal, 2_500_000);
    assert.equal(pnl.previous?.ordinaryResult, 64_250_000);
  });

  test('vehicle cost against its limit is the CAR-COST fact; without a limit, the YTD cost alone', async () => {
    const findings = await engine.evaluate(store, { company, period: '2025-02' });
    const { vehicleCost } = await reportFigures(store, queries, company, '2025-02');
    // 522 and 822: 3,500,000 in January, 3,000,000 in February; limit 15,000,000 × 2 / 12 × 1 vehicle.
    assert.deepEqual(vehicleCost, { ytd: 6_500_000, limit: 2_500_000, vehiclesWithoutLog: 1 });
    const carCost = finding(findings, 'CAR-COST');
    assert.deepEqual([carCost?.amount, carCost?.threshold], [vehicleCost.ytd, vehicleCost.limit]);

    const logged = { ...company, vehicles: [{ plate: '12가3456', businessInsurance: true, mileageLog: true }] };
    await engine.evaluate(store, { company: logged, period: '2025-02' });
    assert.deepEqual((await reportFigures(store, queries, logged, '2025-02')).vehicleCost, { ytd: 6_500_000, vehiclesWithoutLog: 0 });
  });

  test('the first month has no previous month; the figures need the report month in the graph', async () => {
    await engine.evaluate(store, { company, period: '2025-01' });
    const figures = await reportFigures(store, queries, company, '2025-01');
    assert.equal(figures.pnl.previous, undefined);
    assert.deepEqual(figures.vehicleCost, { ytd: 3_500_000, limit: 1_250_000, vehiclesWithoutLog: 1 });
    await assert.rejects(reportFigures(store, queries, company, '2025-03'), /not in the graph/);
  });
});
