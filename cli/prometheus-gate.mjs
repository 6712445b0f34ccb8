#!/usr/bin/env node
// The deploy gates of .github/workflows/deploy.yml: evaluates expressions of ops/gates/canary-gates.yml against
// Prometheus. Each NAME is the `record:` or `alert:` name of a rule there; its `expr` is sent, as it stands in the
// file, to /api/v1/query, and a non-empty result closes the gate. (The file is not installed as rules in
// Prometheus; promtool tests the same text: ops/gates/gates.test.yml.)
//
//   node cli/prometheus-gate.mjs [--url URL] [--rules FILE] [--wait SECONDS] [--interval SECONDS] [--show NAME]... NAME...
//   node cli/prometheus-gate.mjs --print NAME       the expression deploy.yml sends for NAME
//
//   --url URL        Prometheus base URL (default: $PROMETHEUS_URL)
//   --rules FILE     default: ops/gates/canary-gates.yml
//   --wait SECONDS   while a gate is closed, ask again every --interval (default 60) seconds, up to SECONDS;
//                    default 0: ask once
//   --show NAME      print NAME's result (the by-track values) without gating on it
//
// Exit: 0 every gate open; 1 a gate closed (still, at the end of --wait); 2 usage, rules file, Prometheus or query
// error (never a pass). Every gate is asked and printed before the exit. With $GITHUB_STEP_SUMMARY set, the verdicts
// go to the job summary too.
//
// Plain Node ≥ 18, no dependencies (the deploy runners have no node_modules). The rules file is read with a small
// reader of its own shape: `- record: NAME` / `- alert: NAME` items whose `expr:` is a literal block (`expr: |`);
// anything else is an error, and test/integration/deploy-gates.test.ts checks that every expression it reads equals
// what a YAML parser reads.
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXIT = { open: 0, closed: 1, error: 2 };

class GateError extends Error {}

/**
 * name → expression for every rule of a Prometheus rules file written as ops/gates/canary-gates.yml is: each rule
 * an item `- record: NAME` or `- alert: NAME`, with `expr: |` (or `|-`) and the expression as an indented block.
 */
export function ruleExpressions(text) {
  const lines = text.split('\n');
  const rules = new Map();
  for (let i = 0; i < lines.length; i++) {
    const item = /^(\s*)- (record|alert):\s*([^\s#]+)\s*$/.exec(lines[i]);
    if (!item) continue;
    const name = item[3];
    const keyIndent = item[1].length + 2;
    let expr;
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j];
      if (line.trim() === '' || /^\s*#/.test(line)) continue;
      const indent = line.length - line.trimStart().length;
      if (indent < keyIndent) break; // the next item, or the end of the rules list
      if (indent > keyIndent) continue; // inside another key's value
      const key = /^\s*expr:(.*)$/.exec(line);
      if (!key) continue;
      const style = key[1].trim();
      if (style !== '|' && style !== '|-') {
        throw new GateError(`${name}: write its expr as a literal block ("expr: |"), not ${JSON.stringify(style)}`);
      }
      const block = [];
      let blockIndent;
      let k = j + 1;
      for (; k < lines.length; k++) {
        const l = lines[k];
        if (l.trim() === '') {
          block.push('');
          continue;
        }
        const ind = l.length - l.trimStart().length;
        if (ind <= keyIndent) break;
        blockIndent ??= ind;
        if (ind < blockIndent) throw new GateError(`${name}: expr block less indented than its first line (line ${k + 1})`);
        block.push(l.slice(blockIndent));
      }
      while (block.length && block.at(-1) === '') block.pop();
      expr = block.join('\n') + (style === '|' && block.length ? '\n' : '');
      break;
    }
    if (expr === undefined || expr.trim() === '') throw new GateError(`${name}: no expr`);
    if (rules.has(name)) throw new GateError(`two rules are named ${name}`);
    rules.set(name, expr);
  }
  return rules;
}

function parseArgs(argv) {
  const opts = {
    url: process.env.PROMETHEUS_URL ?? '',
    rules: path.join(ROOT, 'ops', 'gates', 'canary-gates.yml'),
    wait: 0,
    interval: 60,
    show: [],
    gates: [],
    print: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new GateError(`${arg} needs a value`);
      return v;
    };
    const seconds = (v, min) => {
      if (!/^\d+$/.test(v) || Number(v) < min) throw new GateError(`${arg} takes whole seconds${min ? ` ≥ ${min}` : ''}, not ${v}`);
      return Number(v);
    };
    if (arg === '--url') opts.url = value();
    else if (arg === '--rules') opts.rules = value();
    else if (arg === '--wait') opts.wait = seconds(value(), 0);
    else if (arg === '--interval') opts.interval = seconds(value(), 1);
    else if (arg === '--show') opts.show.push(value());
    else if (arg === '--print') opts.print = value();
    else if (arg.startsWith('-')) throw new GateError(`unknown option ${arg}`);
    else opts.gates.push(arg);
  }
  return opts;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Instant query; the result vector. Retries network errors and 5xx three times; anything else is an error. */
async function query(url, name, expr) {
  let last;
  for (let attempt = 1; attempt <= 4; attempt++) {
    if (attempt > 1) await sleep(5000);
    let res;
    try {
      res = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (err) {
      last = `${err?.cause?.message ?? err?.message ?? err}`;
      continue;
    }
    const text = await res.text();
    if (res.status >= 500) {
      last = `HTTP ${res.status}: ${text.slice(0, 300)}`;
      continue;
    }
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new GateError(`${name}: not a Prometheus answer (HTTP ${res.status}): ${text.slice(0, 300)}`);
    }
    if (!res.ok || body.status !== 'success')
      throw new GateError(`${name}: Prometheus answered ${res.status}: ${body.errorType ?? ''} ${body.error ?? text.slice(0, 300)}`);
    if (body.data?.resultType !== 'vector' || !Array.isArray(body.data.result))
      throw new GateError(`${name}: expected a vector, got ${body.data?.resultType}`);
    return body.data.result;
  }
  throw new GateError(`${name}: no answer from ${url}/api/v1/query: ${last}`);
}

const formatSeries = (s) =>
  `  {${Object.entries(s.metric ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}} ${s.value?.[1]}`;

function summary(...lines) {
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, lines.join('\n') + '\n');
}

async function main(argv) {
  const opts = parseArgs(argv);
  let rules;
  try {
    rules = ruleExpressions(readFileSync(opts.rules, 'utf8'));
  } catch (err) {
    throw err instanceof GateError ? new GateError(`${opts.rules}: ${err.message}`) : new GateError(`cannot read ${opts.rules}: ${err.message}`);
  }
  const exprOf = (name) => {
    const expr = rules.get(name);
    if (expr === undefined) throw new GateError(`${opts.rules} has no rule named ${name}`);
    return expr;
  };
  if (opts.print) {
    process.stdout.write(exprOf(opts.print));
    return EXIT.open;
  }
  if (opts.gates.length + opts.show.length === 0) throw new GateError('name at least one gate');
  [...opts.show, ...opts.gates].forEach(exprOf); // every name known before the first query
  if (!opts.url) throw new GateError('no Prometheus URL: set PROMETHEUS_URL or pass --url (a gate that cannot ask Prometheus does not pass)');
  const url = opts.url.replace(/\/+$/, '');

  for (const name of opts.show) {
    const result = await query(url, name, exprOf(name));
    const lines = result.map(formatSeries);
    console.log(`${name}: ${result.length} series`);
    for (const line of lines) console.log(line);
    summary(`- \`${name}\`: ${result.length} series`, ...(lines.length ? ['  ```', ...lines, '  ```'] : []));
  }

  let status = EXIT.open;
  for (const name of opts.gates) {
    const deadline = Date.now() + opts.wait * 1000;
    for (;;) {
      const result = await query(url, name, exprOf(name));
      const lines = result.map(formatSeries);
      if (result.length === 0) {
        console.log(`gate ${name}: open (empty result)`);
        summary(`- gate \`${name}\`: open`);
        break;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        console.log(`gate ${name}: CLOSED, ${result.length} series:`);
        for (const line of lines) console.log(line);
        if (opts.wait > 0) console.log(`  (still non-empty after waiting ${opts.wait}s)`);
        summary(`- gate \`${name}\`: **closed** (${result.length} series)`, '  ```', ...lines, '  ```');
        status = EXIT.closed;
        break;
      }
      console.log(`gate ${name}: closed (${result.length} series), asking again in ${opts.interval}s (up to ${Math.ceil(left / 1000)}s more):`);
      for (const line of lines) console.log(line);
      await sleep(Math.min(opts.interval * 1000, left));
    }
  }
  return status;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`prometheus-gate: ${err instanceof GateError ? err.message : (err?.stack ?? err)}`);
      process.exit(EXIT.error);
    },
  );
}
