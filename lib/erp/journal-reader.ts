import { LedgerFormatError, type LedgerLine } from '../domain/ledger';
import { mapColumns, type ColumnLayout, type ColumnSpec } from './columns';
import { HEADER_SEARCH_ROWS, HeaderNames } from './header-rows';

/** One record of a CSV, or one row of a sheet, with the line (row number) it starts on; cells as text. */
export interface SourceRow {
  line: number;
  cells: string[];
}

const LEDGER_COLUMNS = [
  { key: 'date', names: ['전표일자', '일자'], required: true },
  { key: 'voucher', names: ['전표번호'] },
  { key: 'entryKind', names: ['구분'] },
  { key: 'account', names: ['계정코드', '계정과목코드', 'Code'], required: true },
  { key: 'accountName', names: ['계정과목', '계정과목명'], required: true },
  { key: 'debit', names: ['차변'] },
  { key: 'credit', names: ['대변'] },
  { key: 'counterpartyCode', names: ['거래처코드'] },
  { key: 'counterparty', names: ['거래처', '거래처명'] },
  { key: 'memo', names: ['적요', '적요명'] },
  { key: 'proof', names: ['증빙구분'] },
] as const satisfies readonly ColumnSpec<string>[];

type LedgerColumn = (typeof LEDGER_COLUMNS)[number]['key'];

const HEADER_NAMES = new HeaderNames(LEDGER_COLUMNS);
const SUBTOTAL_LABELS = new Set(['월계', '누계', '합계', '전월이월']);
const ENTRY_KINDS: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6]);
const PROOF_CODES: ReadonlySet<number> = new Set([1, 2, 3, 4, 9]);
const ENTRY_KINDS_TEXT = '1 출금, 2 입금, 3 차변, 4 대변, 5 결산차변 or 6 결산대변';
const PROOF_CODES_TEXT = '1 세금계산서, 2 계산서, 3 신용카드, 4 현금영수증 or 9 없음';

/** ISO date for the four accepted spellings, or undefined when it is none of them or no real day. */
function parseDate(text: string): string | undefined {
  const m = /^(\d{4})([-./]?)(\d{2})\2(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${m[1]}-${m[3]}-${m[4]}`;
}

/**
 * Turns the rows of one table, a CSV file or a sheet, into journal lines (docs/spec/erp-input-format.md), whatever
 * the file format: rows above the header are the export's title; the header (one row or two: header-rows.ts) maps
 * the columns; subtotal rows are dropped. Structural errors throw LedgerFormatError; semantic ones (date outside the
 * month, both or neither amount set, unknown account, unbalanced voucher) pass through for the data-quality rules to
 * report.
 * A CSV record must have the header's fields; a sheet row, whose empty trailing cells are not stored, may have fewer.
 */
export class JournalReader {
  private layout: ColumnLayout<LedgerColumn> | undefined;
  private headerAt: number | undefined;
  /** A row that names columns, while the next one may still complete it as the second row of the header. */
  private pending: SourceRow | undefined;
  private first: SourceRow | undefined;
  private searched = 0;
  private lastLine = 0;
  private position = 0;

  constructor(
    private readonly file: string,
    private readonly sheet?: string,
  ) {}

  /** The (first) row of the header, once it is found. */
  get headerLine(): number | undefined {
    return this.headerAt;
  }

  /** The header's name of a cell index, for errors. */
  columnName(index: number): string | undefined {
    return this.layout?.names[index];
  }

  /** The journal line a row holds, if any. */
  read(row: SourceRow): LedgerLine | undefined {
    this.lastLine = row.line;
    if (this.layout) return this.line(row);
    if (this.pending) {
      const header = this.pending;
      this.pending = undefined;
      const twoRows = HEADER_NAMES.withSubHeader(header.cells, row.cells);
      this.settle(twoRows ?? header.cells, header.line);
      return twoRows ? undefined : this.line(row);
    }
    this.first ??= row;
    if (HEADER_NAMES.isHeader(row.cells)) this.pending = row;
    else if (++this.searched === HEADER_SEARCH_ROWS) this.noHeader();
    return undefined;
  }

  /** After the last row: a header with nothing below it still counts; no header at all is an error. */
  end(): void {
    if (this.layout) return;
    if (this.pending) return this.settle(this.pending.cells, this.pending.line);
    if (!this.first) throw this.error(undefined, undefined, 'empty sheet: expected a header row');
    this.noHeader();
  }

  /**
   * The CSV turned malformed below the rows read (say semicolons for commas, and a quote in a field) while the header
   * was still looked for: if no row so far named the columns, the first row is judged as the header, as in a file
   * without title rows, since that says more than the quote; otherwise the malformed record is the error.
   */
  brokeOff(err: LedgerFormatError): never {
    if (!this.layout && !this.pending && this.first && (err.line ?? 0) > this.lastLine) this.noHeader();
    throw err;
  }

  private error(line: number | undefined, column: string | undefined, problem: string): LedgerFormatError {
    return new LedgerFormatError(this.file, line, column, problem, this.sheet);
  }

  private settle(header: string[], line: number): void {
    // A header row holds names, never a date: a row with one is data, and the table has no header.
    const date = header.find((cell) => parseDate(cell.trim()));
    if (date !== undefined) {
      throw this.error(
        line,
        undefined,
        `no header row: line ${line} holds data (${JSON.stringify(date.trim())} is a date); expected column names such as 전표일자, 계정코드, 계정과목, 차변, 대변`,
      );
    }
    const layout = mapColumns(header, LEDGER_COLUMNS, this.file, line, this.sheet);
    if (layout.index.debit === undefined && layout.index.credit === undefined) {
      throw this.error(line, '차변', 'required column missing: the file has neither 차변 nor 대변');
    }
    this.layout = layout;
    this.headerAt = line;
  }

  /**
   * No row near the top names the columns: the first row is judged as the header, as a file without title rows
   * would be, so the error says what is wrong with it (data, a missing column).
   */
  private noHeader(): never {
    const { cells, line } = this.first!;
    this.settle(cells, line);
    throw this.error(line, undefined, `no header row in the first ${HEADER_SEARCH_ROWS} rows`);
  }

  private line({ line, cells: rowCells }: SourceRow): LedgerLine | undefined {
    const { index, names } = this.layout!;
    const cells = this.sheet === undefined ? this.csvFields(rowCells, line) : this.sheetCells(rowCells, line);
    const cell = (key: LedgerColumn): string => {
      const i = index[key];
      return i === undefined ? '' : cells[i]!.trim();
    };
    const optional = (key: LedgerColumn): string | undefined => cell(key) || undefined;
    const fail = (key: LedgerColumn, problem: string): never => {
      throw this.error(line, names[index[key]!], problem);
    };
    const amount = (key: 'debit' | 'credit'): number => {
      const text = cell(key);
      if (text === '') return 0;
      if (/^[-−(△]/.test(text)) fail(key, `negative amount ${JSON.stringify(text)}: expected 0 or more`);
      const value = Number(text.replace(/,/g, ''));
      if (!/^(?:\d+|\d{1,3}(?:,\d{3})+)$/.test(text) || !Number.isSafeInteger(value)) {
        fail(key, `${JSON.stringify(text)} is not an amount: expected whole won, e.g. 1234000 or 1,234,000`);
      }
      return value;
    };
    const code = (key: 'entryKind' | 'proof', allowed: ReadonlySet<number>, expected: string): number | undefined => {
      const text = cell(key);
      if (text === '') return undefined;
      if (!/^\d$/.test(text) || !allowed.has(Number(text))) fail(key, `${JSON.stringify(text)}: expected ${expected}`);
      return Number(text);
    };

    const dateText = cell('date');
    if (dateText === '' || SUBTOTAL_LABELS.has(dateText.replace(/\s/g, ''))) return undefined;
    const date = parseDate(dateText);
    if (!date) {
      fail('date', `unparseable date ${JSON.stringify(dateText)}: expected YYYY-MM-DD, YYYY.MM.DD, YYYY/MM/DD or YYYYMMDD`);
    }
    const extra = this.layout!.extra.filter((i) => cells[i]!.trim() !== '');
    return {
      sourceLine: line,
      position: ++this.position,
      date: date!,
      voucher: optional('voucher'),
      entryKind: code('entryKind', ENTRY_KINDS, ENTRY_KINDS_TEXT),
      account: cell('account'),
      accountName: cell('accountName'),
      debit: amount('debit'),
      credit: amount('credit'),
      counterpartyCode: optional('counterpartyCode'),
      counterparty: optional('counterparty'),
      memo: optional('memo'),
      proof: code('proof', PROOF_CODES, PROOF_CODES_TEXT),
      extra: extra.length ? Object.fromEntries(extra.map((i) => [names[i]!, cells[i]!.trim()])) : undefined,
    };
  }

  private csvFields(cells: string[], line: number): string[] {
    const width = this.layout!.names.length;
    if (cells.length !== width) throw this.error(line, undefined, `expected ${width} fields like the header, found ${cells.length}`);
    return cells;
  }

  private sheetCells(cells: string[], line: number): string[] {
    const width = this.layout!.names.length;
    const beyond = cells.findIndex((cell, i) => i >= width && cell.trim() !== '');
    if (beyond !== -1) throw this.error(line, undefined, `a value in column ${beyond + 1}, right of the header's ${width} columns`);
    return Array.from({ length: width }, (_, i) => cells[i] ?? '');
  }
}
