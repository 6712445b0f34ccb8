// The Grafana dashboard and the alert rules name only metrics the worker exports: every series selector
// in a panel query or a rule expression is a metric of the workers' `TaxMetrics` or the console's `ConsoleMetrics` (a histogram's
// _bucket/_sum/_count included), `up` or `ALERTS`, kube-state-metrics' `kube_job_status_failed`, or a series recorded by alert-rules.yml itself from such metrics.
// A renamed metric or a typo therefore fails here, not as an empty panel or a silent alert.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { TaxMetrics } from '../../lib/observability/metrics';
import { ConsoleMetrics } from '../../lib/observability/console-metrics';

const ROOT = path.resolve(__dirname, '..', '..');
const CHART_FILES = path.join(ROOT, 'helm', 'tax-reports', 'files');
const DASHBOARD = path.join(CHART_FILES, 'tax-reports-dashboard.json');
const RULES = path.join(CHART_FILES, 'alert-rules.yml');

/** Series Prometheus itself writes: per scrape target, and the state of alerting rules. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'ALERTS', 'ALERTS_FOR_STATE']);
/** kube-state-metrics, part of every Prometheus Operator install: the audit CronJob's failures are read from it. */
const KUBE_STATE_SERIES = new Set(['kube_job_status_failed']);
const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions, aggregations,
 * keywords, label names or values, durations or Grafana variables.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals (label values, regexes)
    .replace(/\{[^{}]*\}/g, ' ') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/g, ' ') // label lists
    .replace(/\$\{[^}]*\}|\$\w+/g, '1m') // Grafana variables ($__rate_interval, ${DS_PROMETHEUS})
    .replace(/\[[^\]]*\]/g, ' '); // ranges and subquery steps
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || PROMQL_KEYWORDS.has(name!.toLowerCase())) continue;
    names.add(name!);
  }
  return [...names];
}

interface RuleDoc {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}

/** js-yaml when installed (it is, through puppeteer's cosmiconfig); otherwise `rulesFallback`. */
function loadRules(text: string): RuleDoc['groups'][number]['rules'] {
  try {
    const yaml = createRequire(__filename)('js-yaml') as { load(text: string): unknown };
    return (yaml.load(text) as RuleDoc).groups.flatMap((g) => g.rules);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return rulesFallback(text);
  }
}

/**
 * Enough YAML for a rules file: `- alert:`/`- record:` items and their `expr:`, written inline (plain or
 * quoted) or as a `|`/`>` block scalar.
 */
function rulesFallback(text: string): RuleDoc['groups'][number]['rules'] {
  const rules: RuleDoc['groups'][number]['rules'] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const item = /^\s*- (alert|record):\s*(.+?)\s*$/.exec(lines[i]!);
    if (item) {
      rules.push({ [item[1]!]: item[2]!, expr: '' });
      continue;
    }
    const expr = /^(\s*)expr:\s*(.*?)\s*$/.exec(lines[i]!);
    if (!expr || rules.length === 0) continue;
    const [, indent, value] = expr;
    let body = value!;
    if (/^[|>][-+]?$/.test(body)) {
      const block: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > indent!.length)) {
        block.push(lines[++i]!.trim());
      }
      body = block.join('\n').trim();
    } else if (/^'.*'$/.test(body)) {
      body = body.slice(1, -1).replace(/''/g, "'");
    } else if (/^".*"$/.test(body)) {
      body = JSON.parse(body) as string;
    }
    rules[rules.length - 1]!.expr = body;
  }
  return rules;
}

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string }> };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const rulesText = readFileSync(RULES, 'utf8');
const rules = loadRules(rulesText);
/** Panels, rows' nested panels included. */
const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/** Exported series names: every registry metric, a histogram also as _bucket, _sum and _count. */
const exported = new Set<string>();
before(async () => {
  const registries = [new TaxMetrics().registry, new ConsoleMetrics().registry];
  for (const metric of (await Promise.all(registries.map((r) => r.getMetricsAsJSON()))).flat()) {
    exported.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix);
  }
});

function unknownNames(expr: string, extra: Set<string> = new Set()): string[] {
  return metricNames(expr).filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.has(name) && !KUBE_STATE_SERIES.has(name) && !extra.has(name));
}

describe('metricNames', () => {
  test('finds selected metrics and skips functions, keywords, labels, strings, ranges and variables', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.9, sum by (le, agent_name) (rate(tax_agent_execution_seconds_bucket{agent_name=~"data|report"}[$__rate_interval])))',
      ),
      ['tax_agent_execution_seconds_bucket'],
    );
    assert.deepEqual(metricNames('(sum(x_total offset 1d) or vector(0)) == 0 and on() day_of_month(vector(time())) == 1 and on(job) up'), [
      'x_total',
      'up',
    ]);
    assert.deepEqual(metricNames('label_replace(a * 0, "status", "success", "", "") > bool 1e3'), ['a']);
    assert.deepEqual(metricNames('job_instance:tax_report_success_on_1st:sum[1d]'), ['job_instance:tax_report_success_on_1st:sum']);
  });
});

describe('helm/tax-reports/files/tax-reports-dashboard.json', () => {
  test('is a current dashboard with uid tax-reports and a DS_PROMETHEUS datasource variable', () => {
    assert.equal(dashboard.uid, 'tax-reports');
    assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
    const ds = dashboard.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
    assert.equal(ds?.type, 'datasource');
    assert.equal(ds?.query, 'prometheus');
  });

  test('has the panels of the operations design', () => {
    const titles = allPanels.map((p) => p.title.toLowerCase());
    for (const wanted of [
      /success rate \(24 h\)/,
      /generation time p50 \/ p90 \/ p99/,
      /llm cost per day/,
      /llm tokens by model/,
      /errors by type and step/,
      /in progress/,
      /execution time by agent \(p90\)/,
      /heartbeat age/,
      /reports by status/,
    ]) {
      assert.ok(
        titles.some((t) => wanted.test(t)),
        `no panel titled like ${wanted}: ${titles.join(' | ')}`,
      );
    }
    const exprs = allPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    for (const q of ['0.5', '0.9', '0.99']) {
      assert.ok(
        exprs.some((e) => e.includes(`histogram_quantile(${q}, `) && e.includes('tax_report_duration_seconds_bucket')),
        `p${q}`,
      );
    }
  });

  test('panels have unique ids, fit the 24-column grid and query the DS_PROMETHEUS datasource', () => {
    const ids = allPanels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
    for (const p of allPanels) {
      assert.ok(p.gridPos.x >= 0 && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title}: gridPos`);
      if (p.type === 'row') continue;
      assert.ok((p.targets ?? []).length > 0, `${p.title}: no queries`);
      for (const ds of [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]) {
        assert.deepEqual(ds, { type: 'prometheus', uid: '${DS_PROMETHEUS}' }, `${p.title}: datasource`);
      }
    }
  });

  test('every panel query selects only exported metrics', () => {
    for (const p of allPanels) {
      for (const t of p.targets ?? []) {
        assert.ok(t.expr && metricNames(t.expr).length > 0, `${p.title}: query without a metric`);
        assert.deepEqual(unknownNames(t.expr), [], `${p.title}: ${t.expr}`);
      }
    }
  });
});

describe('helm/tax-reports/files/alert-rules.yml', () => {
  test('the fallback parser reads the same rules and expressions as js-yaml', () => {
    const shape = (list: typeof rules) => list.map((r) => ({ name: r.alert ?? r.record, expr: r.expr.replace(/\s+/g, ' ').trim() }));
    assert.deepEqual(shape(rulesFallback(rulesText)), shape(rules));
  });

  test('every rule expression selects only exported metrics or series recorded from them', () => {
    assert.ok(rules.filter((r) => r.alert).length >= 8, 'alert rules found');
    // Recorded series are checked where they are recorded; a rule may read what an earlier rule records.
    const recorded = new Set<string>();
    for (const rule of rules) {
      const names = metricNames(rule.expr);
      assert.ok(names.length > 0, `${rule.alert ?? rule.record}: no metric in ${rule.expr}`);
      assert.deepEqual(unknownNames(rule.expr, recorded), [], `${rule.alert ?? rule.record}: ${rule.expr}`);
      if (rule.record) recorded.add(rule.record);
    }
  });

  test('every alert has a severity, a priority and the three annotations', () => {
    // Labels and annotations are checked on the text: enough for a fixed-format file, and parser-free.
    const blocks = rulesText.split(/^\s*- (?=alert:|record:)/m).filter((b) => b.startsWith('alert:'));
    assert.equal(blocks.length, rules.filter((r) => r.alert).length);
    for (const block of blocks) {
      const name = /^alert:\s*(\S+)/.exec(block)![1];
      assert.match(block, /^\s+severity: (critical|warning|info)$/m, `${name}: severity`);
      assert.match(block, /^\s+priority: P[1-4]$/m, `${name}: priority`);
      for (const key of ['summary', 'description']) assert.match(block, new RegExp(`^\\s+${key}: \\S`, 'm'), `${name}: ${key}`);
      assert.match(
        block,
        /^\s+runbook_url: https:\/\/github\.com\/tax-firm\/tax-report-pipeline\/blob\/main\/docs\/runbooks\/[\w-]+\.md(#[\w-]+)?$/m,
        `${name}: runbook_url`,
      );
    }
  });

  test('every runbook_url names a runbook in docs/runbooks/ and a heading in it; the index lists each alert', () => {
    const index = readFileSync(path.join(ROOT, 'docs', 'runbooks', 'README.md'), 'utf8');
    const blocks = rulesText.split(/^\s*- (?=alert:|record:)/m).filter((b) => b.startsWith('alert:'));
    for (const block of blocks) {
      const name = /^alert:\s*(\S+)/.exec(block)![1]!;
      const [, file, anchor] = /runbook_url: \S+\/docs\/runbooks\/([\w-]+\.md)(?:#([\w-]+))?$/m.exec(block)!;
      const doc = readFileSync(path.join(ROOT, 'docs', 'runbooks', file!), 'utf8');
      assert.ok(doc.includes(name), `${file} does not mention ${name}`);
      if (anchor) {
        // GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens.
        const ids = [...doc.matchAll(/^#+\s+(.+?)\s*$/gm)].map((m) =>
          m[1]!
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s_-]/gu, '')
            .replace(/\s/g, '-'),
        );
        assert.ok(ids.includes(anchor), `${file} has no heading #${anchor}: ${ids.join(', ')}`);
      }
      const severity = /^\s+severity: (\w+)$/m.exec(block)![1];
      const priority = /^\s+priority: (P\d)$/m.exec(block)![1];
      const row = index.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      assert.ok(row, `docs/runbooks/README.md has no row for ${name}`);
      assert.ok(row.includes(`| ${severity} | ${priority} |`), `README row of ${name} says other than ${severity} ${priority}: ${row}`);
    }
  });

  test('a misspelt metric would be caught', () => {
    assert.deepEqual(unknownNames('sum(increase(tax_reports_total[1h]))'), ['tax_reports_total']);
    assert.deepEqual(unknownNames('histogram_quantile(0.9, rate(tax_report_duration_seconds_buckets[5m]))'), ['tax_report_duration_seconds_buckets']);
  });
});
