// The pipeline's own SPARQL under shapes/ (metrics and account totals), read once where the process starts and handed
// to the functions that run it, by name: none of them reads a file per call. The rule engine's and the validator's
// queries are read by TaxRuleEngine.load and LedgerValidator.load, once as well.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Each query: its file below the shapes directory, and the variables the code binds to IRIs in it (bindIri). */
const QUERY_FILES = {
  /** SELECT of each month's revenue, expense and line count of ?company (ledger-metrics.ts). */
  periodTotals: { file: 'metrics/period-totals.rq', binds: ['company'] },
  /** SELECT of each month's movement per account of ?company (report-figures.ts). */
  accountMovements: { file: 'metrics/account-movements.rq', binds: ['company'] },
  /** SELECT of the numbers of the rule facts in ?derivedGraph (report-figures.ts). */
  ruleFigures: { file: 'metrics/rule-figures.rq', binds: ['derivedGraph'] },
  /** UPDATE writing the per-account month totals into ?ledgerGraph (account-totals.ts). */
  accountTotals: { file: 'totals/account-totals.ru', binds: ['ledgerGraph'] },
} as const satisfies Record<string, { file: string; binds: readonly string[] }>;

export type QueryName = keyof typeof QUERY_FILES;

/** A query file the catalog needs is missing, empty or lacks a variable the code binds: named, at start-up. */
export class QueryCatalogError extends Error {
  override readonly name = 'QueryCatalogError';
}

/** The query texts by name, as read from the shapes directory when the catalog was loaded. */
export type QueryCatalog = { readonly [name in QueryName]: string };

export const QueryCatalog = {
  /** Reads every query of the catalog from `shapesDir`, once; a missing or broken file fails naming it. */
  async load(shapesDir: string): Promise<QueryCatalog> {
    const entries = await Promise.all(
      Object.entries(QUERY_FILES).map(async ([name, { file, binds }]) => {
        const full = path.join(shapesDir, file);
        const fail = (problem: string) => new QueryCatalogError(`query ${name} (${full}): ${problem}`);
        const text = await readFile(full, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'ENOENT' ? fail(`missing: expected the file ${file} under the shapes directory ${shapesDir}`) : err;
        });
        if (text.trim() === '') throw fail('the file is empty');
        const unbound = binds.find((variable) => !new RegExp(`\\?${variable}\\b`).test(text));
        if (unbound !== undefined) throw fail(`no variable ?${unbound}, which the pipeline binds`);
        return [name, text] as const;
      }),
    );
    return Object.freeze(Object.fromEntries(entries)) as QueryCatalog;
  },
};
