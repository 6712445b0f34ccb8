// A ledger file parsed to the end, or the data error it must fail with: the parser tests' two questions.
import assert from 'node:assert/strict';
import type { LedgerLine } from '../../lib/domain/ledger';
import { LedgerFormatError } from '../../lib/domain/ledger';
import { parseLedger, type ParseLedgerOptions } from '../../lib/erp/parse-ledger';

export async function parseLines(path: string, opts: ParseLedgerOptions): Promise<LedgerLine[]> {
  const lines: LedgerLine[] = [];
  for await (const line of parseLedger(path, opts)) lines.push(line);
  return lines;
}

/** The LedgerFormatError `path` fails with; it names the file. */
export async function parseFailure(path: string, opts: ParseLedgerOptions): Promise<LedgerFormatError> {
  try {
    await parseLines(path, opts);
  } catch (err) {
    assert.ok(err instanceof LedgerFormatError, `expected LedgerFormatError, got ${String(err)}`);
    assert.equal(err.file, path);
    return err;
  }
  assert.fail(`${path} parsed without error`);
}
