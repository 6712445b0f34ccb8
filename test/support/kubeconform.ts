// kubeconform -strict over rendered manifests, against the offline Kubernetes schemas that scripts/provision.sh
// caches (the chart tests and the alert-routing tests validate the same way).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/config';
import { K8S_VERSION } from '../../dev/topology/rendered-chart';

const KUBECONFORM = path.join(PROJECT_ROOT, '.tools', 'bin', 'kubeconform');
const SCHEMAS = path.join(PROJECT_ROOT, '.tools', 'k8s-json-schema', `v${K8S_VERSION}-strict`);

export interface KubeconformResult {
  kind: string;
  name: string;
  status: string;
  msg: string;
}

/** Every resource's verdict; resources without a schema (CRDs) come back as statusSkipped. */
export function kubeconform(manifests: string): { results: KubeconformResult[]; code: number | null; err: string } {
  const args = [
    '-strict',
    '-ignore-missing-schemas',
    '-output',
    'json',
    '-verbose',
    '-schema-location',
    `${SCHEMAS}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    '-',
  ];
  const r = spawnSync(KUBECONFORM, args, { input: manifests, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 });
  if (r.error) throw r.error;
  const parsed = JSON.parse(r.stdout || '{"resources":[]}') as { resources: KubeconformResult[] | null };
  return { results: parsed.resources ?? [], code: r.status, err: r.stderr };
}
