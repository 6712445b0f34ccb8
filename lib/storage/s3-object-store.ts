/**
 * ObjectStore on an S3-compatible bucket (AWS S3, MinIO, Ceph, NCP Object Storage). Every put asks for
 * server-side encryption; keys are checked by parseObjectKey before they reach a request.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchKey, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ObjectNotFoundError, parseObjectKey, type ObjectStore } from './object-store';

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** For S3-compatible servers; AWS itself needs none. */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers expect. */
  forcePathStyle: boolean;
  /** Prepended to every key, e.g. `tax-reports/`. */
  prefix: string;
  serverSideEncryption: 'AES256' | 'aws:kms';
  /** With aws:kms: the key to encrypt with (the bucket's default key otherwise). */
  kmsKeyId?: string;
  /** Credentials come from the standard AWS chain (env, web identity, instance role) unless given. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  timeoutMs: number;
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;

  constructor(private readonly opts: S3ObjectStoreOptions) {
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint && { endpoint: opts.endpoint }),
      forcePathStyle: opts.forcePathStyle,
      ...(opts.credentials && { credentials: opts.credentials }),
      // Temporal retries the activity; the SDK's own retries would hide an outage behind one long attempt.
      maxAttempts: 1,
      requestHandler: { requestTimeout: opts.timeoutMs, connectionTimeout: opts.timeoutMs },
      // Checksums only where S3 requires them: many S3-compatible servers reject the newer default headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: this.objectKey(key),
        Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
        ContentType: contentType,
        ServerSideEncryption: this.opts.serverSideEncryption,
        ...(this.opts.serverSideEncryption === 'aws:kms' && this.opts.kmsKeyId && { SSEKMSKeyId: this.opts.kmsKeyId }),
      }),
    );
  }

  async get(key: string): Promise<Buffer> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || err instanceof NotFound) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (err instanceof NotFound || err instanceof NoSuchKey) return false;
      throw err;
    }
  }

  async *list(prefix: string): AsyncGenerator<string> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix: `${this.opts.prefix}${prefix}`, ContinuationToken }),
      );
      for (const { Key } of page.Contents ?? []) if (Key) yield Key.slice(this.opts.prefix.length);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return `${this.opts.prefix}${parseObjectKey(key).join('/')}`;
  }
}
