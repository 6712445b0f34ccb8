/**
 * The files encryption at rest covers, and their in-place maintenance for `npm run encryption`: seal the
 * plaintext ones, rewrap the sealed ones to the active key, count them by key id. Each file is sealed under
 * the name its reader opens it with (the envelope's AAD): a ledger under ledgerAad, a report under its object key.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ledgerAad, ledgerPath, ledgerPeriods, listCompanyIds } from '../erp/company';
import { writeFileAtomic } from '../storage/fs-object-store';
import { isSealed, rewrap, seal, sealedKeyId } from './envelope';
import type { KeyWrapper } from './keyring';

export interface AtRestFile {
  path: string;
  aad: string;
}

/** Only the ledger CSVs: company.json and accounts.csv are master data and stay plaintext. */
export async function ledgerFiles(dataDir: string): Promise<AtRestFile[]> {
  const files: AtRestFile[] = [];
  for (const companyId of await listCompanyIds(dataDir)) {
    for (const period of await ledgerPeriods(dataDir, companyId)) {
      files.push({ path: ledgerPath(dataDir, companyId, period), aad: ledgerAad(companyId, period) });
    }
  }
  return files;
}

/** Every object of a filesystem report store; its key is its path below the store directory. */
export async function reportFiles(storeDir: string): Promise<AtRestFile[]> {
  const files: AtRestFile[] = [];
  for await (const path of walk(storeDir)) files.push({ path, aad: relative(storeDir, path).split(sep).join('/') });
  return files;
}

/** Skips dot entries: the stores' temp files, which are not objects (parseObjectKey refuses such names). */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

export interface KeyCounts {
  plaintext: number;
  /** Sealed files by the id of the key wrapping their data key. */
  sealed: Record<string, number>;
}

export async function countByKey(files: AtRestFile[]): Promise<KeyCounts> {
  const counts: KeyCounts = { plaintext: 0, sealed: {} };
  await eachFile(files, async (_file, bytes) => {
    if (!isSealed(bytes)) counts.plaintext++;
    else {
      const kid = sealedKeyId(bytes);
      counts.sealed[kid] = (counts.sealed[kid] ?? 0) + 1;
    }
  });
  return counts;
}

/** Seals the plaintext files, each replaced atomically; already sealed ones are left alone. */
export async function sealInPlace(files: AtRestFile[], keys: KeyWrapper): Promise<{ sealed: number; skipped: number }> {
  const result = { sealed: 0, skipped: 0 };
  await eachFile(files, async (file, bytes) => {
    if (isSealed(bytes)) return void result.skipped++;
    await replaceFile(file.path, await seal(bytes, keys, file.aad));
    result.sealed++;
  });
  return result;
}

/** Wraps the data key of every sealed file not yet on the active key with it; plaintext files are left alone. */
export async function rewrapInPlace(files: AtRestFile[], keys: KeyWrapper): Promise<{ rewrapped: number; skipped: number }> {
  const result = { rewrapped: 0, skipped: 0 };
  await eachFile(files, async (file, bytes) => {
    if (!isSealed(bytes) || sealedKeyId(bytes) === keys.activeKeyId) return void result.skipped++;
    await replaceFile(file.path, await rewrap(bytes, keys));
    result.rewrapped++;
  });
  return result;
}

/** Atomically, keeping the file's permissions. */
async function replaceFile(path: string, body: Buffer): Promise<void> {
  await writeFileAtomic(path, body, (await stat(path)).mode & 0o777);
}

/** One file at a time (ledgers can be large); a failure names the file. */
async function eachFile(files: AtRestFile[], work: (file: AtRestFile, bytes: Buffer) => Promise<void>): Promise<void> {
  for (const file of files) {
    try {
      await work(file, await readFile(file.path));
    } catch (err) {
      throw new Error(`${file.path}: ${(err as Error).message}`, { cause: err });
    }
  }
}
