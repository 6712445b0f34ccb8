// GraphRAG retrieval: the legal basis of the month's findings and the company's findings of earlier months,
// both by SPARQL from the knowledge graph.
import type { FindingsDocument, Grounding, LawArticleRef, PreviousMonthFindings, Severity } from '../domain/findings';
import { addMonths } from '../domain/periods';
import type { GraphStore } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { LAW_NS, companyIri, findingsGraphIri, ruleIri } from '../rdf/iris';
import { TAX } from '../rdf/vocabulary';
import { REFERENCE_GRAPH } from './reference-graph';

/** How many months before the report month the prompt sees. */
export const HISTORY_MONTHS = 3;

export async function retrieveGrounding(graph: GraphStore, doc: FindingsDocument): Promise<Grounding> {
  const [articles, previousMonths] = await Promise.all([lawArticles(graph, doc), previousFindings(graph, doc)]);
  return { articles, previousMonths };
}

async function lawArticles(graph: GraphStore, doc: FindingsDocument): Promise<LawArticleRef[]> {
  const ruleIds = [...new Set(doc.findings.map((f) => f.ruleId))];
  if (ruleIds.length === 0) return [];
  const rows = await graph.select(`PREFIX tax: <${TAX}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?rule ?article ?law ?ref ?title ?text WHERE {
  GRAPH ${graphIriRef(REFERENCE_GRAPH)} {
    VALUES ?rule { ${ruleIds.map((id) => graphIriRef(ruleIri(id))).join(' ')} }
    ?rule tax:legalBasis ?article .
    ?article tax:lawName ?law ; tax:articleRef ?ref ; rdfs:label ?title ; tax:articleText ?text .
  }
}`);
  const byId = new Map<string, LawArticleRef>();
  for (const row of rows) {
    const id = row.article!.value.slice(LAW_NS.length);
    const article = byId.get(id) ?? { id, law: row.law!.value, article: row.ref!.value, title: row.title!.value, text: row.text!.value, rules: [] };
    article.rules.push(row.rule!.value.split('#')[1]!);
    byId.set(id, article);
  }
  // Report order: the order the findings cite them.
  const order = (a: LawArticleRef) => Math.min(...a.rules.map((r) => ruleIds.indexOf(r)));
  return [...byId.values()].map((a) => ({ ...a, rules: a.rules.sort() })).sort((a, b) => order(a) - order(b) || a.id.localeCompare(b.id));
}

async function previousFindings(graph: GraphStore, doc: FindingsDocument): Promise<PreviousMonthFindings[]> {
  const periods = Array.from({ length: HISTORY_MONTHS }, (_, i) => addMonths(doc.period, -(i + 1)));
  const rows = await graph.select(`PREFIX tax: <${TAX}>
SELECT ?period ?ruleId ?severity ?amount WHERE {
  VALUES ?g { ${periods.map((p) => graphIriRef(findingsGraphIri(doc.companyId, p))).join(' ')} }
  GRAPH ?g {
    ?f a tax:Finding ; tax:company ${graphIriRef(companyIri(doc.companyId))} ; tax:period ?period ;
       tax:ruleId ?ruleId ; tax:severity ?severity .
    OPTIONAL { ?f tax:amount ?amount }
  }
}`);
  const months = new Map<string, PreviousMonthFindings>();
  for (const row of rows) {
    const period = row.period!.value;
    const month = months.get(period) ?? { period, findings: [] };
    month.findings.push({
      ruleId: row.ruleId!.value,
      severity: row.severity!.value as Severity,
      ...(row.amount ? { amount: Number(row.amount.value) } : {}),
    });
    months.set(period, month);
  }
  for (const month of months.values()) {
    month.findings.sort((a, b) => a.ruleId.localeCompare(b.ruleId) || (b.amount ?? 0) - (a.amount ?? 0));
  }
  return [...months.values()].sort((a, b) => b.period.localeCompare(a.period));
}
