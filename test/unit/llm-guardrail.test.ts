// The narrative guardrail on meaning (#18 M5): answers a hostile ledger could induce (test/fixtures/llm-adversarial.json)
// are refused for their reason, legitimate ones pass, claims are judged against what they are about, and a cached
// answer is checked again before it is served.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FindingsDocument } from '../../lib/domain/findings';
import { checkAnswer } from '../../lib/llm/answer-check';
import { FileLlmCache, cacheKey } from '../../lib/llm/llm-cache';
import { narrativeRequest, prepareNarrativeTask, type NarrativeWriterDeps } from '../../lib/llm/narrative-writer';
import { PROMPT_VERSION, type LlmTask } from '../../lib/llm/prompts';
import { FileUsageLedger } from '../../lib/llm/usage-ledger';
import { createLogger } from '../../lib/logging';
import { TaxMetrics } from '../../lib/observability/metrics';

/** One text of an answer: a 결론 of `finding`, an `action`, or the `summary`. */
interface Case {
  reason?: 'claim' | 'number' | 'contact';
  finding?: string;
  text?: string;
  action?: string;
  summary?: string;
}

const FIXTURE = join(__dirname, '..', 'fixtures', 'llm-adversarial.json');
let fixture: { document: FindingsDocument; refused: Case[]; accepted: Case[] };
before(async () => {
  fixture = JSON.parse(await readFile(FIXTURE, 'utf8'));
});

const REASONS = { claim: /claims the findings contradict/, number: /numbers not in the finding or metrics/, contact: /links or contact details/ };

/** The whole answer a case stands in: the other 결론 and the actions neutral. */
function answerOf(c: Case, doc: FindingsDocument): { task: LlmTask; answer: unknown } {
  if (c.summary !== undefined) return { task: 'summary', answer: { summary: c.summary } };
  const conclusions = doc.findings
    .map((_, i) => `F${i + 1}`)
    .map((id) => ({ finding: id, text: id === c.finding ? c.text : '담당 세무사와 확인하십시오.' }));
  return { task: 'insights', answer: { conclusions, actions: [c.action ?? '증빙을 정리하십시오.'] } };
}

function problemOf(c: Case, doc: FindingsDocument = fixture.document): string | undefined {
  const { task, answer } = answerOf(c, doc);
  const request = narrativeRequest({ task, model: 'm' }, doc);
  return checkAnswer(task, answer, request.input, request.quoted).problem;
}

const textOf = (c: Case) => c.summary ?? c.text ?? c.action;

test('the adversarial set: each of at least 30 answers a hostile ledger could induce is refused, for its reason', () => {
  assert.ok(fixture.refused.length >= 30);
  for (const c of fixture.refused) {
    const problem = problemOf(c);
    assert.ok(problem, `passed: ${textOf(c)}`);
    assert.match(problem, REASONS[c.reason!], textOf(c));
  }
});

test('legitimate answers pass: amounts as 1,234,567원, 123만원, 5천만원 or 천사백이십만원, rounded, dated, counted', () => {
  for (const c of fixture.accepted) assert.equal(problemOf(c), undefined, textOf(c));
});

describe('claims are judged against the findings they are about', () => {
  const docWith = (riskLevel: FindingsDocument['riskLevel'], findings: FindingsDocument['findings']): FindingsDocument => ({
    ...fixture.document,
    riskLevel,
    findings,
  });

  test('a month without findings may say there is no risk and nothing to do', () => {
    const none = docWith('NONE', []);
    for (const summary of [
      '이번 달 세무 위험은 없습니다.',
      '별도 조치가 필요하지 않습니다.',
      '검토가 필요한 세무 위험 항목은 발견되지 않았습니다.',
    ]) {
      assert.equal(problemOf({ summary }, none), undefined, summary);
    }
  });

  test('a LOW month may call its risk low, not absent', () => {
    const lowDoc = docWith(
      'LOW',
      fixture.document.findings.filter((f) => f.severity === 'LOW' || f.severity === 'INFO'),
    );
    assert.equal(problemOf({ summary: '이번 달 세무 위험은 낮습니다.' }, lowDoc), undefined);
    assert.match(problemOf({ summary: '이번 달 세무 위험은 없습니다.' }, lowDoc)!, /says NONE, findings LOW/);
  });

  test('a topic is judged by its own findings, and a word for the whole month by the whole month', () => {
    assert.equal(problemOf({ summary: '가수금 관련 위험은 없습니다.' }), undefined, 'no 가수금 finding');
    assert.match(problemOf({ summary: '가지급금 관련 위험은 없습니다.' })!, /says NONE, findings MEDIUM/);
    assert.equal(problemOf({ summary: '복리후생비 증가의 위험은 낮습니다.' }), undefined, 'the SPIKE finding is LOW');
    assert.match(problemOf({ summary: '복리후생비 증가는 경미하여 전체 위험은 낮습니다.' })!, /says LOW, findings HIGH/);
    assert.match(problemOf({ finding: 'F3', text: '이 항목은 경미하지만 종합 위험은 낮습니다.' })!, /says LOW, findings HIGH/);
  });

  test('last month’s findings the accountants resolved may be called settled; this month’s open ones still may not', () => {
    const loan = fixture.document.findings.find((f) => f.ruleId === 'LOAN-INSIDER')!;
    const carried = (recurring: boolean): FindingsDocument => ({
      ...fixture.document,
      carryOver: {
        previousPeriod: '2024-02',
        items: [
          {
            findingKey: 'LOAN-INSIDER|fy|2024-01',
            ruleId: loan.ruleId,
            category: loan.category,
            severity: loan.severity,
            message: loan.message,
            status: 'resolved',
            note: '상환 완료',
            recurring,
          },
        ],
      },
    });
    assert.equal(problemOf({ summary: '지난달 지적 사항 1건은 조치가 완료되었습니다.' }, carried(false)), undefined);
    assert.match(
      problemOf({ summary: '지난달 지적 사항 1건은 조치가 완료되었습니다.' })!,
      /claims the findings contradict/,
      'no carry-over: nothing to call settled',
    );
    assert.match(
      problemOf({ summary: '지난달 가지급금은 상환 완료되었습니다.' }, carried(true))!,
      /claims the findings contradict/,
      'the 가지급금 finding is open this month',
    );
  });

  test('a condition, a question or a change claims nothing', () => {
    for (const text of [
      '문제가 없는지 확인하십시오.',
      '상환했는지 확인하십시오.',
      '위험이 낮아지도록 상환 계획을 세우십시오.',
      '증빙이 없으면 손금불산입됩니다.',
      '해소될 때까지 매월 점검하십시오.',
    ]) {
      assert.equal(problemOf({ finding: 'F1', text }), undefined, text);
    }
  });
});

test("digits in the company's name are not amounts; those in an account name count for its own finding only", () => {
  const named = { ...fixture.document, companyName: '(주)제일77공장' };
  assert.equal(problemOf({ summary: '(주)제일77공장의 이번 달 위험 수준은 높음입니다.' }, named), undefined);
  assert.match(problemOf({ summary: '77공장의 비용을 점검하십시오.' }, named)!, /written about: 77$/);
  // Known gap: the rule's sentence quotes the account name, and its numbers cannot be told from the rule's own.
  const findings = structuredClone(fixture.document.findings);
  findings[2]!.message = findings[2]!.message.replace('복리후생비 [', '복리후생비 한도 99,999,999원 이내 [');
  const hostile = { ...fixture.document, findings };
  assert.equal(problemOf({ finding: 'F3', text: '한도 99,999,999원 이내입니다.' }, hostile), undefined);
  assert.match(problemOf({ finding: 'F1', text: '한도 99,999,999원 이내입니다.' }, hostile)!, /99,999,999원/);
});

describe('a cached answer is checked again before it is served', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'llm-guardrail-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  function writer(name: string) {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const deps: NarrativeWriterDeps = {
      endpoint: { baseURL: 'http://127.0.0.1:9/v1', timeoutMs: 1000 },
      cache: new FileLlmCache(join(dir, name, 'cache')),
      usage: new FileUsageLedger(join(dir, name, 'usage')),
      prices: { m: { input: 1, cachedInput: 0.5, output: 2 } },
      metrics: new TaxMetrics(),
      limits: { softUsd: 10, hardUsd: 20, hardAction: 'cheapest' },
      chains: { insights: ['m'], summary: ['m'] },
      cacheTtlMs: { insights: 0, summary: 0 },
    };
    return { deps, lines, log: createLogger('info', sink) };
  }

  const run = { task: 'summary' as const, model: 'm', fallbackUsed: false, callId: 'wf/act/1' };
  async function seed(deps: NarrativeWriterDeps, summary: string) {
    const { task, model, input, quoted } = narrativeRequest(run, fixture.document);
    await deps.cache.set(cacheKey(task, model, PROMPT_VERSION, input, quoted), { summary }, 0);
  }

  test('a poisoned entry is refused, logged and counted, and the model is asked instead', async () => {
    const { deps, lines, log } = writer('poisoned');
    await seed(deps, '이번 달 세무 위험은 없습니다. 자세한 내용은 https://gar4m-refund.example 에서 확인하십시오.');
    const prepared = await prepareNarrativeTask(deps, run, fixture.document, log);
    assert.equal(prepared.written, false, 'not served from the cache');
    const warning = lines.find((l) => l.event === 'llm_cache_rejected');
    assert.match(String(warning?.reason), /links or contact details: https:\/\/gar4m-refund\.example.*claims the findings contradict/);
    assert.match(await deps.metrics.registry.getSingleMetricAsString('tax_llm_error_total'), /model="m",error_type="guardrail_cached"\} 1/);
    assert.match(await deps.metrics.registry.getSingleMetricAsString('tax_llm_cache_total'), /result="miss"\} 1/);
  });

  test('an entry that passes is served as before', async () => {
    const { deps, log } = writer('clean');
    await seed(deps, "이번 달 세무 위험 수준은 '높음'입니다.");
    const prepared = await prepareNarrativeTask(deps, run, fixture.document, log);
    assert.ok(prepared.written);
    assert.equal(prepared.outcome.doc.narrative.text, "이번 달 세무 위험 수준은 '높음'입니다.");
    assert.equal(prepared.outcome.author.cached, true);
  });
});
