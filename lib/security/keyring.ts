/**
 * Key-encryption keys: they wrap and unwrap the per-object data keys of envelope.ts. Local keys come from
 * ENCRYPTION_KEYS; ENCRYPTION_KMS_MODULE plugs in a KMS instead, whose keys never leave it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, PROJECT_ROOT, type AppConfig } from '../config';
import { DecryptionError } from './envelope';

export interface KeyWrapper {
  /** The key new data keys are wrapped with; every other known id still unwraps (rotation). */
  activeKeyId: string;
  /** Every key id this wrapper unwraps, when it can tell (a KMS may not): shown to admins, never the keys. */
  keyIds?: readonly string[];
  wrap(dek: Buffer): Promise<{ keyId: string; wrapped: Buffer }>;
  /** Throws DecryptionError for an unknown id or a wrapped key that does not authenticate. */
  unwrap(keyId: string, wrapped: Buffer): Promise<Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const KEY_ID_RULE = '1-64 characters of A-Z a-z 0-9 _ . -';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function isKeyId(id: string): boolean {
  return KEY_ID.test(id);
}

/** `kid:base64key,kid2:base64key` as keys by id; errors name the id, never key material. */
function parseKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  spec.split(',').forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) throw new ConfigError(`ENCRYPTION_KEYS: entry ${index + 1} is not kid:base64key`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!isKeyId(id)) throw new ConfigError(`ENCRYPTION_KEYS: key id ${JSON.stringify(id)} is not ${KEY_ID_RULE}`);
    if (keys.has(id)) throw new ConfigError(`ENCRYPTION_KEYS: key id "${id}" is listed twice`);
    const key = Buffer.from(encoded, 'base64');
    if (!BASE64.test(encoded) || key.length !== KEY_BYTES) {
      const got = BASE64.test(encoded) ? `${key.length} bytes` : 'not base64';
      throw new ConfigError(
        `ENCRYPTION_KEYS: key "${id}" must be base64 of exactly ${KEY_BYTES} bytes (${got}); npm run encryption -- new-key makes one`,
      );
    }
    keys.set(id, key);
  });
  return keys;
}

/** AES-256-GCM key wrap under the local keys; the wrapped form is IV | tag | encrypted DEK, bound to its key id. */
export function localKeyWrapper(keys: ReadonlyMap<string, Buffer>, activeKeyId: string): KeyWrapper {
  const active = keys.get(activeKeyId);
  if (!active) {
    throw new ConfigError(`ENCRYPTION_KEY_ID "${activeKeyId}" is not among ENCRYPTION_KEYS (ids: ${[...keys.keys()].join(', ')})`);
  }
  return {
    activeKeyId,
    keyIds: [...keys.keys()],
    async wrap(dek) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active, iv).setAAD(Buffer.from(activeKeyId, 'utf8'));
      const encrypted = Buffer.concat([cipher.update(dek), cipher.final()]);
      return { keyId: activeKeyId, wrapped: Buffer.concat([iv, cipher.getAuthTag(), encrypted]) };
    },
    async unwrap(keyId, wrapped) {
      const key = keys.get(keyId);
      if (!key) throw new DecryptionError(`unknown encryption key id "${keyId}": add it to ENCRYPTION_KEYS to read objects sealed with it`);
      const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, IV_BYTES))
        .setAAD(Buffer.from(keyId, 'utf8'))
        .setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      } catch {
        throw new DecryptionError(`the data key does not unwrap with key "${keyId}": a different key under that id, or a tampered object`);
      }
    },
  };
}

/**
 * The configured key wrapper: the KMS module when ENCRYPTION_KMS_MODULE is set, else the local
 * ENCRYPTION_KEYS, else undefined (encryption off, the demo default).
 */
export async function loadKeyWrapper(config: AppConfig): Promise<KeyWrapper | undefined> {
  if (config.ENCRYPTION_KMS_MODULE) return loadKmsWrapper(config, path.resolve(PROJECT_ROOT, config.ENCRYPTION_KMS_MODULE));
  if (config.ENCRYPTION_KEYS) {
    if (!config.ENCRYPTION_KEY_ID) throw new ConfigError('ENCRYPTION_KEYS needs ENCRYPTION_KEY_ID (the key new objects are sealed with)');
    return localKeyWrapper(parseKeys(config.ENCRYPTION_KEYS), config.ENCRYPTION_KEY_ID);
  }
  // Otherwise encryption would silently stay off while the operator believes it on.
  if (config.ENCRYPTION_KEY_ID) throw new ConfigError('ENCRYPTION_KEY_ID is set, but neither ENCRYPTION_KEYS nor ENCRYPTION_KMS_MODULE');
  return undefined;
}

/** A module exporting `createKeyWrapper(config)` (ESM, or CommonJS seen as its default export). */
async function loadKmsWrapper(config: AppConfig, file: string): Promise<KeyWrapper> {
  const fail = (problem: string) => new ConfigError(`ENCRYPTION_KMS_MODULE ${file}: ${problem}`);
  const mod = (await import(pathToFileURL(file).href).catch((err: Error) => {
    throw fail(`cannot be loaded: ${err.message}`);
  })) as { createKeyWrapper?: unknown; default?: { createKeyWrapper?: unknown } };
  const create = mod.createKeyWrapper ?? mod.default?.createKeyWrapper;
  if (typeof create !== 'function') throw fail('does not export createKeyWrapper(config)');
  const wrapper = (await (create as (config: AppConfig) => unknown)(config)) as Partial<KeyWrapper> | undefined;
  if (typeof wrapper?.wrap !== 'function' || typeof wrapper.unwrap !== 'function') throw fail('createKeyWrapper returned no wrap/unwrap');
  if (typeof wrapper.activeKeyId !== 'string' || !isKeyId(wrapper.activeKeyId)) throw fail(`activeKeyId is not ${KEY_ID_RULE}`);
  return wrapper as KeyWrapper;
}
