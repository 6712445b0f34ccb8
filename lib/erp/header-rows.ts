// Which of a table's first rows hold its column names. Exports carry title and period rows above them (회사명,
// 기간, as the ERP prints them), and a workbook may split its header over two rows: a group label merged across the
// names below it (금액 over 차변 and 대변, 거래처 over 코드 and 거래처명), the other names merged down both rows.
import { headerKey, type ColumnSpec } from './columns';

/** Rows searched for the header; real exports put a handful of title rows above it. */
export const HEADER_SEARCH_ROWS = 20;

export class HeaderNames {
  private readonly known: ReadonlySet<string>;

  constructor(specs: readonly ColumnSpec<string>[]) {
    this.known = new Set(specs.flatMap((spec) => spec.names.map(headerKey)));
  }

  private names(cells: readonly string[]): number {
    return cells.filter((cell) => this.known.has(headerKey(cell))).length;
  }

  /** A header names two columns at least; a title, period or data row does not. */
  isHeader(cells: readonly string[]): boolean {
    return this.names(cells) >= 2;
  }

  /**
   * The names of a two-row header, per column: the lower row's name; else the group label to its upper left joined
   * to it where that is a name (계정과목 + 코드 = 계정과목코드); the lower row's name as it is when neither is known;
   * the upper row's where the lower cell is empty (a name merged down). Undefined when `lower` names no more columns
   * that way than `upper` alone: it is the first data row, not part of the header.
   */
  withSubHeader(upper: readonly string[], lower: readonly string[]): string[] | undefined {
    let group = '';
    const combined = Array.from({ length: Math.max(upper.length, lower.length) }, (_, i) => {
      const above = upper[i]?.trim() ?? '';
      const name = lower[i]?.trim() ?? '';
      if (above) group = above;
      if (!name) return above;
      return !this.known.has(headerKey(name)) && this.known.has(headerKey(group + name)) ? group + name : name;
    });
    return this.names(combined) > this.names(upper) ? combined : undefined;
  }
}
