import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Company } from '../domain/company';
import { assertCompanyId, assertPeriod } from '../domain/ids';
import { LedgerFormatError } from '../domain/ledger';
import { readDecodedText } from './decode';

/** No company folder (or no company.json in it) for this id under the data directory. */
export class UnknownCompanyError extends Error {
  override readonly name = 'UnknownCompanyError';
  constructor(readonly companyId: string) {
    super(`unknown company ${JSON.stringify(companyId)}: no companies/${companyId}/company.json`);
  }
}

// Unknown fields are dropped, not refused, so the master file can grow ahead of this code.
const CompanySchema = z.object({
  id: z.string(),
  name: z.string().trim().min(1),
  // Only the format: a bad checksum is the DQ-BIZREGNO warning, not a load failure.
  bizRegNo: z.string().regex(/^\d{3}-\d{2}-\d{5}$/, 'expected NNN-NN-NNNNN'),
  sme: z.boolean(),
  fiscalYearStartMonth: z.int().min(1).max(12),
  industry: z.string(),
  reportRecipients: z.array(z.email()).min(1),
  relatedPartyRevenueShare: z.number().min(0).max(1).optional(),
  vehicles: z
    .array(z.object({ plate: z.string().trim().min(1), businessInsurance: z.boolean(), mileageLog: z.boolean() }))
    .default([]),
  openingBalances: z.record(z.string().regex(/^\d{3}$/, 'expected a 3-digit account code'), z.int()).default({}),
}) satisfies z.ZodType<Company, unknown>;

function companyDir(dataDir: string, companyId: string): string {
  return join(dataDir, 'companies', companyId);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The company master of `<dataDir>/companies/<id>/company.json`, validated against ERP-FORMAT.md. Plaintext,
 * never sealed: it is master data (name, recipients, settings), not the journal; the optional
 * openingBalances are the one financial figure in it.
 */
export async function loadCompany(dataDir: string, companyId: string): Promise<Company> {
  assertCompanyId(companyId);
  const file = join(companyDir(dataDir, companyId), 'company.json');
  if (!(await isFile(file))) throw new UnknownCompanyError(companyId);
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

/** Ids of the company folders that hold a company.json, sorted; folders with unusable names are skipped. */
export async function listCompanyIds(dataDir: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, 'companies'), { withFileTypes: true });
  const ids: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !isCompanyId(entry.name)) continue;
    if (await isFile(join(companyDir(dataDir, entry.name), 'company.json'))) ids.push(entry.name);
  }
  return ids.sort();
}

function isCompanyId(name: string): boolean {
  try {
    assertCompanyId(name);
    return true;
  } catch {
    return false;
  }
}

/** `<dataDir>/companies/<id>/ledger/<YYYY-MM>.csv`, with both parts validated before they touch a path. */
export function ledgerPath(dataDir: string, companyId: string, period: string): string {
  return join(dataDir, ...ledgerAad(companyId, period).split('/'));
}

/**
 * What a sealed ledger is bound to (the envelope's AAD): its path below the data directory, so a sealed
 * file copied to another company or month does not open.
 */
export function ledgerAad(companyId: string, period: string): string {
  return `companies/${assertCompanyId(companyId)}/ledger/${assertPeriod(period)}.csv`;
}

/** zod words an absent field as "expected string, received undefined": say that it is missing. */
function missingFieldMessage(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'invalid_type' && issue.input === undefined ? `required field missing: expected ${issue.expected}` : undefined;
}

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

/** The months with a ledger file, oldest first. */
export async function ledgerPeriods(dataDir: string, companyId: string): Promise<string[]> {
  const files = await readdir(join(dataDir, 'companies', companyId, 'ledger')).catch(() => []);
  return files
    .map((f) => /^(\d{4}-\d{2})\.csv$/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined)
    .sort();
}
