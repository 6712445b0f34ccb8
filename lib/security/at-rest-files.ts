/**
 * What encryption at rest covers, and its in-place maintenance for `npm run encryption`: seal the plaintext
 * items, rewrap the sealed ones to the active key, count them by key id. Each is sealed under the name its reader
 * opens it with (the envelope's AAD): a ledger under ledgerAad, a report under its object key. Ledgers are files;
 * reports are the objects of the report store, on disk or in the bucket.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { findLedger, ledgerAad, ledgerPath, ledgerPeriods, listCompanyIds, type LedgerFormat } from '../erp/company';
import { FsObjectStore, writeFileAtomic } from '../storage/fs-object-store';
import type { ObjectStore } from '../storage/object-store';
import { isSealed, rewrap, seal, sealedKeyId } from './envelope';
import type { KeyWrapper } from './keyring';

export interface AtRestItem {
  /** A file's path or an object's key, for messages. */
  name: string;
  aad: string;
  read(): Promise<Buffer>;
  /** Replaces the item's bytes in one step. */
  write(body: Buffer): Promise<void>;
}

export interface AtRestFile extends AtRestItem {
  path: string;
}

function atRestFile(path: string, aad: string): AtRestFile {
  // Atomically, keeping the file's permissions.
  return { path, name: path, aad, read: () => readFile(path), write: async (body) => writeFileAtomic(path, body, (await stat(path)).mode & 0o777) };
}

const CONTENT_TYPES: Record<string, string> = { '.pdf': 'application/pdf', '.json': 'application/json' };

/** A month's ledger, sealed under its ledgerAad. */
export function ledgerFile(dataDir: string, companyId: string, period: string, format: LedgerFormat): AtRestFile {
  return atRestFile(ledgerPath(dataDir, companyId, period, format), ledgerAad(companyId, period, format));
}

/**
 * Only the ledgers, CSV or workbook: company.json and accounts.csv are master data and stay plaintext. A link among
 * them is refused by name (data-file.ts): sealing it would copy whatever it points at into the data directory.
 */
export async function ledgerFiles(dataDir: string): Promise<AtRestFile[]> {
  const files: AtRestFile[] = [];
  for (const companyId of await listCompanyIds(dataDir)) {
    for (const period of await ledgerPeriods(dataDir, companyId)) {
      const ledger = await findLedger(dataDir, companyId, period);
      if (ledger) files.push(ledgerFile(dataDir, companyId, period, ledger.format));
    }
  }
  return files;
}

/** Every object of a filesystem report store; its key is its path below the store directory. */
export async function reportFiles(storeDir: string): Promise<AtRestFile[]> {
  const store = new FsObjectStore(storeDir);
  const files: AtRestFile[] = [];
  for await (const key of store.list('')) files.push(atRestFile(store.localPath(key), key));
  return files;
}

/** Every object of a report store as stored (`store` without the sealing layer), e.g. the S3 bucket's. */
export async function reportObjects(store: ObjectStore): Promise<AtRestItem[]> {
  const items: AtRestItem[] = [];
  for await (const key of store.list('')) {
    items.push({
      name: key,
      aad: key,
      read: () => store.get(key),
      write: (body) => store.put(key, body, CONTENT_TYPES[extname(key)] ?? 'application/octet-stream'),
    });
  }
  return items;
}

export interface KeyCounts {
  plaintext: number;
  /** Sealed files by the id of the key wrapping their data key. */
  sealed: Record<string, number>;
}

export async function countByKey(files: readonly AtRestItem[]): Promise<KeyCounts> {
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
export async function sealInPlace(files: readonly AtRestItem[], keys: KeyWrapper): Promise<{ sealed: number; skipped: number }> {
  const result = { sealed: 0, skipped: 0 };
  await eachFile(files, async (file, bytes) => {
    if (isSealed(bytes)) return void result.skipped++;
    await file.write(await seal(bytes, keys, file.aad));
    result.sealed++;
  });
  return result;
}

/** Wraps the data key of every sealed file not yet on the active key with it; plaintext files are left alone. */
export async function rewrapInPlace(files: readonly AtRestItem[], keys: KeyWrapper): Promise<{ rewrapped: number; skipped: number }> {
  const result = { rewrapped: 0, skipped: 0 };
  await eachFile(files, async (file, bytes) => {
    if (!isSealed(bytes) || sealedKeyId(bytes) === keys.activeKeyId) return void result.skipped++;
    await file.write(await rewrap(bytes, keys));
    result.rewrapped++;
  });
  return result;
}

/** One item at a time (ledgers can be large); a failure names the item. */
async function eachFile(files: readonly AtRestItem[], work: (file: AtRestItem, bytes: Buffer) => Promise<void>): Promise<void> {
  for (const file of files) {
    try {
      await work(file, await file.read());
    } catch (err) {
      throw new Error(`${file.name}: ${(err as Error).message}`, { cause: err });
    }
  }
}
