// What one CSV may cost a worker (lib/erp/input-limits.ts INPUT_LIMITS): past each limit the file is refused as a
// data error that names the file and the limit, before the work it would cost.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LedgerFormatError } from '../../lib/domain/ledger';
import { mapColumns } from '../../lib/erp/columns';
import { INPUT_LIMITS } from '../../lib/erp/input-limits';
import { parseLedger, readCsv } from '../../lib/erp/parse-ledger';

const dir = mkdtempSync(join(tmpdir(), 'csv-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (content: string) => {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, content);
  return path;
};
const HEADER = '전표일자,전표번호,구분,계정코드,계정과목,차변,대변,거래처코드,거래처,적요,증빙구분';

async function drain(path: string) {
  for await (const _ of parseLedger(path, { period: '2024-01' }));
}

const refused = (path: string, limit: RegExp) => (err: unknown) => err instanceof LedgerFormatError && err.file === path && limit.test(err.problem);

test('a file larger than the limit is refused from its size, before a byte is read', async () => {
  const path = file('');
  truncateSync(path, INPUT_LIMITS.bytes + 1); // sparse: no disk used
  await assert.rejects(drain(path), refused(path, /past the limit of 512 MiB/));
});

test('a record past the column limit is refused at its line, title lines included; one of 300,000 columns by its length already', async () => {
  const wideRecord = Array.from({ length: 1_000 }, (_, i) => `c${i}`).join(',');
  const wide = file(`${wideRecord}\n`);
  await assert.rejects(drain(wide), refused(wide, new RegExp(`1000 columns, past the limit of ${INPUT_LIMITS.columns}`)));
  const wideTitle = file(`분개장\n${wideRecord}\n${HEADER}\n`);
  await assert.rejects(drain(wideTitle), (err: unknown) => refused(wideTitle, /1000 columns/)(err) && (err as LedgerFormatError).line === 2);
  const huge = file(`${Array.from({ length: 300_000 }, (_, i) => `c${i}`).join(',')}\n`);
  await assert.rejects(drain(huge), (err: unknown) => refused(huge, /past the limit/)(err) && (err as LedgerFormatError).line === 1);
});

test('a record longer than the limit is refused at its line', async () => {
  const path = file(`${HEADER}\n2024-01-02,1,,811,복리후생비,1000,0,,,"${'가'.repeat(INPUT_LIMITS.recordChars)}",\n`);
  await assert.rejects(drain(path), (err: unknown) => refused(path, /longer than 65536 characters/)(err) && (err as LedgerFormatError).line === 2);
});

test('more records than the limit are refused', async () => {
  const path = file(`a\n${'1\n'.repeat(INPUT_LIMITS.records)}`);
  const read = async () => {
    for await (const _ of readCsv(path, () => undefined));
  };
  await assert.rejects(read(), refused(path, /more than 2000000 records/));
});

test('the header is mapped in one pass: duplicates still found among many unknown columns', () => {
  const names = [...Array.from({ length: 50_000 }, (_, i) => `extra${i}`), '전표일자', '계정코드', '계정과목', 'extra7'];
  assert.throws(
    () => mapColumns(names, [{ key: 'date', names: ['전표일자'], required: true }], 'x.csv', 1),
    (err: unknown) => err instanceof LedgerFormatError && /columns 8 \(extra7\) and 50004 \(extra7\)/.test(err.problem),
  );
});
