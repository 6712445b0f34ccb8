// The admin's notices of a month's runs: one per company-month that failed for a cause other than its data
// (those send their own error report), and the batch's summary. Both are idempotent by delivery id, like the
// reports: a retry or a replay finds the delivery in the mail transport's ledger and sends nothing.
import { ApplicationFailure } from '@temporalio/activity';
import type { SendMailOptions } from 'nodemailer';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { loadCompany, scanCompanyDirs } from '../lib/erp/company';
import {
  MailHeaderError,
  composeBatchSummaryMail,
  composeReviewOverdueMail,
  composeRunFailureMail,
  reportDeliveryKey,
  type MailOptions,
  type RunFailureNotice,
} from '../lib/mail/compose-report-mail';
import { MailDeliveryError, type SendResult } from '../lib/mail/mail-transport';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { BatchSummaryInput, ReviewOverdueInput, RunFailureNoticeInput } from './types';

type AdminNoticeDeps = Pick<ActivityDeps, 'config' | 'mail' | 'log' | 'audit'>;

export function createAdminNoticeActivities({ config, mail, log, audit }: AdminNoticeDeps) {
  const mailOptions = (deliveryId: string): MailOptions => {
    const to = config.ADMIN_EMAIL;
    return { firmName: config.FIRM_NAME, from: config.MAIL_FROM, to, deliveryKey: reportDeliveryKey(deliveryId, to) };
  };

  /** A permanent refusal (5xx, bad address) cannot be fixed by a retry: say so to Temporal. */
  async function send(message: SendMailOptions, deliveryKey: string): Promise<SendResult> {
    try {
      return await mail.send(message, deliveryKey);
    } catch (err) {
      if (err instanceof MailDeliveryError && !err.retryable) {
        throw ApplicationFailure.create({ type: 'MailRejected', nonRetryable: true, message: err.message });
      }
      throw err;
    }
  }

  /** The company's name from its master, or the id when it cannot be read (the failure may be that very file). */
  async function companyName(companyId: string): Promise<{ name: string; loadError?: string }> {
    try {
      return { name: (await loadCompany(config.ERP_DATA_DIR, companyId)).name };
    } catch (err) {
      return { name: companyId, loadError: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  return {
    /** Tells the admin a draft is past its review deadline, and what the firm's policy does now; audited. */
    async notifyReviewOverdue(input: ReviewOverdueInput): Promise<{ sent: boolean }> {
      const companyId = assertCompanyId(input.companyId);
      const period = assertPeriod(input.period);
      const opts = mailOptions(input.deliveryId);
      const reviewPath = `/review/${encodeURIComponent(companyId)}/${period}`;
      const notice = { ...input, companyId, period, companyName: (await companyName(companyId)).name, reviewPath };
      const sent = await send(composeReviewOverdueMail(notice, opts), opts.deliveryKey);
      await audit.append({
        action: 'report.review_escalated',
        actor: 'system',
        role: 'system',
        target: `${companyId}/${period}`,
        outcome: 'success',
        details: { draftVersion: input.draftVersion, deadlineAt: input.deadlineAt, onDeadline: input.onDeadline, alreadySent: sent.alreadySent },
      });
      activityLogger(log, { companyId, period }).warn(
        { event: 'review_overdue', draft_version: input.draftVersion, on_deadline: input.onDeadline },
        'draft past its review deadline; admin told',
      );
      return { sent: !sent.alreadySent };
    },

    /**
     * Tells the admin that a company-month failed (graph store, SMTP, Chromium, a timeout...), with the cause,
     * the run and how to run it again. Sent even when the company cannot be loaded or its ids are invalid:
     * those are failures too, and a person has to see them.
     */
    async deliverRunFailureNotice(input: RunFailureNoticeInput): Promise<{ sent: boolean }> {
      const companyId = validOrNull(assertCompanyId, input.companyId);
      const period = validOrNull(assertPeriod, input.period);
      const logger = activityLogger(log, { companyId: companyId ?? undefined, period: period ?? undefined });
      // An invalid id is shown quoted: JSON escapes every control character, so it cannot break a header.
      const shownId = companyId ?? JSON.stringify(input.companyId);
      const company = companyId ? await companyName(companyId) : { name: shownId, loadError: 'invalid company id' };
      const opts = mailOptions(input.deliveryId);
      const notice: RunFailureNotice = {
        companyId: shownId,
        companyName: company.name,
        period: period ?? String(input.period),
        errorType: input.errorType,
        cause: input.cause,
        workflowId: input.workflowId,
        runId: input.runId,
        taskQueue: config.TASK_QUEUE,
      };
      let message: SendMailOptions;
      try {
        message = composeRunFailureMail(notice, opts);
      } catch (err) {
        if (!(err instanceof MailHeaderError)) throw err;
        // A company name that would break the subject: the notice still goes out, under the id.
        logger.warn({ event: 'company_name_refused', error: err.message }, 'company name unusable in a mail header; using the id');
        message = composeRunFailureMail({ ...notice, companyName: shownId }, opts);
      }
      const sent = await send(message, opts.deliveryKey);
      logger.warn(
        {
          event: 'run_failure_notice',
          already_sent: sent.alreadySent,
          message_id: sent.messageId,
          failed_workflow_id: input.workflowId,
          failed_run_id: input.runId,
          error_type: input.errorType,
          ...(company.loadError ? { company_load_error: company.loadError } : {}),
        },
        'company-month report failed; admin notified',
      );
      return { sent: !sent.alreadySent };
    },

    /**
     * The month's batch summary for the admin: counts, then the failed, waiting and already running companies. A
     * folder under companies/ that is no company (a name that is not a company id, no company.json, a link) has no
     * run to fail: it is listed in a section of its own by its quoted name, with the reason, as of sending.
     */
    async deliverBatchSummary(input: BatchSummaryInput): Promise<{ sent: boolean }> {
      const period = assertPeriod(input.period);
      const logger = activityLogger(log, { period });
      const { skipped } = await scanCompanyDirs(config.ERP_DATA_DIR);
      // Names for the listed companies (at most a few lists' worth); an unreadable master leaves the id alone.
      const ids = [
        ...new Set([...input.failed.map((f) => f.companyId), ...input.waitingForLedger, ...(input.awaitingReview ?? []), ...input.alreadyRunning]),
      ].filter((id) => validOrNull(assertCompanyId, id) !== null);
      const names = await Promise.all(ids.map(async (id) => [id, (await companyName(id)).name] as const));
      const opts = mailOptions(input.deliveryId);
      const { counts } = input;
      const summary = { ...input, period, companyNames: Object.fromEntries(names), skippedFolders: skipped };
      const sent = await send(composeBatchSummaryMail(summary, opts), opts.deliveryKey);
      logger[counts.failed > 0 || skipped.length > 0 ? 'warn' : 'info'](
        {
          event: 'batch_summary',
          kind: input.kind,
          batch_workflow_id: input.batchWorkflowId,
          already_sent: sent.alreadySent,
          message_id: sent.messageId,
          skipped_folders: skipped.map((s) => s.name),
          listed: counts.listed,
          started: counts.started,
          succeeded: counts.succeeded,
          unchanged: counts.unchanged,
          failed: counts.failed,
          cancelled: counts.cancelled,
          already_running: counts.alreadyRunning,
          waiting_for_ledger: counts.waitingForLedger,
          awaiting_review: counts.awaitingReview,
        },
        'batch summary sent to the admin',
      );
      return { sent: !sent.alreadySent };
    },
  };
}

function validOrNull(assert: (value: unknown) => string, value: unknown): string | null {
  try {
    return assert(value);
  } catch {
    return null;
  }
}
