// Search-attribute keys shared by workflows, the schedule script and the ops tools.
// @temporalio/common is the SDK's deterministic core (the workflow package re-exports most of it, not these helpers).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CompanyIdKey = defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD);
export const PeriodKey = defineSearchAttributeKey('Period', SearchAttributeType.KEYWORD);
export const RiskLevelKey = defineSearchAttributeKey('RiskLevel', SearchAttributeType.KEYWORD);
/** Where a running report is (waiting-for-ledger, analysing, awaiting-review, delivering): the month overview's status. */
export const ReportStageKey = defineSearchAttributeKey('ReportStage', SearchAttributeType.KEYWORD);
/** Set by the server on runs started by a schedule (also on backfills): the nominal fire time. */
export const ScheduledStartTimeKey = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
