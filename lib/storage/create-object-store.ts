/**
 * The report store the configuration names: an S3-compatible bucket when S3_BUCKET is set (server-side
 * encryption), else a local directory, sealed with `keys` when encryption at rest is configured.
 */
import type { AppConfig } from '../config';
import type { KeyWrapper } from '../security/keyring';
import { EncryptedObjectStore } from './encrypted-object-store';
import { FsObjectStore } from './fs-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

export function createObjectStore(config: AppConfig, keys?: KeyWrapper): ObjectStore {
  if (!config.S3_BUCKET) {
    const store = new FsObjectStore(config.REPORT_STORE_DIR);
    return keys ? new EncryptedObjectStore(store, keys) : store;
  }
  return new S3ObjectStore({
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    prefix: config.S3_PREFIX,
    serverSideEncryption: config.S3_SSE,
    kmsKeyId: config.S3_KMS_KEY_ID,
    ...(config.S3_ACCESS_KEY_ID &&
      config.S3_SECRET_ACCESS_KEY && {
        credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
      }),
    timeoutMs: config.S3_TIMEOUT_MS,
  });
}
