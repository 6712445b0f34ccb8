// The chart as a cluster receives it: `helm template` with the pinned helm (scripts/provision-helm-tools.sh) of the
// default values plus overlays, parsed with PyYAML from the provisioned venv (the app has no YAML dependency).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/config';

const HELM = path.join(PROJECT_ROOT, '.tools', 'bin', 'helm');
const PYTHON = path.join(PROJECT_ROOT, '.tools', 'deploy-venv', 'bin', 'python');
export const CHART = path.join(PROJECT_ROOT, 'helm', 'tax-reports');
/** The Kubernetes version the chart is rendered and validated for. */
export const K8S_VERSION = '1.33.0';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): string {
  const r = spawnSync(cmd, args, { cwd: PROJECT_ROOT, env, input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Multi-document YAML → objects (empty documents dropped). */
export function parseYamlDocs(text: string): any[] {
  const json = run(
    PYTHON,
    ['-c', 'import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)'],
    process.env,
    text,
  );
  return JSON.parse(json) as any[];
}

/** `overlays`: values objects, applied in order after the chart's defaults (JSON is YAML). */
export function renderChart(release: string, namespace: string, overlays: readonly object[]): Manifest[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'chart-render-'));
  try {
    // helm keeps its state in a throwaway home: no repositories, no cache, no network.
    const env = {
      ...process.env,
      HELM_CACHE_HOME: path.join(dir, 'cache'),
      HELM_CONFIG_HOME: path.join(dir, 'config'),
      HELM_DATA_HOME: path.join(dir, 'data'),
    };
    const files = overlays.map((values, i) => {
      const file = path.join(dir, `values-${i}.json`);
      writeFileSync(file, JSON.stringify(values));
      return file;
    });
    const text = run(
      HELM,
      ['template', release, CHART, '--namespace', namespace, '--kube-version', K8S_VERSION, ...files.flatMap((f) => ['-f', f])],
      env,
    );
    return parseYamlDocs(text) as Manifest[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function findManifest(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`the rendered chart has no ${kind} ${name}`);
  return found;
}
