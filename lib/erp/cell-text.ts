// A workbook's number cells as the text a CSV export of the same journal holds, so both go through one reader:
// a date-formatted serial as YYYY-MM-DD, a code formatted with leading zeros (00042) as shown, any other number as
// its value. Display formats are not applied otherwise: an amount shown as 1,234천원 is still 1234000.
import * as XLSX from '@e965/xlsx';

export interface NumberFormat {
  date: boolean;
  /** Set for a format of zeros only ("00000"): the digits a code is padded to. */
  digits?: number;
}

const PLAIN: NumberFormat = { date: false };

/** SheetJS's number-format library, which @e965/xlsx types as `any`: the two functions used here, as SheetJS documents them. */
const SSF = XLSX.SSF as {
  is_date(format: string): boolean;
  parse_date_code(value: number, options?: { date1904?: boolean }): { y: number; m: number; d: number } | null;
};

/** Built-in formats that are dates: 14-22 and 45-47 everywhere, 27-36 and 50-58 in CJK locales (yyyy"년" mm"월" dd"일"). */
const isBuiltinDate = (id: number) => (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);

/** The format of a number format code, or of a built-in format id without one. */
export function numberFormat(code: string | undefined, builtinId?: number): NumberFormat {
  if (code === undefined) return builtinId !== undefined && isBuiltinDate(builtinId) ? { date: true } : PLAIN;
  if (/^0+$/.test(code)) return { date: false, digits: code.length };
  return SSF.is_date(code) ? { date: true } : PLAIN;
}

/** The cell's text; `date1904`: the workbook counts serial dates from 1904 (old Mac Excel). */
export function numberText(value: number, format: NumberFormat = PLAIN, date1904 = false): string {
  if (format.date) {
    const parts = SSF.parse_date_code(value, { date1904 });
    if (parts) return `${parts.y}-${String(parts.m).padStart(2, '0')}-${String(parts.d).padStart(2, '0')}`;
  }
  // Excel keeps 15 significant digits: 1234000.0000000002 from a formula is 1234000 to it, and to the journal.
  const text = String(Number(value.toPrecision(15)));
  return format.digits !== undefined && /^\d+$/.test(text) ? text.padStart(format.digits, '0') : text;
}
