// Asking the knowledge graph (lib/ask) at firm size: the fixture firm's graph (6 companies × 6 months of ledgers,
// account totals, findings and reviews, dev/ask-fixture-graph.ts) cloned to N companies by rewriting the company
// IRIs, ids and names, loaded graph by graph into an embedded OxigraphStore and into a real RDF4J server. A fixed
// list of questions covering every intent, read by the matcher, is asked as a firm-wide admin and as an analyst
// scoped to a few companies: p50 and p95 of the end-to-end askGraph latency per store and asker, after warm-ups.
import { performance } from 'node:perf_hooks';
import { accountVocabulary } from '../lib/ask/account-concepts';
import { askGraph, type AskDeps, type Asker } from '../lib/ask/ask-graph';
import { CachedDirectory } from '../lib/ask/company-directory';
import type { IntentId } from '../lib/ask/intent-catalogue';
import { inBatches } from '../lib/backup/backup-set';
import { loadStandardChart } from '../lib/erp/chart';
import type { GraphStore } from '../lib/graph/graph-store';
import { HttpGraphStore } from '../lib/graph/http-graph-store';
import { OxigraphStore } from '../lib/graph/oxigraph-store';
import { companyIri } from '../lib/rdf/iris';
import { ASK_NOW, loadAskFixtureGraph } from '../dev/ask-fixture-graph';
import { startRdf4jServer } from '../dev/servers/rdf4j-server';
import { secondsSince } from './measure';

export interface AskBenchOptions {
  companies: number;
  warmups: number;
  rounds: number;
  standardChart: string;
  rdf4jHeap: string;
  rdf4jStore: 'memory' | 'native';
  /** Graphs written to RDF4J at once. */
  loadConcurrency: number;
}

export interface LatencyMs {
  p50Ms: number;
  p95Ms: number;
}

export interface AskAskerResult extends LatencyMs {
  /** 'admin (names kept)': the console's deps, whose company directory is kept a minute (the others read it each time). */
  asker: 'admin' | 'admin (names kept)' | 'analyst';
  asks: number;
  /** The intent with the highest p95, and each intent's figures. */
  slowestIntent: { intent: IntentId } & LatencyMs;
  intents: Array<{ intent: IntentId } & LatencyMs>;
}

export interface AskStoreResult {
  store: 'oxigraph' | 'rdf4j';
  loadSeconds: number;
  askers: AskAskerResult[];
}

export interface AskBenchResult {
  timestamp: string;
  companies: number;
  graphs: number;
  triples: number;
  /** The analyst's scope. */
  analystCompanies: number;
  questions: number;
  warmups: number;
  rounds: number;
  rdf4jStore: 'memory' | 'native';
  rdf4jHeap: string;
  stores: AskStoreResult[];
}

/** Company k is a clone of fixture company k % 6 (sorted by id: c00-한빛, c01-가람, … c05-새봄); named below by full name. */
const GARAM = 13;
const NURI = 20;
const DASOM = 21;
const MIR = 22;
const SAEBOM = 17;

/** Every intent, unnamed (the whole scope) and named (one company, by its full name: the short one is shared by a sixth of the firm). */
const QUESTIONS: ReadonlyArray<{ question: string; intent: IntentId }> = [
  { question: '이번 달 접대비 한도를 넘은 고객사는?', intent: 'findings' },
  { question: '올해 가지급금 지적 받은 곳 전부 보여줘', intent: 'findings' },
  { question: `(주)가람제조 ${GARAM} 4월 고위험 지적사항 알려줘`, intent: 'findings' },
  { question: '올해 오탐으로 처리된 지적사항 보여줘', intent: 'review-status' },
  { question: '5월 지적사항 중 아직 미검토인 건?', intent: 'review-status' },
  { question: '7월 신고 기한 알려줘', intent: 'deadlines' },
  { question: `(주)누리도소매 ${NURI} 다음 신고 기한은?`, intent: 'deadlines' },
  { question: `(주)가람제조 ${GARAM} 접대비 추이 보여줘`, intent: 'account-trend' },
  { question: `(주)다솜서비스 ${DASOM} 가지급금 월별 추이`, intent: 'account-trend' },
  { question: '올해 접대비를 가장 많이 쓴 곳은?', intent: 'account-totals' },
  { question: '상반기 회사별 복리후생비 합계 보여줘', intent: 'account-totals' },
  { question: `(주)새봄정보통신 ${SAEBOM} 3월 차량유지비는 얼마?`, intent: 'account-totals' },
  { question: '1분기 대비 2분기 복리후생비가 30% 넘게 늘어난 곳은?', intent: 'account-growth' },
  { question: '관리 중인 고객사 목록 보여줘', intent: 'companies' },
  { question: `(주)미르건설 ${MIR} 최근 3개월 복리후생비 월별로 보여줘`, intent: 'account-trend' },
];

/** One fixture company's graphs as N-Triples (graph term dropped), and what a clone rewrites. */
interface FixtureCompany {
  id: string;
  name: string;
  iri: string;
  graphs: Array<{ iri: string; ntriples: string }>;
}

const RDFS_LABEL = '<http://www.w3.org/2000/01/rdf-schema#label>';
const TAX_COMPANY_ID = '<https://w3id.org/kr-tax/ontology#companyId>';

/** The fixture firm's graph, exported and grouped by company; every graph must belong to one. */
async function fixtureCompanies(): Promise<FixtureCompany[]> {
  const store = new OxigraphStore();
  try {
    await loadAskFixtureGraph(store);
    const byIri = new Map<string, FixtureCompany>();
    for (const graph of (await store.listGraphs()).sort()) {
      const iri = /^https:\/\/w3id\.org\/kr-tax\/data\/company\/[^/]+/.exec(graph)?.[0];
      if (!iri) throw new Error(`fixture graph ${graph} belongs to no company`);
      let quads = '';
      for await (const chunk of store.exportGraph(graph)) quads += chunk;
      const suffix = ` <${graph}> .`;
      const lines = quads.split('\n').filter((line) => line.length > 0);
      const ntriples = lines.map((line) => {
        if (!line.endsWith(suffix)) throw new Error(`unexpected N-Quads line in ${graph}: ${line}`);
        return `${line.slice(0, -suffix.length)} .\n`;
      });
      let company = byIri.get(iri);
      if (!company) byIri.set(iri, (company = { id: '', name: '', iri, graphs: [] }));
      for (const line of ntriples) {
        const id = line.startsWith(`<${iri}> ${TAX_COMPANY_ID} "`) ? /"([^"]+)"/.exec(line)?.[1] : undefined;
        const name = line.startsWith(`<${iri}> ${RDFS_LABEL} "`) ? /"([^"]+)"/.exec(line)?.[1] : undefined;
        if (id) company.id = id;
        if (name) company.name = name;
      }
      company.graphs.push({ iri: graph, ntriples: ntriples.join('') });
    }
    const companies = [...byIri.values()].sort((a, b) => a.id.localeCompare(b.id));
    for (const c of companies) if (!c.id || !c.name || companyIri(c.id) !== c.iri) throw new Error(`fixture company ${c.iri}: no id or name`);
    return companies;
  } finally {
    await store.close();
  }
}

const cloneId = (fixture: FixtureCompany, k: number) => `b${k}-${/[가-힣]+$/.exec(fixture.id)![0]}`;
const cloneName = (fixture: FixtureCompany, k: number) => `${fixture.name} ${k}`;

/** Company k's graphs: the fixture company's with its IRI, id, name and blank nodes rewritten. */
function* cloneGraphs(fixture: FixtureCompany, k: number): Generator<{ iri: string; ntriples: string }> {
  const iri = companyIri(cloneId(fixture, k));
  const rewrite = (text: string) =>
    text
      .replaceAll(fixture.iri, iri)
      .replaceAll(`"${fixture.id}"`, `"${cloneId(fixture, k)}"`)
      .replaceAll(`${RDFS_LABEL} "${fixture.name}"`, `${RDFS_LABEL} "${cloneName(fixture, k)}"`)
      .replace(/_:([A-Za-z0-9]+)/g, `_:$1x${k}`);
  for (const graph of fixture.graphs) yield { iri: rewrite(graph.iri), ntriples: rewrite(graph.ntriples) };
}

function* firmGraphs(fixtures: readonly FixtureCompany[], companies: number) {
  for (let k = 0; k < companies; k++) yield* cloneGraphs(fixtures[k % fixtures.length]!, k);
}

/**
 * Loads the firm graph by graph; returns the seconds it took and the triples the store then holds, after checking each
 * graph holds its statements (the fixture's graphs have no duplicate statements).
 */
async function loadFirm(store: GraphStore, fixtures: readonly FixtureCompany[], companies: number, concurrency: number) {
  const expected = new Map<string, number>();
  const start = performance.now();
  const graphs = await inBatches(firmGraphs(fixtures, companies), concurrency, async (g) => {
    expected.set(g.iri, g.ntriples.split('\n').length - 1);
    await store.replaceGraph(g.iri, [g.ntriples]);
  });
  const loadSeconds = secondsSince(start);
  const listed = await store.listGraphs();
  if (listed.length !== graphs) throw new Error(`wrote ${graphs} graphs, the store lists ${listed.length}`);
  const counts: Array<[string, number]> = [];
  await inBatches(listed, concurrency, async (iri) => void counts.push([iri, await store.countTriples(iri)]));
  const short = counts.filter(([iri, n]) => n !== expected.get(iri));
  if (short.length > 0) {
    const recount = (iri: string) => store.countTriples(iri);
    const list = await Promise.all(
      short.slice(0, 5).map(async ([iri, n]) => `${decodeURIComponent(iri)}: ${n} of ${expected.get(iri)} (counted again: ${await recount(iri)})`),
    );
    throw new Error(`${short.length} graphs do not hold what was written, e.g. ${list.join('; ')}`);
  }
  return { loadSeconds, graphs, triples: counts.reduce((sum, [, n]) => sum + n, 0) };
}

/** Nearest-rank percentile of milliseconds. */
const percentile = (sorted: readonly number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
const latency = (ms: number[]): LatencyMs => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95) };
};

async function timeAsker(deps: AskDeps, kind: AskAskerResult['asker'], asker: Asker, options: AskBenchOptions): Promise<AskAskerResult> {
  const once = async ({ question, intent }: (typeof QUESTIONS)[number]) => {
    const start = performance.now();
    const answer = await askGraph(deps, asker, question);
    const ms = performance.now() - start;
    if (answer.status !== 'answered' || answer.intent !== intent) {
      throw new Error(
        `${kind}: ${JSON.stringify(question)} was ${answer.status} as ${answer.intent ?? '-'} (expected ${intent}): ${answer.sentence}`,
      );
    }
    return ms;
  };
  for (let i = 0; i < options.warmups; i++) for (const q of QUESTIONS) await once(q);
  const all: number[] = [];
  const byIntent = new Map<IntentId, number[]>();
  for (let round = 0; round < options.rounds; round++) {
    for (const q of QUESTIONS) {
      const ms = await once(q);
      all.push(ms);
      byIntent.set(q.intent, [...(byIntent.get(q.intent) ?? []), ms]);
    }
  }
  const intents = [...byIntent].map(([intent, ms]) => ({ intent, ...latency(ms) }));
  const slowestIntent = intents.reduce((a, b) => (b.p95Ms > a.p95Ms ? b : a));
  return { asker: kind, asks: all.length, ...latency(all), slowestIntent, intents };
}

async function timeStore(
  store: AskStoreResult['store'],
  graph: GraphStore,
  loadSeconds: number,
  analyst: readonly string[],
  options: AskBenchOptions,
): Promise<AskStoreResult> {
  const deps: AskDeps = {
    graph,
    accounts: accountVocabulary(await loadStandardChart(options.standardChart)),
    limits: { maxRows: 200, timeoutMs: 30_000 },
    now: () => ASK_NOW,
  };
  console.log(`asking ${QUESTIONS.length} questions × ${options.rounds} rounds of ${store} …`);
  const admin = await timeAsker(deps, 'admin', { subject: 'bench', role: 'admin' }, options);
  const kept = { ...deps, directory: new CachedDirectory(graph, 60_000) };
  const adminKept = await timeAsker(kept, 'admin (names kept)', { subject: 'bench', role: 'admin' }, options);
  const scoped = await timeAsker(deps, 'analyst', { subject: 'bench', role: 'analyst', companies: analyst }, options);
  return { store, loadSeconds, askers: [admin, adminKept, scoped] };
}

export async function benchAsk(options: AskBenchOptions): Promise<AskBenchResult> {
  const fixtures = await fixtureCompanies();
  if (options.companies < fixtures.length * 4) throw new RangeError(`at least ${fixtures.length * 4} companies`);
  const analyst = [GARAM, NURI, DASOM, MIR, SAEBOM].map((k) => cloneId(fixtures[k % fixtures.length]!, k));
  const n = options.companies.toLocaleString('en-US');
  const stores: AskStoreResult[] = [];

  // The embedded store's default quad limit is below a firm of this size.
  console.log(`loading ${n} cloned companies into oxigraph …`);
  const oxigraph = new OxigraphStore({ maxQuads: 20_000_000 });
  let loaded: Awaited<ReturnType<typeof loadFirm>>;
  try {
    loaded = await loadFirm(oxigraph, fixtures, options.companies, 1);
    console.log(
      `  ${loaded.graphs.toLocaleString('en-US')} graphs, ${loaded.triples.toLocaleString('en-US')} triples in ${loaded.loadSeconds.toFixed(1)} s`,
    );
    stores.push(await timeStore('oxigraph', oxigraph, loaded.loadSeconds, analyst, options));
  } finally {
    await oxigraph.close();
  }

  const server = await startRdf4jServer({ heap: options.rdf4jHeap, store: options.rdf4jStore });
  const rdf4j = new HttpGraphStore({ repositoryUrl: server.repositoryUrl, timeoutMs: 600_000, connections: options.loadConcurrency });
  try {
    console.log(`loading ${n} cloned companies into RDF4J (${options.rdf4jStore} store) …`);
    const remote = await loadFirm(rdf4j, fixtures, options.companies, options.loadConcurrency);
    console.log(
      `  ${remote.graphs.toLocaleString('en-US')} graphs, ${remote.triples.toLocaleString('en-US')} triples in ${remote.loadSeconds.toFixed(1)} s`,
    );
    if (remote.triples !== loaded.triples || remote.graphs !== loaded.graphs) {
      throw new Error(`Oxigraph holds ${loaded.triples} triples in ${loaded.graphs} graphs, RDF4J ${remote.triples} in ${remote.graphs}`);
    }
    stores.push(await timeStore('rdf4j', rdf4j, remote.loadSeconds, analyst, options));
  } finally {
    await rdf4j.close();
    await server.stop();
  }

  return {
    timestamp: new Date().toISOString(),
    companies: options.companies,
    graphs: loaded.graphs,
    triples: loaded.triples,
    analystCompanies: analyst.length,
    questions: QUESTIONS.length,
    warmups: options.warmups,
    rounds: options.rounds,
    rdf4jStore: options.rdf4jStore,
    rdf4jHeap: options.rdf4jHeap,
    stores,
  };
}

export function askMarkdown(r: AskBenchResult, table: (head: string[], rows: string[][]) => string): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const ms = (x: number) => x.toFixed(0);
  const intents = [...new Set(r.stores.flatMap((s) => s.askers.flatMap((a) => a.intents.map((i) => i.intent))))];
  return `## Asking the knowledge graph at ${n(r.companies)} companies (${r.timestamp})

The fixture firm's graph (6 companies × 6 months: ledgers with their lines and account totals, findings, reviews)
cloned to ${n(r.companies)} companies: ${n(r.graphs)} named graphs, ${n(r.triples)} triples, loaded graph by graph into the
embedded oxigraph and into RDF4J Server (${r.rdf4jStore} store, ${r.rdf4jHeap} heap). ${r.questions} questions covering every
intent, read by the matcher, asked ${r.rounds} times each after ${r.warmups} warm-up rounds, one at a time, as a firm-wide admin
and as an analyst scoped to ${r.analystCompanies} companies. End-to-end \`askGraph\` latency (company directory, reading,
the intent's query, the sentence), in milliseconds. "admin" reads the company directory on every question (its first
question in a minute); "admin (names kept)" is the console's case within that minute.

${table(
  ['store', 'load s', 'asker', 'asks', 'p50 ms', 'p95 ms', 'slowest intent (p95 ms)'],
  r.stores.flatMap((s) =>
    s.askers.map((a) => [
      s.store,
      s.loadSeconds.toFixed(0),
      a.asker,
      n(a.asks),
      ms(a.p50Ms),
      ms(a.p95Ms),
      `${a.slowestIntent.intent} (${ms(a.slowestIntent.p95Ms)})`,
    ]),
  ),
)}

p95 per intent, in milliseconds:

${table(
  ['intent', ...r.stores.flatMap((s) => s.askers.map((a) => `${s.store} ${a.asker}`))],
  intents.map((intent) => [
    intent,
    ...r.stores.flatMap((s) => s.askers.map((a) => ms(a.intents.find((i) => i.intent === intent)?.p95Ms ?? Number.NaN))),
  ]),
)}
`;
}
