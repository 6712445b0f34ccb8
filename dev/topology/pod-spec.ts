// A rendered workload's containers as the kubelet would start them: argv, the environment resolved from the
// ConfigMaps and the test Secret (a missing required key stops the container, as CreateContainerConfigError
// does), its volume mounts and ports.
import type { Image } from './image';
import type { Manifest } from './rendered-chart';

export type Volume = { name: string; kind: 'emptyDir' } | { name: string; kind: 'claim'; claim: string };

export interface Mount {
  path: string;
  volume: Volume;
  subPath?: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  /** The workload's name, e.g. tax-reports-orchestration. */
  workload: string;
  container: string;
  init: boolean;
  argv: string[];
  env: Record<string, string>;
  /** Secret keys the manifest gives this container, by secretKeyRef. */
  secretKeys: string[];
  mounts: Mount[];
  ports: number[];
}

export interface TestSecret {
  name: string;
  data: Record<string, string>;
}

function podSpecOf(m: Manifest): any {
  if (m.kind === 'CronJob') return m.spec.jobTemplate.spec.template.spec;
  if (m.kind === 'Deployment' || m.kind === 'Job') return m.spec.template.spec;
  throw new Error(`${m.kind} ${m.metadata.name} is not a workload`);
}

export function containersOf(workload: Manifest, manifests: readonly Manifest[], secret: TestSecret, image: Image): ContainerSpec[] {
  const pod = podSpecOf(workload);
  const configMaps = new Map(manifests.filter((m) => m.kind === 'ConfigMap').map((m) => [m.metadata.name, m.data ?? {}]));
  const volumes = new Map<string, Volume>(
    (pod.volumes ?? []).map((v: any) => {
      if (v.emptyDir) return [v.name, { name: v.name, kind: 'emptyDir' }];
      if (v.persistentVolumeClaim) return [v.name, { name: v.name, kind: 'claim', claim: v.persistentVolumeClaim.claimName }];
      throw new Error(`${workload.metadata.name}: volume ${v.name} is of a kind the harness does not model`);
    }),
  );
  const containers = [...(pod.initContainers ?? []).map((c: any) => ({ c, init: true })), ...pod.containers.map((c: any) => ({ c, init: false }))];
  return containers.map(({ c, init }) => {
    const env: Record<string, string> = { ...image.env };
    const secretKeys: string[] = [];
    for (const from of c.envFrom ?? []) {
      const data = configMaps.get(from.configMapRef?.name);
      if (!data) throw new Error(`${workload.metadata.name}/${c.name}: envFrom names no ConfigMap of the release`);
      Object.assign(env, data);
    }
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (e.valueFrom && !ref) throw new Error(`${workload.metadata.name}/${c.name}: ${e.name} comes from a source the harness does not model`);
      if (!ref) {
        env[e.name] = String(e.value ?? '');
        continue;
      }
      if (ref.name !== secret.name) throw new Error(`${workload.metadata.name}/${c.name}: ${e.name} names Secret ${ref.name}, not ${secret.name}`);
      const value = secret.data[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new Error(`${workload.metadata.name}/${c.name}: CreateContainerConfigError: secret "${ref.name}" has no key "${ref.key}"`);
      }
      env[e.name] = value;
      secretKeys.push(ref.key);
    }
    // args without command replace the image's CMD (the ENTRYPOINT, tini, is PID 1 in a pod; here the process is).
    const argv = c.command ? [...c.command, ...(c.args ?? [])] : (c.args ?? image.cmd);
    const mounts: Mount[] = (c.volumeMounts ?? []).map((m: any) => {
      const volume = volumes.get(m.name);
      if (!volume) throw new Error(`${workload.metadata.name}/${c.name}: mount of undeclared volume ${m.name}`);
      return { path: m.mountPath, volume, ...(m.subPath ? { subPath: m.subPath } : {}), readOnly: m.readOnly === true };
    });
    return {
      workload: workload.metadata.name,
      container: c.name,
      init,
      argv,
      env,
      secretKeys: secretKeys.sort(),
      mounts,
      ports: (c.ports ?? []).map((p: any) => p.containerPort),
    };
  });
}
