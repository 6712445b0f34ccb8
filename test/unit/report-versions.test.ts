// Which version a re-run sends: the rules that keep a customer from getting the same report twice, and make a
// changed one arrive as a correction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideVersion, findingsDigest, type DeliveredVersion } from '../../lib/storage/report-versions';
import { sampleCompany, sampleFindings } from '../../dev/sample-documents';

const delivered = (over: Partial<DeliveredVersion> = {}): DeliveredVersion => ({
  version: 1,
  digest: 'd1',
  runId: 'run-1',
  deliveredAt: '2024-06-01T00:00:00Z',
  ...over,
});

test('the first delivery is version 1, not a correction', () => {
  assert.deepEqual(decideVersion(undefined, 'd1', 'run-1'), { send: true, version: 1, correction: false });
});

test('another run with the same substance sends nothing', () => {
  assert.deepEqual(decideVersion(delivered(), 'd1', 'run-2'), { send: false, version: 1 });
});

test('another run with changed findings sends the next version as a correction', () => {
  assert.deepEqual(decideVersion(delivered({ version: 2, digest: 'd2' }), 'd3', 'run-3'), { send: true, version: 3, correction: true });
});

test('a retry of the run that sent a version sends that version again (the mail ledger makes it a no-op)', () => {
  assert.deepEqual(decideVersion(delivered({ version: 2, runId: 'run-2' }), 'd2', 'run-2'), { send: true, version: 2, correction: true });
  assert.deepEqual(decideVersion(delivered(), 'd1', 'run-1'), { send: true, version: 1, correction: false });
});

test('the digest reads the substance (risk, findings, figures), not timestamps or prose', () => {
  const doc = sampleFindings(sampleCompany());
  const later = { ...doc, generatedAt: '2099-01-01T00:00:00Z', narrative: { ...doc.narrative, text: '다른 문장' } };
  assert.equal(findingsDigest(later), findingsDigest(doc));
  assert.notEqual(findingsDigest({ ...doc, riskLevel: doc.riskLevel === 'HIGH' ? 'LOW' : 'HIGH' }), findingsDigest(doc));
  assert.notEqual(findingsDigest({ ...doc, metrics: { ...doc.metrics, revenueMonth: doc.metrics.revenueMonth + 1 } }), findingsDigest(doc));
});
