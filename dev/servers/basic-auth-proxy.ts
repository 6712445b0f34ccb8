// HTTP Basic authentication in front of a server that has none, as a secured GraphDB answers: 401 without the
// right credentials, otherwise the request passes through unchanged. Counts both, so a test can tell that every
// caller authenticated.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BasicAuthProxy {
  /** The upstream URL with the proxy's origin (same path). */
  url: string;
  counts: { authorized: number; refused: number };
  stop(): Promise<void>;
}

export async function startBasicAuthProxy(upstreamUrl: string, credentials: { username: string; password: string }): Promise<BasicAuthProxy> {
  const upstream = new URL(upstreamUrl);
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const counts = { authorized: 0, refused: 0 };
  const server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      counts.refused++;
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="graphdb"' }).end();
      return;
    }
    counts.authorized++;
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
