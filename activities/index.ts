// All activities of the worker, bound to their dependencies.
import { createAnalysisActivities } from './analyze-ledger';
import { createDeliveryActivities } from './deliver-report';
import type { ActivityDeps } from './deps';
import { createEtlActivities } from './extract-ledger';
import { createEarlierMonthsActivities } from './load-earlier-months';
import { createRenderActivities } from './render-report';
import { createValidationActivities } from './validate-ledger';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createEtlActivities(deps),
    ...createValidationActivities(deps),
    ...createEarlierMonthsActivities(deps),
    ...createAnalysisActivities(deps),
    ...createRenderActivities(deps),
    ...createDeliveryActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
