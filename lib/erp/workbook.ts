// Excel exports as sheets of text rows, for the journal reader that CSV records go to as well. The file is read
// through the same unsealing as a CSV (sealed-file.ts), into memory: a workbook is compressed, its rows are not
// held (an .xlsx sheet streams, see xlsx-sheets.ts). What a file is, is decided by its first bytes, not its name.
import { LedgerFormatError } from '../domain/ledger';
import { fileBytes, type Unsealing } from '../security/sealed-file';
import { assertFileSize, INPUT_LIMITS } from './input-limits';
import type { SourceRow } from './journal-reader';
import { xlsSheets } from './xls-sheets';
import { xlsxSheets } from './xlsx-sheets';
import { CorruptPart, ZipParts } from './xml-parts';

/** Cells merged into one; rows 1-based, columns 0-based (the index into SourceRow.cells). */
export interface MergedRange {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface Sheet {
  name: string;
  /** Rows holding a value, in order, without empty trailing cells; iterable once. */
  rows: AsyncIterable<SourceRow>;
  /** Its merged cells, complete once its rows have been read (an .xlsx lists them after the cells). */
  merges: MergedRange[];
}

export const isWorkbookFile = (path: string) => /\.xlsx?$/i.test(path);

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
/** OLE compound file: an .xls, or an .xlsx encrypted with a password (ECMA-376 agile encryption wraps it so). */
const COMPOUND_FILE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

async function readAll(path: string, unsealing: Unsealing | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await fileBytes(path, unsealing))()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const corrupt = (file: string, problem: string, sheet?: string) =>
  new LedgerFormatError(file, undefined, undefined, `corrupt workbook: ${problem}`, sheet);

/** The limits of a CSV, rows counted over the whole workbook; a part found broken while a sheet streams is named. */
function checked(file: string, sheets: Sheet[]): Sheet[] {
  let records = 0;
  return sheets.map((sheet) => ({
    ...sheet,
    rows: (async function* () {
      try {
        for await (const row of sheet.rows) {
          const fail = (problem: string) => new LedgerFormatError(file, row.line, undefined, problem, sheet.name);
          if (row.cells.length > INPUT_LIMITS.columns)
            throw fail(`a value in column ${row.cells.length}, past the limit of ${INPUT_LIMITS.columns} columns`);
          if (row.cells.reduce((sum, cell) => sum + cell.length, 0) > INPUT_LIMITS.recordChars) {
            throw fail(`a row longer than ${INPUT_LIMITS.recordChars} characters, past the limit`);
          }
          if (++records > INPUT_LIMITS.records) throw fail(`more than ${INPUT_LIMITS.records} rows, past the limit`);
          yield row;
        }
      } catch (err) {
        throw err instanceof CorruptPart ? corrupt(file, err.message, sheet.name) : err;
      }
    })(),
  }));
}

/** The sheets of an .xlsx or .xls export, in tab order; from `plaintext` when the file's bytes are already read (parse-ledger.ts). */
export async function readWorkbook(path: string, unsealing?: Unsealing, plaintext?: Buffer): Promise<Sheet[]> {
  if (!plaintext) await assertFileSize(path);
  const bytes = plaintext ?? (await readAll(path, unsealing));
  if (bytes.subarray(0, ZIP.length).equals(ZIP)) {
    try {
      return checked(path, await xlsxSheets(path, await ZipParts.open(bytes)));
    } catch (err) {
      throw err instanceof CorruptPart ? corrupt(path, err.message) : err;
    }
  }
  if (bytes.subarray(0, COMPOUND_FILE.length).equals(COMPOUND_FILE)) return checked(path, xlsSheets(path, bytes));
  throw new LedgerFormatError(
    path,
    undefined,
    undefined,
    'not an Excel workbook: an .xlsx is a zip archive and an .xls a compound file, and this file starts as neither ' +
      '(a CSV or web page saved under an Excel name? save it from Excel as .xlsx, or as .csv under that name)',
  );
}
