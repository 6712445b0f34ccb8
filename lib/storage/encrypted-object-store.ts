/**
 * Seals objects on put and opens them on get (envelope.ts), bound to their key, for the filesystem store:
 * the bytes on disk never hold the plaintext. It deliberately has no localPath, so no consumer can attach
 * or serve the ciphertext file; they read the plaintext through get().
 */
import { open, seal } from '../security/envelope';
import type { KeyWrapper } from '../security/keyring';
import type { ObjectStore } from './object-store';

export class EncryptedObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly keys: KeyWrapper,
  ) {}

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    await this.inner.put(key, await seal(body, this.keys, key), contentType);
  }

  /**
   * A plaintext object is refused rather than passed through: a damaged magic prefix would otherwise hand
   * out ciphertext. Objects from before encryption was turned on: `npm run encryption -- seal --reports`.
   */
  async get(key: string): Promise<Buffer> {
    return open(await this.inner.get(key), this.keys, key);
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  list(prefix: string): AsyncIterable<string> {
    return this.inner.list(prefix);
  }

  close(): void {
    this.inner.close?.();
  }
}
