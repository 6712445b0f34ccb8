// One container of a rendered workload as a local process that sees what the pod would see, and nothing else:
// a mount namespace of its own (unshare, as root) with the image at its WORKDIR (the project, read-only), each
// volume the manifest mounts at its mountPath (a claim's subPath is that directory only, readOnly honoured), a
// read-only root everywhere else (the chart's readOnlyRootFilesystem), and the image's user. The host's /tmp is
// covered by the pod's own /tmp, so the harness's directories (and other pods' volumes) are out of reach.
//
// Not modelled: a network namespace. The pods share the host's loopback, so each container port becomes a free
// host port and the environment variables that name it (…_PORT) follow.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/config';
import { freePort } from '../free-port';
import type { Image } from './image';
import type { ContainerSpec, Mount } from './pod-spec';

/** Where the image has files the repository keeps elsewhere: the prebuilt workflow bundle and the Temporal CLI. */
export interface ImageFiles {
  /** Directory holding workflow-bundle.js, shown at <WORKDIR>/dist. */
  distDir: string;
  /** The CLI binary, shown at /usr/local/bin/temporal. */
  temporalCli: string;
}

export interface HostLayout {
  /** Claims live at <root>/claims/<claim>, a pod's emptyDirs at <root>/pods/<pod>/<volume>. */
  root: string;
  image: Image;
  imageFiles: ImageFiles;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PodProcess {
  spec: ContainerSpec;
  /** The environment the process was started with (the manifest's, ports remapped). */
  env: Record<string, string>;
  pid: number;
  /** Container port → host port. */
  ports: ReadonlyMap<number, number>;
  output(): string;
  exited: Promise<number | null>;
  /** `kubectl exec`: a command in the pod's mount namespace, with the container's environment and user. */
  exec(argv: string[], timeoutMs?: number): Promise<ExecResult>;
  stop(): Promise<void>;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Pods run in process groups of their own, which outlive this process unless it ends them: on exit, it does. */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});
const OUTPUT_TAIL_CHARS = 20_000;
const STOP_GRACE_MS = 15_000;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function hostSource(layout: HostLayout, pod: string, m: Mount): string {
  const base = m.volume.kind === 'claim' ? path.join(layout.root, 'claims', m.volume.claim) : path.join(layout.root, 'pods', pod, m.volume.name);
  const dir = m.subPath ? path.join(base, m.subPath) : base;
  // The kubelet creates a missing subPath; fsGroup makes the volume the pod user's.
  mkdirSync(dir, { recursive: true });
  chownSync(dir, layout.image.uid, layout.image.gid);
  return dir;
}

/**
 * The shell script that builds the pod's view of the file system, then becomes the container's process. Mount
 * points the host lacks (the image's WORKDIR, /data, the project's dist/) are created as empty directories.
 */
function viewScript(layout: HostLayout, pod: string, mounts: readonly Mount[], tail: string): string {
  const { image, imageFiles } = layout;
  for (const dir of [image.workdir, path.join(PROJECT_ROOT, 'dist')]) mkdirSync(dir, { recursive: true });
  // The image first: its files come from the harness's directories, which the pod's /tmp covers later.
  const lines = [
    'set -eu',
    `mount --bind ${quote(PROJECT_ROOT)} ${quote(image.workdir)}`,
    `mount --bind ${quote(imageFiles.distDir)} ${quote(path.join(image.workdir, 'dist'))}`,
    `mount -o remount,bind,ro ${quote(image.workdir)}`,
    'mount -t tmpfs -o mode=755,size=1m tmpfs /usr/local/bin',
    'touch /usr/local/bin/temporal',
    `mount --bind ${quote(imageFiles.temporalCli)} /usr/local/bin/temporal`,
  ];
  // A mount path whose parent the host lacks (/data, /home/node) gets a tmpfs over its top directory to hold it.
  const tops = new Set(mounts.filter((m) => !existsSync(m.path)).map((m) => `/${m.path.split('/')[1]}`));
  for (const top of tops) mkdirSync(top, { recursive: true });
  for (const top of tops) lines.push(`mount -t tmpfs -o mode=755,size=1m tmpfs ${quote(top)}`);
  // A mount over the harness's own directories (the pod's /tmp over the host's) comes last: the sources are there.
  const covers = (m: Mount) => (`${layout.root}/`.startsWith(`${m.path}/`) ? 1 : 0);
  for (const m of [...mounts].sort((a, b) => covers(a) - covers(b))) {
    lines.push(`mkdir -p ${quote(m.path)}`, `mount --bind ${quote(hostSource(layout, pod, m))} ${quote(m.path)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${quote(m.path)}`);
  }
  lines.push(
    ...[...tops].map((top) => `mount -o remount,ro ${quote(top)}`),
    'mount -o remount,bind,ro /',
    // The shell's own variables are not the container's.
    `cd ${quote(image.workdir)} && unset OLDPWD PWD`,
    `exec setpriv --reuid=${image.uid} --regid=${image.gid} --clear-groups --no-new-privs -- ${tail}`,
  );
  return lines.join('\n');
}

export async function startPod(layout: HostLayout, pod: string, spec: ContainerSpec, logFile?: string): Promise<PodProcess> {
  const ports = new Map<number, number>();
  for (const port of spec.ports) ports.set(port, await freePort());
  const env: Record<string, string> = { PATH, HOSTNAME: pod };
  for (const [name, value] of Object.entries(spec.env)) {
    const mapped = /_PORT$/.test(name) ? ports.get(Number(value)) : undefined;
    env[name] = mapped === undefined ? value : String(mapped);
  }
  const script = viewScript(layout, pod, spec.mounts, spec.argv.map(quote).join(' '));
  const child: ChildProcess = spawn('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    // npm test checks every log line of the run for leaked secrets.
    if (logFile) appendFileSync(logFile, chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  if (child.pid === undefined) throw new Error(`${pod}/${spec.container}: could not start unshare`);
  const pid = child.pid;
  running.add(pid);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(pid);
      resolve(code);
    }),
  );

  return {
    spec,
    env,
    pid,
    ports,
    output: () => output,
    exited,
    async exec(argv, timeoutMs = 120_000) {
      const inside = `cd ${quote(layout.image.workdir)} && unset OLDPWD PWD && exec setpriv --reuid=${layout.image.uid} --regid=${layout.image.gid} --clear-groups --no-new-privs -- ${argv.map(quote).join(' ')}`;
      const c = spawn('nsenter', ['--target', String(pid), '--mount', '--', '/bin/sh', '-c', inside], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
      const code = await new Promise<number | null>((resolve) => c.once('exit', (exitCode) => resolve(exitCode)));
      clearTimeout(timer);
      return { code, stdout, stderr };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The pod's whole process group (Chromium included) gets SIGTERM, then SIGKILL after the grace period.
      process.kill(-pid, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-pid, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
