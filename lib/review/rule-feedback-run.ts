// The feedback of a period range and the proposal it makes, from the graph, the data directory's company masters
// and the shapes' parameters.ttl (rulesParametersFile): what `npm run rule-feedback` and the console page share.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';
import type { GraphStore } from '../graph/graph-store';
import { proposeThresholds, type ParametersProposal } from './rule-feedback-proposal';
import { feedbackCompanies, ruleFeedback, type FeedbackCompany, type RuleFeedback } from './rule-feedback';

/** The parameters.ttl of a shapes directory: the thresholds TaxRuleEngine.load reads and a proposal edits. */
export const rulesParametersFile = (shapesDir: string): string => path.join(shapesDir, 'tax', 'parameters.ttl');

export async function feedbackAndProposal(
  graph: GraphStore,
  { dataDir, parametersFile }: { dataDir: string; parametersFile: string },
  range: { from: string; to: string },
): Promise<{ companies: FeedbackCompany[]; feedback: RuleFeedback; proposal: ParametersProposal }> {
  const companies = await feedbackCompanies(dataDir);
  const [feedback, parameters] = await Promise.all([ruleFeedback(graph, companies, range), readFile(parametersFile, 'utf8')]);
  // The diff names the file as the repository does, so `git apply` takes it from the repository root.
  const proposal = proposeThresholds(feedback, parameters, path.relative(PROJECT_ROOT, parametersFile));
  return { companies, feedback, proposal };
}
