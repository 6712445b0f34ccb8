/**
 * Reading a file that may be sealed (envelope.ts), for the raw ERP exports: a plaintext file streams as it
 * is; a sealed one is read and opened whole, because GCM authenticates only at the end and no unverified
 * plaintext may reach the parser.
 */
import { createReadStream } from 'node:fs';
import { open as openFile, readFile } from 'node:fs/promises';
import { DecryptionError, SEAL_MAGIC, isSealed, open } from './envelope';
import type { KeyWrapper } from './keyring';

export interface Unsealing {
  /** Absent: meeting a sealed file is an error, since this process cannot open it. */
  keys?: KeyWrapper;
  /** What the file was sealed under (for ledgers: ledgerAad). */
  aad?: string;
}

/** The file's bytes, re-readable: every call starts again from the first byte. */
export type ByteSource = () => AsyncIterable<Buffer> | Iterable<Buffer>;

export async function fileBytes(path: string, { keys, aad }: Unsealing = {}): Promise<ByteSource> {
  if (!(await startsSealed(path))) return () => createReadStream(path);
  if (!keys) {
    throw new DecryptionError(`${path} is sealed, but this process has no encryption keys (ENCRYPTION_KEYS or ENCRYPTION_KMS_MODULE)`);
  }
  const plaintext = await open(await readFile(path), keys, aad);
  return () => [plaintext];
}

async function startsSealed(path: string): Promise<boolean> {
  const handle = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(SEAL_MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return isSealed(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
