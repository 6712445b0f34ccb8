// The journal of an Excel export: of the workbook's sheets (a cover, 합계잔액시산표, notes may come with it), the one
// whose header the journal reader finds. No such sheet, or two, is an error that names every sheet.
import { LedgerFormatError, type LedgerLine } from '../domain/ledger';
import type { Unsealing } from '../security/sealed-file';
import { JournalReader } from './journal-reader';
import { readWorkbook, type Sheet } from './workbook';

const describe = (e: LedgerFormatError) =>
  `${JSON.stringify(e.sheet)}${e.line === undefined ? '' : ` row ${e.line}`}${e.column ? ` [${e.column}]` : ''}: ${e.problem}`;

/**
 * A merged cell shows its value once, in its first row: merged down over journal lines (a date over a voucher's
 * lines), the rows below would read it as empty and a line would go missing without a word.
 */
function rejectMergedLines(file: string, sheet: Sheet, journal: JournalReader): void {
  const merged = sheet.merges.find((range) => range.bottom > range.top && range.top > journal.headerLine!);
  if (!merged) return;
  const column = journal.columnName(merged.left);
  throw new LedgerFormatError(
    file,
    merged.top,
    column,
    `rows ${merged.top}-${merged.bottom} share one merged cell: every journal line needs its own value (unmerge the cells, fill them, and export again)`,
    sheet.name,
  );
}

export async function* workbookJournal(file: string, unsealing: Unsealing | undefined, plaintext?: Buffer): AsyncGenerator<LedgerLine> {
  const sheets = await readWorkbook(file, unsealing, plaintext);
  if (sheets.length === 0) throw new LedgerFormatError(file, undefined, undefined, 'the workbook has no worksheet');
  const notJournal: LedgerFormatError[] = [];
  let journalSheet: string | undefined;
  for (const sheet of sheets) {
    const journal = new JournalReader(file, sheet.name);
    const onlyJournal = () => {
      if (journalSheet === undefined || journal.headerLine === undefined) return;
      throw new LedgerFormatError(
        file,
        journal.headerLine,
        undefined,
        `a second journal: sheets ${JSON.stringify(journalSheet)} and ${JSON.stringify(sheet.name)} both have a journal's header; expected one journal per file`,
        sheet.name,
      );
    };
    let notThis: LedgerFormatError | undefined;
    /** Before its header is found, the journal reader's error only says that this sheet is not the journal. */
    const attempt = <T>(read: () => T): T | undefined => {
      try {
        return read();
      } catch (err) {
        if (journal.headerLine !== undefined || !(err instanceof LedgerFormatError)) throw err;
        notThis = err;
        return undefined;
      }
    };
    // A broken part or a limit passed is the workbook's error, whichever sheet it is met on: it is not caught here.
    for await (const row of sheet.rows) {
      const line = attempt(() => journal.read(row));
      if (notThis) break;
      onlyJournal();
      if (line) yield line;
    }
    if (!notThis) attempt(() => journal.end());
    if (notThis) {
      notJournal.push(notThis);
      continue;
    }
    onlyJournal();
    rejectMergedLines(file, sheet, journal);
    journalSheet = sheet.name;
  }
  if (journalSheet !== undefined) return;
  if (notJournal.length === 1) throw notJournal[0]!;
  throw new LedgerFormatError(
    file,
    undefined,
    undefined,
    `no sheet holds the journal (a row of column names such as 전표일자, 계정코드, 계정과목, 차변, 대변): ${notJournal.map(describe).join('; ')}`,
  );
}
