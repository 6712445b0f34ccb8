// The deploy gates: the PromQL of ops/gates/canary-gates.yml under the real promtool (valid, its unit tests pass,
// and copies with a threshold changed fail them, so a pass means the expectations were compared); deploy.yml asks
// exactly those expressions, through cli/prometheus-gate.mjs, and no longer the severity=~"P1|P2" query that
// never matched; the script sends the file's text unchanged (a fake Prometheus records it), fails on a non-empty
// answer, waits with a deadline, never passes on an error, and a real Prometheus accepts every expression.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../../dev/free-port';
import { until } from '../../dev/until';

const ROOT = path.resolve(__dirname, '..', '..');
const GATES = path.join(ROOT, 'ops', 'gates', 'canary-gates.yml');
const GATE_TESTS = path.join(ROOT, 'ops', 'gates', 'gates.test.yml');
const ALERT_RULES = path.join(ROOT, 'helm', 'tax-reports', 'files', 'alert-rules.yml');
const DEPLOY = path.join(ROOT, '.github', 'workflows', 'deploy.yml');
const GATE_SCRIPT = path.join(ROOT, 'cli', 'prometheus-gate.mjs');
const onPath = (bin: string, fallback: string) =>
  [...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, bin)), fallback].find((c) => existsSync(c)) ?? bin;
/** promtool and prometheus from the Debian package (scripts/provision.sh). */
const PROMTOOL = onPath('promtool', '/usr/bin/promtool');
const PROMETHEUS = onPath('prometheus', '/usr/bin/prometheus');
/** PyYAML: the provisioned venv of the chart tests, else the system's. */
const PYTHON = [path.join(ROOT, '.tools', 'deploy-venv', 'bin', 'python')].find((p) => existsSync(p)) ?? 'python3';
const TIMEOUT_MS = 300_000;

/** The gate names deploy.yml must ask. */
const CANARY_GATES = ['canary:gate_firing_alerts', 'canary:gate_insufficient_samples', 'CanaryWorse'];

interface Run {
  code: number | null;
  out: string;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      { cwd: ROOT, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        // Not started (ENOENT: run `npm run provision`) or killed by the timeout.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an Error: @types/node builds ExecFileException with Omit<>, which hides that from the rule
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? Number(err.code) : 0, out: `${stdout}${stderr}`, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

async function yamlFile(file: string): Promise<any> {
  const r = await run(PYTHON, ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(open(sys.argv[1], encoding="utf-8")), sys.stdout)', file]);
  assert.equal(r.code, 0, r.out);
  return JSON.parse(r.stdout);
}

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}
async function rulesOf(file: string): Promise<Rule[]> {
  return ((await yamlFile(file)) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
}
const nameOf = (r: Rule) => (r.record ?? r.alert)!;

/** The gate script with a clean environment: no PROMETHEUS_URL or job summary unless given. */
function gate(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Run> {
  const { PROMETHEUS_URL: _url, GITHUB_STEP_SUMMARY: _summary, ...rest } = process.env;
  return run(process.execPath, [GATE_SCRIPT, ...args], { env: { ...rest, ...env }, timeoutMs });
}

const tmp = mkdtempSync(path.join(tmpdir(), 'deploy-gates-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('ops/gates PromQL under promtool', { concurrency: true }, () => {
  test('promtool check rules accepts the gates file', { timeout: TIMEOUT_MS }, async () => {
    const r = await run(PROMTOOL, ['check', 'rules', GATES]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS: 6 rules found/);
  });

  test('promtool test rules passes ops/gates/gates.test.yml', { timeout: TIMEOUT_MS }, async () => {
    const r = await run(PROMTOOL, ['test', 'rules', GATE_TESTS]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
    assert.doesNotMatch(r.out, /FAILED/);
  });

  // Each mutation loosens or breaks one gate; the unit tests must notice every one.
  const mutations: Array<[string, (text: string) => string]> = [
    ['the alert gate on severity instead of priority', (t) => t.replace('priority=~"P1|P2"', 'severity=~"P1|P2"')],
    ['the alert gate also on P3', (t) => t.replace('priority=~"P1|P2"', 'priority=~"P1|P2|P3"')],
    ['failure ratio threshold 0.5', (t) => t.replace('> 0.05,', '> 0.5,')],
    ['p95 threshold 3 × stable', (t) => t.replace('1.2 * histogram_quantile', '3 * histogram_quantile')],
    [
      'CanaryWorse without its minimum on the canary',
      (t) => t.replace(/\n\s*and on \(\)\n(\s*sum\(increase\(\(\n[^\n]*track="canary"\}\)\n[^\n]*\n[^\n]*\n\s*\)\[1h:1m\]\)\) >= 5)/, ''),
    ],
    ['too-few-samples at 2 instead of 5', (t) => t.replaceAll(') < 5,', ') < 2,')],
    [
      'counts not anchored at 0 per target',
      (t) => t.replaceAll(/\n\s*or\n\s*sum by \(job, instance(, track)?\) \(tax_reports_in_progress(\{track="\w+"\})?\) \* 0/g, ''),
    ],
  ];
  for (const [name, mutate] of mutations) {
    test(`a copy with ${name} fails the unit tests`, { timeout: TIMEOUT_MS }, async () => {
      const original = readFileSync(GATES, 'utf8');
      const mutated = mutate(original);
      assert.notEqual(mutated, original, 'the mutation changed nothing');
      // The repository's layout under a scratch directory, so gates.test.yml's relative rule_files still resolve.
      const dir = mkdtempSync(path.join(tmp, 'mutant-'));
      const copy = (file: string) => path.join(dir, path.relative(ROOT, file));
      for (const file of [GATES, ALERT_RULES]) mkdirSync(path.dirname(copy(file)), { recursive: true });
      writeFileSync(copy(GATES), mutated);
      copyFileSync(GATE_TESTS, copy(GATE_TESTS));
      copyFileSync(ALERT_RULES, copy(ALERT_RULES));
      assert.equal((await run(PROMTOOL, ['check', 'rules', copy(GATES)])).code, 0, 'the mutant is still valid PromQL');
      const r = await run(PROMTOOL, ['test', 'rules', copy(GATE_TESTS)]);
      assert.notEqual(r.code, 0, `promtool passed a gates file with ${name}:\n${r.out}`);
      assert.match(r.out, /FAILED/);
    });
  }

  test('every alert the alert gate can see is named Tax* and carries a priority P1..P4', async () => {
    const alerts = (await rulesOf(ALERT_RULES)).filter((r) => r.alert);
    assert.ok(alerts.length >= 10);
    for (const a of alerts) {
      assert.match(a.alert!, /^Tax/, `${a.alert}: the gate matches alertname=~"Tax.*"`);
      assert.match(a.labels?.priority ?? '', /^P[1-4]$/, `${a.alert}: priority label`);
      assert.match(a.labels?.severity ?? '', /^(critical|warning|info)$/, `${a.alert}: severity is critical/warning/info, never the priority`);
    }
  });

  test('the gate expressions read raw metrics only (deploy.yml sends them to a Prometheus that records none of them)', async () => {
    for (const rule of await rulesOf(GATES)) {
      assert.doesNotMatch(rule.expr, /\b[A-Za-z_][A-Za-z0-9_]*:[A-Za-z_][A-Za-z0-9_:]*/, `${nameOf(rule)} reads a recorded series`);
    }
  });
});

describe('deploy.yml asks the ops/gates expressions', () => {
  interface Step {
    name?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
  }
  interface Invocation {
    job: string;
    step: Step;
    gates: string[];
    shown: string[];
    wait?: number;
  }

  async function deploy(): Promise<{ text: string; jobs: Record<string, { steps: Step[] }> }> {
    return { text: readFileSync(DEPLOY, 'utf8'), jobs: ((await yamlFile(DEPLOY)) as { jobs: Record<string, { steps: Step[] }> }).jobs };
  }

  /** Every `node cli/prometheus-gate.mjs …` command of every run script, with its arguments. */
  function invocations(jobs: Record<string, { steps: Step[] }>): Invocation[] {
    const found: Invocation[] = [];
    for (const [job, { steps }] of Object.entries(jobs)) {
      for (const step of steps) {
        const script = (step.run ?? '').replace(/\\\n/g, ' ');
        for (const line of script.split('\n')) {
          const m = /node cli\/prometheus-gate\.mjs\s+(.*)$/.exec(line.replace(/#.*$/, ''));
          if (!m) continue;
          const args = m[1]!.trim().split(/\s+/);
          const inv: Invocation = { job, step, gates: [], shown: [] };
          for (let i = 0; i < args.length; i++) {
            if (args[i] === '--show') inv.shown.push(args[++i]!);
            else if (args[i] === '--wait') inv.wait = Number(args[++i]);
            else if (args[i] === '--interval') i++;
            else {
              assert.doesNotMatch(args[i]!, /^-/, `unexpected option in ${job}: ${line}`);
              inv.gates.push(args[i]!);
            }
          }
          found.push(inv);
        }
      }
    }
    return found;
  }

  test('no severity=~"P1|P2" and no PromQL of its own: every query goes through the gates file', async () => {
    const { text, jobs } = await deploy();
    assert.ok(!text.includes('severity=~"P1|P2"'), 'the query that never matched is gone');
    assert.doesNotMatch(text, /ALERTS\{|tax_report_|api\/v1\/query/, 'deploy.yml carries no PromQL or Prometheus call of its own');
    assert.ok(invocations(jobs).length >= 4);
  });

  test('the canary job closes on the alert, sample and canary-vs-stable gates; production watches the alert gate', async () => {
    const { jobs } = await deploy();
    const all = invocations(jobs);
    const names = await rulesOf(GATES).then((rules) => new Set(rules.map(nameOf)));
    for (const inv of all) {
      for (const name of [...inv.gates, ...inv.shown]) assert.ok(names.has(name), `${inv.job} asks ${name}, which ops/gates/canary-gates.yml lacks`);
      assert.equal(inv.step.env?.PROMETHEUS_URL?.startsWith('${{ vars.'), true, `${inv.job}: PROMETHEUS_URL from a repository variable`);
      const steps = jobs[inv.job]!.steps;
      const at = steps.indexOf(inv.step);
      assert.ok(
        steps.slice(0, at).some((s) => s.uses?.startsWith('actions/checkout@')),
        `${inv.job} checks out the gates file first`,
      );
      assert.ok(
        steps.slice(0, at).some((s) => s.uses?.startsWith('actions/setup-node@')),
        `${inv.job} sets up Node first`,
      );
    }
    const canary = all.filter((i) => i.job === 'canary');
    const gated = new Set(canary.flatMap((i) => i.gates));
    for (const name of CANARY_GATES) assert.ok(gated.has(name), `the canary job gates on ${name}`);
    const samples = canary.find((i) => i.gates.includes('canary:gate_insufficient_samples'))!;
    assert.ok((samples.wait ?? 0) > 0, 'too few samples is waited on, with a deadline');
    const worse = canary.find((i) => i.gates.includes('CanaryWorse'))!;
    assert.ok(canary.indexOf(worse) > canary.indexOf(samples), 'CanaryWorse is judged after the samples are there');
    assert.ok(
      all.some((i) => i.job === 'production' && i.gates.includes('canary:gate_firing_alerts')),
      'the 30-minute watch gates on P1/P2 alerts',
    );
  });

  test('the staging smoke starts the batch and runs cli/smoke-batch.ts on the same workflow id', async () => {
    const { jobs } = await deploy();
    const script = jobs.staging!.steps.map((s) => s.run ?? '').find((r) => r.includes('cli/smoke-batch.ts'));
    assert.ok(script, 'a staging step runs cli/smoke-batch.ts');
    assert.doesNotMatch(script, /workflow execute/, 'the completed batch alone proves nothing');
    const started = /temporal workflow start --type monthlyReportBatch[^\n]*--workflow-id "(\$\w+)"/.exec(script);
    assert.ok(started, script);
    assert.match(script, new RegExp(`cli/smoke-batch\\.ts --workflow-id "\\$${started[1]!.slice(1)}" --timeout \\d+m`));
  });
});

describe('cli/prometheus-gate.mjs', () => {
  test('reads every expression exactly as a YAML parser does (--print)', async () => {
    for (const rule of await rulesOf(GATES)) {
      const r = await gate(['--print', nameOf(rule)]);
      assert.equal(r.code, 0, r.out);
      assert.equal(r.stdout, rule.expr, nameOf(rule));
    }
  });

  test('refuses a rules file it cannot read exactly, and unknown names, with exit 2', async () => {
    const folded = path.join(tmp, 'folded.yml');
    writeFileSync(folded, 'groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: >\n          up\n');
    const r = await gate(['--rules', folded, '--print', 'a:b']);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stderr, /literal block/);
    const unknown = await gate(['--url', 'http://127.0.0.1:9', 'canary:no_such_gate']);
    assert.equal(unknown.code, 2, unknown.out);
    assert.match(unknown.stderr, /no rule named canary:no_such_gate/);
    const noUrl = await gate(['CanaryWorse']);
    assert.equal(noUrl.code, 2, noUrl.out);
    assert.match(noUrl.stderr, /no Prometheus URL/);
  });

  interface Fake {
    url: string;
    queries: string[];
    close(): Promise<void>;
  }
  /** A Prometheus query API that records each query and answers with `answer(query, how many times asked)`. */
  async function fakePrometheus(answer: (query: string, nth: number) => { status?: number; body: unknown }): Promise<Fake> {
    const queries: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        const query = req.url?.startsWith('/api/v1/query') && req.method === 'POST' ? new URLSearchParams(body).get('query') : null;
        if (query === null) {
          res.writeHead(404).end();
          return;
        }
        queries.push(query);
        const { status = 200, body: answerBody } = answer(query, queries.filter((q) => q === query).length);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answerBody));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      queries,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }
  const vector = (...series: Array<[Record<string, string>, string]>) => ({
    status: 'success',
    data: { resultType: 'vector', result: series.map(([metric, value]) => ({ metric, value: [1_700_000_000, value] })) },
  });

  test('sends the file text unchanged; all empty is exit 0, recorded in the job summary', async () => {
    const expr = new Map((await rulesOf(GATES)).map((r) => [nameOf(r), r.expr] as const));
    const prom = await fakePrometheus(() => ({ body: vector() }));
    try {
      const summary = path.join(tmp, 'summary-open.md');
      const r = await gate(['--show', 'canary:report_failure_ratio', ...CANARY_GATES], { PROMETHEUS_URL: prom.url, GITHUB_STEP_SUMMARY: summary });
      assert.equal(r.code, 0, r.out);
      // The shell's $(…) would drop the block's final newline; the script sends the text byte for byte.
      assert.deepEqual(
        prom.queries,
        ['canary:report_failure_ratio', ...CANARY_GATES].map((n) => expr.get(n)),
      );
      for (const name of CANARY_GATES) assert.match(r.stdout, new RegExp(`gate ${name}: open`));
      assert.match(readFileSync(summary, 'utf8'), /- gate `CanaryWorse`: open/);
    } finally {
      await prom.close();
    }
  });

  test('a non-empty gate is exit 1, naming its series; the other gates are still asked; --show never gates', async () => {
    const expr = new Map((await rulesOf(GATES)).map((r) => [nameOf(r), r.expr] as const));
    const prom = await fakePrometheus((query) =>
      query === expr.get('CanaryWorse')
        ? { body: vector([{ reason: 'failure_ratio', severity: 'warning', priority: 'P3' }, '0.2']) }
        : query === expr.get('canary:report_failure_ratio')
          ? { body: vector([{ track: 'canary' }, '0.3'], [{ track: 'stable' }, '0.1']) }
          : { body: vector() },
    );
    try {
      const summary = path.join(tmp, 'summary-closed.md');
      const r = await gate(['--show', 'canary:report_failure_ratio', 'CanaryWorse', 'canary:gate_firing_alerts'], {
        PROMETHEUS_URL: prom.url,
        GITHUB_STEP_SUMMARY: summary,
      });
      assert.equal(r.code, 1, r.out);
      assert.match(r.stdout, /canary:report_failure_ratio: 2 series\n {2}\{track="canary"\} 0\.3\n {2}\{track="stable"\} 0\.1/);
      assert.match(r.stdout, /gate CanaryWorse: CLOSED, 1 series:\n {2}\{priority="P3", reason="failure_ratio", severity="warning"\} 0\.2/);
      assert.match(r.stdout, /gate canary:gate_firing_alerts: open/);
      assert.match(readFileSync(summary, 'utf8'), /- gate `CanaryWorse`: \*\*closed\*\* \(1 series\)/);
    } finally {
      await prom.close();
    }
  });

  test('--wait asks again until the gate opens, and fails when it has not by the deadline', { timeout: 60_000 }, async () => {
    const prom = await fakePrometheus((_query, nth) => ({ body: nth < 3 ? vector([{ track: 'canary' }, String(nth)]) : vector() }));
    try {
      const opens = await gate(['--url', prom.url, '--wait', '30', '--interval', '1', 'canary:gate_insufficient_samples']);
      assert.equal(opens.code, 0, opens.out);
      assert.equal(prom.queries.length, 3);
      assert.match(opens.stdout, /closed \(1 series\), asking again in 1s/);
    } finally {
      await prom.close();
    }
    const never = await fakePrometheus(() => ({ body: vector([{ track: 'stable' }, '0']) }));
    try {
      const started = Date.now();
      const r = await gate(['--url', never.url, '--wait', '2', '--interval', '1', 'canary:gate_insufficient_samples']);
      assert.equal(r.code, 1, r.out);
      assert.match(r.stdout, /CLOSED, 1 series:\n {2}\{track="stable"\} 0\n {2}\(still non-empty after waiting 2s\)/);
      assert.ok(Date.now() - started < 30_000, 'the deadline held');
      assert.ok(never.queries.length >= 2);
    } finally {
      await never.close();
    }
  });

  test('a query Prometheus rejects is exit 2, not a pass', async () => {
    const prom = await fakePrometheus(() => ({ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' } }));
    try {
      const r = await gate(['--url', prom.url, 'CanaryWorse']);
      assert.equal(r.code, 2, r.out);
      assert.match(r.stderr, /bad_data parse error/);
    } finally {
      await prom.close();
    }
  });

  test(
    'a real Prometheus accepts every expression; with no data the sample gate stays closed (no data is no pass)',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(path.join(tmp, 'prometheus-'));
      const port = await freePort();
      writeFileSync(path.join(dir, 'prometheus.yml'), 'global: { scrape_interval: 15s }\nscrape_configs: []\n');
      const child = spawn(
        PROMETHEUS,
        [
          `--config.file=${path.join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        {
          stdio: 'ignore',
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        const url = `http://127.0.0.1:${port}`;
        await until(
          () =>
            fetch(`${url}/-/ready`).then(
              (r) => r.ok,
              () => false,
            ),
          'prometheus ready',
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        const names = (await rulesOf(GATES)).map(nameOf);
        const shown = await gate(['--url', url, ...names.flatMap((n) => ['--show', n])]);
        assert.equal(shown.code, 0, `every expression is a valid query:\n${shown.out}`);
        const r = await gate(['--url', url, ...CANARY_GATES]);
        assert.equal(r.code, 1, r.out);
        assert.match(r.stdout, /gate canary:gate_firing_alerts: open/);
        assert.match(r.stdout, /gate CanaryWorse: open/);
        assert.match(r.stdout, /gate canary:gate_insufficient_samples: CLOSED, 2 series:\n {2}\{track="canary"\} 0\n {2}\{track="stable"\} 0/);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
  );
});
