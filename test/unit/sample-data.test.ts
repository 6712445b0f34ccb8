import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Company } from '../../lib/domain/company';
import type { LedgerLine } from '../../lib/domain/ledger';
import { isValidBizRegNo } from '../../lib/erp/biz-reg-no';
import { loadChart } from '../../lib/erp/chart';
import { findLedger, ledgerPeriods, listCompanyIds, loadCompany } from '../../lib/erp/company';
import { detectEncoding, readDecodedText } from '../../lib/erp/decode';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { addMonths, monthRange } from '../../lib/domain/periods';
import { generateSampleData, writeSampleData } from '../../dev/sample-data';

const ROOT = resolve(__dirname, '../..');
const STANDARD_CHART = join(ROOT, 'ontology/accounts.csv');
const MONTHS = ['2026-08', '2026-09', '2026-10'];
const HOSTILE = /Ignore previous instructions[\s\S]*DROP GRAPH[\s\S]*<img src=http:\/\/evil\.example\/x/;

const tmp = mkdtempSync(join(tmpdir(), 'sample-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface CompanyData {
  company: Company;
  /** Parsed lines per month. */
  ledgers: Map<string, LedgerLine[]>;
}
const data = new Map<string, CompanyData>();
let written: string[] = [];

before(async () => {
  written = await writeSampleData(tmp, MONTHS);
  for (const id of await listCompanyIds(tmp)) {
    const ledgers = new Map<string, LedgerLine[]>();
    for (const period of MONTHS) {
      const lines: LedgerLine[] = [];
      for await (const line of parseLedger((await findLedger(tmp, id, period))!.path, { period })) lines.push(line);
      ledgers.set(period, lines);
    }
    data.set(id, { company: await loadCompany(tmp, id), ledgers });
  }
});

const linesOf = (id: string, period?: string): LedgerLine[] => {
  const ledgers = data.get(id)!.ledgers;
  return period ? ledgers.get(period)! : [...ledgers.values()].flat();
};
const sum = (lines: LedgerLine[], pick: (l: LedgerLine) => number) => lines.reduce((total, l) => total + pick(l), 0);
/** Month-end balances of a debit-side account from its opening balance. */
const debitBalances = (id: string, account: string) => {
  let balance = data.get(id)!.company.openingBalances[account] ?? 0;
  return MONTHS.map(
    (period) =>
      (balance += sum(
        linesOf(id, period).filter((l) => l.account === account),
        (l) => l.debit - l.credit,
      )),
  );
};

describe('generated companies', () => {
  test('at least 5 companies, one with a Hangul id, every company.json valid', () => {
    assert.deepEqual(written.slice().sort(), [...data.keys()]);
    assert.ok(data.size >= 5);
    assert.ok([...data.keys()].some((id) => /^[\uAC00-\uD7A3]+$/.test(id)));
    for (const { company } of data.values()) {
      assert.ok(isValidBizRegNo(company.bizRegNo), company.bizRegNo);
      assert.ok(company.reportRecipients.length > 0);
      for (const to of company.reportRecipients) assert.match(to, /^[^@\s]+@example\.kr$/);
    }
    const bizRegNos = [...data.values()].map(({ company }) => company.bizRegNo);
    assert.equal(new Set(bizRegNos).size, bizRegNos.length);
  });

  test('ledgers come as CSV in UTF-8, UTF-8 with BOM and CP949, some with subtotal rows and thousands separators, or as .xlsx', async () => {
    const encodings = new Set<string>();
    const excel = new Set<string>();
    let csvMonths = 0;
    let withSubtotals = 0;
    let withSeparators = 0;
    for (const id of data.keys()) {
      for (const period of MONTHS) {
        const { path, format } = (await findLedger(tmp, id, period))!;
        if (format !== 'csv') {
          excel.add(`${id} .${format}`);
          continue;
        }
        csvMonths++;
        encodings.add(await detectEncoding(path));
        const text = await readDecodedText(path);
        if (/^월계,.*\r?\n누계,/m.test(text)) withSubtotals++;
        if (/,"\d{1,3}(,\d{3})+",/.test(text)) withSeparators++;
      }
    }
    assert.deepEqual([...encodings].sort(), ['cp949', 'utf-8', 'utf-8-bom']);
    assert.deepEqual([...excel], ['d-geonseol .xlsx']);
    assert.ok(withSubtotals >= 3 && withSubtotals < csvMonths);
    assert.equal(withSeparators, csvMonths);
  });

  test('every line is in its month, has one amount, a known account, and text fields as exported', async () => {
    for (const id of data.keys()) {
      const chart = await loadChart(tmp, id, STANDARD_CHART);
      for (const period of MONTHS) {
        const lines = linesOf(id, period);
        assert.ok(lines.length >= 15, `${id} ${period}`);
        for (const l of lines) {
          const where = `${id} ${period}:${l.sourceLine}`;
          assert.ok(l.date.startsWith(`${period}-`), where);
          assert.ok(l.debit > 0 !== l.credit > 0, where);
          assert.equal(chart.get(l.account)?.name, l.accountName, where);
          if (l.counterpartyCode) assert.match(l.counterpartyCode, /^0\d{4}$/, 'counterparty codes keep leading zeros');
          if (l.voucher) assert.match(l.voucher, /^\d{5}$/);
        }
      }
    }
    const memos = linesOf('a-nomu').map((l) => l.memo);
    assert.ok(memos.includes('사무용품 구입\n(토너, 복사용지 "A4")'), 'a quoted multi-line memo survives');
  });

  test('every voucher balances (per day where the file has no voucher numbers)', () => {
    let withoutNumbers = 0;
    for (const id of data.keys()) {
      for (const period of MONTHS) {
        const lines = linesOf(id, period);
        if (lines.every((l) => l.voucher === undefined)) withoutNumbers++;
        const balances = new Map<string, number>();
        for (const l of lines) {
          const key = `${l.date}|${l.voucher ?? ''}`;
          balances.set(key, (balances.get(key) ?? 0) + l.debit - l.credit);
        }
        for (const [key, balance] of balances) assert.equal(balance, 0, `${id} ${key}`);
      }
    }
    assert.equal(withoutNumbers, MONTHS.length, 'one company exports without 전표번호');
  });
});

describe('planted risks', () => {
  test('a-nomu: 811 lines with 골프/선물 memos and entertainment without proof', () => {
    const lines = linesOf('a-nomu', '2026-08');
    assert.ok(lines.some((l) => l.account === '811' && /골프|선물/.test(l.memo ?? '')));
    const unproven = lines.filter((l) => l.account === '813' && l.proof === 9);
    assert.ok(unproven.some((l) => l.debit > 30_000 && !/경조|축의|조의|부의/.test(l.memo ?? '')));
    assert.ok(unproven.some((l) => l.debit > 200_000 && /축의/.test(l.memo ?? '')));
  });

  test('b-jejo: entertainment above the statutory limit and an uninsured vehicle', () => {
    const { company } = data.get('b-jejo')!;
    assert.equal(company.sme, false);
    assert.ok(company.vehicles.some((v) => !v.businessInsurance));
    const ytd = linesOf('b-jejo');
    assert.ok(ytd.some((l) => l.account === '822'));
    // ENT-LIMIT for the last month (m = 10): revenue R annualized, limit L = (12,000,000 + 0.003 R) × m / 12.
    const m = 10;
    const revenue = sum(
      ytd.filter((l) => l.account >= '401' && l.account <= '450'),
      (l) => l.credit - l.debit,
    );
    const limit = ((12_000_000 + 0.003 * ((revenue * 12) / m)) * m) / 12;
    const entertainment = sum(
      ytd.filter((l) => l.account === '813' || l.account === '513'),
      (l) => l.debit - l.credit,
    );
    assert.ok(entertainment > limit, `${entertainment} > ${limit}`);
  });

  test('c-dosomae: the 가지급금 balance rises every month', () => {
    const balances = debitBalances('c-dosomae', '134');
    const opening = data.get('c-dosomae')!.company.openingBalances['134']!;
    assert.ok(opening > 0);
    [opening, ...balances].reduce((previous, balance) => (assert.ok(balance > previous), balance));
  });

  test('d-geonseol: a 가수금 balance at every month-end and expenses without proof', () => {
    for (const balance of debitBalances('d-geonseol', '257')) assert.ok(-balance > 0);
    assert.ok(linesOf('d-geonseol').some((l) => l.account >= '801' && l.account !== '813' && l.proof === 9 && l.debit > 30_000));
  });

  test('e-soft stays clean, but carries the hostile memo in a balanced voucher', () => {
    const lines = linesOf('e-soft');
    const { company } = data.get('e-soft')!;
    assert.deepEqual(company.vehicles, []);
    assert.ok(!lines.some((l) => l.proof === 9));
    assert.ok(!lines.some((l) => l.account === '134' || l.account === '257' || l.account === '822'));
    assert.ok(!lines.some((l) => l.account === '811' && /선물|골프|거래처|접대/.test(`${l.memo} ${l.counterparty}`)));
    const hostile = lines.filter((l) => HOSTILE.test(l.memo ?? ''));
    assert.equal(hostile.length, 1);
    const voucher = lines.filter((l) => l.date === hostile[0]!.date && l.voucher === hostile[0]!.voucher);
    assert.equal(
      sum(voucher, (l) => l.debit),
      sum(voucher, (l) => l.credit),
    );
  });

  test('f-mulryu: a fiscal year from April, ledgers over two of them, balances dated at the first; 누계 restarts in April', async () => {
    const { company } = data.get('f-mulryu')!;
    assert.deepEqual([company.fiscalYearStartMonth, company.openingBalancesAsOf, company.openingBalances], [4, '2025-04-01', { '134': 12_000_000 }]);
    assert.deepEqual(await ledgerPeriods(tmp, 'f-mulryu'), monthRange('2025-04', 19));
    const text = async (period: string) => readDecodedText((await findLedger(tmp, 'f-mulryu', period))!.path);
    const loan = async (period: string) => {
      const lines: LedgerLine[] = [];
      for await (const line of parseLedger((await findLedger(tmp, 'f-mulryu', period))!.path, { period })) lines.push(line);
      return sum(
        lines.filter((l) => l.account === '134'),
        (l) => l.debit - l.credit,
      );
    };
    // Lent through the first fiscal year, repaid in the second: its opening balance is the first year's closing one.
    assert.deepEqual(await Promise.all(['2025-04', '2026-03', '2026-04', '2026-10'].map(loan)), [2_500_000, 2_500_000, -1_000_000, -1_000_000]);
    const subtotals = async (period: string) => /^월계(,.*)\r?\n누계(,.*)$/m.exec(await text(period))!.slice(1);
    const [aprilMonth, aprilYear] = await subtotals('2026-04');
    const [marchMonth, marchYear] = await subtotals('2026-03');
    assert.equal(aprilYear, aprilMonth);
    assert.notEqual(marchYear, marchMonth);
  });

  test('가나상사: an account only its own CP949 chart knows', async () => {
    assert.ok(linesOf('가나상사').some((l) => l.account === '850'));
    assert.equal(await detectEncoding(join(tmp, 'companies', '가나상사', 'accounts.csv')), 'cp949');
    assert.equal((await loadChart(tmp, '가나상사', STANDARD_CHART)).get('850')?.name, '협회비');
    assert.equal((await loadChart(tmp, 'a-nomu', STANDARD_CHART)).get('850'), undefined);
  });
});

describe('determinism and the CLI', () => {
  const snapshot = (months: string[]) => generateSampleData(months).map((f) => [f.path, f.content.toString('base64')]);

  test('the same months give byte-identical files, in any order', () => {
    const first = snapshot(MONTHS);
    assert.deepEqual(snapshot(MONTHS), first);
    assert.deepEqual(snapshot(['2026-10', '2026-08', '2026-09', '2026-08']), first);
    assert.notDeepEqual(snapshot(['2026-09', '2026-10', '2026-11']), first);
  });

  test('month helpers cross year boundaries', () => {
    assert.deepEqual(monthRange('2025-11', 4), ['2025-11', '2025-12', '2026-01', '2026-02']);
    assert.equal(addMonths('2026-01', -2), '2025-11');
    assert.throws(() => generateSampleData(['2026-13']), { name: 'InvalidIdError' });
  });

  test('the CLI writes the same files and prints one summary line', async () => {
    const out = join(tmp, 'cli');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'dev/generate-sample-data.ts'), '--out', out, '--from', '2026-08', '--count', '3'],
      { cwd: ROOT },
    );
    assert.equal(stdout.trim().split('\n').length, 1);
    assert.match(stdout, /7 companies × 3 months \(2026-08, 2026-09, 2026-10\)/);
    for (const file of generateSampleData(MONTHS)) {
      assert.deepEqual(readFileSync(join(out, file.path)), file.content, file.path);
    }
  });
});
