// GraphRAG retrieval: the legal basis of the month's findings and the company's findings of earlier months,
// both by SPARQL from the knowledge graph.
import type { FindingsDocument, Grounding, LawArticleRef, PreviousMonthFindings, Severity } from '../domain/findings';
import { addMonths } from '../domain/periods';
import type { GraphStore, SelectRow } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { LAW_NS, companyIri, findingsGraphIri, ledgerGraphIri, ruleIri } from '../rdf/iris';
import { TAX } from '../rdf/vocabulary';
import { REFERENCE_GRAPH } from './reference-graph';
import { embedCached, relatedByMeaning, type Embedder, type EmbeddingCache } from './semantic-search';

/** How many months before the report month the prompt sees. */
export const HISTORY_MONTHS = 3;

/** Distinct memo texts of the month the semantic search compares with. */
const MEMO_CANDIDATES = 200;

export interface SemanticSearch extends EmbeddingCache {
  embedder: Embedder;
}

export interface GroundingResult {
  grounding: Grounding;
  /** Embedding use of the semantic search, for metering. */
  embeddings?: { texts: number; hits: number; sentTokens: number };
}

export async function retrieveGrounding(graph: GraphStore, doc: FindingsDocument, semantic?: SemanticSearch): Promise<GroundingResult> {
  const [articles, previousMonths] = await Promise.all([lawArticles(graph, doc), previousFindings(graph, doc)]);
  if (!semantic || doc.findings.length === 0) return { grounding: { articles, previousMonths } };

  const [candidates, memos] = await Promise.all([allArticles(graph), monthMemos(graph, doc)]);
  const texts = [
    ...doc.findings.map((f) => f.message),
    ...candidates.map((a) => `${a.title}: ${a.text}`),
    ...memos,
  ];
  const { vectors, hits, sentTokens } = await embedCached(semantic.embedder, semantic, texts);
  const at = (offset: number, i: number) => vectors[offset + i]!;
  const related = relatedByMeaning(
    doc.findings,
    doc.findings.map((_, i) => at(0, i)),
    candidates.map((article, i) => ({ article, vector: at(doc.findings.length, i) })),
    articles,
    memos.map((text, i) => ({ text, vector: at(doc.findings.length + candidates.length, i) })),
  );
  // Articles found by meaning join the prompt's articles; they cite no rule of this month.
  const cited = new Set(articles.map((a) => a.id));
  const extra = candidates.filter((a) => !cited.has(a.id) && related.some((r) => r.articles.includes(a.id)));
  return {
    grounding: { articles: [...articles, ...extra.map((a) => ({ ...a, rules: [] }))], previousMonths, related },
    embeddings: { texts: texts.length, hits, sentTokens },
  };
}

const ARTICLE_FIELDS = `?article tax:lawName ?law ; tax:articleRef ?ref ; rdfs:label ?title ; tax:articleText ?text .`;
const PREFIXES = `PREFIX tax: <${TAX}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>`;

/** An article from a row of ARTICLE_FIELDS. */
function articleOf(row: SelectRow): Omit<LawArticleRef, 'rules'> {
  return { id: row.article!.value.slice(LAW_NS.length), law: row.law!.value, article: row.ref!.value, title: row.title!.value, text: row.text!.value };
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
