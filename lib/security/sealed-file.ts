/**
 * Reading a file that may be sealed (envelope.ts), for the raw ERP exports: a plaintext file streams as it
 * is; a sealed one is read and opened whole, because GCM authenticates only at the end and no unverified
 * plaintext may reach the parser. With keys, encryption at rest is on and the file must be sealed: the one
 * step that may read it as plaintext is its sealing (ledger-loading.ts seals a new upload before reading it).
 */
import { createReadStream } from 'node:fs';
import { open as openFile, readFile } from 'node:fs/promises';
import { DecryptionError, SEAL_MAGIC, isSealed, open } from './envelope';
import type { KeyWrapper } from './keyring';

export interface Unsealing {
  /** Absent: meeting a sealed file is an error, since this process cannot open it. Present: so is a plaintext one. */
  keys?: KeyWrapper;
  /** What the file was sealed under (for ledgers: ledgerAad). */
  aad?: string;
}

/** The file's bytes, re-readable: every call starts again from the first byte. */
export type ByteSource = () => AsyncIterable<Buffer> | Iterable<Buffer>;

// Sealed just before, so replaced since by a new upload: a retry seals that one first.
const plaintextWithKeys = (path: string) =>
  new Error(`${path} is plaintext, but encryption at rest is on and ledgers are read sealed only: the file changed after it was sealed`);
const sealedWithoutKeys = (path: string) =>
  new DecryptionError(`${path} is sealed, but this process has no encryption keys (ENCRYPTION_KEYS or ENCRYPTION_KMS_MODULE)`);

export async function fileBytes(path: string, { keys, aad }: Unsealing = {}): Promise<ByteSource> {
  if (!(await isSealedFile(path))) {
    if (!keys) return () => createReadStream(path);
    throw plaintextWithKeys(path);
  }
  if (!keys) throw sealedWithoutKeys(path);
  const plaintext = await open(await readFile(path), keys, aad);
  return () => [plaintext];
}

/** The plaintext of a file already read whole (`bytes`, as on disk), on fileBytes' terms: sealed exactly when there are keys. */
export async function unsealedBytes(path: string, bytes: Buffer, { keys, aad }: Unsealing = {}): Promise<Buffer> {
  if (!isSealed(bytes)) {
    if (!keys) return bytes;
    throw plaintextWithKeys(path);
  }
  if (!keys) throw sealedWithoutKeys(path);
  return open(bytes, keys, aad);
}

/** Bytes in memory as a ByteSource, in chunks the size of a file stream's, so that they decode as incrementally. */
export function bufferBytes(bytes: Buffer, chunkSize = 64 * 1024): ByteSource {
  return function* () {
    for (let start = 0; start < bytes.length; start += chunkSize) yield bytes.subarray(start, start + chunkSize);
  };
}

/** Whether the file starts like a sealed one, from its first bytes only. */
export async function isSealedFile(path: string): Promise<boolean> {
  const handle = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(SEAL_MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return isSealed(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
