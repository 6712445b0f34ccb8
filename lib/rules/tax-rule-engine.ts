// Tax-risk rules of TAX-RULES.md, kept as data in shapes/tax: the SPARQL of derive/ writes compact facts of one
// company-month (reading it and the earlier months of the company in the store) into a derived graph, core SHACL
// (rules.ttl) tests them with the thresholds of parameters.ttl, and each result becomes a finding. DEADLINE
// findings come from the calendar with the public holidays of holidays.ttl.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import rdf from '@zazuko/env';
import { Parser, Writer, type Quad } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { deadlineFindings, filingDeadlines } from '../analysis/filing-deadlines';
import type { Company } from '../domain/company';
import type { EvidenceLine, Finding } from '../domain/findings';
import { addMonths } from '../domain/periods';
import { graphHasTriples, graphIriRef } from '../graph/graph-sparql';
import type { GraphStore, SelectRow } from '../graph/graph-store';
import { bindIri } from '../rdf/bind-iri';
import { ledgerGraphIri } from '../rdf/iris';
import { RDF_TYPE, tax } from '../rdf/vocabulary';
import { compareFindings, factFindings, shapeAnnotations, type KeyedFinding, type ShapeAnnotation } from './rule-findings';
import { runFactsNTriples } from './run-facts';

type Dataset = ReturnType<typeof rdf.dataset>;

export interface TaxRuleInput {
  company: Company;
  /** Report month YYYY-MM; its ledger graph must be in the store. */
  period: string;
}

/** Company master data, calendar and parameters of the latest run over a company-month (replaced per run). */
export const ruleFactsGraphIri = (ledgerGraph: string): string => `${ledgerGraph}/facts`;
/** The facts the rules derived in the latest run over a company-month (replaced per run). */
export const derivedGraphIri = (ledgerGraph: string): string => `${ledgerGraph}/derived`;

interface RuleFiles {
  shapes: Dataset;
  annotations: Map<string, ShapeAnnotation>;
  /** parameters.ttl as N-Triples, written into every run's facts graph. */
  parameters: string;
  deriveQueries: string[];
  evidenceQuery: string;
  holidays: ReadonlySet<string>;
}

export class TaxRuleEngine {
  private constructor(private readonly rules: RuleFiles) {}

  /** Reads `<shapesDir>/tax`: rules.ttl, parameters.ttl, holidays.ttl, evidence.rq and every derive/*.rq. */
  static async load(shapesDir: string): Promise<TaxRuleEngine> {
    const dir = path.join(shapesDir, 'tax');
    const read = (file: string) => readFile(path.join(dir, file), 'utf8');
    const derive = (await readdir(path.join(dir, 'derive'))).filter((f) => f.endsWith('.rq')).sort();
    const [rules, parameters, holidays, evidenceQuery, ...deriveQueries] = await Promise.all(
      ['rules.ttl', 'parameters.ttl', 'holidays.ttl', 'evidence.rq', ...derive.map((f) => path.join('derive', f))].map(read),
    );
    const shapes = rdf.dataset(parseTurtle(rules!, 'rules.ttl'));
    const parameterQuads = parseTurtle(parameters!, 'parameters.ttl');
    assertWithinLookback(parameterQuads);
    return new TaxRuleEngine({
      shapes,
      annotations: shapeAnnotations(shapes),
      parameters: new Writer({ format: 'N-Triples' }).quadsToString(parameterQuads),
      deriveQueries,
      evidenceQuery: evidenceQuery!,
      holidays: holidayDates(parseTurtle(holidays!, 'holidays.ttl')),
    });
  }

  /** The findings of one company-month, ordered by severity, rule id and instance. */
  async evaluate(store: GraphStore, { company, period }: TaxRuleInput): Promise<Finding[]> {
    const { parameters, deriveQueries, evidenceQuery, shapes, annotations, holidays } = this.rules;
    const ledgerGraph = ledgerGraphIri(company.id, period);
    if (!(await graphHasTriples(store, ledgerGraph))) throw new Error(`${ledgerGraph}: the report month is not in the graph`);
    const factsGraph = ruleFactsGraphIri(ledgerGraph);
    const derivedGraph = derivedGraphIri(ledgerGraph);

    await store.replaceGraph(factsGraph, [parameters, runFactsNTriples({ factsGraph, ledgerGraph, company, period })]);
    const derived = await Promise.all(
      deriveQueries.map((q) => store.construct(bindLedgerMonths(bindGraphs(q, factsGraph, ledgerGraph), company.id, period))),
    );
    await store.replaceGraph(derivedGraph, derived);

    // Only the compact derived facts are validated, never the ledger lines.
    const facts = rdf.dataset(derived.flatMap((text) => new Parser({ format: 'N-Triples' }).parse(text)));
    const report = await new SHACLValidator(shapes, { factory: rdf }).validate(facts);
    const evidence = evidenceByFact(await store.select(bindIri(bindIri(evidenceQuery, 'derivedGraph', derivedGraph), 'ledgerGraph', ledgerGraph)));
    const deadlines = deadlineFindings(filingDeadlines(period, company.fiscalYearStartMonth, holidays));
    return [
      ...factFindings(report.results, annotations, facts, evidence),
      ...deadlines.map((finding): KeyedFinding => ({ finding, key: finding.dueDate ?? '' })),
    ]
      .sort(compareFindings)
      .map(({ finding }) => finding);
  }
}

/**
 * The run's graphs as IRIs in the query text. ?ledgerGraph is also reachable from the facts graph
 * (tax:reportLedger), but left a variable the store may scan every ledger of every company for it first.
 */
function bindGraphs(query: string, factsGraph: string, ledgerGraph: string): string {
  const bound = bindIri(query, 'factsGraph', factsGraph);
  return /\?ledgerGraph\b/.test(bound) ? bindIri(bound, 'ledgerGraph', ledgerGraph) : bound;
}

/**
 * How far back a rule reads the company's earlier months: its fiscal year so far (at most 11 months before the
 * report month) and the windows of parameters.ttl (SPIKE's priorMonths, 가지급금's risingMonths), which load()
 * holds to this.
 */
const LOOKBACK_MONTHS = 12;
const WINDOW_PARAMETERS = [tax('priorMonths'), tax('risingMonths')];

function assertWithinLookback(parameters: readonly Quad[]): void {
  for (const q of parameters) {
    if (WINDOW_PARAMETERS.includes(q.predicate.value) && Number(q.object.value) > LOOKBACK_MONTHS) {
      throw new Error(`shapes/tax/parameters.ttl: ${q.predicate.value} ${q.object.value} reaches past the ${LOOKBACK_MONTHS} months the rules read`);
    }
  }
}

/**
 * `GRAPH ?g` (a company's earlier months) limited to that company's ledger graphs of the lookback: left open, the
 * store may match every company's account totals first and filter later. RDF4J did, at 150 companies a query
 * took past its 30 s timeout; with the candidates named, the cost is the company's months, not the firm's.
 */
function bindLedgerMonths(query: string, companyId: string, period: string): string {
  if (!/GRAPH \?g \{/.test(query)) return query;
  const months = Array.from({ length: LOOKBACK_MONTHS + 1 }, (_, back) => graphIriRef(ledgerGraphIri(companyId, addMonths(period, -back))));
  return query.replace(/GRAPH \?g \{/g, `VALUES ?g { ${months.join(' ')} }\n      GRAPH ?g {`);
}

function parseTurtle(text: string, file: string): Quad[] {
  try {
    return new Parser().parse(text);
  } catch (err) {
    throw new Error(`shapes/tax/${file}: ${(err as Error).message}`);
  }
}

/** The tax:date of every tax:PublicHoliday. */
function holidayDates(quads: Quad[]): Set<string> {
  const isHoliday = (q: Quad) => q.predicate.value === RDF_TYPE && q.object.value === tax('PublicHoliday');
  const holidays = new Set(quads.filter(isHoliday).map((q) => q.subject.value));
  const dates = quads.filter((q) => holidays.has(q.subject.value) && q.predicate.value === tax('date'));
  return new Set(dates.map((q) => q.object.value));
}

function evidenceByFact(rows: SelectRow[]): Map<string, EvidenceLine[]> {
  const byFact = new Map<string, EvidenceLine[]>();
  for (const row of rows) {
    const line: EvidenceLine = {
      date: row.date!.value,
      ...(row.voucher && { voucher: row.voucher.value }),
      account: row.account!.value,
      amount: Number(row.amount!.value),
      ...(row.memo && { memo: row.memo.value }),
    };
    const fact = row.fact!.value;
    byFact.set(fact, [...(byFact.get(fact) ?? []), line]);
  }
  return byFact;
}
