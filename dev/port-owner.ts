// Who holds a local TCP port: for the demo's one-line explanation when a port it needs is taken.
// Linux only: /proc/net/tcp{,6} map a listening port to a socket inode, /proc/<pid>/fd finds the process holding it.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface PortOwner {
  pid: number;
  /** The process's command line (its /proc/<pid>/cmdline, arguments joined by spaces). */
  command: string;
}

/** The process listening on TCP `port` on any local address; undefined when none is found, the platform has no
 *  /proc, or the socket belongs to a process whose descriptors this user cannot read. */
export function findPortOwner(port: number, proc = '/proc'): PortOwner | undefined {
  const inodes = listeningInodes(port, proc);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) return { pid: Number(pid), command: commandOf(proc, pid) };
    }
  }
  return undefined;
}

/** Socket inodes in state LISTEN (0A) on `port`, IPv4 and IPv6. */
function listeningInodes(port: number, proc: string): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${proc}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const local = f[1]!;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9] !== '0') inodes.add(f[9]!);
    }
  }
  return inodes;
}

function commandOf(proc: string, pid: string): string {
  try {
    const argv = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (argv.length) return argv.join(' ');
  } catch {
    // fall through to comm
  }
  try {
    return readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** "pid 1234 (python3 -m http.server 7233)", or a plain phrase when the holder cannot be found. */
export function describePortOwner(port: number): string {
  const owner = findPortOwner(port);
  if (!owner) return 'a process this user cannot identify';
  const command = owner.command.length > 120 ? `${owner.command.slice(0, 117)}...` : owner.command;
  return `pid ${owner.pid} (${command})`;
}

/** True when this process could listen on host:port now (nothing else holds it). */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
