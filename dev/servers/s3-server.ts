// A real S3-compatible server (s3rver) on loopback with one bucket, behind a recording proxy: tests see the
// requests exactly as they left the client (method, path, headers), and the server checks their signatures.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in account. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface RecordedRequest {
  method: string;
  /** Decoded, without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
}

export interface S3TestServer {
  /** The proxy's URL: give it to the client as its endpoint. */
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the objects: what an attacker with the storage's disks would read. */
  directory: string;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'tax-reports'): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port: s3Port } = await s3.run();

  const requests: RecordedRequest[] = [];
  const proxy = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: decodeURIComponent((req.url ?? '').split('?')[0]!), headers: req.headers });
    // Headers go through untouched (Host included), so the signature s3rver checks is the client's own.
    const upstream = request({ host: '127.0.0.1', port: s3Port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => res.destroy(err));
    req.pipe(upstream);
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  const { port } = proxy.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    directory,
    requests,
    async stop() {
      proxy.closeAllConnections();
      await new Promise<void>((done) => proxy.close(() => done()));
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
