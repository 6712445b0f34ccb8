// Search by meaning with the roles split as the chart splits them: the orchestration role (workflows, graph, findings,
// call ledger) has no OpenAI key; the llm role, a process of its own with the key and nothing else, embeds. Only
// texts and the nearest neighbours cross the history; the orchestration role applies and meters them.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ApplyGroundingInput } from '../../activities/types';
import type { SemanticSearchReply, SemanticSearchRequest } from '../../lib/llm/semantic-search';
import { FileUsageLedger } from '../../lib/llm/usage-ledger';
import { readFindings } from '../support/artifacts';
import { narrativeReply, startFakeOpenAi, taxWordEmbedding, type FakeOpenAi } from '../../dev/servers/fake-openai';
import { startHarness, type Harness } from '../support/temporal-harness';
import { registerTestSecret } from '../../dev/test-secrets';
import { workerProcess, type WorkerProcess } from '../support/worker-process';

const LLM_KEY = registerTestSecret('sk-llm-role-only');
let llm: FakeOpenAi;
let h: Harness;
let llmDir: string;
let roles: WorkerProcess[] = [];

before(async () => {
  llm = await startFakeOpenAi();
  llm.scriptEmbeddings('roles-embed', taxWordEmbedding);
  for (const model of ['roles-strong', 'roles-cheap']) llm.script(model, (_, r) => ({ text: narrativeReply(r) }));
  const models = { OPENAI_BASE_URL: llm.baseURL, LLM_INSIGHT_MODELS: 'roles-strong', LLM_SUMMARY_MODELS: 'roles-cheap' };
  // The orchestration role as the chart gives it: the endpoint and the model names, no key.
  h = await startHarness({ WORKER_ROLE: 'orchestration', LLM_EMBEDDING_MODEL: 'roles-embed', ...models });
  const queue = { TEMPORAL_ADDRESS: h.server.address, TASK_QUEUE: h.config.TASK_QUEUE };
  // The llm role: the key and the endpoint; every path it could write to is in a directory of its own.
  llmDir = await mkdtemp(path.join(tmpdir(), 'llm-role-'));
  const own = (name: string) => path.join(llmDir, name);
  roles = [
    workerProcess({
      ...queue,
      ...models,
      WORKER_ROLE: 'llm',
      OPENAI_API_KEY: LLM_KEY,
      ERP_DATA_DIR: own('erp'),
      REPORT_STORE_DIR: own('reports'),
      OUTBOX_DIR: own('outbox'),
      LLM_CACHE_DIR: own('llm-cache'),
      LLM_USAGE_DIR: own('llm-usage'),
      AUDIT_LOG_FILE: own('audit/audit.jsonl'),
    }),
    workerProcess({ ...queue, WORKER_ROLE: 'render', REPORT_STORE_DIR: h.config.REPORT_STORE_DIR, AUDIT_LOG_FILE: h.config.AUDIT_LOG_FILE }),
  ];
  await Promise.all(roles.map((r) => r.start()));
});
after(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await h?.stop();
  await llm?.close();
  if (llmDir) await rm(llmDir, { recursive: true, force: true });
});

async function runMonth(workflowId: string, companyId: string, period: string) {
  const result = await h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId,
    args: [{ companyId, period }],
  });
  return readFindings(path.join(h.config.REPORT_STORE_DIR, result.findingsKey));
}

/** A run's activities as its history holds them: type, task queue, input, and the result's payload when completed. */
async function activities(workflowId: string) {
  const events = (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a) return [];
    const completed = events.find((c) => String(c.activityTaskCompletedEventAttributes?.scheduledEventId) === String(e.eventId));
    const failed = events.find((c) => String(c.activityTaskFailedEventAttributes?.scheduledEventId) === String(e.eventId));
    return [
      {
        type: a.activityType!.name!,
        queue: a.taskQueue!.name!,
        input: defaultPayloadConverter.fromPayload<unknown>(a.input!.payloads![0]!),
        result: completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0],
        failure: failed?.activityTaskFailedEventAttributes?.failure,
      },
    ];
  });
}

const embeddingRequests = () => llm.requests.filter((r) => r.path.endsWith('/embeddings'));

test('the llm role embeds with its key; the orchestration role, without one, grounds, applies and meters', async () => {
  const findings = await runMonth('roles-c03-2024-04', 'c03-다솜', '2024-04');

  const steps = await activities('roles-c03-2024-04');
  const grounding = steps.slice(
    steps.findIndex((s) => s.type === 'groundNarrative'),
    steps.findIndex((s) => s.type === 'applyGrounding') + 1,
  );
  assert.deepEqual(
    grounding.map((s) => [s.type, s.queue]),
    [
      ['groundNarrative', h.config.TASK_QUEUE],
      ['rankByMeaning', `${h.config.TASK_QUEUE}-llm`],
      ['applyGrounding', h.config.TASK_QUEUE],
    ],
  );
  // Texts in, neighbours out: no vector crosses the history.
  const request = grounding[1]!.input as SemanticSearchRequest;
  assert.equal(request.model, 'roles-embed');
  assert.equal(request.findings.length, findings.findings.length);
  assert.ok(request.articles.length > 0 && request.memos.length > 0);
  const reply = defaultPayloadConverter.fromPayload<SemanticSearchReply>(grounding[1]!.result!);
  assert.deepEqual(Object.keys(reply).sort(), ['related', 'usage']);
  assert.ok(grounding[1]!.result!.data!.length < 4_096, `the reply is ${grounding[1]!.result!.data!.length} bytes`);

  // The requests reached the model server from the llm role: every one carries its key, none the keyless default.
  const embedded = embeddingRequests();
  assert.ok(embedded.length >= 1 && embedded.every((r) => r.model === 'roles-embed'));
  assert.deepEqual(
    embedded.flatMap((r) => r.input ?? []).sort(),
    [...new Set([...request.findings.map((f) => f.text), ...request.articles.map((a) => a.text), ...request.memos])].sort(),
  );
  assert.deepEqual([...new Set(llm.requests.map((r) => r.authorization))], [`Bearer ${LLM_KEY}`], 'the orchestration role made no model call');

  const related = findings.grounding!.related!;
  assert.equal(related.length, findings.findings.length);
  const loan = findings.findings.findIndex((f) => f.ruleId === 'LOAN-INSIDER');
  assert.equal(related[loan]!.articles.length, 2);
  assert.ok(!related[loan]!.articles.includes('CITA-ED-89-3'), 'an article linked to the rule is not repeated as related');
  assert.ok(related.every((r) => r.memos.length > 0));
  const ids = new Set(findings.grounding!.articles.map((a) => a.id));
  assert.ok(
    related.every((r) => r.articles.every((id) => ids.has(id))),
    'articles found by meaning joined the prompt',
  );
  assert.ok(findings.grounding!.articles.some((a) => a.rules.length === 0));

  // Metered beside the workflows, from the usage the llm role reported.
  const usage = (await new FileUsageLedger(h.config.LLM_USAGE_DIR).recordsFor('2024-04')).filter((u) => u.task === 'embeddings');
  assert.deepEqual(
    usage.map((u) => [u.companyId, u.model, u.estimated, u.outcome]),
    [['c03-다솜', 'roles-embed', true, 'ok']],
  );
  assert.equal(usage[0]!.inputTokens, reply.usage.sentTokens);
  assert.ok(reply.usage.sentTokens > 0);
  assert.match(await h.metrics.registry.getSingleMetricAsString('tax_llm_tokens_total'), /model="roles-embed",type="input"\} [1-9]/);

  // The llm role wrote nothing: it has no volume to write to.
  assert.deepEqual(await readdir(llmDir, { recursive: true }), []);
});

test("the next company's search re-sends no article text: the llm worker keeps the vectors", async () => {
  const sent = embeddingRequests().length;
  const findings = await runMonth('roles-c05-2024-04', 'c05-새봄', '2024-04');
  const steps = await activities('roles-c05-2024-04');
  const request = steps.find((s) => s.type === 'rankByMeaning')!.input as SemanticSearchRequest;
  const inputs = embeddingRequests()
    .slice(sent)
    .flatMap((r) => r.input ?? []);
  assert.ok(inputs.length > 0);
  assert.ok(
    request.articles.every((a) => !inputs.includes(a.text)),
    'every article came from the cache',
  );
  const applied = steps.find((s) => s.type === 'applyGrounding')!.input as ApplyGroundingInput;
  assert.ok(applied.usage.hits >= request.articles.length);
  assert.equal(findings.grounding!.related!.length, findings.findings.length);
});

test('an embeddings endpoint failing past its retries leaves the grounding without the search, and the report goes out', async () => {
  llm.scriptEmbeddings('roles-embed', { status: 503 });
  const sent = embeddingRequests().length;
  const findings = await runMonth('roles-c02-2024-02', 'c02-누리', '2024-02');
  assert.equal(embeddingRequests().length - sent, 3, 'three attempts on the LLM queue');
  const steps = await activities('roles-c02-2024-02');
  const search = steps.find((s) => s.type === 'rankByMeaning')!;
  assert.equal(search.failure?.applicationFailureInfo?.type, 'LlmUnavailable');
  assert.ok(!steps.some((s) => s.type === 'applyGrounding'));
  assert.ok(findings.grounding!.articles.length > 0, 'the graph grounding stands');
  assert.equal(findings.grounding!.related, undefined);
  const usage = await new FileUsageLedger(h.config.LLM_USAGE_DIR).recordsFor('2024-02');
  assert.ok(!usage.some((u) => u.task === 'embeddings'), 'a failed search is not metered');
  assert.ok(findings.narrative.insights, 'the narrative was written on');
});
