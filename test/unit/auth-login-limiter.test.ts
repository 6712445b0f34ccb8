// Failed sign-ins per key: refused after the limit until the window ends, and the memory stays bounded however
// many addresses fail. (That a success resets nothing is the console's behaviour: console-behaviour.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLoginLimiter } from '../../lib/auth/login-limiter';

function clock() {
  let at = Date.parse('2025-01-10T09:00:00Z');
  return { now: () => new Date(at), advance: (ms: number) => void (at += ms) };
}

test('refused after maxFailures until the window ends', () => {
  const time = clock();
  const limiter = createLoginLimiter({ maxFailures: 3, windowMs: 15 * 60_000, now: time.now });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(limiter.check('10.0.0.1'), { allowed: true, retryAfterSeconds: 0 });
    limiter.fail('10.0.0.1');
  }
  assert.deepEqual(limiter.check('10.0.0.1'), { allowed: false, retryAfterSeconds: 900 });
  assert.equal(limiter.check('10.0.0.2').allowed, true, 'other addresses are unaffected');
  time.advance(10 * 60_000 + 500);
  assert.deepEqual(limiter.check('10.0.0.1'), { allowed: false, retryAfterSeconds: 300 });
  limiter.fail('10.0.0.1');
  time.advance(5 * 60_000);
  assert.deepEqual(limiter.check('10.0.0.1'), { allowed: true, retryAfterSeconds: 0 }, 'failures while blocked do not extend the window');
});

test('memory stays bounded: expired windows are swept, and beyond maxKeys the oldest go', () => {
  const time = clock();
  const limiter = createLoginLimiter({ maxFailures: 1, windowMs: 60_000, now: time.now, maxKeys: 100 });
  for (let i = 0; i < 100; i++) limiter.fail(`old-${i}`);
  time.advance(60_000);
  for (let i = 0; i < 100; i++) limiter.fail(`new-${i}`);
  assert.equal(limiter.check('new-0').allowed, false, 'expired entries made room; nothing current was dropped');
  limiter.fail('newest');
  assert.equal(limiter.check('newest').allowed, false);
  assert.equal(limiter.check('new-0').allowed, true, 'at the cap the oldest window is dropped');
  assert.equal(limiter.check('new-1').allowed, false);
});
