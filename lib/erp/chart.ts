import { join } from 'node:path';
import { assertCompanyId } from '../domain/ids';
import { LedgerFormatError, type ChartAccount } from '../domain/ledger';
import { isPlainDataFile } from './data-file';
import { mapColumns, type ColumnLayout, type ColumnSpec } from './columns';
import { readCsv } from './parse-ledger';

const CHART_COLUMNS = [
  { key: 'code', names: ['계정코드', '계정과목코드', 'Code'], required: true },
  { key: 'name', names: ['계정과목', '계정과목명'], required: true },
  { key: 'accountClass', names: ['분류'], required: true },
] as const satisfies readonly ColumnSpec<string>[];

type ChartColumn = (typeof CHART_COLUMNS)[number]['key'];

/**
 * Reads a chart file (계정코드,계정과목,분류) into `chart`, replacing accounts it already holds; a row
 * for such an account may leave 분류 empty to keep its class, a new code needs one.
 */
async function readChartInto(path: string, chart: Map<string, ChartAccount>): Promise<void> {
  const inFile = new Set<string>();
  let layout: ColumnLayout<ChartColumn> | undefined;
  const accounts = readCsv(path, ({ line, cells }) => {
    if (!layout) {
      layout = mapColumns(cells, CHART_COLUMNS, path, line);
      return undefined;
    }
    const { index, names } = layout;
    const cell = (key: ChartColumn) => cells[index[key]!]!.trim();
    const error = (key: ChartColumn, problem: string) => new LedgerFormatError(path, line, names[index[key]!], problem);
    const code = cell('code');
    if (!/^\d{3}$/.test(code)) throw error('code', `${JSON.stringify(code)}: expected a 3-digit account code`);
    if (inFile.has(code)) throw error('code', `account ${code} is listed twice`);
    inFile.add(code);
    const name = cell('name');
    if (!name) throw error('name', `account ${code} has no name`);
    const accountClass = cell('accountClass') || chart.get(code)?.accountClass;
    if (!accountClass) throw error('accountClass', `account ${code} has no class: expected e.g. 유동자산, 부채`);
    return { code, name, accountClass };
  });
  for await (const account of accounts) chart.set(account.code, account);
}

/**
 * The standard chart merged with the client's optional `companies/<id>/accounts.csv`, whose rows
 * rename standard accounts or add codes.
 */
export async function loadChart(dataDir: string, companyId: string, standardChartPath: string): Promise<Map<string, ChartAccount>> {
  const clientChart = join(dataDir, 'companies', assertCompanyId(companyId), 'accounts.csv');
  const chart = await loadStandardChart(standardChartPath);
  // Most clients use the standard chart only.
  if (await isPlainDataFile(dataDir, clientChart)) await readChartInto(clientChart, chart);
  return chart;
}

/** The standard chart alone (계정코드,계정과목,분류), validated as a client's chart is. */
export async function loadStandardChart(path: string): Promise<Map<string, ChartAccount>> {
  const chart = new Map<string, ChartAccount>();
  await readChartInto(path, chart);
  return chart;
}
