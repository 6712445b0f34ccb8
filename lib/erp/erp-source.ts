// The firm's ERP drop as the loading of ledgers reads it: what the ERP readers need of the configuration, and no more.
import type { AppConfig } from '../config';
import type { KeyWrapper } from '../security/keyring';
import { readFileWithinLimit } from './input-limits';

export interface ErpSource {
  /** ERP_DATA_DIR: `companies/<id>/` with company.json, an optional accounts.csv and `ledger/<YYYY-MM>.<format>`. */
  dataDir: string;
  /** STANDARD_CHART: the chart of accounts a company's accounts.csv adds to. */
  standardChart: string;
  /** Encryption at rest: ledgers are sealed before they are read, and read sealed. Without it a sealed one fails with DecryptionError. */
  keys?: KeyWrapper;
  /**
   * Reads a ledger file whole, once per staging (hash, encoding, parser and sealing all take these bytes); by default
   * readFileWithinLimit, which refuses a file past INPUT_LIMITS.bytes before reading it. Tests record the reads.
   */
  readFile?: (path: string) => Promise<Buffer>;
}

/** The configuration's ERP source, with the process's keys when encryption at rest is on (loadKeyWrapper). */
export function erpSource(config: Pick<AppConfig, 'ERP_DATA_DIR' | 'STANDARD_CHART'>, keys?: KeyWrapper): ErpSource {
  return { dataDir: config.ERP_DATA_DIR, standardChart: config.STANDARD_CHART, ...(keys && { keys }) };
}

/** How `source` reads a ledger file's bytes. */
export const ledgerFileReader = (source: ErpSource): ((path: string) => Promise<Buffer>) => source.readFile ?? readFileWithinLimit;
