// The sheets of an .xlsx (Office Open XML) as rows of text, each sheet streamed: a 100,000-line journal is never
// held as a whole, only the workbook's shared strings are. Cells are read as Excel last saved them: a formula's
// cached value, never the formula.
import { posix } from 'node:path';
import { LedgerFormatError } from '../domain/ledger';
import { numberFormat, numberText, type NumberFormat } from './cell-text';
import type { SourceRow } from './journal-reader';
import type { MergedRange, Sheet } from './workbook';
import type { ZipParts } from './xml-parts';

/** Relationship types by their last segment (Strict OOXML has other namespaces, the same last segments). */
const relType = (type: string) => type.slice(type.lastIndexOf('/') + 1);

interface Relationship {
  type: string;
  /** Part name inside the zip. */
  part: string;
}

/** `_x000D_` and the like: OOXML's escape for characters XML cannot hold. */
const unescapeText = (text: string) => text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** 0-based column of a cell reference (`AB12` → 27, `$AB$12` too), and its row; read by hand, as every cell has one. */
function cellAddress(ref: string): { column: number; row: number } | undefined {
  let i = ref[0] === '$' ? 1 : 0;
  const start = i;
  let column = 0;
  // Upper-cased by clearing bit 5; a digit or the end is no letter then.
  for (let code = ref.charCodeAt(i) & ~32; i - start < 3 && code >= 65 && code <= 90; code = ref.charCodeAt(++i) & ~32)
    column = column * 26 + code - 64;
  const row = Number(ref.slice(ref[i] === '$' ? i + 1 : i));
  return column > 0 && Number.isInteger(row) && row > 0 ? { column: column - 1, row } : undefined;
}

function mergedRange(ref: string): MergedRange | undefined {
  const [from, to = from] = ref.split(':');
  const a = cellAddress(from!);
  const b = cellAddress(to!);
  return a && b ? { top: a.row, bottom: b.row, left: a.column, right: b.column } : undefined;
}

async function relationships(zip: ZipParts, part: string): Promise<Map<string, Relationship>> {
  const relsPart = posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`);
  const rels = new Map<string, Relationship>();
  if (!zip.has(relsPart)) return rels;
  await zip.read(relsPart, {
    open(name, { Id, Type, Target, TargetMode }) {
      if (name !== 'Relationship' || !Id || !Type || !Target || TargetMode === 'External') return;
      // A target is relative to the part's folder, or absolute from the archive's root.
      const target = Target.startsWith('/') ? Target.slice(1) : posix.normalize(posix.join(posix.dirname(part), Target));
      rels.set(Id, { type: relType(Type), part: target });
    },
  });
  return rels;
}

interface Workbook {
  sheets: { name: string; part: string }[];
  date1904: boolean;
  sharedStrings?: string;
  styles?: string;
}

async function workbookParts(zip: ZipParts): Promise<Workbook> {
  const root = [...(await relationships(zip, '')).values()].find((rel) => rel.type === 'officeDocument');
  const part = root?.part ?? 'xl/workbook.xml';
  const rels = await relationships(zip, part);
  const workbook: Workbook = { sheets: [], date1904: false };
  await zip.read(part, {
    open(name, attributes) {
      if (name === 'workbookPr') workbook.date1904 = attributes.date1904 === '1' || attributes.date1904 === 'true';
      if (name !== 'sheet') return;
      // The relationship id is `r:id` under whatever prefix the writer bound the namespace to.
      const idKey = Object.keys(attributes).find((key) => key.endsWith(':id'));
      const rel = idKey ? rels.get(attributes[idKey]!) : undefined;
      if (rel?.type === 'worksheet' && attributes.name !== undefined) workbook.sheets.push({ name: attributes.name, part: rel.part });
    },
  });
  for (const rel of rels.values()) {
    if (rel.type === 'sharedStrings') workbook.sharedStrings = rel.part;
    if (rel.type === 'styles') workbook.styles = rel.part;
  }
  return workbook;
}

/** The shared string table: each item's text runs, without the phonetic guide (rPh) some writers add. */
async function sharedStrings(zip: ZipParts, part: string | undefined): Promise<string[]> {
  const strings: string[] = [];
  if (!part || !zip.has(part)) return strings;
  let item = '';
  let inText = false;
  let phonetic = false;
  await zip.read(part, {
    open(name) {
      if (name === 'si') item = '';
      else if (name === 'rPh') phonetic = true;
      else if (name === 't') inText = !phonetic;
    },
    text(text) {
      if (inText) item += text;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic = false;
      else if (name === 'si') strings.push(unescapeText(item));
    },
  });
  return strings;
}

/** The number format of each cell style (the `s` of a cell indexes cellXfs). */
async function cellFormats(zip: ZipParts, part: string | undefined): Promise<NumberFormat[]> {
  const formats: NumberFormat[] = [];
  if (!part || !zip.has(part)) return formats;
  const codes = new Map<number, string>();
  let inCellXfs = false;
  await zip.read(part, {
    open(name, attributes) {
      if (name === 'numFmt') codes.set(Number(attributes.numFmtId), attributes.formatCode ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) {
        const id = Number(attributes.numFmtId ?? 0);
        formats.push(numberFormat(codes.get(id), id));
      }
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return formats;
}

/** What a cell holds while its element is read. */
interface CellState {
  column: number;
  type: string;
  style: number;
  value?: string;
  formula: boolean;
  inline: string;
}

/** The sheets of the workbook in its tab order; each sheet's rows stream when iterated. */
export async function xlsxSheets(file: string, zip: ZipParts): Promise<Sheet[]> {
  const workbook = await workbookParts(zip);
  const strings = await sharedStrings(zip, workbook.sharedStrings);
  const formats = await cellFormats(zip, workbook.styles);

  return workbook.sheets.map(({ name, part }) => {
    const merges: MergedRange[] = [];
    const fail = (row: number | undefined, problem: string) => new LedgerFormatError(file, row, undefined, problem, name);

    async function* rows(): AsyncGenerator<SourceRow> {
      const done: SourceRow[] = [];
      let rowNumber = 0;
      let cells: string[] = [];
      /** Where a cell without a reference (they are optional) goes. */
      let nextColumn = 0;
      let cell: CellState | undefined;
      let capture: 'v' | 't' | undefined;
      let text = '';
      let inInline = false;
      let phonetic = false;

      const cellText = ({ column, type, style, value, formula, inline }: CellState): string => {
        // An inline string is in <is>, though some writers put it in <v>.
        if (type === 'inlineStr') return unescapeText(value ?? inline);
        if (value === undefined) {
          if (formula)
            throw fail(
              rowNumber,
              `cell ${columnRef(column, rowNumber)} holds a formula without a saved value: open the file in Excel and save it, or export values`,
            );
          return '';
        }
        switch (type) {
          case 's': {
            const shared = strings[Number(value)];
            if (shared === undefined)
              throw fail(rowNumber, `cell ${columnRef(column, rowNumber)} refers to shared string ${value}, which the workbook does not have`);
            return shared;
          }
          case 'str':
            return unescapeText(value);
          case 'b':
            return value === '1' ? 'TRUE' : 'FALSE';
          case 'e':
            return value;
          case 'd':
            return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : value;
          default:
            return numberText(Number(value), formats[style], workbook.date1904);
        }
      };

      const handler = {
        open(tag: string, attributes: Record<string, string>) {
          switch (tag) {
            case 'row':
              rowNumber = attributes.r ? Number(attributes.r) : rowNumber + 1;
              cells = [];
              nextColumn = 0;
              break;
            case 'c': {
              const column = attributes.r ? cellAddress(attributes.r)?.column : nextColumn;
              if (column === undefined) throw fail(rowNumber, `cell reference ${JSON.stringify(attributes.r)} is not one`);
              cell = { column, type: attributes.t ?? 'n', style: Number(attributes.s ?? 0), formula: false, inline: '' };
              break;
            }
            case 'v':
              capture = 'v';
              text = '';
              break;
            case 'f':
              if (cell) cell.formula = true;
              break;
            case 'is':
              inInline = true;
              break;
            case 'rPh':
              phonetic = true;
              break;
            case 't':
              if (inInline && !phonetic) {
                capture = 't';
                text = '';
              }
              break;
            case 'mergeCell': {
              const range = attributes.ref ? mergedRange(attributes.ref) : undefined;
              if (range) merges.push(range);
              break;
            }
          }
        },
        text(chunk: string) {
          if (capture) text += chunk;
        },
        close(tag: string) {
          switch (tag) {
            case 'v':
              if (cell) cell.value = text;
              capture = undefined;
              break;
            case 't':
              if (capture === 't' && cell) cell.inline += text;
              capture = undefined;
              break;
            case 'rPh':
              phonetic = false;
              break;
            case 'is':
              inInline = false;
              break;
            case 'c': {
              const value = cellText(cell!);
              // Only cells with a value: styled empty cells far to the right make no row wider.
              if (value !== '') {
                while (cells.length < cell!.column) cells.push('');
                cells[cell!.column] = value;
              }
              nextColumn = cell!.column + 1;
              cell = undefined;
              break;
            }
            case 'row':
              if (cells.some((value) => value !== '')) done.push({ line: rowNumber, cells });
              break;
          }
        },
      };
      for await (const _ of zip.parse(part, handler)) yield* done.splice(0);
    }

    return { name, merges, rows: rows() };
  });
}

/** `AB12` for column 27 (0-based) of row 12. */
function columnRef(column: number, row: number): string {
  let letters = '';
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return `${letters}${row}`;
}
