// Journal exports of any length for the benchmark, per docs/spec/erp-input-format.md: balanced vouchers of 2-3 lines,
// Hangul memos, counterparty codes with leading zeros, half the amounts quoted with thousands separators.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Company } from '../lib/domain/company';
import { bizRegNoCheckDigit } from '../lib/erp/biz-reg-no';
import { ledgerPath } from '../lib/erp/company';

const HEADER = ['전표일자', '전표번호', '구분', '계정코드', '계정과목', '차변', '대변', '거래처코드', '거래처', '적요', '증빙구분'];

interface Line {
  account: string;
  name: string;
  debit: number;
  credit: number;
  memo: string;
  proof?: number;
}

/** Voucher shapes, cycled; amounts are multiples of 10,000, so a tenth (VAT, withholding) stays whole. */
const VOUCHERS: readonly ((amount: number) => Line[])[] = [
  (amount) => [
    { account: '108', name: '외상매출금', debit: amount + amount / 10, credit: 0, memo: '제품 매출', proof: 1 },
    { account: '404', name: '제품매출', debit: 0, credit: amount, memo: '제품 매출', proof: 1 },
    { account: '255', name: '부가세예수금', debit: 0, credit: amount / 10, memo: '부가세', proof: 1 },
  ],
  (amount) => [
    { account: '811', name: '복리후생비', debit: amount, credit: 0, memo: '직원 회식', proof: 3 },
    { account: '253', name: '미지급금', debit: 0, credit: amount, memo: '법인카드' },
  ],
  (amount) => [
    { account: '819', name: '임차료', debit: amount, credit: 0, memo: '사무실 임차료', proof: 1 },
    { account: '103', name: '보통예금', debit: 0, credit: amount, memo: '임차료 이체' },
  ],
  (amount) => [
    { account: '801', name: '급여', debit: amount, credit: 0, memo: '급여 지급' },
    { account: '254', name: '예수금', debit: 0, credit: amount / 10, memo: '소득세 등 예수' },
    { account: '103', name: '보통예금', debit: 0, credit: amount - amount / 10, memo: '급여 이체' },
  ],
];

/** A voucher shape with exactly `size` lines, for the last vouchers of the file. */
const shapeOfSize = (size: number) => VOUCHERS.find((shape) => shape(0).length === size)!;

function amountCell(n: number, separators: boolean): string {
  if (n === 0) return '';
  return separators ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : String(n);
}

/** The rows (header first) of one month with exactly `lineCount` (at least 2) journal lines, cells as text. */
export function syntheticLedgerRows(period: string, lineCount: number): string[][] {
  if (!Number.isInteger(lineCount) || lineCount < 2) throw new RangeError(`lineCount: expected 2 or more, got ${lineCount}`);
  const rows = [HEADER];
  let day = 0;
  let number = 0;
  for (let v = 0, written = 0; written < lineCount; v++) {
    const left = lineCount - written;
    // Vouchers have 2 or 3 lines, so the last ones are picked to never leave a single line over.
    const shape = left <= 4 ? shapeOfSize(left === 3 ? 3 : 2) : VOUCHERS[v % VOUCHERS.length]!;
    const lines = shape(10_000 * (1 + ((v * 7919) % 997)));
    const voucherDay = 1 + Math.floor((written / lineCount) * 28);
    number = voucherDay === day ? number + 1 : 1;
    day = voucherDay;
    const cp = String((v * 37) % 400).padStart(5, '0');
    for (const line of lines) {
      rows.push([
        `${period}-${String(day).padStart(2, '0')}`,
        String(number).padStart(5, '0'),
        line.debit > 0 ? '3' : '4',
        line.account,
        line.name,
        amountCell(line.debit, v % 2 === 0),
        amountCell(line.credit, v % 2 === 0),
        cp,
        `거래처${cp}`,
        line.memo,
        line.proof === undefined ? '' : String(line.proof),
      ]);
    }
    written += lines.length;
  }
  return rows;
}

/** The CSV text of syntheticLedgerRows; only amounts with separators hold a comma, and are quoted. */
export function syntheticLedgerCsv(period: string, lineCount: number): string {
  const quoted = (cell: string) => (cell.includes(',') ? `"${cell}"` : cell);
  return `${syntheticLedgerRows(period, lineCount)
    .map((row) => row.map(quoted).join(','))
    .join('\n')}\n`;
}

/** Writes company.json and the month's ledger under `dataDir`; returns the ledger's path. */
export async function writeSyntheticCompany(dataDir: string, companyId: string, period: string, lineCount: number): Promise<string> {
  const file = ledgerPath(dataDir, companyId, period);
  await mkdir(dirname(file), { recursive: true });
  const company: Company = {
    id: companyId,
    name: `(주)벤치마크 ${companyId}`,
    bizRegNo: `123-81-4567${bizRegNoCheckDigit('123814567')}`,
    sme: true,
    fiscalYearStartMonth: 1,
    industry: '제조업',
    reportRecipients: [`${companyId}@example.kr`],
    vehicles: [],
    openingBalances: {},
  };
  await writeFile(join(dirname(dirname(file)), 'company.json'), JSON.stringify(company, null, 2));
  await writeFile(file, syntheticLedgerCsv(period, lineCount));
  return file;
}
