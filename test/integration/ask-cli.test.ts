// `npm run ask` against a persisted embedded graph of the fixture firm: a question answered with its table, a
// refusal (exit 2) with what can be asked, a scoped question, the SPARQL box, and each one in the audit log.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../lib/config';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { loadAskFixtureGraph } from '../support/ask-fixture-graph';

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(PROJECT_ROOT, 'cli', 'ask.ts');
const NOW = ['--now', '2024-06-20T10:00:00+09:00'];

let dir: string;
let env: NodeJS.ProcessEnv;

async function ask(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ask-cli-'));
  const graph = new OxigraphStore({ persistFile: path.join(dir, 'graph.nq') });
  await loadAskFixtureGraph(graph);
  await graph.close();
  env = {
    ...process.env,
    GRAPHDB_URL: '',
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
    DATABASE_URL: '',
    GRAPH_PERSIST_FILE: path.join(dir, 'graph.nq'),
    AUDIT_LOG_FILE: path.join(dir, 'audit.jsonl'),
    LOG_LEVEL: 'warn',
  };
});
after(() => rm(dir, { recursive: true, force: true }));

describe('npm run ask', { timeout: 240_000 }, () => {
  test('answers with the sentence and the rows, as JSON too', async () => {
    const text = await ask('이번 달 접대비 한도를 넘은 고객사는?', ...NOW);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^2024-06 기업업무추진비\(접대비\) 한도 초과 지적사항은 2곳, 2건입니다/);
    assert.match(text.stdout, /\(주\)가람제조\t2024-06\tENT-LIMIT\tHIGH\t23,169,000원/);
    const json = await ask('(주)가람제조 접대비 추이 보여줘', '--json', ...NOW);
    const answer = JSON.parse(json.stdout) as { intent: string; rows: Array<{ period: string; net: number }> };
    assert.equal(answer.intent, 'account-trend');
    assert.deepEqual(answer.rows[0], { ...answer.rows[0], period: '2024-01', net: 3_973_000 });
  });

  test('a refusal exits 2 with what can be asked; --company answers as a scoped person', async () => {
    const refused = await ask('내일 서울 날씨 알려줘', ...NOW);
    assert.equal(refused.code, 2);
    assert.match(refused.stdout, /이번 달 접대비 한도를 넘은 고객사는\?/);
    const scoped = await ask('이번 달 접대비 한도를 넘은 고객사는?', '--company', 'c02-누리', '--json', ...NOW);
    const rows = (JSON.parse(scoped.stdout) as { rows: Array<{ company: string }> }).rows;
    assert.deepEqual(
      rows.map((r) => r.company),
      ['c02-누리'],
    );
  });

  test('the SPARQL box: SELECT answered, an update refused; all audited', async () => {
    const select = await ask('--sparql', 'SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s a <https://w3id.org/kr-tax/ontology#Ledger> } }');
    assert.equal(select.code, 0, select.stderr);
    assert.match(select.stdout, /^n\n36\n/);
    const update = await ask('--sparql', 'DROP ALL');
    assert.equal(update.code, 2);
    assert.match(update.stdout, /거부: SELECT와 ASK 질의만 실행합니다/);
    const records = (await readFile(env.AUDIT_LOG_FILE!, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; outcome: string; actor: string; details: { intent?: string; rows: number } });
    assert.deepEqual(
      records.map((r) => [r.action, r.outcome]),
      [
        ['graph.asked', 'success'],
        ['graph.asked', 'success'],
        ['graph.asked', 'failure'],
        ['graph.asked', 'success'],
        ['graph.queried', 'success'],
        ['graph.queried', 'denied'],
      ],
    );
    assert.match(records[0]!.actor, /^cli:/);
    assert.deepEqual([records[0]!.details.intent, records[0]!.details.rows], ['findings', 2]);
  });
});
