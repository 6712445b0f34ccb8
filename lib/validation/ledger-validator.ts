// Data-quality validation of one ledger graph: derive the facts the shapes test, then run SHACL over them.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import rdf from '@zazuko/env';
import { objectOf, type Dataset } from '../rdf/dataset';
import type { Term } from '@rdfjs/types';
import { Parser, type Quad } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import type { DataQualityViolation } from '../domain/findings';
import type { GraphStore } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { bindIri } from '../rdf/bind-iri';
import { tax } from '../rdf/vocabulary';

const SH_WARNING = 'http://www.w3.org/ns/shacl#Warning';

export interface ValidationOutcome {
  conforms: boolean;
  violations: DataQualityViolation[];
  warnings: DataQualityViolation[];
}

export class LedgerValidator {
  private constructor(
    private readonly shapes: Quad[],
    private readonly deriveQueries: string[],
    private readonly focusQuery: string,
  ) {}

  /** Reads the top-level *.ttl shapes, the derive/*.rq queries and focus/data-quality.rq. */
  static async load(shapesDir: string): Promise<LedgerValidator> {
    const ttl = (await readdir(shapesDir)).filter((f) => f.endsWith('.ttl')).sort();
    const shapes = (await Promise.all(ttl.map((f) => readFile(path.join(shapesDir, f), 'utf8')))).flatMap((text) => new Parser().parse(text));
    const deriveDir = path.join(shapesDir, 'derive');
    const rq = (await readdir(deriveDir)).filter((f) => f.endsWith('.rq')).sort();
    const queries = await Promise.all(rq.map((f) => readFile(path.join(deriveDir, f), 'utf8')));
    const focus = await readFile(path.join(shapesDir, 'focus', 'data-quality.rq'), 'utf8');
    return new LedgerValidator(shapes, queries, focus);
  }

  async validate(store: GraphStore, ledgerGraph: string): Promise<ValidationOutcome> {
    // Shapes find nothing wrong in a graph that holds nothing: "conforms" must mean a ledger was there.
    if (!(await store.ask(`ASK { GRAPH ${graphIriRef(ledgerGraph)} { ?ledger a <${tax('Ledger')}> } }`))) {
      throw new Error(`${ledgerGraph}: no ledger in this graph to validate`);
    }
    const texts = await Promise.all([
      store.construct(bindIri(this.focusQuery, 'ledgerGraph', ledgerGraph)),
      ...this.deriveQueries.map((q) => store.construct(bindIri(q, 'ledgerGraph', ledgerGraph))),
    ]);
    const data = rdf.dataset(texts.flatMap((t) => new Parser({ format: 'N-Triples' }).parse(t)));
    const shapes = rdf.dataset(this.shapes);
    const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data);

    const violations: DataQualityViolation[] = [];
    const warnings: DataQualityViolation[] = [];
    // sh:equals reports each side of a difference; one entry per rule and focus node is what a person needs.
    const seen = new Set<string>();
    for (const result of report.results) {
      const focus = result.focusNode;
      const shape = result.sourceShape;
      const entry: DataQualityViolation = {
        ruleId: (shape && objectOf(shapes, shape, tax('ruleId'))?.value) ?? 'DQ-UNKNOWN',
        severity: result.severity?.value === SH_WARNING ? 'Warning' : 'Violation',
        message: result.message.map((m) => m.value).join(' ') || 'SHACL constraint failed',
        focus: focus?.value ?? '',
        ...(focus ? { sourceLine: sourceLineOf(data, focus) } : {}),
      };
      const identity = `${entry.ruleId}|${entry.focus}|${entry.message}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      (entry.severity === 'Warning' ? warnings : violations).push(entry);
    }
    const byLine = (a: DataQualityViolation, b: DataQualityViolation) =>
      (a.sourceLine ?? 0) - (b.sourceLine ?? 0) || a.ruleId.localeCompare(b.ruleId);
    return { conforms: violations.length === 0, violations: violations.sort(byLine), warnings: warnings.sort(byLine) };
  }
}

/** The file line of a journal line, or of a voucher's first line. */
function sourceLineOf(data: Dataset, focus: Term): number | undefined {
  const direct = objectOf(data, focus, tax('sourceLine'));
  if (direct) return Number(direct.value);
  const lines = [...data.match(null, rdf.namedNode(tax('voucher')), focus as never)].map((q) => objectOf(data, q.subject as Term, tax('sourceLine')));
  const numbers = lines.filter((t): t is Term => t !== undefined).map((t) => Number(t.value));
  return numbers.length > 0 ? Math.min(...numbers) : undefined;
}
