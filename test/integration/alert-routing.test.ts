// Alert routing (helm/tax-reports/files/alertmanager.yml, the one copy, and the chart's forms of it) against the real
// Alertmanager tools of Debian's prometheus-alertmanager package (installed by scripts/provision.sh): amtool accepts
// the file and the plain config the chart renders; every alert of helm/tax-reports/files/alert-rules.yml, with its
// labels, is routed by `amtool config routes test` to the receiver of its priority (escalation matrix below); an alert
// without a priority reaches the e-mail default. amtool cannot evaluate inhibitions: their structure is checked on the
// parsed file (the cause and symptom alerts exist in the rules file), and then a real Alertmanager on loopback, with
// receivers that send nothing, is given the alerts and asked which it suppresses. The AlertmanagerConfig variant is
// checked for structure (kubeconform has no CRD schemas offline; helm-chart.test.ts skips CRDs too) and converted
// back into a plain config that must equal the file.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../dev/free-port';
import { until } from '../../dev/until';
import { K8S_VERSION } from '../../dev/topology/rendered-chart';
import { kubeconform } from '../support/kubeconform';

const ROOT = path.resolve(__dirname, '..', '..');
const CHART = path.join(ROOT, 'helm', 'tax-reports');
const CONFIG = path.join(CHART, 'files', 'alertmanager.yml');
const RULES = path.join(CHART, 'files', 'alert-rules.yml');
const BIN = path.join(ROOT, '.tools', 'bin');
const HELM = path.join(BIN, 'helm');
const PYTHON = path.join(ROOT, '.tools', 'deploy-venv', 'bin', 'python');
const TIMEOUT_MS = 300_000;

/** An executable on PATH or in /usr/bin (Debian names the server prometheus-alertmanager). */
function findTool(...names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin'];
  for (const name of names) {
    for (const dir of dirs) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}
const AMTOOL_PATH = findTool('amtool');
const ALERTMANAGER_PATH = findTool('alertmanager', 'prometheus-alertmanager');
const MISSING = "install Debian's prometheus-alertmanager package (`bash scripts/provision.sh test` does: APT_TEST)";

function amtoolBin(): string {
  assert.ok(AMTOOL_PATH, `amtool not found on PATH or in /usr/bin: ${MISSING}`);
  return AMTOOL_PATH;
}

// ---------------------------------------------------------------------------------------------------- the contract
/** The escalation matrix (docs/runbooks/README.md, docs/spec/design.md 에스컬레이션 매트릭스): receiver per alert. */
function expectedReceiver(labels: Record<string, string>): string {
  switch (labels.priority) {
    case 'P1':
      return 'p1-pager';
    case 'P2':
      // The design's cost rule "> $30/day → PagerDuty" (docs/spec/design.md): a critical P2 also pages, with P2's
      // timings.
      return labels.severity === 'critical' ? 'p2-pager' : 'p2-chat';
    case 'P3':
      return 'p3-chat';
    case 'P4':
      return 'p4-ticket';
    default:
      return 'default-email';
  }
}
/** The channels of each receiver: P1 PagerDuty + phone, P2 Slack + e-mail, P3 Slack, P4 Jira. */
const CHANNELS: Record<string, string[]> = {
  'default-email': ['email'],
  'p1-pager': ['pager'],
  'p2-pager': ['chat', 'email', 'pager'],
  'p2-chat': ['chat', 'email'],
  'p3-chat': ['chat'],
  'p4-ticket': ['ticket'],
};
/** Response time → how soon the first notification goes out and how often it repeats while unresolved. */
const TIMINGS: Record<string, { receiver: string; group_wait: string; group_interval: string; repeat_interval: string }> = {
  P1: { receiver: 'p1-pager', group_wait: '10s', group_interval: '1m', repeat_interval: '15m' },
  P2: { receiver: 'p2-chat', group_wait: '30s', group_interval: '5m', repeat_interval: '1h' },
  P3: { receiver: 'p3-chat', group_wait: '1m', group_interval: '10m', repeat_interval: '4h' },
  P4: { receiver: 'p4-ticket', group_wait: '5m', group_interval: '1h', repeat_interval: '24h' },
};
/** TaxAllWorkersDown is the cause; these alerts are its symptoms. */
const ALL_WORKERS_DOWN_SYMPTOMS = [
  'TaxNoSuccessfulReportBy0930',
  'TaxReportFailed',
  'TaxReportFailureRateHigh',
  'TaxSchedulerHeartbeatStale',
  'TaxWorkerDown',
];
/** Receiver endpoints for the chart renders: what each channel must become. */
const TEST_RECEIVERS = {
  pager: 'https://events.pager.tax-firm.example/alertmanager',
  chat: 'https://chat-bridge.monitoring.svc:8080/alertmanager',
  ticket: 'http://jiralert.monitoring.svc:9097/alert',
  email: { to: 'tax-reports-oncall@tax-firm.example', from: 'alertmanager@tax-firm.example', smarthost: 'smtp.tax-firm.example:587' },
};
const TEST_VALUES = `alerting:
  plainConfig: { enabled: true, namespace: monitoring }
  alertmanagerConfig: { enabled: true, labels: { release: kube-prometheus-stack } }
  existingSecret: tax-reports-alerting
  receivers:
    pager: { url: "${TEST_RECEIVERS.pager}", bearerTokenSecretKey: PAGER_TOKEN }
    chat: { url: "${TEST_RECEIVERS.chat}", bearerTokenSecretKey: "" }
    ticket: { url: "${TEST_RECEIVERS.ticket}", bearerTokenSecretKey: "" }
    email:
      to: ${TEST_RECEIVERS.email.to}
      from: ${TEST_RECEIVERS.email.from}
      smarthost: "${TEST_RECEIVERS.email.smarthost}"
      authUsername: alertmanager
      authPasswordSecretKey: SMTP_PASSWORD
      requireTLS: true
`;

// ----------------------------------------------------------------------------------------------------- helpers
const tmp = mkdtempSync(path.join(tmpdir(), 'alert-routing-'));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: path.join(tmp, 'helm', 'cache'),
  HELM_CONFIG_HOME: path.join(tmp, 'helm', 'config'),
  HELM_DATA_HOME: path.join(tmp, 'helm', 'data'),
};

function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env: helmEnv, input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: TIMEOUT_MS });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** YAML documents → objects, with PyYAML from the provisioned venv (the app has no YAML dependency). */
function parseYamlDocs(text: string): any[] {
  const r = run(PYTHON, ['-c', 'import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)'], text);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as any[];
}
const parseYaml = (text: string): any => parseYamlDocs(text)[0];

function helmTemplate(extra: string[]) {
  return run(HELM, ['template', 'tax-reports', CHART, '--namespace', 'tax-reports', '--kube-version', K8S_VERSION, ...extra]);
}

interface Rule {
  alert: string;
  labels: Record<string, string>;
}
function alertRules(): Rule[] {
  const doc = parseYaml(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; labels?: Record<string, string> }> }> };
  return doc.groups
    .flatMap((g) => g.rules)
    .filter((r) => r.alert)
    .map((r) => ({ alert: r.alert!, labels: { ...r.labels } }));
}

/** The receivers `amtool config routes test` resolves for a label set. */
function routesTest(config: string, labels: Record<string, string>): string[] {
  const args = ['config', 'routes', 'test', `--config.file=${config}`, ...Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`)];
  const r = run(amtoolBin(), args);
  assert.equal(r.code, 0, `amtool ${args.join(' ')}:\n${r.out}${r.err}`);
  return r.out
    .trim()
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function checkConfig(config: string): void {
  const r = run(amtoolBin(), ['check-config', config]);
  assert.equal(r.code, 0, `amtool check-config ${config}:\n${r.out}${r.err}`);
  assert.match(r.out, /SUCCESS/);
}

interface Matcher {
  name: string;
  op: string;
  value: string;
}
function parseMatcher(m: string): Matcher {
  const found = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"\\]*)"\s*$/.exec(m);
  assert.ok(found, `matcher ${m} is not name="value"`);
  return { name: found[1]!, op: found[2]!, value: found[3]! };
}
/** The alert names an alertname matcher selects: one name, or an alternation of names (nothing fancier). */
function alertnamesOf(matchers: string[]): string[] {
  return matchers
    .map(parseMatcher)
    .filter((m) => m.name === 'alertname')
    .flatMap((m) => {
      assert.ok(m.op === '=' || m.op === '=~', `alertname${m.op}: only = and =~ select alerts by name`);
      assert.match(m.value, /^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)*$/, 'an alertname regex is a plain list of names');
      return m.value.split('|');
    });
}
const allRoutes = (route: any): any[] => [route, ...(route.routes ?? []).flatMap(allRoutes)];

/** Which channel a receiver integration is, from its endpoint (placeholders in the file, values in a render). */
function channelsOf(receiver: any, endpoints: Record<'pager' | 'chat' | 'ticket', string> | 'placeholders'): string[] {
  const hooks: string[] = (receiver.webhook_configs ?? []).map((w: any) => {
    if (endpoints === 'placeholders') {
      const m = /^https:\/\/(pager|chat|ticket)\.example\.invalid\//.exec(w.url);
      assert.ok(m, `${receiver.name}: ${w.url} is not a placeholder`);
      return m[1]!;
    }
    const channel = Object.entries(endpoints).find(([, url]) => url === w.url)?.[0];
    assert.ok(channel, `${receiver.name}: ${w.url} is none of the configured endpoints`);
    return channel;
  });
  return [...hooks, ...(receiver.email_configs ?? []).map(() => 'email')].sort();
}

let amConfig: any;
let rules: Rule[];
let rendered: any[];
let plain: any;
let plainFile: string;

before(() => {
  execFileSync('bash', [path.join(ROOT, 'scripts', 'provision-helm-tools.sh')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  amConfig = parseYaml(readFileSync(CONFIG, 'utf8'));
  rules = alertRules();
  const values = path.join(tmp, 'alerting-values.yaml');
  writeFileSync(values, TEST_VALUES);
  const r = helmTemplate(['-f', values]);
  assert.equal(r.code, 0, `helm template with alerting enabled:\n${r.err}`);
  rendered = parseYamlDocs(r.out);
  const secret = rendered.find((d) => d.kind === 'Secret' && d.metadata.name === 'tax-reports-alertmanager');
  assert.ok(secret?.data?.['alertmanager.yaml'], 'the plain-config Secret with key alertmanager.yaml');
  const text = Buffer.from(secret.data['alertmanager.yaml'], 'base64').toString('utf8');
  plainFile = path.join(tmp, 'rendered-alertmanager.yml');
  writeFileSync(plainFile, text);
  plain = parseYaml(text);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

// ------------------------------------------------------------------------------------------------------- tests
describe('alert routing: helm/tax-reports/files/alertmanager.yml', () => {
  test('amtool and the Alertmanager server are installed', () => {
    assert.ok(AMTOOL_PATH, `amtool not found: ${MISSING}`);
    assert.ok(ALERTMANAGER_PATH, `alertmanager (prometheus-alertmanager) not found: ${MISSING}`);
    const provision = readFileSync(path.join(ROOT, 'scripts', 'provision.sh'), 'utf8');
    assert.match(provision, /^APT_TEST=\([^)]*\bprometheus-alertmanager\b[^)]*\)/m, 'the test provisioning installs it');
  });

  test('amtool check-config accepts it', () => checkConfig(CONFIG));

  test('every alert of the rules file reaches the receiver of its priority', () => {
    assert.ok(rules.length >= 14, `alerts found: ${rules.map((r) => r.alert).join(', ')}`);
    const wrong: string[] = [];
    for (const rule of rules) {
      assert.match(rule.labels.priority ?? '', /^P[1-4]$/, `${rule.alert}: priority P1–P4 (otherwise it only reaches the default e-mail)`);
      const labels = { alertname: rule.alert, ...rule.labels };
      const got = routesTest(CONFIG, labels);
      if (got.join(',') !== expectedReceiver(labels))
        wrong.push(`${rule.alert} ${JSON.stringify(rule.labels)}: ${got.join(',')} instead of ${expectedReceiver(labels)}`);
    }
    assert.deepEqual(wrong, []);
    // Every priority of the matrix is used by some alert, and the critical P2 branch is exercised.
    const receivers = new Set(rules.map((r) => expectedReceiver(r.labels)));
    for (const receiver of ['p1-pager', 'p2-pager', 'p2-chat', 'p3-chat', 'p4-ticket']) assert.ok(receivers.has(receiver), receiver);
  });

  test('an alert without a (known) priority reaches the e-mail default', () => {
    assert.deepEqual(routesTest(CONFIG, { alertname: 'SomethingNew' }), ['default-email']);
    assert.deepEqual(routesTest(CONFIG, { alertname: 'SomethingNew', severity: 'critical' }), ['default-email']);
    assert.deepEqual(routesTest(CONFIG, { alertname: 'SomethingNew', priority: 'P5' }), ['default-email']);
    assert.equal(amConfig.route.receiver, 'default-email');
    assert.deepEqual(
      channelsOf(
        amConfig.receivers.find((r: any) => r.name === 'default-email'),
        'placeholders',
      ),
      ['email'],
    );
  });

  test('each receiver uses the channels of the escalation matrix; endpoints are .invalid placeholders', () => {
    assert.deepEqual(amConfig.receivers.map((r: any) => r.name).sort(), Object.keys(CHANNELS).sort());
    for (const receiver of amConfig.receivers) assert.deepEqual(channelsOf(receiver, 'placeholders'), CHANNELS[receiver.name], receiver.name);
    for (const mail of amConfig.receivers.flatMap((r: any) => r.email_configs ?? [])) {
      assert.match(`${mail.to} ${mail.from} ${mail.smarthost}`, /^\S+\.invalid \S+\.invalid \S+\.invalid:\d+$/);
    }
  });

  test('timings follow the response times: P1 pages within seconds and repeats every 15 min, P4 once a day', () => {
    for (const [priority, expected] of Object.entries(TIMINGS)) {
      const route = amConfig.route.routes.find((r: any) => (r.matchers ?? []).includes(`priority="${priority}"`));
      assert.ok(route, `no route for ${priority}`);
      const { receiver, group_wait, group_interval, repeat_interval } = route;
      assert.deepEqual({ receiver, group_wait, group_interval, repeat_interval }, expected, priority);
      assert.equal(route.continue, undefined, `${priority}: the first matching priority route is the only one`);
    }
    // A critical P2 pages with P2's timings (inherited).
    const p2 = amConfig.route.routes.find((r: any) => r.receiver === 'p2-chat');
    assert.deepEqual(p2.routes, [{ matchers: ['severity="critical"'], receiver: 'p2-pager' }]);
    // group_by: the alert, plus the company where alerts name one (a thread or ticket per company-month).
    for (const route of allRoutes(amConfig.route).filter((r) => r.group_by)) assert.equal(route.group_by[0], 'alertname');
    const companyRoutes = amConfig.route.routes.filter((r: any) => r.group_by?.includes('company_id')).map((r: any) => r.receiver);
    assert.deepEqual(companyRoutes, ['p2-chat', 'p4-ticket']);
  });
});

describe('alert routing: inhibitions', () => {
  test('structure: TaxAllWorkersDown silences its symptom alerts; every name in the config is an alert of the rules file', () => {
    const names = new Set(rules.map((r) => r.alert));
    const rule = amConfig.inhibit_rules.find((r: any) => alertnamesOf(r.source_matchers).includes('TaxAllWorkersDown'));
    assert.ok(rule, 'no inhibit rule with TaxAllWorkersDown as its source');
    assert.deepEqual(alertnamesOf(rule.source_matchers), ['TaxAllWorkersDown']);
    assert.deepEqual(alertnamesOf(rule.target_matchers).sort(), ALL_WORKERS_DOWN_SYMPTOMS);
    assert.ok(
      !(rule.equal ?? []).includes('alertname') && !(rule.equal ?? []).includes('job'),
      'TaxAllWorkersDown (absent()) has no job label: equal on it would never match',
    );
    // The month that did not start silences the stale heartbeat.
    const month = amConfig.inhibit_rules.find((r: any) => alertnamesOf(r.source_matchers).includes('TaxNoSuccessfulReportBy0930'));
    assert.deepEqual(alertnamesOf(month.target_matchers), ['TaxSchedulerHeartbeatStale']);
    // A renamed or deleted alert breaks this: every alert name the routing file mentions exists.
    const mentioned = [
      ...amConfig.inhibit_rules.flatMap((r: any) => [...alertnamesOf(r.source_matchers), ...alertnamesOf(r.target_matchers)]),
      ...allRoutes(amConfig.route).flatMap((r) => alertnamesOf(r.matchers ?? [])),
    ];
    assert.ok(mentioned.length >= 7);
    assert.deepEqual(
      mentioned.filter((n) => !names.has(n)),
      [],
      'alert names that the rules file does not define',
    );
  });

  test('structure: a P1 silences the same alertname at a lower priority (and P2 over P3/P4, P3 over P4)', () => {
    const byPriority = (r: any) => r.source_matchers.map(parseMatcher).find((m: Matcher) => m.name === 'priority');
    const p1 = amConfig.inhibit_rules.find((r: any) => byPriority(r)?.value === 'P1');
    assert.ok(p1, 'no inhibit rule with priority="P1" as its source');
    assert.deepEqual(p1.target_matchers.map(parseMatcher), [{ name: 'priority', op: '=~', value: 'P2|P3|P4' }]);
    assert.ok(p1.equal.includes('alertname'));
    const lower = amConfig.inhibit_rules.filter((r: any) => byPriority(r)).map((r: any) => [byPriority(r).value, r.target_matchers[0]]);
    assert.deepEqual(lower, [
      ['P1', 'priority=~"P2|P3|P4"'],
      ['P2', 'priority=~"P3|P4"'],
      ['P3', 'priority="P4"'],
    ]);
  });

  describe('a real Alertmanager suppresses what the rules say, and nothing else', { timeout: TIMEOUT_MS }, () => {
    let child: ChildProcess | undefined;
    let base = '';
    let stderr = '';

    before(async () => {
      assert.ok(ALERTMANAGER_PATH, `alertmanager (prometheus-alertmanager) not found: ${MISSING}`);
      // The file's routing and inhibitions, with receivers that notify nobody (names only): nothing leaves the machine.
      const config = { ...amConfig, receivers: amConfig.receivers.map((r: any) => ({ name: r.name })) };
      const dir = mkdtempSync(path.join(tmp, 'alertmanager-'));
      writeFileSync(path.join(dir, 'alertmanager.yml'), JSON.stringify(config));
      const port = await freePort();
      child = spawn(
        ALERTMANAGER_PATH,
        [
          `--config.file=${path.join(dir, 'alertmanager.yml')}`,
          `--storage.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      base = `http://127.0.0.1:${port}`;
      await until(
        async () => {
          if (child?.exitCode !== null) throw new Error(`alertmanager exited:\n${stderr}`);
          return fetch(`${base}/-/ready`).then(
            (r) => r.ok,
            () => false,
          );
        },
        'alertmanager ready',
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    });

    after(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    });

    /** Posts the alerts (each scenario under its own `cluster`, an `equal` label of every rule) and waits until
     * Alertmanager reports the expected suppressed set; returns alertname/priority → inhibited. */
    async function scenario(cluster: string, alerts: Array<Record<string, string>>, suppressed: string[]) {
      const now = Date.now();
      const body = alerts.map((labels) => ({
        labels: { ...labels, cluster },
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
      }));
      const post = await fetch(`${base}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(post.status, 200, await post.text());
      const key = (l: Record<string, string>) => `${l.alertname}/${l.priority ?? '-'}`;
      let last = '';
      try {
        return await until(
          async () => {
            const res = await fetch(`${base}/api/v2/alerts?filter=${encodeURIComponent(`cluster="${cluster}"`)}`);
            const got = (await res.json()) as Array<{ labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }>;
            const states = got.map((a) => [key(a.labels), a.status.state === 'suppressed' && a.status.inhibitedBy.length > 0] as const);
            const now = states
              .filter(([, s]) => s)
              .map(([k]) => k)
              .sort();
            last = JSON.stringify(Object.fromEntries(states));
            return got.length === alerts.length && JSON.stringify(now) === JSON.stringify([...suppressed].sort()) && states;
          },
          `${cluster}: suppressed = ${suppressed.join(', ')}`,
          { timeoutMs: 15_000, intervalMs: 200 },
        );
      } catch (err) {
        assert.fail(`${(err as Error).message}\nlast seen (alert/priority → suppressed): ${last}`);
      }
    }
    const ruleAlert = (name: string): Record<string, string> => {
      const rule = rules.find((r) => r.alert === name);
      assert.ok(rule, `${name} is not in the rules file`);
      return { alertname: name, ...rule.labels };
    };

    test('all workers down: every alert of the rules file fires; exactly the symptoms are suppressed', async () => {
      const all = rules.map((r) => ({ alertname: r.alert, ...r.labels }));
      await scenario(
        'all-workers-down',
        all,
        ALL_WORKERS_DOWN_SYMPTOMS.map((n) => `${n}/${ruleAlert(n).priority}`),
      );
    });

    test('the month did not start: the stale heartbeat is suppressed, the failed reports are not', async () => {
      await scenario(
        'month-not-started',
        ['TaxNoSuccessfulReportBy0930', 'TaxSchedulerHeartbeatStale', 'TaxReportFailed', 'TaxWorkerDown'].map(ruleAlert),
        [`TaxSchedulerHeartbeatStale/${ruleAlert('TaxSchedulerHeartbeatStale').priority}`],
      );
    });

    test('the same alert at P1 and lower priorities: only the P1 notifies; another alert at P2 is untouched', async () => {
      await scenario(
        'same-alert-tiers',
        [
          { alertname: 'TaxReportFailureRateHigh', severity: 'critical', priority: 'P1' },
          { alertname: 'TaxReportFailureRateHigh', severity: 'warning', priority: 'P2' },
          { alertname: 'TaxReportFailureRateHigh', severity: 'warning', priority: 'P3' },
          ruleAlert('TaxReportFailed'),
        ],
        ['TaxReportFailureRateHigh/P2', 'TaxReportFailureRateHigh/P3'],
      );
    });

    test('a cause in another cluster suppresses nothing here', async () => {
      await scenario('cluster-b', [ruleAlert('TaxWorkerDown'), ruleAlert('TaxReportFailed')], []);
      await scenario('cluster-a', [ruleAlert('TaxAllWorkersDown')], []);
      // cluster-b is still not suppressed now that cluster-a's TaxAllWorkersDown fires.
      await scenario('cluster-b', [ruleAlert('TaxWorkerDown'), ruleAlert('TaxReportFailed')], []);
    });
  });
});

describe('alert routing: the Helm chart', () => {
  test('off by default: no AlertmanagerConfig and no Secret (existing installs do not change)', () => {
    const r = helmTemplate([]);
    assert.equal(r.code, 0, r.err);
    const kinds = parseYamlDocs(r.out).map((d) => d.kind);
    assert.ok(kinds.includes('Deployment'));
    assert.ok(!kinds.includes('AlertmanagerConfig') && !kinds.includes('Secret'), kinds.join(', '));
  });

  test("plain config: amtool check-config passes; global, route and inhibitions are the file's", () => {
    checkConfig(plainFile);
    const { receivers: _r, ...routing } = plain;
    const { receivers: _o, ...fileRouting } = amConfig;
    assert.deepEqual(routing, fileRouting);
    assert.deepEqual(
      plain.receivers.map((r: any) => r.name),
      amConfig.receivers.map((r: any) => r.name),
    );
    const secret = rendered.find((d) => d.kind === 'Secret');
    assert.equal(secret.metadata.namespace, 'monitoring', "plainConfig.namespace: the Alertmanager's namespace");
  });

  test('plain config: every alert of the rules file reaches the same receiver as with the file', () => {
    for (const rule of [...rules, { alert: 'SomethingNew', labels: {} }]) {
      const labels = { alertname: rule.alert, ...rule.labels };
      assert.deepEqual(routesTest(plainFile, labels), [expectedReceiver(labels)], rule.alert);
    }
  });

  test('plain config: endpoints from values, credentials only as files of alerting.existingSecret', () => {
    const endpoints = { pager: TEST_RECEIVERS.pager, chat: TEST_RECEIVERS.chat, ticket: TEST_RECEIVERS.ticket };
    for (const receiver of plain.receivers) assert.deepEqual(channelsOf(receiver, endpoints), CHANNELS[receiver.name], receiver.name);
    const dir = '/etc/alertmanager/secrets/tax-reports-alerting';
    for (const hook of plain.receivers.flatMap((r: any) => r.webhook_configs ?? [])) {
      assert.equal(hook.send_resolved, true);
      if (hook.url === TEST_RECEIVERS.pager) {
        assert.deepEqual(hook.http_config, { authorization: { type: 'Bearer', credentials_file: `${dir}/PAGER_TOKEN` } });
      } else {
        assert.equal(hook.http_config, undefined, 'no bearerTokenSecretKey: no authorization');
      }
    }
    for (const mail of plain.receivers.flatMap((r: any) => r.email_configs ?? [])) {
      assert.deepEqual(mail, {
        ...TEST_RECEIVERS.email,
        require_tls: true,
        send_resolved: true,
        auth_username: 'alertmanager',
        auth_password_file: `${dir}/SMTP_PASSWORD`,
      });
    }
  });

  test('AlertmanagerConfig: structure of monitoring.coreos.com/v1alpha1, and it routes exactly like the file', () => {
    // No CRD schema offline (kubeconform skips it, see below): the fields allowed here are those of the
    // prometheus-operator v1alpha1 CRD (checked against its schema when this was written); unknown ones fail.
    const amc = rendered.find((d) => d.kind === 'AlertmanagerConfig');
    assert.ok(amc, 'AlertmanagerConfig not rendered');
    assert.equal(amc.apiVersion, 'monitoring.coreos.com/v1alpha1');
    assert.equal(amc.metadata.name, 'tax-reports');
    assert.equal(amc.metadata.labels.release, 'kube-prometheus-stack', 'alerting.alertmanagerConfig.labels, for the alertmanagerConfigSelector');
    const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
    const only = (obj: any, allowed: string[], where: string) =>
      assert.deepEqual(
        Object.keys(obj).filter((k) => !allowed.includes(k)),
        [],
        `${where}: fields the CRD does not have`,
      );
    const matcher = (m: any, where: string) => {
      only(m, ['name', 'value', 'matchType'], where);
      assert.ok(m.name && typeof m.value === 'string' && ['=', '!=', '=~', '!~'].includes(m.matchType), `${where}: ${JSON.stringify(m)}`);
      return `${m.name}${m.matchType}${JSON.stringify(m.value)}`;
    };
    const secretRef = (ref: any, key: string, where: string) => assert.deepEqual(ref, { name: 'tax-reports-alerting', key }, where);
    only(amc.spec, ['route', 'receivers', 'inhibitRules'], 'spec');

    const names = new Set<string>();
    const receivers = amc.spec.receivers.map((r: any) => {
      only(r, ['name', 'webhookConfigs', 'emailConfigs'], `receiver ${r.name}`);
      names.add(r.name);
      return {
        name: r.name,
        webhook_configs: (r.webhookConfigs ?? []).map((w: any) => {
          only(w, ['url', 'sendResolved', 'httpConfig'], `${r.name} webhook`);
          assert.ok(/^https?:\/\//.test(w.url) && w.sendResolved === true);
          if (w.httpConfig) {
            only(w.httpConfig, ['authorization'], `${r.name} httpConfig`);
            assert.equal(w.httpConfig.authorization.type, 'Bearer');
            secretRef(w.httpConfig.authorization.credentials, 'PAGER_TOKEN', `${r.name} bearer token`);
          }
          return { url: w.url };
        }),
        email_configs: (r.emailConfigs ?? []).map((e: any) => {
          only(e, ['to', 'from', 'smarthost', 'authUsername', 'authPassword', 'requireTLS', 'sendResolved'], `${r.name} email`);
          assert.deepEqual({ to: e.to, from: e.from, smarthost: e.smarthost }, TEST_RECEIVERS.email);
          assert.equal(e.requireTLS, true);
          secretRef(e.authPassword, 'SMTP_PASSWORD', `${r.name} SMTP password`);
          return {};
        }),
      };
    });
    const endpoints = { pager: TEST_RECEIVERS.pager, chat: TEST_RECEIVERS.chat, ticket: TEST_RECEIVERS.ticket };
    for (const receiver of receivers) assert.deepEqual(channelsOf(receiver, endpoints), CHANNELS[receiver.name], receiver.name);

    const route = (r: any, where: string): any => {
      only(r, ['receiver', 'groupBy', 'groupWait', 'groupInterval', 'repeatInterval', 'matchers', 'continue', 'routes'], where);
      const out: any = {};
      if (r.receiver !== undefined) {
        assert.ok(names.has(r.receiver), `${where}: receiver ${r.receiver} is not defined`);
        out.receiver = r.receiver;
      }
      for (const [crd, key] of [
        ['groupWait', 'group_wait'],
        ['groupInterval', 'group_interval'],
        ['repeatInterval', 'repeat_interval'],
      ] as const) {
        if (r[crd] !== undefined) {
          assert.match(r[crd], DURATION, `${where}.${crd}`);
          out[key] = r[crd];
        }
      }
      if (r.groupBy) out.group_by = r.groupBy;
      if (r.continue !== undefined) out.continue = r.continue;
      if (r.matchers) out.matchers = r.matchers.map((m: any, i: number) => matcher(m, `${where}.matchers[${i}]`));
      if (r.routes) out.routes = r.routes.map((c: any, i: number) => route(c, `${where}.routes[${i}]`));
      return out;
    };
    assert.ok(amc.spec.route.receiver, 'the top route needs a receiver');
    assert.deepEqual(route(amc.spec.route, 'route'), amConfig.route);
    const inhibit = amc.spec.inhibitRules.map((r: any, i: number) => {
      only(r, ['sourceMatch', 'targetMatch', 'equal'], `inhibitRules[${i}]`);
      return {
        source_matchers: r.sourceMatch.map((m: any) => matcher(m, `inhibitRules[${i}].sourceMatch`)),
        target_matchers: r.targetMatch.map((m: any) => matcher(m, `inhibitRules[${i}].targetMatch`)),
        equal: r.equal,
      };
    });
    assert.deepEqual(inhibit, amConfig.inhibit_rules);
  });

  test('kubeconform -strict: the Secret is valid; the AlertmanagerConfig is the only skip (no CRD schema offline)', () => {
    const values = path.join(tmp, 'alerting-values.yaml');
    const r = helmTemplate(['-f', values]);
    assert.equal(r.code, 0, r.err);
    const { results, code, err } = kubeconform(r.out);
    const bad = results.filter((x) => x.status !== 'statusValid' && x.status !== 'statusSkipped');
    assert.deepEqual(bad, [], bad.map((b) => `${b.kind}/${b.name}: ${b.msg}`).join('\n'));
    assert.equal(code, 0, err);
    assert.ok(results.some((x) => x.kind === 'Secret' && x.name === 'tax-reports-alertmanager' && x.status === 'statusValid'));
    const skipped = new Set(results.filter((x) => x.status === 'statusSkipped').map((x) => x.kind));
    assert.ok(skipped.has('AlertmanagerConfig'));
    assert.deepEqual(
      [...skipped].filter((kind) => !['AlertmanagerConfig', 'ServiceMonitor', 'PrometheusRule', 'ScaledObject'].includes(kind)),
      [],
    );
  });

  test('bad alerting values fail: values.schema.json, and the template itself when the schema is skipped', () => {
    const dir = mkdtempSync(path.join(tmp, 'bad-values-'));
    const cases: Array<[string, string, RegExp]> = [
      ['enabled without endpoints', 'alerting:\n  plainConfig: { enabled: true }\n', /alerting[\s\S]*url/],
      [
        'credentials in a webhook URL',
        'alerting:\n  receivers:\n    chat: { url: "https://bot:s3cret@chat.example/hook", bearerTokenSecretKey: "" }\n',
        /url/,
      ],
      [
        'an e-mail smarthost without a port',
        'alerting:\n  receivers:\n    email: { to: a@b.example, from: c@d.example, smarthost: smtp.example, authUsername: "", authPasswordSecretKey: "", requireTLS: true }\n',
        /smarthost/,
      ],
      ['an unknown key', 'alerting:\n  receivers:\n    pagerduty: { url: "https://x.example/" }\n', /pagerduty/],
    ];
    for (const [name, yaml, expected] of cases) {
      const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, yaml);
      const r = run(HELM, ['lint', '--kube-version', K8S_VERSION, CHART, '-f', file]);
      assert.notEqual(r.code, 0, `${name}: lint passed`);
      assert.match(r.out + r.err, /schema/, `${name}: not a schema failure:\n${r.out}${r.err}`);
      assert.match(r.out + r.err, expected, `${name}:\n${r.out}${r.err}`);
    }
    const skipped = helmTemplate(['--skip-schema-validation', '--set', 'alerting.alertmanagerConfig.enabled=true']);
    assert.notEqual(skipped.code, 0);
    assert.match(skipped.err, /alerting\.receivers\.[\w.]+ is required while alerting is enabled/);
    const userinfo = helmTemplate([
      '--skip-schema-validation',
      '-f',
      path.join(tmp, 'alerting-values.yaml'),
      '--set',
      'alerting.receivers.ticket.url=https://u:p@jira.example/hook',
    ]);
    assert.notEqual(userinfo.code, 0);
    assert.match(userinfo.err, /alerting\.receivers\.ticket\.url carries credentials/);
  });
});
