/**
 * Envelope encryption of one object: a fresh data key (DEK) per object encrypts the bytes with AES-256-GCM,
 * and the key wrapper (local keys or a KMS) encrypts the DEK. Layout:
 *
 *   MAGIC | uint32 BE header length | header JSON {v, alg, kid, iv, tag, wrappedDek} (base64 fields) | ciphertext
 *
 * The caller's AAD (an object key, a ledger's path under its data directory) is authenticated with the data,
 * so a sealed object copied to another key does not open. The header is not, because rewrap replaces the
 * wrapped DEK without touching the data; instead only its canonical serialisation is accepted, so any
 * changed header byte fails too.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyWrapper } from './keyring';
import { FailureType } from '../temporal-contract';

export const SEAL_MAGIC = Buffer.from('TXENC1\n', 'latin1');
const ALG = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DEK_BYTES = 32;
const LENGTH_BYTES = 4;

/** A sealed object that cannot be opened: wrong or unknown key, wrong AAD, tampered or truncated bytes. */
export class DecryptionError extends Error {
  override readonly name = FailureType.Decryption;
}

interface Header {
  v: 1;
  alg: typeof ALG;
  kid: string;
  iv: string;
  tag: string;
  wrappedDek: string;
}

interface Parsed {
  header: Header;
  ciphertext: Buffer;
}

export function isSealed(buf: Buffer): boolean {
  return buf.length >= SEAL_MAGIC.length && buf.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC);
}

/** The id of the key that wraps the object's data key. */
export function sealedKeyId(sealed: Buffer): string {
  return parse(sealed).header.kid;
}

export async function seal(plaintext: Buffer | string, wrapper: KeyWrapper, aad = ''): Promise<Buffer> {
  const dek = randomBytes(DEK_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dek, iv).setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const { keyId, wrapped } = await wrapper.wrap(dek);
  return assemble({ kid: keyId, iv, tag: cipher.getAuthTag(), wrappedDek: wrapped }, ciphertext);
}

/** Errors name the AAD when there is one: it is the object's key or the file's path. */
export async function open(sealed: Buffer, wrapper: KeyWrapper, aad = ''): Promise<Buffer> {
  try {
    return await openUnnamed(sealed, wrapper, aad);
  } catch (err) {
    throw err instanceof DecryptionError && aad ? new DecryptionError(`${aad}: ${err.message}`, { cause: err }) : err;
  }
}

async function openUnnamed(sealed: Buffer, wrapper: KeyWrapper, aad: string): Promise<Buffer> {
  const { header, ciphertext } = parse(sealed);
  const dek = await wrapper.unwrap(header.kid, Buffer.from(header.wrappedDek, 'base64'));
  if (dek.length !== DEK_BYTES) throw new DecryptionError(`the data key unwrapped with key "${header.kid}" is not ${DEK_BYTES} bytes`);
  const decipher = createDecipheriv('aes-256-gcm', dek, Buffer.from(header.iv, 'base64'))
    .setAAD(Buffer.from(aad, 'utf8'))
    .setAuthTag(Buffer.from(header.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError(`sealed data failed authentication (key "${header.kid}"): tampered, or moved from another name`);
  }
}

/** The same object with its data key wrapped by the active key; the data itself is not re-encrypted. */
export async function rewrap(sealed: Buffer, wrapper: KeyWrapper): Promise<Buffer> {
  const { header, ciphertext } = parse(sealed);
  const dek = await wrapper.unwrap(header.kid, Buffer.from(header.wrappedDek, 'base64'));
  const { keyId, wrapped } = await wrapper.wrap(dek);
  const [iv, tag] = [Buffer.from(header.iv, 'base64'), Buffer.from(header.tag, 'base64')];
  return assemble({ kid: keyId, iv, tag, wrappedDek: wrapped }, ciphertext);
}

function assemble(fields: { kid: string; iv: Buffer; tag: Buffer; wrappedDek: Buffer }, ciphertext: Buffer): Buffer {
  const header = serialize({
    v: 1,
    alg: ALG,
    kid: fields.kid,
    iv: fields.iv.toString('base64'),
    tag: fields.tag.toString('base64'),
    wrappedDek: fields.wrappedDek.toString('base64'),
  });
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(header.length);
  return Buffer.concat([SEAL_MAGIC, length, header, ciphertext]);
}

/** Fixed field order, so one header has exactly one serialisation. */
function serialize(h: Header): Buffer {
  return Buffer.from(JSON.stringify({ v: h.v, alg: h.alg, kid: h.kid, iv: h.iv, tag: h.tag, wrappedDek: h.wrappedDek }), 'utf8');
}

function parse(sealed: Buffer): Parsed {
  if (!isSealed(sealed)) throw new DecryptionError('not sealed (no TXENC1 prefix): plaintext, or damaged');
  const start = SEAL_MAGIC.length + LENGTH_BYTES;
  if (sealed.length < start) throw new DecryptionError('sealed data is truncated');
  const end = start + sealed.readUInt32BE(SEAL_MAGIC.length);
  if (end > sealed.length) throw new DecryptionError('sealed data is truncated');
  const raw = sealed.subarray(start, end);
  let header: Header;
  try {
    header = JSON.parse(raw.toString('utf8')) as Header;
  } catch {
    throw new DecryptionError('sealed data has a malformed header');
  }
  if (!isCanonical(header, raw)) throw new DecryptionError('sealed data has a malformed header');
  return { header, ciphertext: sealed.subarray(end) };
}

function isCanonical(h: Header, raw: Buffer): boolean {
  if (typeof h !== 'object' || h === null || h.v !== 1 || h.alg !== ALG || typeof h.kid !== 'string') return false;
  // Node's base64 decoder skips stray characters and ignores padding bits: only the re-encoded form is accepted.
  const canonicalBase64 = (s: unknown, bytes?: number) => {
    if (typeof s !== 'string') return false;
    const decoded = Buffer.from(s, 'base64');
    return decoded.toString('base64') === s && (bytes === undefined || decoded.length === bytes);
  };
  return canonicalBase64(h.iv, IV_BYTES) && canonicalBase64(h.tag, TAG_BYTES) && canonicalBase64(h.wrappedDek) && serialize(h).equals(raw);
}
