// The vetted SPARQL templates behind the intents. Only checked values are spliced in (months, 3-digit codes, rule
// ids and enums from the catalogue, IRIs through graphIriRef), each as a literal or an IRI, never as query text;
// the dataset (graph-scope.ts) restricts what the query may read, and LIMIT bounds what it returns.
import type { CompanyId, Period } from '../domain/ids';
import { addMonths, monthsBetween } from '../domain/periods';
import { graphIriRef } from '../graph/graph-sparql';
import { companyIri } from '../rdf/iris';
import { TAX } from '../rdf/vocabulary';
import { isCreditNormal } from './account-concepts';
import { datasetClause, scopedGraphs, type GraphKind } from './graph-scope';
import type { AskParams, IntentCall, IntentId } from './intent-catalogue';

export type CellKind = 'company' | 'period' | 'text' | 'won' | 'percent' | 'date' | 'count';
export interface Column {
  key: string;
  label: string;
  kind: CellKind;
}
export type Row = Record<string, string | number>;

const COMPANY: Column = { key: 'company', label: '고객사', kind: 'company' };
const PERIOD: Column = { key: 'period', label: '월', kind: 'period' };

/** Each intent's table, in order. */
export const COLUMNS: Readonly<Record<IntentId, readonly Column[]>> = {
  findings: [
    COMPANY,
    PERIOD,
    { key: 'ruleId', label: '규칙', kind: 'text' },
    { key: 'severity', label: '위험도', kind: 'text' },
    { key: 'amount', label: '금액', kind: 'won' },
    { key: 'threshold', label: '기준', kind: 'won' },
    { key: 'message', label: '내용', kind: 'text' },
  ],
  'review-status': [
    COMPANY,
    PERIOD,
    { key: 'ruleId', label: '규칙', kind: 'text' },
    { key: 'status', label: '검토 상태', kind: 'text' },
    { key: 'reviewer', label: '검토자', kind: 'text' },
    { key: 'reviewedAt', label: '검토 일시', kind: 'text' },
    { key: 'note', label: '메모', kind: 'text' },
    { key: 'amount', label: '금액', kind: 'won' },
  ],
  deadlines: [COMPANY, PERIOD, { key: 'dueDate', label: '기한', kind: 'date' }, { key: 'message', label: '내용', kind: 'text' }],
  'account-trend': [
    COMPANY,
    PERIOD,
    { key: 'debit', label: '차변', kind: 'won' },
    { key: 'credit', label: '대변', kind: 'won' },
    { key: 'net', label: '순증감', kind: 'won' },
  ],
  'account-totals': [
    COMPANY,
    { key: 'debit', label: '차변', kind: 'won' },
    { key: 'credit', label: '대변', kind: 'won' },
    { key: 'net', label: '순액', kind: 'won' },
  ],
  'account-growth': [
    COMPANY,
    { key: 'baseNet', label: '비교 기간', kind: 'won' },
    { key: 'net', label: '대상 기간', kind: 'won' },
    { key: 'growthPct', label: '증가율', kind: 'percent' },
  ],
  companies: [COMPANY, { key: 'bizRegNo', label: '사업자등록번호', kind: 'text' }, { key: 'lastPeriod', label: '최근 원장', kind: 'period' }],
};

const PREFIXES = `PREFIX tax: <${TAX}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>`;

const literals = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(' ');
const values = (variable: string, list: readonly string[] | undefined) => (list ? `VALUES ?${variable} { ${literals(list)} }` : '');
const companyValues = (companies: readonly CompanyId[] | undefined) =>
  companies ? `VALUES ?co { ${companies.map((id) => graphIriRef(companyIri(id))).join(' ')} }` : '';

/** The months of the question's range, and of the base range for a growth question. */
export function periodsOf(intent: IntentId, params: Pick<AskParams, 'from' | 'to' | 'base'>): Period[] {
  // A deadline is listed in the reports of the two months before it falls due.
  const from = intent === 'deadlines' ? addMonths(params.from, -2) : params.from;
  return [...(params.base ? monthsBetween(params.base.from, params.base.to) : []), ...monthsBetween(from, params.to)];
}

const KINDS: Readonly<Record<IntentId, readonly GraphKind[]>> = {
  findings: ['findings'],
  'review-status': ['findings', 'reviews'],
  deadlines: ['findings'],
  'account-trend': ['ledger'],
  'account-totals': ['ledger'],
  'account-growth': ['ledger'],
  companies: ['ledger'],
};

/** A month's promoted ledger graph (its IRI is the ledger's; a staging graph is not) with its company. */
const LEDGER = `GRAPH ?g { ?g a tax:Ledger ; tax:period ?period ; tax:company ?co . }`;
const TOTALS = `GRAPH ?g { ?total a tax:AccountTotal ; tax:accountCode ?code ; tax:debitTotal ?d ; tax:creditTotal ?c . }`;

/**
 * The query of an intent call. `companies`: the companies it may read (the question's, else the person's scope);
 * undefined for the whole firm. `limit`: rows asked for (the caller asks one more to know it was cut).
 */
export function intentQuery(call: IntentCall, companies: readonly CompanyId[] | undefined, limit: number): string {
  const p = call.params;
  const dataset = datasetClause(companies && scopedGraphs(companies, periodsOf(call.intent, p), KINDS[call.intent]));
  const months = values('period', monthsBetween(p.from, p.to));
  const net = netOf(p);
  const body = (() => {
    switch (call.intent) {
      case 'deadlines':
        return deadlinesQuery(p, companies, months);
      case 'findings':
        return `SELECT ?co ?period ?ruleId ?category ?severity ?amount ?threshold ?message ?key WHERE {
  ${months}
  ${values('ruleId', p.ruleIds)}
  ${values('category', p.categories)}
  ${values('severity', p.severities)}
  GRAPH ?g {
    ?f a tax:Finding ; tax:company ?co ; tax:period ?period ; tax:ruleId ?ruleId ; tax:category ?category ;
      tax:severity ?severity ; tax:message ?message ; tax:findingKey ?key .
    OPTIONAL { ?f tax:amount ?amount } OPTIONAL { ?f tax:threshold ?threshold }
  }
  ${companyValues(companies)}
} ORDER BY ?period ?co ?ruleId ?key`;
      case 'review-status':
        return reviewStatusQuery(p, companies, months);
      case 'account-trend':
        return `SELECT ?co ?period (SUM(?d) AS ?debit) (SUM(?c) AS ?credit) (${net} AS ?net) WHERE {
  ${months}
  ${values('code', p.accounts)}
  ${LEDGER}
  ${TOTALS}
  ${companyValues(companies)}
} GROUP BY ?co ?period ORDER BY ?period`;
      case 'account-totals':
        return `SELECT ?co (SUM(?d) AS ?debit) (SUM(?c) AS ?credit) (${net} AS ?net) WHERE {
  ${months}
  ${values('code', p.accounts)}
  ${LEDGER}
  ${TOTALS}
  ${companyValues(companies)}
} GROUP BY ?co ORDER BY DESC(?net) ?co`;
      case 'account-growth':
        return growthQuery(p, companies);
      case 'companies':
        return `SELECT ?co ?id ?name ?bizRegNo (MAX(?period) AS ?lastPeriod) WHERE {
  ${months}
  ${LEDGER}
  GRAPH ?g { ?co tax:companyId ?id ; rdfs:label ?name ; tax:bizRegNo ?bizRegNo . }
  ${companyValues(companies)}
} GROUP BY ?co ?id ?name ?bizRegNo ORDER BY ?name`;
    }
  })();
  const [select, rest] = splitSelect(body);
  return `${PREFIXES}\n${select}\n${dataset}\n${rest}\nLIMIT ${limit}`;
}

/** Due dates in the range's months, from the DEADLINE findings of the reports that list them (up to two months before). */
function deadlinesQuery(p: AskParams, companies: readonly CompanyId[] | undefined, months: string): string {
  const from = p.dueFrom ? `FILTER(?dueDate >= ${JSON.stringify(p.dueFrom)})` : '';
  return `SELECT ?co ?dueDate (SAMPLE(?text) AS ?message) (MIN(?listed) AS ?period) WHERE {
  GRAPH ?g { ?f a tax:Finding ; tax:company ?co ; tax:period ?listed ; tax:ruleId "DEADLINE" ; tax:message ?text ; tax:findingKey ?key . }
  BIND(STRAFTER(?key, "DEADLINE|due|") AS ?dueDate)
  BIND(SUBSTR(?dueDate, 1, 7) AS ?dueMonth)
  ${months.replace('?period', '?dueMonth')}
  ${from}
  ${companyValues(companies)}
} GROUP BY ?co ?dueDate ORDER BY ?dueDate ?co`;
}

/** The latest review of each finding (no later version of it), joined to the finding it annotates. */
function reviewStatusQuery(p: AskParams, companies: readonly CompanyId[] | undefined, months: string): string {
  const statuses = p.statuses ?? ['acknowledged', 'resolved', 'false-positive'];
  const reviewed = statuses.filter((s) => s !== 'open');
  const finding = `GRAPH ?g {
      ?f a tax:Finding ; tax:company ?co ; tax:period ?period ; tax:ruleId ?ruleId ; tax:findingKey ?key .
      OPTIONAL { ?f tax:amount ?amount }
    }
    BIND(IRI(CONCAT(STR(?co), "/reviews")) AS ?rg)`;
  const branches: string[] = [];
  if (reviewed.length > 0) {
    branches.push(`{
    ${finding}
    GRAPH ?rg {
      ?r a tax:FindingReview ; tax:period ?period ; tax:findingKey ?key ; tax:reviewStatus ?status ; tax:reviewVersion ?v ;
        tax:reviewer ?reviewer ; tax:reviewedAt ?reviewedAt .
      OPTIONAL { ?r tax:note ?note }
      FILTER NOT EXISTS { ?later tax:period ?period ; tax:findingKey ?key ; tax:reviewVersion ?v2 . FILTER(?v2 > ?v) }
    }
    ${values('status', reviewed)}
  }`);
  }
  if (statuses.includes('open')) {
    branches.push(`{
    ${finding}
    FILTER NOT EXISTS { GRAPH ?rg { ?r tax:period ?period ; tax:findingKey ?key ; tax:reviewStatus ?done . FILTER(?done != "open") } }
    BIND("open" AS ?status)
  }`);
  }
  return `SELECT ?co ?period ?ruleId ?status ?reviewer ?reviewedAt ?note ?amount ?key WHERE {
  ${months}
  ${values('ruleId', p.ruleIds)}
  ${branches.join('\n  UNION\n  ')}
  FILTER(?ruleId != "DEADLINE")
  ${companyValues(companies)}
} ORDER BY ?period ?co ?ruleId ?key`;
}

/** Net (debit − credit) of the accounts over the base range and the range, per company, and the growth between. */
function growthQuery(p: AskParams, companies: readonly CompanyId[] | undefined): string {
  const sum = (name: string, range: { from: Period; to: Period }) => `{
    SELECT ?co (${netOf(p)} AS ?${name}) WHERE {
      ${values('period', monthsBetween(range.from, range.to))}
      ${values('code', p.accounts)}
      ${LEDGER}
      ${TOTALS}
    } GROUP BY ?co
  }`;
  const min = p.minGrowthPct === undefined ? '' : `FILTER(?growthPct > ${Number(p.minGrowthPct)})`;
  return `SELECT ?co ?baseNet ?net ?growthPct WHERE {
  ${sum('baseNet', p.base!)}
  ${sum('net', p)}
  FILTER(?baseNet > 0)
  BIND(ROUND((?net - ?baseNet) * 1000 / ?baseNet) / 10 AS ?growthPct)
  ${min}
  ${companyValues(companies)}
} ORDER BY DESC(?growthPct) ?co`;
}

/** Net movement on the accounts' normal side: debit − credit, or credit − debit for credit-normal accounts. */
function netOf(p: AskParams): string {
  return p.accounts && isCreditNormal(p.accounts[0]!) ? '(SUM(?c) - SUM(?d))' : '(SUM(?d) - SUM(?c))';
}

/** `SELECT … ` and the rest from `WHERE`, so the dataset clause goes between them. */
function splitSelect(query: string): [string, string] {
  const at = query.indexOf(' WHERE {');
  return [query.slice(0, at), query.slice(at + 1)];
}
