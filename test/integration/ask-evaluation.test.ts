// The evaluation of the knowledge-graph questions (docs/ask.md): the questions of test/fixtures/ask/questions.json,
// whose expected answers were written from the fixture ledgers and expected findings, asked of the fixture graph
// with the offline matcher and with a scripted model chain. Each answer is graded exact, partial, refused or wrong;
// wrong must be 0, and the shares are printed.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { accountVocabulary } from '../../lib/ask/account-concepts';
import { askGraph, type Answer, type AskDeps } from '../../lib/ask/ask-graph';
import { QUESTION_COST_KEY, QuestionModel } from '../../lib/ask/question-model';
import { PROJECT_ROOT } from '../../lib/config';
import { loadStandardChart } from '../../lib/erp/chart';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { FileLlmCache } from '../../lib/llm/llm-cache';
import { loadPriceTable } from '../../lib/llm/llm-prices';
import { FileUsageLedger } from '../../lib/llm/usage-ledger';
import { startFakeOpenAi, type FakeOpenAi } from '../../dev/servers/fake-openai';
import { ASK_FIXTURES, ASK_NOW, loadAskFixtureGraph } from '../support/ask-fixture-graph';

interface Case {
  id: string;
  question: string;
  expect: { intent?: string; rows?: Array<Record<string, string | number>>; refused?: true };
}
type Grade = 'exact' | 'partial' | 'refused' | 'wrong';

const ADMIN = { subject: 'evaluation', role: 'admin' } as const;
let graph: OxigraphStore;
let cases: Case[];
let base: AskDeps;
let scratch: string;

before(async () => {
  graph = new OxigraphStore();
  await loadAskFixtureGraph(graph);
  cases = (JSON.parse(await readFile(path.join(ASK_FIXTURES, 'questions.json'), 'utf8')) as { questions: Case[] }).questions;
  base = {
    graph,
    accounts: accountVocabulary(await loadStandardChart(path.join(PROJECT_ROOT, 'ontology/accounts.csv'))),
    limits: { maxRows: 200, timeoutMs: 10_000 },
    now: () => ASK_NOW,
  };
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ask-eval-'));
});
after(async () => {
  await graph?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Rows compared on the fields the expectation names, as multisets. */
function projected(rows: ReadonlyArray<Record<string, unknown>>, keys: readonly string[]): string[] {
  return rows.map((row) => JSON.stringify(keys.map((k) => row[k] ?? null))).sort();
}

/**
 * exact: the expected intent and exactly the expected rows (a refusal where one is expected); partial: the right
 * intent and every expected row, with more rows beside them; refused: no answer where one was expected; wrong:
 * anything else, an answer where a refusal was expected included.
 */
function grade(c: Case, answer: Answer): Grade {
  if (c.expect.refused) return answer.status === 'refused' ? 'exact' : 'wrong';
  if (answer.status === 'refused') return 'refused';
  if (answer.intent !== c.expect.intent) return 'wrong';
  const expected = c.expect.rows ?? [];
  const keys = expected[0] ? Object.keys(expected[0]) : ['company'];
  const got = projected(answer.rows, keys);
  const want = projected(expected, keys);
  if (JSON.stringify(got) === JSON.stringify(want)) return 'exact';
  const remaining = [...got];
  const all = want.every((row) => {
    const at = remaining.indexOf(row);
    return at >= 0 && remaining.splice(at, 1).length === 1;
  });
  return all ? 'partial' : 'wrong';
}

async function evaluate(deps: AskDeps): Promise<Map<string, { grade: Grade; answer: Answer }>> {
  const results = new Map<string, { grade: Grade; answer: Answer }>();
  for (const c of cases) {
    const answer = await askGraph(deps, ADMIN, c.question);
    results.set(c.id, { grade: grade(c, answer), answer });
  }
  return results;
}

/** The evaluation table: per intent (or 'refusal' for questions that must be refused), the count of each grade. */
function table(results: Map<string, { grade: Grade }>): string {
  const groups = new Map<string, Record<Grade, number>>();
  for (const c of cases) {
    const group = c.expect.intent ?? 'refusal';
    const counts = groups.get(group) ?? { exact: 0, partial: 0, refused: 0, wrong: 0 };
    counts[results.get(c.id)!.grade]++;
    groups.set(group, counts);
  }
  const total = { exact: 0, partial: 0, refused: 0, wrong: 0 };
  const lines = ['| questions | n | exact | partial | refused | wrong |', '|---|---|---|---|---|---|'];
  for (const [group, counts] of groups) {
    const n = counts.exact + counts.partial + counts.refused + counts.wrong;
    for (const g of Object.keys(total) as Grade[]) total[g] += counts[g];
    lines.push(`| ${group} | ${n} | ${counts.exact} | ${counts.partial} | ${counts.refused} | ${counts.wrong} |`);
  }
  const pct = (k: Grade) => `${((total[k] / cases.length) * 100).toFixed(1)}%`;
  lines.push(
    `| **all** | ${cases.length} | ${total.exact} (${pct('exact')}) | ${total.partial} (${pct('partial')}) | ${total.refused} (${pct('refused')}) | ${total.wrong} |`,
  );
  return lines.join('\n');
}

function wrongOnes(results: Map<string, { grade: Grade; answer: Answer }>): string[] {
  return [...results]
    .filter(([, r]) => r.grade === 'wrong')
    .map(([id, r]) => `${id}: ${r.answer.intent ?? 'refused'} ${JSON.stringify(r.answer.params)} → ${r.answer.sentence}`);
}

describe('ask the graph: evaluation', { timeout: 300_000 }, () => {
  test('the set has at least 50 questions, each intent and refusals among them', () => {
    assert.ok(cases.length >= 50, `${cases.length} questions`);
    const intents = new Set(cases.map((c) => c.expect.intent ?? 'refusal'));
    for (const i of ['findings', 'review-status', 'deadlines', 'account-trend', 'account-totals', 'account-growth', 'companies', 'refusal']) {
      assert.ok(intents.has(i), `no ${i} question`);
    }
  });

  test('offline matcher: no wrong answer', async (t) => {
    const results = await evaluate(base);
    const report = table(results);
    t.diagnostic(`offline matcher\n${report}`);
    console.log(`\nask evaluation, offline matcher\n${report}\n`);
    assert.deepEqual(wrongOnes(results), []);
    // Every answer's sentence passed the number guardrail (a refused sentence is replaced by a plain one).
    for (const [id, r] of results) if (r.answer.status === 'answered') assert.notEqual(r.answer.sentence, '답은 아래 표와 같습니다.', id);
    const exact = [...results.values()].filter((r) => r.grade === 'exact').length;
    assert.ok(exact / cases.length >= 0.9, `exact share ${exact}/${cases.length}`);
  });

  test('months no ledger reaches yet are said, not answered with "none"', async () => {
    const early = { ...base, now: () => new Date('2024-07-05T09:00:00+09:00') };
    // 이번 달 before its ledger: the latest month that has one, said so.
    const thisMonth = await askGraph(early, ADMIN, '이번 달 접대비 한도를 넘은 고객사는?');
    assert.deepEqual(thisMonth.rows.map((r) => [r.company, r.period, r.amount]).sort(), [
      ['c01-가람', '2024-06', 23_169_000],
      ['c02-누리', '2024-06', 14_699_000],
    ]);
    assert.deepEqual(thisMonth.notes, ['이번 달(2024-07) 원장은 아직 없어 가장 최근 원장인 2024-06로 답했습니다.']);
    const growth = await askGraph(early, ADMIN, '전월 대비 접대비가 20% 넘게 늘어난 고객사 알려줘');
    assert.deepEqual(growth.params?.base, { from: '2024-05', to: '2024-05' });
    assert.deepEqual(growth.rows.map((r) => r.company).sort(), ['c02-누리', 'c03-다솜']);
    // Any other month past the latest ledger is said to be missing.
    const august = await askGraph(early, ADMIN, '2024년 8월 접대비 한도를 넘은 고객사는?');
    assert.deepEqual([august.status, august.rows.length], ['answered', 0]);
    assert.equal(august.sentence, '2024-08 원장은 아직 없습니다. 가장 최근 원장은 2024-06입니다.');
    const thisYear = await askGraph(early, ADMIN, '올해 접대비를 가장 많이 쓴 곳은?');
    assert.equal(thisYear.rows[0]?.company, 'c01-가람');
    assert.ok(thisYear.notes.includes('2024-06 이후 원장은 아직 없습니다: 2024-06까지로 답했습니다.'), thisYear.notes.join());
    // Deadlines are about months to come.
    const deadlines = await askGraph(early, ADMIN, '이번 달 신고 기한 알려줘');
    assert.deepEqual([...new Set(deadlines.rows.map((r) => r.dueDate))], ['2024-07-10', '2024-07-25']);
  });

  describe('with a scripted model chain', () => {
    let llm: FakeOpenAi;
    before(async () => {
      llm = await startFakeOpenAi();
    });
    after(async () => {
      await llm?.close();
    });

    /** Correct readings, as a good model gives them (written by hand from the questions). */
    const READINGS: Readonly<Record<string, object>> = {
      F01: { intent: 'findings', params: { from: '2024-06', to: '2024-06', ruleIds: ['ENT-LIMIT'] } },
      F03: { intent: 'findings', params: { from: '2024-05', to: '2024-05', severities: ['HIGH'] } },
      F05: { intent: 'findings', params: { companies: ['c02-누리'], from: '2024-01', to: '2024-06', ruleIds: ['ENT-LIMIT'] } },
      S01: { intent: 'review-status', params: { from: '2024-01', to: '2024-06', statuses: ['false-positive'] } },
      D01: { intent: 'deadlines', params: { from: '2024-07', to: '2024-07' } },
      A01: { intent: 'account-trend', params: { companies: ['c01-가람'], from: '2024-01', to: '2024-06', accounts: ['513', '813'] } },
      T01: { intent: 'account-totals', params: { from: '2024-01', to: '2024-06', accounts: ['513', '813'], top: 1 } },
      G01: {
        intent: 'account-growth',
        params: { from: '2024-04', to: '2024-06', base: { from: '2024-01', to: '2024-03' }, accounts: ['511', '811'], minGrowthPct: 30 },
      },
      C01: { intent: 'companies', params: { from: '2023-07', to: '2024-06' } },
    };
    /** The model declines: the matcher still reads the question (and refuses these too). */
    const DECLINED: Readonly<Record<string, object>> = { R07: { intent: 'none' }, R09: { intent: 'none' } };
    /** Readings the checks must refuse (the matcher then reads the question). */
    const BAD_READINGS: Readonly<Record<string, object>> = {
      F02: { intent: 'findings', params: { companies: ['c99-남의회사'], from: '2024-01', to: '2024-06' } },
      F04: { intent: 'findings', params: { from: '2024-13', to: '2024-14' } },
      T02: { intent: 'account-totals', params: { from: '2024-06', to: '2024-06', accounts: ['999'] } },
      T04: { intent: 'drop-graph', params: { from: '2024-01', to: '2024-03' } },
      A02: { intent: 'account-trend', params: { companies: ['c03-다솜'], from: '2024-01', to: '2024-06', accounts: ['134', '257'] } },
      G02: { intent: 'account-growth', params: { from: '2024-06', to: '2024-06', accounts: ['513'], query: 'DROP ALL' } },
    };

    test('model readings are used when they pass the checks, the matcher reads the rest: no wrong answer', async (t) => {
      const byQuestion = new Map(cases.map((c) => [c.question, c.id]));
      const idOf = (content: string) => byQuestion.get((JSON.parse(content) as { question: string }).question) ?? '';
      const tokens = { prompt_tokens: 900, completion_tokens: 60 };
      llm.script('gpt-4.1-mini', (_call, request) => {
        const id = idOf(request.messages.at(-1)!.content);
        const reading = READINGS[id] ?? BAD_READINGS[id] ?? DECLINED[id];
        return reading ? { text: JSON.stringify(reading), usage: tokens } : { status: 500 };
      });
      // The second model of the chain answers no JSON at all.
      llm.script('gpt-4o-mini', () => ({ text: '죄송합니다, 답할 수 없습니다.', usage: tokens }));
      const usage = new FileUsageLedger(path.join(scratch, 'usage'));
      const deps: AskDeps = {
        ...base,
        interpreter: new QuestionModel({
          endpoint: { baseURL: llm.baseURL, apiKey: 'test', timeoutMs: 10_000 },
          chain: ['gpt-4.1-mini', 'gpt-4o-mini'],
          cache: new FileLlmCache(path.join(scratch, 'cache')),
          usage,
          prices: await loadPriceTable(path.join(PROJECT_ROOT, 'config/llm-prices.json')),
          limits: { softUsd: 100, hardUsd: 200, hardAction: 'cheapest' },
          cacheTtlMs: 3_600_000,
          now: () => ASK_NOW,
        }),
      };
      const results = await evaluate(deps);
      const report = table(results);
      t.diagnostic(`scripted model chain\n${report}`);
      console.log(`\nask evaluation, scripted model chain\n${report}\n`);
      assert.deepEqual(wrongOnes(results), []);
      for (const id of Object.keys(READINGS)) assert.equal(results.get(id)!.answer.readBy, 'gpt-4.1-mini', id);
      for (const id of Object.keys(BAD_READINGS)) assert.equal(results.get(id)!.answer.readBy, 'matcher', id);
      for (const id of Object.keys(DECLINED))
        assert.deepEqual([results.get(id)!.answer.readBy, results.get(id)!.answer.status], ['matcher', 'refused'], id);
      // Both models were asked for a question neither could read; a cached reading is not asked for again.
      const asked = llm.requests.length;
      assert.ok(llm.requests.some((r) => r.model === 'gpt-4o-mini'));
      const again = await askGraph(deps, ADMIN, cases.find((c) => c.id === 'F01')!.question);
      assert.equal(again.readBy, 'gpt-4.1-mini');
      assert.equal(llm.requests.length, asked, 'served from the cache');
      // The prompt names only the companies the question names, never the whole firm.
      const a01 = llm.requests.find((r) => idOf(r.messages.at(-1)!.content) === 'A01')!;
      const sent = JSON.parse(a01.messages.at(-1)!.content) as { companies: Array<{ id: string }> };
      assert.deepEqual(
        sent.companies.map((c) => c.id),
        ['c01-가람'],
      );
      // In the narrative's call ledger: the cost page shows the questions' spend as one line.
      const calls = await usage.recordsFor('2024-06');
      assert.ok(calls.length > 0 && calls.every((r) => r.task === 'question' && r.companyId === QUESTION_COST_KEY));
      assert.ok(calls.some((r) => r.outcome === 'ok' && r.usd > 0 && !r.cached));
      assert.ok(calls.some((r) => r.outcome === 'rejected'));
      assert.ok(calls.some((r) => r.outcome === 'failed'));
      assert.ok(calls.some((r) => r.cached));
    });

    test('over the daily budget no model is asked: the matcher answers', async () => {
      const before = llm.requests.length;
      const deps: AskDeps = {
        ...base,
        interpreter: new QuestionModel({
          endpoint: { baseURL: llm.baseURL, apiKey: 'test', timeoutMs: 10_000 },
          chain: ['gpt-4.1-mini'],
          cache: new FileLlmCache(path.join(scratch, 'cache-2')),
          usage: new FileUsageLedger(path.join(scratch, 'usage')),
          prices: await loadPriceTable(path.join(PROJECT_ROOT, 'config/llm-prices.json')),
          limits: { softUsd: 0, hardUsd: 0, hardAction: 'offline' },
          cacheTtlMs: 3_600_000,
          now: () => ASK_NOW,
        }),
      };
      const answer = await askGraph(deps, ADMIN, '이번 달 접대비 한도를 넘은 고객사는?');
      assert.equal(answer.readBy, 'matcher');
      assert.equal(answer.rows.length, 2);
      assert.equal(llm.requests.length, before);
    });
  });
});
