import { stat } from 'node:fs/promises';
import { CsvError, parse, type Info, type Options } from 'csv-parse';
import { LedgerFormatError, type LedgerLine } from '../domain/ledger';
import { assertPeriod } from '../domain/ids';
import type { Unsealing } from '../security/sealed-file';
import { openDecodedStream } from './decode';

/** One CSV record with the file line it starts on (records may span lines through quoted newlines). */
export interface CsvRow {
  line: number;
  cells: string[];
}

/**
 * What one CSV may cost a worker. Far above any real month (a 200,000-line journal is ~16 MiB and 11 columns) and
 * far below what would tie up a worker for minutes per attempt; past one, the file is refused as a data error
 * (LedgerFormatError, not retried) that names the limit.
 */
export const CSV_LIMITS = {
  bytes: 512 * 2 ** 20,
  columns: 200,
  /** Characters of one record, quoted newlines included. */
  recordChars: 64 * 1024,
  records: 2_000_000,
} as const;

function lineBreaksInside(cells: string[]): number {
  let count = 0;
  for (const cell of cells) count += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  return count;
}

function csvProblem(err: CsvError, header: string[] | undefined): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'unclosed quote: expected a closing " before the end of the file';
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `expected ${header?.length} fields like the header, found ${(err.record as unknown[]).length}`;
    case 'INVALID_OPENING_QUOTE':
      return 'quote inside an unquoted field: expected the whole field to be quoted';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text after a closing quote: expected a comma or the end of the line';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record longer than ${CSV_LIMITS.recordChars} characters, past the limit`;
    default:
      return err.message;
  }
}

/**
 * Streams the records of a CSV file in any accepted encoding, each turned into a value by `read`
 * (undefined drops the record); the first record is the header. `read` runs inside csv-parse's
 * record hook, so its errors and malformed CSV surface in file order: the error reported is always
 * the first one in the file. Malformed CSV is reported at the line where the broken record starts.
 */
export async function* readCsv<T>(path: string, read: (row: CsvRow) => T | undefined, unsealing?: Unsealing): AsyncGenerator<T> {
  const { size } = await stat(path);
  if (size > CSV_LIMITS.bytes) throw new LedgerFormatError(path, undefined, undefined, `file is ${mib(size)} MiB, past the limit of ${mib(CSV_LIMITS.bytes)} MiB`);
  const { stream } = await openDecodedStream(path, unsealing);
  let header: string[] | undefined;
  let records = 0;
  // Lines are tallied from the records because csv-parse counts a CRLF inside quotes twice.
  let recordLines = 0;
  const onRecord = (cells: string[], info: Info): T | null => {
    const line = 1 + recordLines + info.empty_lines;
    recordLines += 1 + lineBreaksInside(cells);
    if (!header && cells.length > CSV_LIMITS.columns) {
      throw new LedgerFormatError(path, line, undefined, `${cells.length} columns in the header, past the limit of ${CSV_LIMITS.columns}`);
    }
    if (++records > CSV_LIMITS.records) throw new LedgerFormatError(path, line, undefined, `more than ${CSV_LIMITS.records} records, past the limit`);
    header ??= cells;
    return read({ line, cells }) ?? null;
  };
  const parser = parse({
    relax_column_count: false,
    skip_empty_lines: true,
    max_record_size: CSV_LIMITS.recordChars,
    // Typed as record-to-record without `columns`, but csv-parse passes any value through.
    on_record: onRecord as unknown as Options['on_record'],
  });
  stream.on('error', (err) => parser.destroy(err));
  stream.pipe(parser);
  try {
    yield* parser as AsyncIterable<T>;
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = 1 + recordLines + Number(err.empty_lines ?? 0);
    const column =
      err.code !== 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && typeof err.column === 'number'
        ? header?.[err.column]?.trim()
        : undefined;
    throw new LedgerFormatError(path, line, column, csvProblem(err, header));
  } finally {
    stream.destroy();
    parser.destroy();
  }
  if (!header) throw new LedgerFormatError(path, 1, undefined, 'empty file: expected a header row');
}

export interface ColumnSpec<K extends string> {
  key: K;
  /** Accepted header names, the canonical one first. */
  names: readonly string[];
  required?: boolean;
}

export interface ColumnLayout<K extends string> {
  /** Cell index per known column present in the file. */
  index: Partial<Record<K, number>>;
  /** Indices of unknown columns. */
  extra: number[];
  /** Header text per index, to name cells in errors as the file names them. */
  names: string[];
}

/** Finds columns by name (aliases, case-insensitive, trimmed); duplicates and missing required ones are errors. */
export function mapColumns<K extends string>(
  header: string[],
  specs: readonly ColumnSpec<K>[],
  file: string,
  line: number,
): ColumnLayout<K> {
  const names = header.map((name) => name.trim());
  const index: Partial<Record<K, number>> = {};
  const extra: number[] = [];
  // One lookup per column (a header of many columns is linear, not quadratic).
  const specByName = new Map(specs.flatMap((spec) => spec.names.map((n) => [n.toLowerCase(), spec] as const)));
  const extraByName = new Map<string, number>();
  names.forEach((name, i) => {
    if (!name) throw new LedgerFormatError(file, line, undefined, `column ${i + 1} has no name in the header`);
    const spec = specByName.get(name.toLowerCase());
    const earlier = spec ? index[spec.key] : extraByName.get(name);
    if (earlier !== undefined) {
      throw new LedgerFormatError(
        file,
        line,
        name,
        `duplicate column: columns ${earlier + 1} (${names[earlier]}) and ${i + 1} (${name}) mean the same`,
      );
    }
    if (spec) index[spec.key] = i;
    else {
      extra.push(i);
      extraByName.set(name, i);
    }
  });
  for (const spec of specs) {
    if (spec.required && index[spec.key] === undefined) {
      throw new LedgerFormatError(
        file,
        line,
        spec.names[0],
        `required column missing (accepted names: ${spec.names.join(', ')})`,
      );
    }
  }
  return { index, extra, names };
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

export interface ParseLedgerOptions {
  /**
   * The month (YYYY-MM) the file is the export of. Only its format is checked here: dates outside
   * it are reported by the DQ-DATE rule, which needs the lines as they are.
   */
  period: string;
  /** Keys and AAD (ledgerAad) for a sealed export. */
  unsealing?: Unsealing;
}

/**
 * Streams the journal lines of one monthly ERP export (see ERP-FORMAT.md). Structural errors (a file
 * without any journal line among them) throw LedgerFormatError; semantic ones (date outside the month,
 * both or neither amount set, unknown account, unbalanced voucher) pass through for the data-quality
 * rules to report.
 */
export function parseLedger(path: string, opts: ParseLedgerOptions): AsyncGenerator<LedgerLine> {
  assertPeriod(opts.period);
  let layout: ColumnLayout<LedgerColumn> | undefined;
  let position = 0;
  const lines = readCsv(path, ({ line, cells }) => {
    if (!layout) {
      rejectDataAsHeader(cells, path, line);
      layout = mapColumns(cells, LEDGER_COLUMNS, path, line);
      if (layout.index.debit === undefined && layout.index.credit === undefined) {
        throw new LedgerFormatError(path, line, '차변', 'required column missing: the file has neither 차변 nor 대변');
      }
      return undefined;
    }
    const { index, names } = layout;
    const cell = (key: LedgerColumn): string => {
      const i = index[key];
      return i === undefined ? '' : cells[i]!.trim();
    };
    const optional = (key: LedgerColumn): string | undefined => cell(key) || undefined;
    const fail = (key: LedgerColumn, problem: string): never => {
      throw new LedgerFormatError(path, line, names[index[key]!], problem);
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
    const extra = layout.extra.filter((i) => cells[i]!.trim() !== '');
    return {
      sourceLine: line,
      position: ++position,
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
  }, opts.unsealing);
  return requireJournalLines(path, lines);
}

/** A header row holds names, never a date: a first row with one is data, and the file has no header. */
function rejectDataAsHeader(cells: string[], file: string, line: number): void {
  const date = cells.find((cell) => parseDate(cell.trim()));
  if (date !== undefined) {
    throw new LedgerFormatError(
      file,
      line,
      undefined,
      `no header row: line ${line} holds data (${JSON.stringify(date.trim())} is a date); expected column names such as 전표일자, 계정코드, 차변, 대변`,
    );
  }
}

/** A file with nothing but its header (and subtotal rows) is a cut-off export, not a month without entries. */
async function* requireJournalLines(file: string, lines: AsyncGenerator<LedgerLine>): AsyncGenerator<LedgerLine> {
  let count = 0;
  for await (const line of lines) {
    count++;
    yield line;
  }
  if (count === 0) {
    throw new LedgerFormatError(file, 1, undefined, 'no journal lines after the header: expected at least one row with a 전표일자');
  }
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
