// temporal-config/setup.sh against a real dev server that runs with temporal-config/dynamicconfig/production.yaml:
// the namespace and every search attribute of search-attributes.json appear on the first run, a second run
// changes nothing, a type conflict fails loudly, and worker versioning (Worker Deployments) answers.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../dev/free-port';
import { SEARCH_ATTRIBUTES_FILE, TEMPORAL_BIN } from '../../dev/paths';

const ROOT = path.resolve(__dirname, '..', '..');
const SETUP = path.join(ROOT, 'temporal-config', 'setup.sh');
const DYNAMIC_CONFIG = path.join(ROOT, 'temporal-config', 'dynamicconfig', 'production.yaml');
const PYTHON = path.join(ROOT, '.tools', 'deploy-venv', 'bin', 'python');
const NAMESPACE = 'tax-reports-setup-test';

let server: ChildProcess;
let address: string;
const scratch = mkdtempSync(path.join(tmpdir(), 'temporal-setup-'));

function temporal(args: string[]) {
  return spawnSync(TEMPORAL_BIN, [...args, '--address', address], { encoding: 'utf8' });
}

function setup(args: string[] = []) {
  const r = spawnSync('bash', [SETUP, '--address', address, '--namespace', NAMESPACE, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_CLI: TEMPORAL_BIN },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(async () => {
  execFileSync('bash', [path.join(ROOT, 'scripts', 'provision-helm-tools.sh')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  // production.yaml → --dynamic-config-value flags (entries without constraints; the dev server takes no others).
  const flags = JSON.parse(
    execFileSync(
      PYTHON,
      [
        '-c',
        [
          'import sys, json, yaml',
          'cfg = yaml.safe_load(open(sys.argv[1]))',
          'print(json.dumps([f"{k}={json.dumps(e[\'value\'])}" for k, v in cfg.items() for e in v if not e.get("constraints")]))',
        ].join('\n'),
        DYNAMIC_CONFIG,
      ],
      { encoding: 'utf8' },
    ),
  ) as string[];
  assert.ok(flags.some((f) => f.startsWith('system.enableDeploymentVersions=true')));
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  server = spawn(
    TEMPORAL_BIN,
    [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'error',
      ...flags.flatMap((f) => ['--dynamic-config-value', f]),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  server.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  while (temporal(['operator', 'cluster', 'health']).status !== 0) {
    assert.equal(server.exitCode, null, `dev server exited:\n${stderr}`);
    assert.ok(Date.now() < deadline, `dev server not healthy:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(scratch, { recursive: true, force: true });
});

test('first run creates the namespace and registers every search attribute', () => {
  const wanted = JSON.parse(readFileSync(SEARCH_ATTRIBUTES_FILE, 'utf8')) as Record<string, string>;
  const r = setup(['--retention', '30d']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, new RegExp(`namespace ${NAMESPACE} missing: creating with retention 30d`));
  for (const name of Object.keys(wanted)) assert.match(r.out, new RegExp(`search attribute ${name} \\(\\w+\\): missing, adding`));
  const listed = JSON.parse(temporal(['operator', 'search-attribute', 'list', '--namespace', NAMESPACE, '-o', 'json']).stdout);
  for (const [name, type] of Object.entries(wanted)) {
    assert.equal(listed.customAttributes[name], `INDEXED_VALUE_TYPE_${type.toUpperCase()}`, name);
  }
  const ns = JSON.parse(temporal(['operator', 'namespace', 'describe', '--namespace', NAMESPACE, '-o', 'json']).stdout);
  assert.equal(ns.config.workflowExecutionRetentionTtl, `${30 * 86400}s`);
});

test('a second run changes nothing; a new retention only updates the namespace', () => {
  const again = setup(['--retention', '30d']);
  assert.equal(again.code, 0, again.out + again.err);
  assert.doesNotMatch(again.out, /\$ temporal/, 'no command was needed');
  assert.match(again.out, /retention 30d: unchanged/);
  const longer = setup(['--retention', '90d']);
  assert.equal(longer.code, 0, longer.out + longer.err);
  assert.match(longer.out, /\$ temporal operator namespace update --retention 90d/);
  assert.doesNotMatch(longer.out, /search-attribute create/);
});

test('a search attribute registered with another type fails the run', () => {
  const created = temporal(['operator', 'search-attribute', 'create', '--namespace', NAMESPACE, '--name', 'SetupConflict', '--type', 'Int']);
  assert.equal(created.status, 0, created.stderr);
  const file = path.join(scratch, 'conflict.json');
  writeFileSync(file, JSON.stringify({ SetupConflict: 'Keyword' }));
  const r = setup(['--skip-namespace', '--attributes', file]);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /SetupConflict exists as INDEXED_VALUE_TYPE_INT, wanted Keyword/);
});

test('worker versioning (Worker Deployments) is on with the production dynamic config', () => {
  const r = temporal(['worker', 'deployment', 'list', '--namespace', NAMESPACE, '-o', 'json']);
  assert.equal(r.status, 0, r.stderr);
});
