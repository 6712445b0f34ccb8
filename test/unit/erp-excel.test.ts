// Excel exports (.xlsx streamed, .xls read whole) go through the reader CSV records go through: the same journal as
// a workbook and as a CSV gives the same lines and the same findings, and a bad workbook the same kind of error,
// naming file, sheet and row. The workbooks are written here with SheetJS, the project's Excel library.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as XLSX from '@e965/xlsx';
import { ApplicationFailure } from '@temporalio/common';
import { parse as parseCsv } from 'csv-parse/sync';
import { failDataErrorsFast } from '../../activities/failures';
import { loadConfig } from '../../lib/config';
import type { FindingsDocument } from '../../lib/domain/findings';
import type { LedgerLine } from '../../lib/domain/ledger';
import { findLedger, ledgerAad, ledgerPath, ledgerPeriods, loadCompany } from '../../lib/erp/company';
import { readDecodedText } from '../../lib/erp/decode';
import type { ParseLedgerOptions } from '../../lib/erp/parse-ledger';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { analyzeLedgerFile, loadAnalysisDeps } from '../../lib/pipeline/analyze-month';
import { seal } from '../../lib/security/envelope';
import { localKeyWrapper } from '../../lib/security/keyring';
import { parseFailure, parseLines } from '../support/parsed-ledger';

type Cell = XLSX.CellObject | string | number | null;

const HEADER = ['전표일자', '전표번호', '구분', '계정코드', '계정과목', '차변', '대변', '거래처코드', '거래처', '적요', '증빙구분'];
/** The month as the CSV export has it: text cells, a quoted multi-line memo, 월계/누계/합계/전월이월 rows. */
const ROWS = [
  ['전월이월', '', '', '', '', '5,000,000', '5,000,000', '', '', '', ''],
  ['2024-01-05', '00001', '3', '811', '복리후생비', '1,234,000', '', '00042', '한우명가', '직원 회식', '3'],
  ['2024-01-05', '00001', '4', '253', '미지급금', '', '1,234,000', '00099', '신한카드', '법인카드', ''],
  ['2024-01-10', '00001', '3', '813', '기업업무추진비', '300000', '', '01024', '레이크골프', '거래처 접대, "골프"\n2차 & <식사>', '9'],
  ['2024-01-10', '00001', '4', '103', '보통예금', '', '300000', '', '', '이체', ''],
  ['2024-01-31', '00002', '3', '819', '임차료', '2000000', '', '00215', '김건물', '사무실 임차료', '1'],
  ['2024-01-31', '00002', '4', '103', '보통예금', '', '2,000,000', '00215', '김건물', '임차료 이체', ''],
  ['월계', '', '', '', '', '3,534,000', '3,534,000', '', '', '', ''],
  ['누계', '', '', '', '', '3,534,000', '3,534,000', '', '', '', ''],
  ['합계', '', '', '', '', '8,534,000', '8,534,000', '', '', '', ''],
];
const PERIOD = '2024-01';

const csvCell = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
const csvText = (rows: string[][]) => rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';

/** Days since 1899-12-30: Excel's serial number of a date. */
const serial = (iso: string) => (Date.parse(`${iso}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000;
const dateCell = (iso: string, z = 'yyyy-mm-dd'): XLSX.CellObject => ({ t: 'n', v: serial(iso), z });
const amount = (text: string): Cell => (text === '' ? null : Number(text.replace(/,/g, '')));

/** A data row as an ERP writes it to Excel: a date cell, numeric amounts, codes as text. Subtotal rows stay text. */
const excelRow = (row: string[]): Cell[] =>
  /^\d{4}-\d{2}-\d{2}$/.test(row[0]!)
    ? row.map((text, i) => (i === 0 ? dateCell(text) : i === 5 || i === 6 ? amount(text) : text || null))
    : row.map((text) => text || null);

interface SheetSpec {
  name: string;
  rows: Cell[][];
  merges?: string[];
}

function workbook(sheets: SheetSpec[], date1904 = false): XLSX.WorkBook {
  const book = XLSX.utils.book_new();
  for (const { name, rows, merges } of sheets) {
    const sheet = XLSX.utils.aoa_to_sheet(rows);
    if (merges) sheet['!merges'] = merges.map((ref) => XLSX.utils.decode_range(ref));
    XLSX.utils.book_append_sheet(book, sheet, name);
  }
  if (date1904) book.Workbook = { ...book.Workbook, WBProps: { date1904: true } };
  return book;
}

const write = (book: XLSX.WorkBook, bookType: 'xlsx' | 'biff8', bookSST = false) => XLSX.write(book, { type: 'buffer', bookType, bookSST }) as Buffer;

const tmp = mkdtempSync(join(tmpdir(), 'erp-excel-'));
after(() => rm(tmp, { recursive: true, force: true }));
let files = 0;

async function tempFile(content: Buffer | string, ext: 'csv' | 'xlsx' | 'xls'): Promise<string> {
  const path = join(tmp, `ledger-${++files}.${ext}`);
  await writeFile(path, content);
  return path;
}

const parseAll = (path: string, unsealing?: ParseLedgerOptions['unsealing']) => parseLines(path, { period: PERIOD, unsealing });
const parseError = (path: string) => parseFailure(path, { period: PERIOD });

/** The lines without their source lines, which differ with the rows above the header. */
const content = (lines: LedgerLine[]) => lines.map(({ sourceLine: _, ...line }) => line);

/** A header over two rows, as ERPs print it: group labels merged across, single names merged down. */
const TWO_ROW_HEADER: Cell[][] = [
  ['전표일자', '전표번호', '구분', '계정과목', null, '금액', null, '거래처', null, '적요', '증빙구분'],
  [null, null, null, '코드', '계정과목명', '차변', '대변', '코드', '거래처명', null, null],
];
const TWO_ROW_MERGES = ['A4:A5', 'B4:B5', 'C4:C5', 'D4:E4', 'F4:G4', 'H4:I4', 'J4:J5', 'K4:K5'];
/** Title, company and period rows above the header; the period as date cells. */
const TITLE_ROWS: Cell[][] = [
  ['분개장'],
  ['회사명: (주)가람상사', null, null, null, '기간', dateCell('2024-01-01'), '~', dateCell('2024-01-31')],
  [],
];
const printedJournal: SheetSpec = {
  name: '분개장',
  rows: [...TITLE_ROWS, ...TWO_ROW_HEADER, ...ROWS.map(excelRow)],
  merges: ['A1:K1', ...TWO_ROW_MERGES],
};
/** Sheet row of each line of printedJournal: the data starts on row 6, after the 전월이월 row. */
const PRINTED_ROWS = [7, 8, 9, 10, 11, 12];

let csvLines: LedgerLine[];
before(async () => {
  csvLines = await parseAll(await tempFile(csvText([HEADER, ...ROWS]), 'csv'));
  assert.equal(csvLines.length, 6);
});

describe('workbooks read as the CSV', () => {
  test('.xlsx with title and period rows, a two-row header of merged cells, subtotal rows', async () => {
    for (const bookSST of [false, true]) {
      const lines = await parseAll(await tempFile(write(workbook([printedJournal]), 'xlsx', bookSST), 'xlsx'));
      assert.deepEqual(content(lines), content(csvLines), `shared strings: ${bookSST}`);
      assert.deepEqual(
        lines.map((l) => l.sourceLine),
        PRINTED_ROWS,
      );
    }
  });

  test('.xls (BIFF8) of the same sheet', async () => {
    const lines = await parseAll(await tempFile(write(workbook([printedJournal]), 'biff8'), 'xls'));
    assert.deepEqual(content(lines), content(csvLines));
    assert.deepEqual(
      lines.map((l) => l.sourceLine),
      PRINTED_ROWS,
    );
  });

  test('the journal on the second sheet, after a cover sheet with a period in dates', async () => {
    const cover: SheetSpec = {
      name: '표지',
      rows: [['분개장 (2024년 1월)'], ['기간', dateCell('2024-01-01'), '~', dateCell('2024-01-31')], ['작성', '세무사랑']],
    };
    const journal: SheetSpec = { name: 'Sheet2', rows: [HEADER, ...ROWS.map(excelRow)] };
    for (const [bookType, ext] of [
      ['xlsx', 'xlsx'],
      ['biff8', 'xls'],
    ] as const) {
      const lines = await parseAll(await tempFile(write(workbook([cover, journal]), bookType), ext));
      assert.deepEqual(content(lines), content(csvLines), ext);
      assert.deepEqual(
        lines.map((l) => l.sourceLine),
        [3, 4, 5, 6, 7, 8],
      );
    }
  });

  test('dates as serial numbers in any date format (and the 1904 system) or as text; amounts as numbers, text or formulas', async () => {
    const rows = ROWS.map(excelRow);
    const at = (row: number, column: number, cell: Cell) => (rows[row]![column] = cell);
    at(1, 0, dateCell('2024-01-05', 'm/d/yy'));
    at(2, 0, dateCell('2024-01-05', 'yyyy"년" m"월" d"일"'));
    at(3, 0, '2024.01.10');
    at(4, 0, 20240110);
    at(5, 0, '20240131');
    at(1, 5, '1,234,000');
    at(2, 6, { t: 'n', v: 1_234_000, f: '1000*1234' });
    // Binary noise of a computed amount, which Excel shows (and a CSV export writes) as 300000.
    const noisy = (0.1 + 0.2) * 1_000_000;
    assert.notEqual(noisy, 300_000);
    at(3, 5, { t: 'n', v: noisy, f: '(0.1+0.2)*1000000' });
    at(1, 7, { t: 'n', v: 42, z: '00000' });
    for (const [bookType, ext] of [
      ['xlsx', 'xlsx'],
      ['biff8', 'xls'],
    ] as const) {
      assert.deepEqual(
        content(await parseAll(await tempFile(write(workbook([{ name: '분개장', rows: [HEADER, ...rows] }]), bookType), ext))),
        content(csvLines),
        ext,
      );
    }
    const in1904 = [HEADER, ...ROWS.map(excelRow)].map((row) =>
      row.map((cell) => (typeof cell === 'object' && cell?.z === 'yyyy-mm-dd' ? { ...cell, v: (cell.v as number) - 1462 } : cell)),
    );
    assert.deepEqual(
      content(await parseAll(await tempFile(write(workbook([{ name: '분개장', rows: in1904 }], true), 'xlsx'), 'xlsx'))),
      content(csvLines),
    );
  });

  test('a sealed .xlsx reads through the same unsealing as a CSV', async () => {
    const keys = localKeyWrapper(new Map([['k1', randomBytes(32)]]), 'k1');
    const aad = ledgerAad('c-excel', PERIOD, 'xlsx');
    const path = await tempFile(await seal(write(workbook([printedJournal]), 'xlsx'), keys, aad), 'xlsx');
    assert.deepEqual(content(await parseAll(path, { keys, aad })), content(csvLines));
    await assert.rejects(parseAll(path, { keys, aad: ledgerAad('c-excel', PERIOD, 'csv') }), { name: 'DecryptionError' });
  });

  test('a CSV with title lines above the header reads as without them', async () => {
    const titled = `분개장\r\n회사명,(주)가람상사\r\n기간,2024-01-01,~,2024-01-31\r\n${csvText([HEADER, ...ROWS])}`;
    const lines = await parseAll(await tempFile(titled, 'csv'));
    assert.deepEqual(
      lines,
      csvLines.map((l) => ({ ...l, sourceLine: l.sourceLine + 3 })),
    );
    // The header found, its records keep to its width as before.
    const broken = `분개장\r\n${csvText([HEADER, ...ROWS]).replace('직원 회식', '직원 회식, 2차')}`;
    assert.match((await parseError(await tempFile(broken, 'csv'))).message, /:4: expected 11 fields like the header, found 12$/);
  });
});

describe('bad workbooks', () => {
  const journal = (rows: Cell[][], merges?: string[]): SheetSpec => ({ name: '분개장', rows, merges });

  test('a value error names file, sheet, row and column, as in a CSV, and is not retried', async () => {
    const rows = [HEADER, ...ROWS.map(excelRow)];
    rows[3]![6] = -300_000;
    const path = await tempFile(write(workbook([journal(rows)]), 'xlsx'), 'xlsx');
    const err = await parseError(path);
    assert.match(err.message, /\.xlsx sheet "분개장" row 4 \[대변\]: negative amount "-300000"/);
    await assert.rejects(
      failDataErrorsFast(() => parseAll(path)),
      (failure: unknown) => {
        assert.ok(failure instanceof ApplicationFailure);
        assert.equal(failure.type, 'LedgerFormatError');
        assert.equal(failure.nonRetryable, true);
        assert.deepEqual(failure.details, [{ file: path, sheet: '분개장', line: 4, column: '대변' }]);
        return true;
      },
    );
  });

  test('a password-protected workbook (an encrypted package in a compound file), as .xlsx or .xls', async () => {
    const container = XLSX.CFB.utils.cfb_new();
    XLSX.CFB.utils.cfb_add(container, '/EncryptionInfo', Buffer.from([4, 0, 4, 0, 0x40, 0, 0, 0]));
    XLSX.CFB.utils.cfb_add(container, '/EncryptedPackage', randomBytes(4096));
    const encrypted = XLSX.CFB.write(container, { type: 'buffer' }) as Buffer;
    assert.deepEqual([...encrypted.subarray(0, 4)], [0xd0, 0xcf, 0x11, 0xe0]);
    for (const ext of ['xlsx', 'xls'] as const)
      assert.match((await parseError(await tempFile(encrypted, ext))).problem, /^password-protected workbook/);
  });

  test('a corrupt workbook: a cut-off zip, a sheet of broken XML, a damaged .xls, a file that is no workbook', async () => {
    const good = write(workbook([journal([HEADER, ...ROWS.map(excelRow)])]), 'xlsx');
    assert.match(
      (await parseError(await tempFile(good.subarray(0, good.length - 100), 'xlsx'))).problem,
      /^corrupt workbook: not a readable zip archive/,
    );

    // Broken on the cover sheet before the journal: the workbook's error, not a sheet passed over.
    const zip = XLSX.CFB.read(write(workbook([{ name: '표지', rows: [['분개장']] }, journal([HEADER, ...ROWS.map(excelRow)])]), 'xlsx'), {
      type: 'buffer',
    });
    XLSX.CFB.utils.cfb_add(zip, '/xl/worksheets/sheet1.xml', Buffer.from('<worksheet><sheetData><row r="1"><c r="A1" t="str"><v>분개장</v></c></ro'));
    const err = await parseError(await tempFile(XLSX.CFB.write(zip, { type: 'buffer', fileType: 'zip' }) as Buffer, 'xlsx'));
    assert.match(err.message, /sheet "표지": corrupt workbook: part xl\/worksheets\/sheet1\.xml is not well-formed XML/);

    const xls = write(workbook([journal([HEADER, ...ROWS.map(excelRow)])]), 'biff8');
    assert.match((await parseError(await tempFile(xls.subarray(0, 1500), 'xls'))).problem, /^corrupt workbook/);
    assert.match((await parseError(await tempFile(csvText([HEADER, ...ROWS]), 'xlsx'))).problem, /^not an Excel workbook/);
  });

  test('a formula without a saved value names the sheet, row and cell', async () => {
    const rows = [HEADER, ...ROWS.map(excelRow)];
    rows[2]![5] = { t: 'n', f: '1000*1234' };
    const err = await parseError(await tempFile(write(workbook([journal(rows)]), 'xlsx'), 'xlsx'));
    assert.match(err.message, /sheet "분개장" row 3: cell F3 holds a formula without a saved value/);
  });

  test('no header on any sheet: the error names every sheet and what it lacks', async () => {
    const summary: SheetSpec = { name: '요약', rows: [['합계잔액시산표'], ['계정과목', '차변', '대변'], ['복리후생비', 1000, 0]] };
    const titles: SheetSpec = { name: 'Sheet2', rows: [['분개장'], ['기간: 2024-01']] };
    const err = await parseError(await tempFile(write(workbook([summary, titles]), 'xlsx'), 'xlsx'));
    assert.equal(err.sheet, undefined);
    assert.match(err.problem, /^no sheet holds the journal/);
    assert.match(err.problem, /"요약" row 2 \[전표일자\]: required column missing/);
    assert.match(err.problem, /"Sheet2" row 1 \[전표일자\]: required column missing/);
    // A lone sheet's own error, with its name.
    const lone = await parseError(await tempFile(write(workbook([titles]), 'xlsx'), 'xlsx'));
    assert.match(lone.message, /sheet "Sheet2" row 1 \[전표일자\]: required column missing/);
  });

  test('two journal sheets are refused, naming both', async () => {
    const rows = [HEADER, ...ROWS.map(excelRow)];
    const err = await parseError(await tempFile(write(workbook([journal(rows), { name: '2월', rows }]), 'xlsx'), 'xlsx'));
    assert.match(err.message, /sheet "2월" row 1: a second journal: sheets "분개장" and "2월" both have a journal's header/);
  });

  test("a date merged down over a voucher's lines is refused, not read as empty (lines would go missing)", async () => {
    const rows = [HEADER, ...ROWS.map(excelRow)];
    rows[3]![0] = null;
    for (const [bookType, ext] of [
      ['xlsx', 'xlsx'],
      ['biff8', 'xls'],
    ] as const) {
      const err = await parseError(await tempFile(write(workbook([journal(rows, ['A3:A4'])]), bookType), ext));
      assert.match(err.message, /sheet "분개장" row 3 \[전표일자\]: rows 3-4 share one merged cell/, ext);
    }
  });

  test('a sheet row past the column limit, or with a value right of the header, is refused at its row', async () => {
    const wide = [HEADER, ...ROWS.map(excelRow)];
    wide[2]![250] = 'x';
    assert.match(
      (await parseError(await tempFile(write(workbook([journal(wide)]), 'xlsx'), 'xlsx'))).message,
      /row 3: a value in column 251, past the limit of 200 columns/,
    );
    const beyond = [HEADER, ...ROWS.map(excelRow)];
    beyond[2]![12] = '확인';
    assert.match(
      (await parseError(await tempFile(write(workbook([journal(beyond)]), 'xlsx'), 'xlsx'))).message,
      /row 3: a value in column 13, right of the header's 11 columns/,
    );
  });
});

describe("finding a month's export", () => {
  test('.csv, .xlsx or .xls; two exports of one month are refused', async () => {
    const dir = join(tmp, 'data');
    const ledgerDir = join(dir, 'companies', 'c-excel', 'ledger');
    await mkdir(ledgerDir, { recursive: true });
    await writeFile(join(ledgerDir, '2024-01.xlsx'), write(workbook([printedJournal]), 'xlsx'));
    await writeFile(join(ledgerDir, '2024-02.xls'), write(workbook([printedJournal]), 'biff8'));
    await writeFile(join(ledgerDir, '2024-03.csv'), csvText([HEADER, ...ROWS]));
    assert.deepEqual(await ledgerPeriods(dir, 'c-excel'), ['2024-01', '2024-02', '2024-03']);
    assert.deepEqual(await findLedger(dir, 'c-excel', '2024-01'), { path: ledgerPath(dir, 'c-excel', '2024-01', 'xlsx'), format: 'xlsx' });
    assert.equal((await findLedger(dir, 'c-excel', '2024-02'))?.format, 'xls');
    assert.equal(await findLedger(dir, 'c-excel', '2024-04'), undefined);
    await writeFile(join(ledgerDir, '2024-03.xlsx'), write(workbook([printedJournal]), 'xlsx'));
    assert.deepEqual(await ledgerPeriods(dir, 'c-excel'), ['2024-01', '2024-02', '2024-03']);
    await assert.rejects(findLedger(dir, 'c-excel', '2024-03'), /two exports of 2024-03: 2024-03\.csv and 2024-03\.xlsx/);
  });
});

describe('the same findings', () => {
  const COMPANY = 'c01-가람';
  const FIXTURE = join(__dirname, '..', 'fixtures', 'ledgers', 'companies', COMPANY);

  /** The CSV month as an ERP's Excel export of it: title rows, date cells, numeric amounts. */
  async function asWorkbook(csvPath: string): Promise<Buffer> {
    const [header, ...rows] = parseCsv(await readDecodedText(csvPath));
    const dataRows = rows.map((row) =>
      row.map((text, i): Cell =>
        i === 0 && /^\d{4}-\d{2}-\d{2}$/.test(text) ? dateCell(text) : (i === 5 || i === 6) && text ? amount(text) : text || null,
      ),
    );
    return write(workbook([{ name: '분개장', rows: [['분개장'], ['회사명: (주)가람제조'], header!, ...dataRows], merges: ['A1:K1'] }]), 'xlsx');
  }

  async function analyze(dataDir: string): Promise<FindingsDocument> {
    const graph = new OxigraphStore();
    try {
      const deps = await loadAnalysisDeps(loadConfig({ ERP_DATA_DIR: dataDir }), graph);
      return await analyzeLedgerFile(deps, await loadCompany(dataDir, COMPANY), '2024-03');
    } finally {
      await graph.close();
    }
  }

  test(`${COMPANY}'s months as .xlsx give the findings of its CSV exports`, async () => {
    const csvDir = join(tmp, 'csv-data');
    const xlsxDir = join(tmp, 'xlsx-data');
    await cp(FIXTURE, join(csvDir, 'companies', COMPANY), { recursive: true });
    await mkdir(join(xlsxDir, 'companies', COMPANY, 'ledger'), { recursive: true });
    await cp(join(FIXTURE, 'company.json'), join(xlsxDir, 'companies', COMPANY, 'company.json'));
    for (const file of (await readdir(join(FIXTURE, 'ledger'))).filter((f) => f < '2024-04')) {
      await writeFile(join(xlsxDir, 'companies', COMPANY, 'ledger', file.replace(/csv$/, 'xlsx')), await asWorkbook(join(FIXTURE, 'ledger', file)));
    }
    const fromCsv = await analyze(csvDir);
    const fromXlsx = await analyze(xlsxDir);
    // A data-quality note names its line: the workbook's rows are the CSV's lines, two title rows down.
    const comparable = ({ generatedAt: _, dataQuality, ...doc }: FindingsDocument, titleRows: number) => ({
      ...doc,
      dataQuality: { ...dataQuality, details: dataQuality.details.map((d) => ({ ...d, sourceLine: d.sourceLine && d.sourceLine - titleRows })) },
    });
    assert.ok(fromCsv.findings.some((f) => f.ruleId === 'ENT-LIMIT'));
    assert.deepEqual(comparable(fromXlsx, 2), comparable(fromCsv, 0));
  });
});
