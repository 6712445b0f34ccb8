// dev/port-owner.ts: the demo names the process holding a port it needs (Linux /proc).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { test } from 'node:test';
import { describePortOwner, findPortOwner, portFree } from '../../dev/port-owner';

const linux = existsSync('/proc/net/tcp');

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, host, () => resolve(server));
  });
}
const portOf = (server: Server) => (server.address() as AddressInfo).port;
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

test('a port this process listens on (IPv4) is held by this pid, with its command line', { skip: !linux && 'no /proc' }, async () => {
  const server = await listen('127.0.0.1');
  try {
    const port = portOf(server);
    const owner = findPortOwner(port);
    assert.equal(owner?.pid, process.pid);
    assert.match(owner.command, /node/);
    assert.equal(describePortOwner(port).startsWith(`pid ${process.pid} (`), true);
    assert.equal(await portFree(port), false);
  } finally {
    await close(server);
  }
});

test('an IPv6 listener is found too', { skip: !linux && 'no /proc' }, async (t) => {
  const server = await listen('::1').catch(() => undefined);
  if (!server) return t.skip('no IPv6 loopback');
  try {
    assert.equal(findPortOwner(portOf(server))?.pid, process.pid);
  } finally {
    await close(server);
  }
});

test('a free port has no owner and is free', async () => {
  const server = await listen('127.0.0.1');
  const port = portOf(server);
  await close(server);
  assert.equal(findPortOwner(port), undefined);
  assert.equal(await portFree(port), true);
  assert.equal(describePortOwner(port), 'a process this user cannot identify');
});
