// The steps of review before sending that touch the report: the accountant's narrative into findings.json and the
// approval recorded beside it (the admin's overdue notice is in notify-admin.ts). Each is idempotent: a retry writes
// the same document.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { readFindingsDoc, writeFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger, documentMonth } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { DraftInput, RecordApprovalInput, ReviseNarrativeInput } from './types';
import { FailureType } from '../lib/temporal-contract';

export function createReviewActivities({ objects, audit, log }: ActivityDeps) {
  /** The draft's documents: the company-month's own, by keys derived from it. */
  const draftKeys = (input: DraftInput) => reportKeys(assertCompanyId(input.companyId), assertPeriod(input.period));

  return {
    /** The summary as the accountant rewrote it; the findings, figures and insights stay the rules' and the model's. */
    async reviseNarrative(input: ReviseNarrativeInput): Promise<void> {
      const { findings } = draftKeys(input);
      const doc = await readFindingsDoc(objects, findings);
      const editedAt = doc.narrative.editedBy?.draftVersion === input.draftVersion ? doc.narrative.editedBy.editedAt : new Date().toISOString();
      await writeFindingsDoc(objects, findings, {
        ...doc,
        narrative: { ...doc.narrative, text: input.text, editedBy: { reviewer: input.reviewer, editedAt, draftVersion: input.draftVersion } },
      });
      activityLogger(log, documentMonth(doc)).info(
        { event: 'narrative_revised', draft_version: input.draftVersion, reviewer: input.reviewer },
        'narrative revised in review',
      );
    },

    /**
     * The approval (or the deadline's unapproved send) into findings.json, after checking the PDF is the one
     * approved: delivery sends only a PDF with this digest. An unapproved send is audited here, where it happens.
     */
    async recordApproval(input: RecordApprovalInput): Promise<void> {
      const keys = draftKeys(input);
      const pdf = await objects.get(keys.pdf);
      const digest = createHash('sha256').update(pdf).digest('hex');
      if (digest !== input.approval.pdfSha256) {
        throw ApplicationFailure.nonRetryable(
          `${keys.pdf} is not draft ${input.approval.draftVersion} as reviewed (sha256 ${digest}, approved ${input.approval.pdfSha256}); start the month again`,
          FailureType.ApprovalMismatch,
        );
      }
      const doc = await readFindingsDoc(objects, keys.findings);
      await writeFindingsDoc(objects, keys.findings, { ...doc, approval: input.approval });
      const target = `${doc.companyId}/${doc.period}`;
      const details = { draftVersion: input.approval.draftVersion, sha256: digest };
      if (input.approval.reviewer === undefined) {
        await audit.append({ action: 'report.sent_unapproved', actor: 'system', role: 'system', target, outcome: 'success', details });
      }
      activityLogger(log, documentMonth(doc)).info(
        {
          event: input.approval.reviewer ? 'report_approved' : 'report_sent_unapproved',
          draft_version: input.approval.draftVersion,
          reviewer: input.approval.reviewer,
        },
        input.approval.reviewer ? 'report approved for sending' : 'review deadline passed; sending the draft unapproved',
      );
    },
  };
}
