// What the customer has of a company-month: re-running a delivered month sends nothing when the findings are the
// same, and a correction (정정본, the next version) when they changed. Each sent version is kept as it was sent.
import { createHash } from 'node:crypto';
import type { FindingsDocument } from '../domain/findings';
import { ObjectNotFoundError, reportKeys, type ObjectStore } from './object-store';

export interface DeliveredVersion {
  version: number;
  /** findingsDigest of the version sent. */
  digest: string;
  /** The run that sent it: a retry of that run resends (idempotently) instead of calling itself unchanged. */
  runId: string;
  deliveredAt: string;
}

/** What the customer reads as the report's substance: risk level, findings and figures (not timestamps or prose). */
export function findingsDigest(doc: FindingsDocument): string {
  const substance = { riskLevel: doc.riskLevel, findings: doc.findings, metrics: doc.metrics };
  return createHash('sha256').update(JSON.stringify(substance)).digest('hex');
}

export async function readDeliveredVersion(objects: ObjectStore, companyId: string, period: string): Promise<DeliveredVersion | undefined> {
  try {
    return JSON.parse((await objects.get(reportKeys(companyId, period).delivered)).toString('utf8')) as DeliveredVersion;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
}

/** Keeps the sent PDF and findings under the version's keys, then records the version (last, so a crash re-does both). */
export async function recordDeliveredVersion(objects: ObjectStore, doc: FindingsDocument, pdf: Buffer, delivered: DeliveredVersion): Promise<void> {
  const keys = reportKeys(doc.companyId, doc.period);
  const archived = keys.version(delivered.version);
  await objects.put(archived.pdf, pdf, 'application/pdf');
  await objects.put(archived.findings, `${JSON.stringify(doc, null, 2)}\n`, 'application/json');
  await objects.put(keys.delivered, `${JSON.stringify(delivered, null, 2)}\n`, 'application/json');
}

export type VersionDecision = { send: false; version: number } | { send: true; version: number; correction: boolean };

/**
 * The first delivery is version 1; the run that sent a version resends it (the mail ledger makes that a no-op);
 * another run sends nothing if the substance is the same, else the next version as a correction.
 */
export function decideVersion(previous: DeliveredVersion | undefined, digest: string, runId: string): VersionDecision {
  if (!previous) return { send: true, version: 1, correction: false };
  if (previous.runId === runId) return { send: true, version: previous.version, correction: previous.version > 1 };
  if (previous.digest === digest) return { send: false, version: previous.version };
  return { send: true, version: previous.version + 1, correction: true };
}
