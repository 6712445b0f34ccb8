import { CsvError, parse, type Info, type Options } from 'csv-parse';
import { LedgerFormatError, type LedgerLine } from '../domain/ledger';
import { assertPeriod } from '../domain/ids';
import { bufferBytes, type Unsealing } from '../security/sealed-file';
import { decodeBytes, openDecodedStream } from './decode';
import { assertFileSize, INPUT_LIMITS } from './input-limits';
import { JournalReader, type SourceRow } from './journal-reader';
import { isWorkbookFile } from './workbook';
import { workbookJournal } from './workbook-journal';

function lineBreaksInside(cells: string[]): number {
  let count = 0;
  for (const cell of cells) count += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  return count;
}

/** Malformed CSV, as csv-parse finds it (not a limit, not a bad byte). */
export class MalformedCsvError extends LedgerFormatError {}

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
      return `a record longer than ${INPUT_LIMITS.recordChars} characters, past the limit`;
    default:
      return err.message;
  }
}

/**
 * Streams the records of a CSV file in any accepted encoding, each turned into a value by `read`
 * (undefined drops the record). `read` runs inside csv-parse's record hook, so its errors and malformed CSV
 * surface in file order: the error reported is always the first one in the file. Malformed CSV is reported
 * at the line where the broken record starts. Every record has the first one's fields, which is the header;
 * with `preamble`, title records may come first and `read` checks the field count against the header it finds.
 * With `plaintext` (the file's bytes, read within the limit), the file is not opened.
 */
export async function* readCsv<T>(
  path: string,
  read: (row: SourceRow) => T | undefined,
  unsealing?: Unsealing,
  { preamble = false, plaintext }: { preamble?: boolean; plaintext?: Buffer } = {},
): AsyncGenerator<T> {
  if (!plaintext) await assertFileSize(path);
  const { stream } = plaintext ? await decodeBytes(path, bufferBytes(plaintext)) : await openDecodedStream(path, unsealing);
  let header: string[] | undefined;
  let records = 0;
  // Lines are tallied from the records because csv-parse counts a CRLF inside quotes twice.
  let recordLines = 0;
  const onRecord = (cells: string[], info: Info): T | null => {
    const line = 1 + recordLines + info.empty_lines;
    recordLines += 1 + lineBreaksInside(cells);
    if (cells.length > INPUT_LIMITS.columns) {
      throw new LedgerFormatError(path, line, undefined, `${cells.length} columns, past the limit of ${INPUT_LIMITS.columns}`);
    }
    if (++records > INPUT_LIMITS.records)
      throw new LedgerFormatError(path, line, undefined, `more than ${INPUT_LIMITS.records} records, past the limit`);
    header ??= cells;
    return read({ line, cells }) ?? null;
  };
  const parser = parse({
    relax_column_count: preamble,
    skip_empty_lines: true,
    max_record_size: INPUT_LIMITS.recordChars,
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
    const column = err.code !== 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && typeof err.column === 'number' ? header?.[err.column]?.trim() : undefined;
    throw new MalformedCsvError(path, line, column, csvProblem(err, header));
  } finally {
    stream.destroy();
    parser.destroy();
  }
  if (!header) throw new LedgerFormatError(path, 1, undefined, 'empty file: expected a header row');
}

export interface ParseLedgerOptions {
  /**
   * The month (YYYY-MM) the file is the export of. Only its format is checked here: dates outside
   * it are reported by the DQ-DATE rule, which needs the lines as they are.
   */
  period: string;
  /** Keys and AAD (ledgerAad) for a sealed export. */
  unsealing?: Unsealing;
  /**
   * The export's bytes, already read (and opened, if sealed) within INPUT_LIMITS.bytes: then the file is not opened
   * again and `unsealing` is not used. stageLedger reads a ledger once for its digest and its lines.
   */
  plaintext?: Buffer;
}

/**
 * Streams the journal lines of one monthly ERP export (see docs/spec/erp-input-format.md and docs/erp-input.md): a
 * CSV, or an .xlsx/.xls workbook whose journal sheet is found by its header. Both give their rows to one
 * JournalReader, so the lines and the errors are the same whatever the format. A header with no journal lines after
 * it (subtotal rows at most) is a month without transactions, a dormant or new company's: no lines, no error.
 */
export function parseLedger(path: string, opts: ParseLedgerOptions): AsyncGenerator<LedgerLine> {
  assertPeriod(opts.period);
  return isWorkbookFile(path) ? workbookJournal(path, opts.unsealing, opts.plaintext) : csvJournal(path, opts.unsealing, opts.plaintext);
}

async function* csvJournal(path: string, unsealing: Unsealing | undefined, plaintext: Buffer | undefined): AsyncGenerator<LedgerLine> {
  const journal = new JournalReader(path);
  try {
    yield* readCsv(path, (row) => journal.read(row), unsealing, { preamble: true, plaintext });
  } catch (err) {
    if (err instanceof MalformedCsvError) journal.brokeOff(err);
    throw err;
  }
  journal.end();
}
