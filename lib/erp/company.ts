import { lstat, readdir } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Company } from '../domain/company';
import { assertCompanyId, assertPeriod } from '../domain/ids';
import { LedgerFormatError } from '../domain/ledger';
import { isPlainDataFile } from './data-file';
import { readDecodedText } from './decode';
import { FailureType } from '../temporal-contract';

/** No company folder (or no company.json in it) for this id under the data directory. */
export class UnknownCompanyError extends Error {
  override readonly name = FailureType.UnknownCompany;
  constructor(readonly companyId: string) {
    super(`unknown company ${JSON.stringify(companyId)}: no companies/${companyId}/company.json`);
  }
}

// Unknown fields are dropped, not refused, so the master file can grow ahead of this code.
const CompanySchema = z
  .object({
    id: z.string(),
    name: z.string().trim().min(1),
    // Only the format: a bad checksum is the DQ-BIZREGNO warning, not a load failure.
    bizRegNo: z.string().regex(/^\d{3}-\d{2}-\d{5}$/, 'expected NNN-NN-NNNNN'),
    sme: z.boolean(),
    fiscalYearStartMonth: z.int().min(1).max(12),
    industry: z.string(),
    reportRecipients: z.array(z.email()).min(1),
    accountant: z.string().trim().min(1).optional(),
    reviewRequired: z.boolean().optional(),
    relatedPartyRevenueShare: z.number().min(0).max(1).optional(),
    vehicles: z.array(z.object({ plate: z.string().trim().min(1), businessInsurance: z.boolean(), mileageLog: z.boolean() })).default([]),
    openingBalances: z
      .object({ asOf: z.iso.date('expected a date YYYY-MM-DD').optional() })
      .catchall(z.int())
      .check((ctx) => {
        for (const key of Object.keys(ctx.value)) {
          if (key !== 'asOf' && !/^\d{3}$/.test(key))
            ctx.issues.push({ code: 'custom', input: key, path: [key], message: 'expected a 3-digit account code' });
        }
      })
      .default({}),
  })
  .check((ctx) => {
    // Balances are stated where a fiscal year opens (기초잔액); every later year opens with them carried forward.
    const {
      openingBalances: { asOf },
      fiscalYearStartMonth,
    } = ctx.value;
    const start = `-${String(fiscalYearStartMonth).padStart(2, '0')}-01`;
    if (asOf !== undefined && !asOf.endsWith(start)) {
      const message = `${asOf} is not a fiscal-year start: expected YYYY${start} (fiscalYearStartMonth ${fiscalYearStartMonth})`;
      ctx.issues.push({ code: 'custom', input: asOf, path: ['openingBalances', 'asOf'], message });
    }
  })
  // {"asOf": "2024-04-01", "134": 50000000}: the date beside the balances; without it, the form written before it existed.
  .transform(({ openingBalances: { asOf, ...balances }, ...company }) => ({
    ...company,
    openingBalances: balances,
    ...(asOf !== undefined && { openingBalancesAsOf: asOf }),
  })) satisfies z.ZodType<Company, unknown>;

/** company.json's form of a company master (what loadCompany reads back): the balances' date inside openingBalances. */
export function companyJsonObject({ openingBalancesAsOf, openingBalances, ...company }: Company): object {
  return { ...company, openingBalances: { ...(openingBalancesAsOf !== undefined && { asOf: openingBalancesAsOf }), ...openingBalances } };
}

function companyDir(dataDir: string, companyId: string): string {
  return join(dataDir, 'companies', companyId);
}

/** A file or a link: a linked company.json is listed so that its run refuses it by name (data-file.ts), not skipped unseen. */
async function hasEntry(path: string): Promise<boolean> {
  return lstat(path).then(
    (s) => s.isFile() || s.isSymbolicLink(),
    () => false,
  );
}

/**
 * The company master of `<dataDir>/companies/<id>/company.json`, validated against docs/spec/erp-input-format.md.
 * Plaintext, never sealed: it is master data (name, recipients, settings), not the journal; the optional
 * openingBalances are the one financial figure in it.
 */
export async function loadCompany(dataDir: string, companyId: string): Promise<Company> {
  assertCompanyId(companyId);
  const file = join(companyDir(dataDir, companyId), 'company.json');
  if (!(await isPlainDataFile(dataDir, file))) throw new UnknownCompanyError(companyId);
  const text = await readDecodedText(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LedgerFormatError(file, lineAt(text, scanJson(text)), undefined, `malformed JSON: ${(err as Error).message}`);
  }
  const parsed = CompanySchema.safeParse(json, { error: missingFieldMessage });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // A bad record key comes as "Invalid key in record"; the nested issue says what was expected.
    const problem = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    throw new LedgerFormatError(file, lineOfJsonPath(text, issue.path), issue.path.join('.') || undefined, problem);
  }
  if (parsed.data.id !== companyId) {
    throw new LedgerFormatError(
      file,
      lineOfJsonPath(text, ['id']),
      'id',
      `id ${JSON.stringify(parsed.data.id)} differs from the folder name ${JSON.stringify(companyId)}`,
    );
  }
  return parsed.data;
}

/** A folder under `companies/` that is no company the runs can read, and why: named to the admin, never skipped unseen. */
export interface SkippedCompanyDir {
  name: string;
  reason: string;
}

/** One line for an operator's terminal: the name quoted (it may hold anything, newlines included), and why. */
export function skippedDirLine({ name, reason }: SkippedCompanyDir): string {
  return `companies/${JSON.stringify(name)} skipped: ${reason}`;
}

/**
 * The company folders (well-named, holding a company.json), sorted by id, and every other folder or link under
 * `companies/` with the reason it is none. Plain files there are not company folders and are left alone.
 */
export async function scanCompanyDirs(dataDir: string): Promise<{ ids: string[]; skipped: SkippedCompanyDir[] }> {
  const entries = await readdir(join(dataDir, 'companies'), { withFileTypes: true });
  const ids: string[] = [];
  const skipped: SkippedCompanyDir[] = [];
  // Names are unique; in code-unit order, as the batch pages through the ids.
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    const reason = await notACompany(dataDir, entry);
    if (reason === undefined) ids.push(entry.name);
    else skipped.push({ name: entry.name, reason });
  }
  return { ids, skipped };
}

/** Ids of the company folders that hold a company.json, sorted (scanCompanyDirs says why the others are not). */
export async function listCompanyIds(dataDir: string): Promise<string[]> {
  return (await scanCompanyDirs(dataDir)).ids;
}

/** Why a folder (or link) under `companies/` holds no company, or undefined when it does. */
async function notACompany(dataDir: string, entry: Dirent): Promise<string | undefined> {
  if (entry.isSymbolicLink()) return 'a symbolic link: the data directory takes real folders only';
  try {
    assertCompanyId(entry.name);
  } catch (err) {
    // macOS writes Hangul file names decomposed (NFD): the same letters on screen, other characters on disk.
    const nfd = entry.name !== entry.name.normalize('NFC') ? '; its Hangul is decomposed (NFD): rename it in composed form (NFC)' : '';
    return `${(err as Error).message}${nfd}`;
  }
  if (!(await hasEntry(join(companyDir(dataDir, entry.name), 'company.json')))) return 'no company.json in it';
  return undefined;
}

/** The formats a month's ledger may come in, by file extension: the ERP's CSV export, or its Excel one. */
export const LEDGER_FORMATS = ['csv', 'xlsx', 'xls'] as const;
export type LedgerFormat = (typeof LEDGER_FORMATS)[number];

/** `<dataDir>/companies/<id>/ledger/<YYYY-MM>.<format>`, with both parts validated before they touch a path. */
export function ledgerPath(dataDir: string, companyId: string, period: string, format: LedgerFormat = 'csv'): string {
  return join(dataDir, ...ledgerAad(companyId, period, format).split('/'));
}

/**
 * What a sealed ledger is bound to (the envelope's AAD): its path below the data directory, so a sealed
 * file copied to another company, month or format does not open.
 */
export function ledgerAad(companyId: string, period: string, format: LedgerFormat = 'csv'): string {
  return `companies/${assertCompanyId(companyId)}/ledger/${assertPeriod(period)}.${format}`;
}

/** Where the month's ledger is expected, for messages: `…/ledger/2024-01.{csv,xlsx,xls}`. */
export function expectedLedgerPath(dataDir: string, companyId: string, period: string): string {
  return ledgerPath(dataDir, companyId, period).replace(/csv$/, `{${LEDGER_FORMATS.join(',')}}`);
}

/**
 * The month's ledger as it arrived, in whichever format: undefined when none did. Two exports of one month (a CSV
 * and a workbook) are refused rather than one picked: they may differ.
 */
export async function findLedger(dataDir: string, companyId: string, period: string): Promise<{ path: string; format: LedgerFormat } | undefined> {
  const found: { path: string; format: LedgerFormat }[] = [];
  for (const format of LEDGER_FORMATS) {
    const path = ledgerPath(dataDir, companyId, period, format);
    if (await isPlainDataFile(dataDir, path)) found.push({ path, format });
  }
  if (found.length > 1) {
    const names = found.map((f) => `${period}.${f.format}`).join(' and ');
    throw new LedgerFormatError(found[0]!.path, undefined, undefined, `two exports of ${period}: ${names}; expected one, remove the other`);
  }
  return found[0];
}

/** zod words an absent field as "expected string, received undefined": say that it is missing. */
function missingFieldMessage(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'invalid_type' && issue.input === undefined ? `required field missing: expected ${issue.expected}` : undefined;
}

// eslint-disable-next-line no-control-regex -- a JSON string may not hold a raw control character (RFC 8259 §7)
const JSON_STRING = /"(?:[^"\\\u0000-\u001F]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const JSON_SCALAR = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

type JsonPath = readonly PropertyKey[];

/**
 * Walks JSON text, telling `onValue` where each value starts; returns the offset it stopped at: the end of the
 * text for valid JSON, else the first syntax error (JSON.parse on Node 20 does not always say where it stopped).
 */
function scanJson(text: string, onValue: (path: JsonPath, offset: number) => void = () => {}): number {
  let i = 0;
  const fail = (): never => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a local unwind, not an error: the catch below takes the offset
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const token = (pattern: RegExp) => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) fail();
    i = pattern.lastIndex;
  };
  const expect = (char: string) => (text[i] === char ? i++ : fail());
  const sequence = (close: string, item: (index: number) => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (let index = 0; ; index++) {
      item(index);
      space();
      if (text[i] !== ',') return void expect(close);
      i++;
    }
  };
  const value = (path: JsonPath): void => {
    space();
    onValue(path, i);
    if (text[i] === '{') {
      sequence('}', () => {
        space();
        const keyStart = i;
        token(JSON_STRING);
        const key = JSON.parse(text.slice(keyStart, i)) as string;
        space();
        expect(':');
        value([...path, key]);
      });
    } else if (text[i] === '[') sequence(']', (index) => value([...path, index]));
    else token(text[i] === '"' ? JSON_STRING : JSON_SCALAR);
  };
  try {
    value([]);
    space();
    return i; // trailing garbage, or the end
  } catch (offset) {
    if (typeof offset === 'number') return offset;
    throw offset;
  }
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/**
 * The line of the value at `path` in valid JSON text; for an absent field, the line of the object that lacks
 * it. A key given twice counts where JSON.parse takes it from: the last time.
 */
function lineOfJsonPath(text: string, path: JsonPath): number {
  const key = (p: JsonPath) => p.map(String).join('\u0000');
  const offsets = new Map<string, number>();
  scanJson(text, (p, offset) => offsets.set(key(p), offset));
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = offsets.get(key(path.slice(0, depth)));
    if (offset !== undefined) return lineAt(text, offset);
  }
  return 1;
}

/** The months with a ledger file (in any of LEDGER_FORMATS), oldest first. */
export async function ledgerPeriods(dataDir: string, companyId: string): Promise<string[]> {
  const files = await readdir(join(dataDir, 'companies', companyId, 'ledger')).catch(() => []);
  const name = new RegExp(`^(\\d{4}-\\d{2})\\.(?:${LEDGER_FORMATS.join('|')})$`);
  const periods = files.map((f) => name.exec(f)?.[1]).filter((p): p is string => p !== undefined);
  return [...new Set(periods)].sort();
}
