// `npm run rule-feedback -- [--from YYYY-MM --to YYYY-MM] [--data-dir DIR] [--out DIR] [--no-effect]`
// Per rule and threshold band, what the accountants made of the findings of the range (default: the 12 months up to
// last month), firm-wide and per industry; proposed threshold changes as a diff of shapes/tax/parameters.ttl; and
// (unless --no-effect) how last year's findings would change, from the same analysis as `npm run analyze`.
// Reviews come from the configured graph: GRAPHDB_URL, or the embedded GRAPH_PERSIST_FILE (stop the worker first:
// it is the only writer of that file and may be half-way through a write). Never writes shapes/.
// Exit 0: report printed (and written to --out); 1: any error.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { assertPeriod } from '../lib/domain/ids';
import { graphStoreFromConfig } from '../lib/graph/create-graph-store';
import { lastTwelveMonths } from '../lib/review/rule-feedback';
import { proposalEffect } from '../lib/review/rule-feedback-effect';
import { feedbackMarkdown } from '../lib/review/rule-feedback-report';
import { feedbackAndProposal, rulesParametersFile } from '../lib/review/rule-feedback-run';

const USAGE = 'usage: npm run rule-feedback -- [--from YYYY-MM --to YYYY-MM] [--data-dir DIR] [--out DIR] [--no-effect]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      'no-effect': { type: 'boolean', default: false },
    },
  });
  if ((values.from === undefined) !== (values.to === undefined)) throw new Error(USAGE);
  const range = values.from && values.to ? { from: assertPeriod(values.from), to: assertPeriod(values.to) } : lastTwelveMonths();
  const config = loadConfig({ ...process.env, ...(values['data-dir'] && { ERP_DATA_DIR: path.resolve(values['data-dir']) }) });

  const files = { dataDir: config.ERP_DATA_DIR, parametersFile: rulesParametersFile(config.SHAPES_DIR) };
  const graph = graphStoreFromConfig(config);
  const { companies, feedback, proposal } = await feedbackAndProposal(graph, files, range).finally(() => graph.close());
  // Without a proposal both runs would be the same run.
  const rerun = !values['no-effect'] && proposal.proposals.length > 0;
  const effect = rerun
    ? await proposalEffect(
        config,
        companies.map((c) => c.id),
        range,
        proposal.parameters,
      )
    : undefined;
  const report = feedbackMarkdown(feedback, proposal, effect);

  process.stdout.write(report);
  if (values.out) {
    const out = path.resolve(values.out);
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'rule-feedback.md'), report);
    await writeFile(path.join(out, 'parameters.diff'), proposal.diff);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
