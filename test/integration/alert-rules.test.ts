// The Prometheus alert rules are valid and behave as their promtool unit tests say, and those tests can
// fail: a copy that expects the 09:30 alert on the 2nd of the month is rejected.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

const RULES_DIR = path.join(__dirname, '../../ops/prometheus');

function findPromtool(): string {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'promtool'));
  const found = [...onPath, '/usr/bin/promtool'].find((candidate) => existsSync(candidate));
  assert.ok(found, 'promtool not found on PATH or in /usr/bin: run `npm run provision` (Debian package prometheus)');
  return found;
}

/** Runs promtool in `cwd` (the test file names its rule file relatively); never rejects. */
function promtool(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(findPromtool(), args, { cwd }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: stdout + stderr });
    });
  });
}

// promtool evaluates every rule over a month of test time (about 15 s): the runs go in parallel.
describe('alert rules', { concurrency: true }, () => {
  test('promtool check rules accepts every rule', async () => {
    const { code, output } = await promtool(['check', 'rules', 'alert-rules.yml'], RULES_DIR);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: \d+ rules found/);
  });

  test('promtool test rules passes', async () => {
    const { code, output } = await promtool(['test', 'rules', 'alert-rules.test.yml'], RULES_DIR);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });

  test('a test file expecting the 09:30 alert on the 2nd fails', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'alert-rules-'));
    try {
      await copyFile(path.join(RULES_DIR, 'alert-rules.yml'), path.join(dir, 'alert-rules.yml'));
      const tests = await readFile(path.join(RULES_DIR, 'alert-rules.test.yml'), 'utf8');
      const onThe2nd = /(- eval_time: 1d30m\n\s+alertname: TaxNoSuccessfulReportBy0930\n\s+exp_alerts:) \[\]/;
      assert.match(tests, onThe2nd, 'the 2nd-of-month expectation moved; update this test');
      await writeFile(path.join(dir, 'alert-rules.test.yml'), tests.replace(onThe2nd, '$1 *no_success_by_0930'));

      const { code, output } = await promtool(['test', 'rules', 'alert-rules.test.yml'], dir);
      assert.notEqual(code, 0, output);
      assert.match(output, /FAILED/);
      assert.match(output, /alertname: TaxNoSuccessfulReportBy0930, time: 1d30m/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
