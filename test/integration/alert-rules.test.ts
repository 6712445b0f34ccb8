// The Prometheus alert rules (helm/tax-reports/files/alert-rules.yml, the one copy, which the chart ships) against
// the real promtool (Debian `prometheus` package, installed by scripts/provision.sh): the rules file is valid, its
// unit tests (ops/prometheus/alert-rules.test.yml) pass and cover every alert both firing and not firing, and a copy
// of the unit tests with one expected alert changed fails, so a passing run means the expectations were actually
// compared.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const CHART_FILES = path.join(ROOT, 'helm', 'tax-reports', 'files');
const RULES = path.join(CHART_FILES, 'alert-rules.yml');
const RULE_TESTS = path.join(ROOT, 'ops', 'prometheus', 'alert-rules.test.yml');
const DASHBOARD = path.join(CHART_FILES, 'tax-reports-dashboard.json');
/** promtool on PATH, else the Debian package's; `npm run provision` installs it. */
const PROMTOOL =
  [...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'promtool')), '/usr/bin/promtool'].find((candidate) =>
    existsSync(candidate),
  ) ?? 'promtool';
/** The month-long cases take promtool about half a minute. */
const TIMEOUT_MS = 300_000;

interface Run {
  code: number;
  out: string;
}

function promtool(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(PROMTOOL, args, { cwd, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // Not started (ENOENT: run `npm run provision`) or killed by the timeout.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an Error: @types/node builds ExecFileException with Omit<>, which hides that from the rule
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? Number(err.code) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** Every `- alert: Name` of the rules file. */
function alertNames(rulesText: string): string[] {
  return [...rulesText.matchAll(/^\s*- alert:\s*(\S+)\s*$/gm)].map((m) => m[1]!);
}

/** The alert test cases of the unit-test file: which alert, and whether any alert is expected to fire. */
function alertCases(testText: string): Array<{ alertname: string; fires: boolean }> {
  return testText
    .split(/^\s*- eval_time:/m)
    .slice(1)
    .map((block) => {
      const alertname = /^\s*alertname:\s*(\S+)\s*$/m.exec(block)?.[1];
      const expected = /^\s*exp_alerts:\s*(.*)$/m.exec(block)?.[1]?.trim();
      assert.ok(alertname && expected !== undefined, `unreadable test case: ${block.slice(0, 200)}`);
      return { alertname, fires: expected !== '[]' };
    });
}

const tmp = mkdtempSync(path.join(tmpdir(), 'alert-rules-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('helm/tax-reports/files/alert-rules.yml', { concurrency: true }, () => {
  test('promtool check rules accepts the rules file', { timeout: TIMEOUT_MS }, async () => {
    const r = await promtool(['check', 'rules', RULES]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS: \d+ rules found/);
  });

  test('promtool test rules passes the unit tests', { timeout: TIMEOUT_MS }, async () => {
    const r = await promtool(['test', 'rules', RULE_TESTS]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
    assert.doesNotMatch(r.out, /FAILED/);
  });

  test('every Grafana panel query is valid PromQL', { timeout: TIMEOUT_MS }, async () => {
    // promtool parses the queries as recording rules, with Grafana's interval variables filled in.
    interface Panel {
      title: string;
      targets?: Array<{ expr?: string }>;
      panels?: Panel[];
    }
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
    const exprs = dashboard.panels
      .flatMap((p) => [p, ...(p.panels ?? [])])
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''))
      .map((expr) =>
        expr
          .replace(/\$__rate_interval/g, '2m')
          .replace(/\$__interval/g, '1h')
          .replace(/\$__range/g, '1d'),
      );
    assert.ok(exprs.length >= 9);
    const rules = exprs.map((expr, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(expr)}`);
    const file = path.join(tmp, 'dashboard-queries.yml');
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const r = await promtool(['check', 'rules', file]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  });

  test('the unit tests see every alert fire and stay quiet', () => {
    const alerts = alertNames(readFileSync(RULES, 'utf8'));
    assert.ok(alerts.length >= 8, `alerts found: ${alerts.join(', ')}`);
    const cases = alertCases(readFileSync(RULE_TESTS, 'utf8'));
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(
        mine.some((c) => c.fires),
        `no test case where ${alert} fires`,
      );
      assert.ok(
        mine.some((c) => !c.fires),
        `no test case where ${alert} stays quiet`,
      );
    }
    const unknown = cases.filter((c) => !alerts.includes(c.alertname)).map((c) => c.alertname);
    assert.deepEqual(unknown, [], 'test cases for alerts the rules file does not define');
  });

  test('a copy of the unit tests with one expected alert changed fails', { timeout: TIMEOUT_MS }, async () => {
    // The anchored expectation of the 09:30 rule, used by several cases: page it as a P2 instead of P1.
    const original = readFileSync(RULE_TESTS, 'utf8');
    const expected = 'exp_alerts: &no_success_by_0930\n          - exp_labels: { severity: critical, priority: P1 }';
    assert.ok(original.includes(expected), 'the 09:30 expectation moved; update this test');
    // Only the test groups that span less than a day of test time: the month-long ones already ran above.
    const [head, ...groups] = original.split(/^(?= {2}- name: )/m);
    const quick = groups.filter((group) => !/eval_time: \d+d/.test(group));
    assert.ok(quick.length < groups.length && quick.some((group) => group.includes(expected)));
    const broken = [head, ...quick].join('').replace(expected, expected.replace('priority: P1', 'priority: P2'));
    // The repository's layout under a scratch directory, so the test file's relative rule_files path still resolves.
    const dir = mkdtempSync(path.join(tmp, 'broken-'));
    const copy = (file: string) => path.join(dir, path.relative(ROOT, file));
    for (const file of [RULES, RULE_TESTS]) mkdirSync(path.dirname(copy(file)), { recursive: true });
    copyFileSync(RULES, copy(RULES));
    writeFileSync(copy(RULE_TESTS), broken);

    const r = await promtool(['test', 'rules', path.relative(ROOT, RULE_TESTS)], dir);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /FAILED/);
    // It failed on the changed expectation, not on a missing file or a parse error.
    assert.match(r.out, /alertname: TaxNoSuccessfulReportBy0930, time: 30m/);
    assert.match(r.out, /priority="P1"/);
  });
});
