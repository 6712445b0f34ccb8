// Tax-risk rules of docs/spec/tax-rules.md, kept as data in shapes/tax: the SPARQL of derive/ writes compact facts
// of one company-month (reading it and the earlier months of the company in the store) into a derived graph, core
// SHACL (rules.ttl) tests them with the thresholds of parameters.ttl, and each result becomes a finding. DEADLINE
// findings come from the calendar with the holidays of holidays.ttl (undated past the years it covers).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import rdf from '@zazuko/env';
import { Parser, Writer, type Quad } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { deadlineFindings, filingDeadlines, type Deadline } from '../analysis/filing-deadlines';
import { readHolidayCalendar, type HolidayCalendar } from '../analysis/holiday-calendar';
import { statedBalances, type BalanceAnchor } from '../domain/balances';
import type { Company } from '../domain/company';
import type { EvidenceLine, Finding } from '../domain/findings';
import { addMonths, fiscalYearStart } from '../domain/periods';
import { graphHasTriples, graphIriRef } from '../graph/graph-sparql';
import type { GraphStore, SelectRow } from '../graph/graph-store';
import { bindIri } from '../rdf/bind-iri';
import { ledgerGraphIri } from '../rdf/iris';
import { tax } from '../rdf/vocabulary';
import { compareFindings, factFindings, shapeAnnotations, type KeyedFinding, type ShapeAnnotation } from './rule-findings';
import { runFactsNTriples } from './run-facts';

type Dataset = ReturnType<typeof rdf.dataset>;

export interface TaxRuleInput {
  company: Company;
  /** Report month YYYY-MM; its ledger graph must be in the store. */
  period: string;
  /**
   * What the balance rules start from (lib/pipeline/fiscal-year-opening.ts checks the months since are in the
   * store); default: company.json's balances, undated ones as of the report's fiscal-year start.
   */
  balances?: BalanceAnchor;
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
  calendar: HolidayCalendar;
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
      calendar: readHolidayCalendar(parseTurtle(holidays!, 'holidays.ttl')),
    });
  }

  /** The findings of one company-month, ordered by severity, rule id and instance. */
  async evaluate(store: GraphStore, { company, period, balances: stated }: TaxRuleInput): Promise<Finding[]> {
    const { parameters, deriveQueries, evidenceQuery, shapes, annotations } = this.rules;
    const ledgerGraph = ledgerGraphIri(company.id, period);
    if (!(await graphHasTriples(store, ledgerGraph))) throw new Error(`${ledgerGraph}: the report month is not in the graph`);
    const factsGraph = ruleFactsGraphIri(ledgerGraph);
    const derivedGraph = derivedGraphIri(ledgerGraph);

    const balances = stated ?? statedBalances(company, fiscalYearStart(period, company.fiscalYearStartMonth));
    await store.replaceGraph(factsGraph, [parameters, runFactsNTriples({ factsGraph, ledgerGraph, company, period, balances })]);
    const graphs = ledgerGraphsRead(company.id, period, balances.from);
    const derived = await Promise.all(deriveQueries.map((q) => store.construct(bindLedgerMonths(bindGraphs(q, factsGraph, ledgerGraph), graphs))));
    await store.replaceGraph(derivedGraph, derived);

    // Only the compact derived facts are validated, never the ledger lines.
    const facts = rdf.dataset(derived.flatMap((text) => new Parser({ format: 'N-Triples' }).parse(text)));
    const report = await new SHACLValidator(shapes, { factory: rdf }).validate(facts);
    const evidence = evidenceByFact(await store.select(bindIri(bindIri(evidenceQuery, 'derivedGraph', derivedGraph), 'ledgerGraph', ledgerGraph)));
    const deadlines = deadlineFindings(this.deadlines(company, period));
    return [
      ...factFindings(report.results, annotations, facts, evidence),
      ...deadlines.map((finding): KeyedFinding => ({ finding, key: finding.dueDate ?? '' })),
    ]
      .sort(compareFindings)
      .map(({ finding }) => finding);
  }

  /** The last year the holiday calendar covers: past it, deadlines go undated (exported for an early alert). */
  get calendarLastYear(): number {
    return Math.max(...this.rules.calendar.years);
  }

  /** Next month's filing deadlines of a company-month on the holiday calendar. */
  deadlines(company: Company, period: string): Deadline[] {
    return filingDeadlines(period, company.fiscalYearStartMonth, this.rules.calendar);
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
 * holds to this. The balance rules read further: every month since the balances' date (ledgerGraphsRead).
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

/** The company's ledger graphs a run may read, as `<iri>`s: the lookback, and every month since the balances' date. */
function ledgerGraphsRead(companyId: string, period: string, balancesFrom: string): string[] {
  const first = [addMonths(period, -LOOKBACK_MONTHS), balancesFrom].sort()[0]!;
  const graphs: string[] = [];
  for (let m = first; m <= period; m = addMonths(m, 1)) graphs.push(graphIriRef(ledgerGraphIri(companyId, m)));
  return graphs;
}

/**
 * `GRAPH ?g` (a company's earlier months) limited to that company's ledger graphs the run reads: left open, the
 * store may match every company's account totals first and filter later. RDF4J did, at 150 companies a query
 * took past its 30 s timeout; with the candidates named, the cost is the company's months, not the firm's.
 */
function bindLedgerMonths(query: string, graphs: readonly string[]): string {
  if (!/GRAPH \?g \{/.test(query)) return query;
  return query.replace(/GRAPH \?g \{/g, `VALUES ?g { ${graphs.join(' ')} }\n      GRAPH ?g {`);
}

function parseTurtle(text: string, file: string): Quad[] {
  try {
    return new Parser().parse(text);
  } catch (err) {
    throw new Error(`shapes/tax/${file}: ${(err as Error).message}`);
  }
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
