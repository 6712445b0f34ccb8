// `npm run bench` part `excel-parse`: the same synthetic month parsed from CSV and from .xlsx (as an ERP writes it:
// title rows, date cells, numeric amounts; dev/sample-workbook.ts), lines per second and peak RSS. Each format is
// parsed in a child process of its own, so that its peak is its own and not the writer's or the other format's.
import { fork } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseLedger } from '../lib/erp/parse-ledger';
import { journalWorkbook } from '../dev/sample-workbook';
import { measure, type Measurement } from './measure';
import { syntheticLedgerCsv, syntheticLedgerRows } from '../dev/synthetic-ledger';

export interface ExcelParseOptions {
  lines: number;
  runs: number;
}

export interface FormatParseResult {
  format: 'csv' | 'xlsx';
  fileMiB: number;
  parse: Measurement & { linesPerSecond: number };
  /** The child's resident set before parsing, and its peak over the runs. */
  rssBaseMiB: number;
  peakRssMiB: number;
}

export interface ExcelParseResult extends ExcelParseOptions {
  formats: FormatParseResult[];
}

const PERIOD = '2024-01';
const mib = (bytes: number) => bytes / 2 ** 20;

interface ChildTask {
  file: string;
  lines: number;
  runs: number;
}

/** Parses in a fresh process; resolves with what it measured. */
function parseInChild(task: ChildTask): Promise<Omit<FormatParseResult, 'format' | 'fileMiB'>> {
  const child = fork(__filename, [JSON.stringify(task)]);
  return new Promise((resolve, reject) => {
    let result: Omit<FormatParseResult, 'format' | 'fileMiB'> | undefined;
    child.on('message', (message) => (result = message as typeof result));
    child.on('error', reject);
    child.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`excel parse bench exited with ${code}`))));
  });
}

export async function benchExcelParse(opts: ExcelParseOptions): Promise<ExcelParseResult> {
  const dir = await mkdtemp(join(os.tmpdir(), 'bench-excel-'));
  try {
    const files = {
      csv: join(dir, `${PERIOD}.csv`),
      xlsx: join(dir, `${PERIOD}.xlsx`),
    };
    await writeFile(files.csv, syntheticLedgerCsv(PERIOD, opts.lines));
    await writeFile(files.xlsx, journalWorkbook('(주)벤치마크', PERIOD, syntheticLedgerRows(PERIOD, opts.lines)));
    const formats: FormatParseResult[] = [];
    for (const format of ['csv', 'xlsx'] as const) {
      const measured = await parseInChild({ file: files[format], lines: opts.lines, runs: opts.runs });
      formats.push({ format, fileMiB: mib((await stat(files[format])).size), ...measured });
    }
    return { ...opts, formats };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Table = (head: string[], rows: string[][]) => string;

export function excelParseMarkdown(r: ExcelParseResult, table: Table): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return `## Excel exports: parsing a month from .xlsx and from CSV

The same synthetic month of ${n(r.lines)} journal lines as CSV and as .xlsx (title rows, date cells, numeric amounts, shared
strings), parsed to journal lines (\`parseLedger\`), each format in a process of its own
(bench/excel-parse-bench.ts). An .xlsx sheet streams from the zip in memory: only its shared strings are held.

${table(
  ['format', 'file MiB', 'parse s', 'lines/s', 'RSS before MiB', 'peak RSS MiB'],
  r.formats.map((f) => [
    f.format,
    f.fileMiB.toFixed(1),
    f.parse.medianSeconds.toFixed(2),
    n(f.parse.linesPerSecond),
    n(f.rssBaseMiB),
    n(f.peakRssMiB),
  ]),
)}
`;
}

async function parseFile({ file, lines, runs }: ChildTask): Promise<Omit<FormatParseResult, 'format' | 'fileMiB'>> {
  const rssBaseMiB = mib(process.memoryUsage().rss);
  const parse = await measure(runs, async () => {
    let count = 0;
    for await (const _ of parseLedger(file, { period: PERIOD })) count++;
    if (count !== lines) throw new Error(`${file}: parsed ${count} lines, expected ${lines}`);
  });
  return { parse: { ...parse, linesPerSecond: lines / parse.medianSeconds }, rssBaseMiB, peakRssMiB: mib(process.resourceUsage().maxRSS * 1024) };
}

if (require.main === module) {
  parseFile(JSON.parse(process.argv[2]!) as ChildTask).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
