// GraphRAG retrieval: the legal basis of the month's findings and the company's findings of earlier months,
// both by SPARQL from the knowledge graph; with an embeddings model, the texts to search by meaning (searched on
// the LLM role) and, once searched, the articles found that way.
import type { FindingsDocument, Grounding, LawArticleRef, PreviousMonthFindings, Severity } from '../domain/findings';
import { addMonths } from '../domain/periods';
import type { GraphStore, SelectRow } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { LAW_NS, companyIri, findingsGraphIri, ledgerGraphIri, ruleIri } from '../rdf/iris';
import { TAX } from '../rdf/vocabulary';
import { REFERENCE_GRAPH } from './reference-graph';
import type { Related, SemanticSearchRequest } from './semantic-search';

/** How many months before the report month the prompt sees. */
export const HISTORY_MONTHS = 3;

/** Distinct memo texts of the month the semantic search compares with. */
const MEMO_CANDIDATES = 200;

export interface GroundingResult {
  grounding: Grounding;
  /** With an embeddings model and findings to search for: what the search compares. */
  search?: SemanticSearchRequest;
}

export async function retrieveGrounding(graph: GraphStore, doc: FindingsDocument, embeddingModel?: string): Promise<GroundingResult> {
  const [articles, previousMonths] = await Promise.all([lawArticles(graph, doc), previousFindings(graph, doc)]);
  const grounding = { articles, previousMonths };
  if (!embeddingModel || doc.findings.length === 0) return { grounding };

  const [candidates, memos] = await Promise.all([allArticles(graph), monthMemos(graph, doc)]);
  const search: SemanticSearchRequest = {
    model: embeddingModel,
    findings: doc.findings.map((f) => ({ text: f.message, linked: articles.filter((a) => a.rules.includes(f.ruleId)).map((a) => a.id) })),
    articles: candidates.map((a) => ({ id: a.id, text: `${a.title}: ${a.text}` })),
    memos,
  };
  return { grounding, search };
}

/** The grounding with the search's neighbours; articles found by meaning join the prompt's, citing no rule of this month. */
export async function withRelated(graph: GraphStore, grounding: Grounding, related: Related): Promise<Grounding> {
  const cited = new Set(grounding.articles.map((a) => a.id));
  const found = new Set(related.flatMap((r) => r.articles));
  const extra = (await allArticles(graph)).filter((a) => !cited.has(a.id) && found.has(a.id));
  return { ...grounding, articles: [...grounding.articles, ...extra.map((a) => ({ ...a, rules: [] }))], related };
}

const ARTICLE_FIELDS = `?article tax:lawName ?law ; tax:articleRef ?ref ; rdfs:label ?title ; tax:articleText ?text .`;
const PREFIXES = `PREFIX tax: <${TAX}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>`;

/** An article from a row of ARTICLE_FIELDS. */
function articleOf(row: SelectRow): Omit<LawArticleRef, 'rules'> {
  return {
    id: row.article!.value.slice(LAW_NS.length),
    law: row.law!.value,
    article: row.ref!.value,
    title: row.title!.value,
    text: row.text!.value,
  };
}

async function allArticles(graph: GraphStore): Promise<Array<Omit<LawArticleRef, 'rules'>>> {
  const rows = await graph.select(`${PREFIXES}
SELECT ?article ?law ?ref ?title ?text WHERE { GRAPH ${graphIriRef(REFERENCE_GRAPH)} { ?article a tax:LawArticle . ${ARTICLE_FIELDS} } } ORDER BY ?article`);
  return rows.map(articleOf);
}

async function monthMemos(graph: GraphStore, doc: FindingsDocument): Promise<string[]> {
  const rows = await graph.select(`${PREFIXES}
SELECT DISTINCT ?memo WHERE { GRAPH ${graphIriRef(ledgerGraphIri(doc.companyId, doc.period))} { ?line tax:memo ?memo } } ORDER BY ?memo LIMIT ${MEMO_CANDIDATES}`);
  return rows.map((row) => row.memo!.value.trim()).filter((m) => m !== '');
}

async function lawArticles(graph: GraphStore, doc: FindingsDocument): Promise<LawArticleRef[]> {
  const ruleIds = [...new Set(doc.findings.map((f) => f.ruleId))];
  if (ruleIds.length === 0) return [];
  const rows = await graph.select(`${PREFIXES}
SELECT ?rule ?article ?law ?ref ?title ?text WHERE {
  GRAPH ${graphIriRef(REFERENCE_GRAPH)} {
    VALUES ?rule { ${ruleIds.map((id) => graphIriRef(ruleIri(id))).join(' ')} }
    ?rule tax:legalBasis ?article .
    ${ARTICLE_FIELDS}
  }
}`);
  const byId = new Map<string, LawArticleRef>();
  for (const row of rows) {
    const id = row.article!.value.slice(LAW_NS.length);
    const article = byId.get(id) ?? { ...articleOf(row), rules: [] };
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
