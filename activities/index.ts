// All activities, grouped by the worker role (task queue) that runs them.
import { createAnalysisActivities } from './analyze-ledger';
import { createDeliveryActivities } from './deliver-report';
import type { ActivityDeps } from './deps';
import { createEtlActivities } from './extract-ledger';
import { createEarlierMonthsActivities } from './load-earlier-months';
import { createRenderActivities } from './render-report';
import { createReviewActivities } from './review-report';
import { createSemanticSearchActivities } from './search-by-meaning';
import { createValidationActivities } from './validate-ledger';
import { createAdminNoticeActivities } from './notify-admin';
import { createNarrativeActivities } from './write-narrative';

export function createActivities(deps: ActivityDeps) {
  const { callNarrativeModel, ...narrative } = createNarrativeActivities(deps);
  return {
    /** Graph, analysis and delivery work, beside the workflows on TASK_QUEUE. */
    orchestration: {
      ...createEtlActivities(deps),
      ...createValidationActivities(deps),
      ...createEarlierMonthsActivities(deps),
      ...createAnalysisActivities(deps),
      ...createDeliveryActivities(deps),
      ...createAdminNoticeActivities(deps),
      ...createReviewActivities(deps),
      ...narrative,
    },
    /** Model calls (narrative parts, embeddings), on `<TASK_QUEUE>-llm`: rate and concurrency limited apart from the rest. */
    llm: { callNarrativeModel, ...createSemanticSearchActivities(deps) },
    /** Chromium, on `<TASK_QUEUE>-render`: CPU-bound, scaled apart from the rest. */
    render: createRenderActivities(deps),
  };
}

type Groups = ReturnType<typeof createActivities>;
export type Activities = Groups['orchestration'] & Groups['llm'] & Groups['render'];
export type { ActivityDeps } from './deps';
