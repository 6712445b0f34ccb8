// A sample month's journal as an ERP writes it to Excel rather than CSV: a title, the company and the period above
// the header, dates as date cells, amounts as numbers, codes and subtotal labels as text. Deterministic, as the
// rest of the sample data (SheetJS stamps no time into the file).
import * as XLSX from '@e965/xlsx';
import { lastDayOfMonth } from '../lib/domain/periods';

/** Excel's serial number of a day: days since 1899-12-30. */
const serial = (year: number, month: number, day: number) => (Date.UTC(year, month - 1, day) - Date.UTC(1899, 11, 30)) / 86_400_000;

function cell(text: string, column: 'date' | 'amount' | undefined): XLSX.CellObject | string | number | null {
  const date = column === 'date' ? /^(\d{4})\D?(\d{2})\D?(\d{2})$/.exec(text) : null;
  if (date) return { t: 'n', v: serial(Number(date[1]), Number(date[2]), Number(date[3])), z: 'yyyy-mm-dd' };
  if (column === 'amount' && text !== '') return Number(text.replace(/,/g, ''));
  return text || null;
}

/** The .xlsx of a month's rows (header first, as for the CSV). */
export function journalWorkbook(companyName: string, period: string, [header, ...rows]: string[][]): Buffer {
  const kinds = header!.map((name) => (name === '전표일자' || name === '일자' ? 'date' : name === '차변' || name === '대변' ? 'amount' : undefined));
  const sheet = XLSX.utils.aoa_to_sheet([
    ['분개장'],
    [`회사명: ${companyName}`],
    [`기간: ${period}-01 ~ ${lastDayOfMonth(period)}`],
    header!,
    ...rows.map((row) => row.map((text, i) => cell(text, kinds[i]))),
  ]);
  sheet['!merges'] = [0, 1, 2].map((r) => ({ s: { r, c: 0 }, e: { r, c: header!.length - 1 } }));
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, sheet, '분개장');
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx', bookSST: true, compression: true }) as Buffer;
}
