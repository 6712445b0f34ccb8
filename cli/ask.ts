// `npm run ask -- "질문"` asks the knowledge graph a Korean question, as the console's 질문 page does (lib/ask):
// the sentence, what the reading assumed, and the rows. `--sparql "SELECT …"` runs a read-only query instead.
// `--company ID` (repeatable) answers as a person scoped to those companies; `--json` prints the answer as JSON;
// `--now ISO` reads relative months (이번 달, 작년) against that instant instead of now.
// The graph is the configured one: GRAPHDB_URL, or the embedded GRAPH_PERSIST_FILE (stop the worker first: it is
// the only writer of that file). Every question is audit-logged with the OS user as the actor.
// Exit 0: answered; 2: refused (the reason and what can be asked are printed); 1: any error.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { askDepsFromConfig } from '../lib/ask/ask-deps';
import { askGraph, type Answer, type Asker } from '../lib/ask/ask-graph';
import { runSparql, type SparqlAnswer } from '../lib/ask/sparql-box';
import { createAuditLog } from '../lib/audit/create-audit-log';
import { loadConfig } from '../lib/config';
import { assertCompanyId } from '../lib/domain/ids';
import { graphStoreFromConfig } from '../lib/graph/create-graph-store';
import { configuredLogger } from '../lib/logging';

const USAGE = 'usage: npm run ask -- "질문" | --sparql "SELECT …"  [--company ID]... [--json] [--now ISO-8601]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      sparql: { type: 'string' },
      company: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      now: { type: 'string' },
    },
  });
  const question = positionals.join(' ').trim();
  if ((question === '') === (values.sparql === undefined)) throw new Error(USAGE);
  const now = values.now === undefined ? undefined : new Date(values.now);
  if (now && Number.isNaN(now.getTime())) throw new Error(`--now: not an instant: ${values.now}`);

  const config = loadConfig();
  const log = configuredLogger(config, process.stderr);
  const graph = graphStoreFromConfig(config, log);
  const audit = createAuditLog({ file: config.AUDIT_LOG_FILE, databaseUrl: config.DATABASE_URL, log });
  // The operator holds the store itself; --company narrows the answer as a scoped person's would be.
  const asker: Asker = { subject: `cli:${os.userInfo().username}`, role: 'admin', companies: values.company?.map(assertCompanyId) };
  try {
    const deps = { ...(await askDepsFromConfig(config, graph, { audit, log })), ...(now && { now: () => now }) };
    if (values.sparql !== undefined) {
      const answer = await runSparql(deps, asker, values.sparql);
      process.stdout.write(values.json ? `${JSON.stringify(answer, null, 2)}\n` : sparqlText(answer));
      return answer.status === 'answered' ? 0 : 2;
    }
    const answer = await askGraph(deps, asker, question);
    process.stdout.write(values.json ? `${JSON.stringify(answer, null, 2)}\n` : answerText(answer));
    return answer.status === 'answered' ? 0 : 2;
  } finally {
    await Promise.allSettled([graph.close(), audit.close()]);
  }
}

function answerText(answer: Answer): string {
  const lines = [answer.sentence, ...answer.notes.map((n) => `  · ${n}`)];
  if (answer.status === 'refused') lines.push(...(answer.examples ?? []).map((q) => `  - ${q}`));
  else {
    lines.push(`(${answer.intent}, ${answer.readBy})`);
    const header = answer.columns.map((c) => c.label);
    if (answer.rows.length > 0)
      lines.push(
        table(
          header,
          answer.rows.map((r) => answer.columns.map((c) => cell(r, c.key, c.kind))),
        ),
      );
    if (answer.truncated) lines.push(`… ${answer.rows.length}행까지 보였습니다 (ASK_MAX_ROWS).`);
  }
  return `${lines.join('\n')}\n`;
}

function sparqlText(answer: SparqlAnswer): string {
  if (answer.status === 'refused') return `거부: ${answer.reason}\n`;
  if (answer.boolean !== undefined) return `${answer.boolean}\n`;
  return `${table(
    answer.columns,
    answer.rows.map((r) => answer.columns.map((c) => r[c] ?? '')),
  )}\n${answer.truncated ? '… (ASK_MAX_ROWS)\n' : ''}`;
}

function cell(row: Answer['rows'][number], key: string, kind: string): string {
  if (key === 'company') return String(row.companyName ?? row.company ?? '');
  const value = row[key];
  if (value === undefined) return '';
  if (kind === 'won') return `${Number(value).toLocaleString('ko-KR')}원`;
  return kind === 'percent' ? `${value}%` : String(value);
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [header, ...rows].map((r) => r.join('\t')).join('\n');
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
