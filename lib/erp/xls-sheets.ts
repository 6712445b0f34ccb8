// The sheets of an .xls (BIFF8, Excel 97-2003) as rows of text. A sheet has at most 65,536 rows and the file is
// small, so SheetJS reads it whole. A formula's value is the one Excel saved with it, as BIFF always stores one.
import * as XLSX from '@e965/xlsx';
import { LedgerFormatError } from '../domain/ledger';
import { numberFormat, numberText } from './cell-text';
import type { SourceRow } from './journal-reader';
import type { Sheet } from './workbook';

// An .xlsx encrypted with a password is a compound file too, of the encrypted package: SheetJS says so for both.
const PASSWORD_PROTECTED = 'password-protected workbook: it cannot be read without the password; save it again without one';

function cellText(cell: XLSX.CellObject | undefined, date1904: boolean): string {
  switch (cell?.t) {
    case 'n':
      return numberText(cell.v as number, numberFormat(typeof cell.z === 'string' ? cell.z : undefined), date1904);
    case 's':
      return cell.v as string;
    case 'b':
      return cell.v ? 'TRUE' : 'FALSE';
    case 'e':
      return cell.w ?? XLSX.utils.format_cell(cell);
    default:
      return '';
  }
}

async function* sheetRows(sheet: XLSX.WorkSheet, date1904: boolean): AsyncGenerator<SourceRow> {
  const rows = (sheet['!data'] ?? []) as (XLSX.CellObject[] | undefined)[];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!row) continue;
    const cells = Array.from(row, (cell) => cellText(cell, date1904));
    while (cells.at(-1) === '') cells.pop();
    if (cells.length > 0) yield { line: r + 1, cells };
  }
}

/** The workbook's sheets in tab order. */
export function xlsSheets(file: string, bytes: Buffer): Sheet[] {
  let workbook: XLSX.WorkBook;
  try {
    workbook = XLSX.read(bytes, { type: 'buffer', dense: true, cellNF: true, cellDates: false, cellHTML: false });
  } catch (err) {
    const message = (err as Error).message;
    throw new LedgerFormatError(
      file,
      undefined,
      undefined,
      /password|encrypt/i.test(message) ? PASSWORD_PROTECTED : `corrupt workbook: it does not read as an Excel 97-2003 file (${message})`,
    );
  }
  const date1904 = Boolean(workbook.Workbook?.WBProps?.date1904);
  return workbook.SheetNames.map((name) => {
    const sheet = workbook.Sheets[name]!;
    const merges = (sheet['!merges'] ?? []).map(({ s, e }) => ({ top: s.r + 1, bottom: e.r + 1, left: s.c, right: e.c }));
    return { name, merges, rows: sheetRows(sheet, date1904) };
  });
}
