/** One journal line (분개장 row) after parsing, amounts in integer KRW. */
import { FailureType } from '../temporal-contract';
export interface LedgerLine {
  /** 1-based line number in the source file where the record starts; in a workbook, the row number on the journal's sheet. */
  sourceLine: number;
  /** 1-based position of the line in the file's data rows after subtotal rows are dropped. */
  position: number;
  /** ISO date YYYY-MM-DD. */
  date: string;
  /** 전표번호 as text (leading zeros kept); undefined when the file has no voucher numbers. */
  voucher?: string;
  /** 구분 code 1-6 when present. */
  entryKind?: number;
  account: string;
  accountName: string;
  debit: number;
  credit: number;
  counterpartyCode?: string;
  counterparty?: string;
  memo?: string;
  /** 증빙구분 code (1,2,3,4,9) when present. */
  proof?: number;
  /** Unknown extra columns, kept as annotations. */
  extra?: Record<string, string>;
}

/** An account of the chart (standard or the client's own). */
export interface ChartAccount {
  code: string;
  name: string;
  /** Class name as in accounts.csv (유동자산, 부채, ...). */
  accountClass: string;
}

/**
 * A data error in an input file, located precisely enough for a person to fix it: `file:line [column]`, or in a
 * workbook `file sheet "name" row N [column]`.
 */
export class LedgerFormatError extends Error {
  override readonly name = FailureType.LedgerFormat;
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: string | undefined,
    readonly problem: string,
    readonly sheet?: string,
  ) {
    const row = line === undefined ? '' : sheet === undefined ? `:${line}` : ` row ${line}`;
    super(`${file}${sheet === undefined ? '' : ` sheet ${JSON.stringify(sheet)}`}${row}${column ? ` [${column}]` : ''}: ${problem}`);
  }
}
