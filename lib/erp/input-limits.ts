import { open, stat } from 'node:fs/promises';
import { LedgerFormatError } from '../domain/ledger';

/**
 * What one ERP export (CSV or workbook) may cost a worker. Far above any real month (a 200,000-line journal is
 * ~16 MiB and 11 columns) and far below what would tie up a worker for minutes per attempt; past one, the file is
 * refused as a data error (LedgerFormatError, not retried) that names the limit. In a workbook, `bytes` also bounds
 * each part unpacked from it, `records` counts the rows of all its sheets, `columns` the column of any cell with a value.
 */
export const INPUT_LIMITS = {
  bytes: 512 * 2 ** 20,
  columns: 200,
  /** Characters of one record (row), quoted newlines included. */
  recordChars: 64 * 1024,
  records: 2_000_000,
} as const;

export const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function assertSize(path: string, size: number): void {
  if (size > INPUT_LIMITS.bytes)
    throw new LedgerFormatError(path, undefined, undefined, `file is ${mib(size)} MiB, past the limit of ${mib(INPUT_LIMITS.bytes)} MiB`);
}

/** Refuses a file past the byte limit from its size, before a byte of it is read. */
export async function assertFileSize(path: string): Promise<void> {
  assertSize(path, (await stat(path)).size);
}

/**
 * The whole file, through one open handle: refused past the byte limit from its size before a byte of it is read
 * (and again if it grew while read), so what is held in memory is bounded like what is parsed.
 */
export async function readFileWithinLimit(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    assertSize(path, (await handle.stat()).size);
    const bytes = await handle.readFile();
    assertSize(path, bytes.length);
    return bytes;
  } finally {
    await handle.close();
  }
}
