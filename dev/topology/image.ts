// What the image gives every container, read from the Dockerfile's last stage so the harness follows it: the
// environment (ENV), the working directory (WORKDIR), the default command (CMD) and the user (USER).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/config';

export interface Image {
  workdir: string;
  env: Record<string, string>;
  cmd: string[];
  uid: number;
  gid: number;
}

export function readImage(dockerfile = path.join(PROJECT_ROOT, 'Dockerfile')): Image {
  // Continuation lines joined; only the runtime stage (after the last FROM) counts.
  const lines = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ').split('\n');
  const stage = lines.slice(lines.map((l) => /^FROM\s/.test(l)).lastIndexOf(true));
  const args = new Map<string, string>();
  const image: Image = { workdir: '/', env: {}, cmd: [], uid: 0, gid: 0 };
  const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, name: string) => image.env[name] ?? args.get(name) ?? '');
  for (const line of stage) {
    const [, instruction, rest = ''] = /^(\w+)\s+(.*)$/.exec(line.trim()) ?? [];
    if (instruction === 'ARG') {
      const [name, value = ''] = rest.split('=');
      args.set(name!, value);
    } else if (instruction === 'ENV') {
      for (const [, name, value] of rest.matchAll(/(\w+)=(\S*)/g)) image.env[name!] = expand(value!);
    } else if (instruction === 'WORKDIR') {
      image.workdir = rest.trim();
    } else if (instruction === 'CMD') {
      image.cmd = JSON.parse(rest) as string[];
    } else if (instruction === 'USER') {
      const [uid, gid = uid] = rest.trim().split(':');
      image.uid = Number(uid);
      image.gid = Number(gid);
    }
  }
  if (image.cmd.length === 0 || image.workdir === '/') throw new Error(`${dockerfile}: no CMD or WORKDIR in the last stage`);
  return image;
}
