import { LedgerFormatError } from '../domain/ledger';

export interface ColumnSpec<K extends string> {
  key: K;
  /** Accepted header names, the canonical one first. */
  names: readonly string[];
  required?: boolean;
}

export interface ColumnLayout<K extends string> {
  /** Cell index per known column present in the file. */
  index: Partial<Record<K, number>>;
  /** Indices of unknown columns. */
  extra: number[];
  /** Header text per index, to name cells in errors as the file names them. */
  names: string[];
}

/** Header names are matched trimmed and case-insensitively. */
export const headerKey = (name: string) => name.trim().toLowerCase();

/**
 * Finds columns by name (aliases, case-insensitive, trimmed); duplicates and missing required ones are errors.
 * `sheet` names the workbook sheet the header is on.
 */
export function mapColumns<K extends string>(
  header: string[],
  specs: readonly ColumnSpec<K>[],
  file: string,
  line: number,
  sheet?: string,
): ColumnLayout<K> {
  const names = header.map((name) => name.trim());
  const index: Partial<Record<K, number>> = {};
  const extra: number[] = [];
  const fail = (column: string | undefined, problem: string) => new LedgerFormatError(file, line, column, problem, sheet);
  // One lookup per column (a header of many columns is linear, not quadratic).
  const specByName = new Map(specs.flatMap((spec) => spec.names.map((n) => [headerKey(n), spec] as const)));
  const extraByName = new Map<string, number>();
  names.forEach((name, i) => {
    if (!name) throw fail(undefined, `column ${i + 1} has no name in the header`);
    const spec = specByName.get(headerKey(name));
    const earlier = spec ? index[spec.key] : extraByName.get(name);
    if (earlier !== undefined) {
      throw fail(name, `duplicate column: columns ${earlier + 1} (${names[earlier]}) and ${i + 1} (${name}) mean the same`);
    }
    if (spec) index[spec.key] = i;
    else {
      extra.push(i);
      extraByName.set(name, i);
    }
  });
  for (const spec of specs) {
    if (spec.required && index[spec.key] === undefined) {
      throw fail(spec.names[0], `required column missing (accepted names: ${spec.names.join(', ')})`);
    }
  }
  return { index, extra, names };
}
