/**
 * The report store the configuration names: an S3-compatible bucket when S3_BUCKET is set (server-side
 * encryption requested on every upload), else a local directory. With `keys` (encryption at rest configured)
 * either is sealed by the application too: the bucket's encryption covers its disks, not whoever can read the
 * bucket, and an S3-compatible server may not encrypt at all.
 */
import type { AppConfig } from '../config';
import type { KeyWrapper } from '../security/keyring';
import { EncryptedObjectStore } from './encrypted-object-store';
import { FsObjectStore } from './fs-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store';

/** The S3 endpoint, region, credentials and encryption settings, whichever bucket they serve. */
export type S3Settings = Pick<
  AppConfig,
  'S3_REGION' | 'S3_ENDPOINT' | 'S3_FORCE_PATH_STYLE' | 'S3_SSE' | 'S3_KMS_KEY_ID' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_TIMEOUT_MS'
>;

/** What of the configuration names the report store. */
export type ObjectStoreSettings = S3Settings & Pick<AppConfig, 'S3_BUCKET' | 'S3_PREFIX' | 'REPORT_STORE_DIR'>;

export function createObjectStore(config: ObjectStoreSettings, keys?: KeyWrapper): ObjectStore {
  const store = config.S3_BUCKET
    ? new S3ObjectStore(s3StoreOptions(config, config.S3_BUCKET, config.S3_PREFIX))
    : new FsObjectStore(config.REPORT_STORE_DIR);
  return keys ? new EncryptedObjectStore(store, keys) : store;
}

/** A bucket (and key prefix) on the S3 endpoint, region, credentials and encryption settings of the configuration. */
export function s3StoreOptions(config: S3Settings, bucket: string, prefix: string): S3ObjectStoreOptions {
  return {
    bucket,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    prefix,
    serverSideEncryption: config.S3_SSE,
    kmsKeyId: config.S3_KMS_KEY_ID,
    ...(config.S3_ACCESS_KEY_ID &&
      config.S3_SECRET_ACCESS_KEY && {
        credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
      }),
    timeoutMs: config.S3_TIMEOUT_MS,
  };
}
