/** Where report artefacts (PDFs, findings.json) live: a local directory or an S3-compatible bucket. */
import { assertCompanyId, assertPeriod } from '../domain/ids';

export interface ObjectStore {
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  /** Throws ObjectNotFoundError when the key has no object. */
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Every key that starts with `prefix` ('' for all), streamed rather than collected. */
  list(prefix: string): AsyncIterable<string>;
  /** Filesystem path of the object, for stores that have one (e.g. to attach a file without copying it). */
  localPath?(key: string): string;
  /** Releases connections, for stores that hold them. */
  close?(): void;
}

export class InvalidObjectKeyError extends Error {
  override readonly name = 'InvalidObjectKeyError';
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(readonly key: string) {
    super(`no object at key ${JSON.stringify(key)}`);
  }
}

const SEGMENT = /^[A-Za-z0-9_\-.\uAC00-\uD7A3]+$/;

/**
 * Keys are `/`-separated segments of [A-Za-z0-9_-.] and Hangul syllables: no leading `/`, no empty
 * segments, and no segment starting with `.` (which rules out `.` and `..` traversal and keeps the
 * stores' own hidden temp files out of the key space). Returns the segments.
 */
export function parseObjectKey(key: string): string[] {
  const segments = key.split('/');
  const bad = segments.find((s) => !SEGMENT.test(s) || s.startsWith('.'));
  if (bad !== undefined) {
    throw new InvalidObjectKeyError(`invalid object key ${JSON.stringify(key)}: bad segment ${JSON.stringify(bad)}`);
  }
  return segments;
}

export interface ReportKeys {
  pdf: string;
  findings: string;
  errorReport: string;
  /** The findings document of a run that failed data quality; kept apart so findings.json only ever holds analysed months. */
  dataQualityFindings: string;
  /** Which version the customer has (lib/storage/report-versions.ts). */
  delivered: string;
  /** The PDF and findings exactly as version `n` was sent. */
  version(n: number): { pdf: string; findings: string };
}

/** The artefacts of one company-month. */
export function reportKeys(companyId: string, period: string): ReportKeys {
  const prefix = `${assertCompanyId(companyId)}/${assertPeriod(period)}`;
  return {
    pdf: `${prefix}/report.pdf`,
    findings: `${prefix}/findings.json`,
    errorReport: `${prefix}/data-quality-report.pdf`,
    dataQualityFindings: `${prefix}/data-quality-findings.json`,
    delivered: `${prefix}/delivered.json`,
    version: (n) => ({ pdf: `${prefix}/v${n}/report.pdf`, findings: `${prefix}/v${n}/findings.json` }),
  };
}
