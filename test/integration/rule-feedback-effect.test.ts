// The effect of a proposal on last year's findings: the fixture ledgers analysed with the shapes as they are and with
// a changed parameters.ttl, counted per rule and severity; shapes/ itself is left as it was.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../lib/config';
import { proposalEffect } from '../../lib/review/rule-feedback-effect';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';

test("raising 가수금 triggerLevel past c05's balance removes its LOW findings and changes nothing else", { timeout: 180_000 }, async () => {
  const config = loadConfig({ ERP_DATA_DIR: FIXTURE_LEDGERS, LOG_LEVEL: 'warn' });
  const file = path.join(config.SHAPES_DIR, 'tax', 'parameters.ttl');
  const parameters = await readFile(file, 'utf8');
  const proposed = parameters.replace(/^( {2}tax:triggerLevel) 0 ;$/m, '$1 40000000 ;');
  assert.notEqual(proposed, parameters);

  const effect = await proposalEffect(config, ['c05-새봄'], { from: '2024-01', to: '2024-06' }, proposed);
  // expected.json: c05's balance of 257 is 30,000,000 from March on, below the 50,000,000 threshold.
  assert.equal(effect.months, 6);
  assert.deepEqual(effect.dataFailures, []);
  const byRule = Object.fromEntries(effect.rules.map((r) => [r.ruleId, [r.current, r.proposed]]));
  assert.deepEqual(byRule['DEPOSIT-INSIDER'], [{ LOW: 4 }, {}]);
  for (const { ruleId, current, proposed: after } of effect.rules) {
    if (ruleId !== 'DEPOSIT-INSIDER') assert.deepEqual(after, current, ruleId);
  }
  assert.ok(
    effect.rules.some((r) => r.ruleId === 'DEADLINE' && (r.current.INFO ?? 0) > 0),
    'the other rules were counted too',
  );
  assert.equal(await readFile(file, 'utf8'), parameters, 'shapes/ is only read');
});
