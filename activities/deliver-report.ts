import { createHash } from 'node:crypto';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { SendMailOptions } from 'nodemailer';
import type { Company } from '../lib/domain/company';
import type { FindingsDocument } from '../lib/domain/findings';
import { assertCompanyId, assertPeriod, InvalidIdError } from '../lib/domain/ids';
import { expectedLedgerPath, loadCompany } from '../lib/erp/company';
import {
  composeDataQualityMail,
  composeLedgerMissingMail,
  composeReportMail,
  reportDeliveryKey,
  type ReportMailOptions,
} from '../lib/mail/compose-report-mail';
import { MailDeliveryError } from '../lib/mail/mail-transport';
import { readFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import { decideVersion, findingsDigest, readDeliveredVersion, recordDeliveredVersion } from '../lib/storage/report-versions';
import { activityLogger, companyMonth } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { DeliverInput, DeliverResult, LedgerMissingInput } from './types';
import { FailureType } from '../lib/temporal-contract';

/** A reviewed report goes out only as the PDF its reviewer approved (or the deadline policy sent). */
function assertApproved({ doc, pdf }: Letter): void {
  const approved = doc.approval?.pdfSha256;
  if (approved === undefined) return;
  const digest = createHash('sha256').update(pdf).digest('hex');
  if (digest !== approved) {
    throw ApplicationFailure.nonRetryable(
      `${doc.companyId} ${doc.period}: the PDF (sha256 ${digest}) is not the approved draft ${doc.approval!.draftVersion} (sha256 ${approved}); start the month again`,
      FailureType.ApprovalMismatch,
    );
  }
}

type Compose = (doc: FindingsDocument, company: Company, opts: ReportMailOptions) => SendMailOptions;

interface Letter {
  company: Company;
  doc: FindingsDocument;
  pdf: Buffer;
}

export function createDeliveryActivities({ config, objects, mail, log }: ActivityDeps) {
  /**
   * The company-month's own documents, by keys derived from the company and period (a forged or mixed-up input
   * cannot name another company's report), and the findings must say so too.
   */
  async function readLetter(input: DeliverInput, kind: 'report' | 'dataQuality'): Promise<Letter> {
    const companyId = assertCompanyId(input.companyId);
    const keys = reportKeys(companyId, input.period);
    const [findingsKey, pdfKey] = kind === 'report' ? [keys.findings, keys.pdf] : [keys.dataQualityFindings, keys.errorReport];
    const [company, doc, pdf] = await Promise.all([
      loadCompany(config.ERP_DATA_DIR, companyId),
      readFindingsDoc(objects, findingsKey),
      objects.get(pdfKey),
    ]);
    if (doc.companyId !== companyId || doc.period !== input.period) {
      throw new InvalidIdError(`${findingsKey} holds ${doc.companyId} ${doc.period}, not ${companyId} ${input.period}`);
    }
    return { company, doc, pdf };
  }

  /**
   * Sends one message per recipient. The transport's delivery ledger, keyed by (delivery id, recipient),
   * makes a retry after a partial send, a worker crash or a replay skip what already went out.
   */
  async function deliver(
    input: DeliverInput,
    { company, doc, pdf }: Letter,
    compose: Compose,
    recipients: (c: Company) => string[],
    version?: number,
  ): Promise<DeliverResult> {
    const logger = activityLogger(log, companyMonth(company, assertPeriod(input.period)));
    const result: DeliverResult = { recipients: 0, sent: 0, alreadySent: 0, messageIds: [], outboxPaths: [], version };
    // Version 1 keeps the key runs have always used, so months delivered before versions existed are not resent.
    const deliveryId = version !== undefined && version > 1 ? `${input.deliveryId}/v${version}` : input.deliveryId;
    for (const to of recipients(company)) {
      const deliveryKey = reportDeliveryKey(deliveryId, to);
      const message = compose(doc, company, { firmName: config.FIRM_NAME, from: config.MAIL_FROM, to, deliveryKey, pdf, version });
      try {
        const sent = await mail.send(message, deliveryKey);
        result.recipients++;
        result[sent.alreadySent ? 'alreadySent' : 'sent']++;
        result.messageIds.push(sent.messageId);
        if (sent.outboxPath) result.outboxPaths.push(sent.outboxPath);
        logger.info({ event: 'email_sent', already_sent: sent.alreadySent, message_id: sent.messageId }, 'report delivered');
      } catch (err) {
        if (err instanceof MailDeliveryError && !err.retryable) {
          logger.error({ event: 'email_rejected', smtp_code: err.responseCode, error: err.message }, 'delivery rejected');
          throw ApplicationFailure.create({ type: 'MailRejected', nonRetryable: true, message: err.message });
        }
        logger.warn({ event: 'email_retry', error: String(err) }, 'delivery failed; Temporal will retry');
        throw err;
      }
    }
    return result;
  }

  return {
    /**
     * The customer's report, versioned: a re-run of a delivered month sends nothing if its findings are the same,
     * and a correction (정정본) as the next version if they changed. Each sent version is archived as sent.
     */
    async deliverReport(input: DeliverInput): Promise<DeliverResult> {
      const letter = await readLetter(input, 'report');
      assertApproved(letter);
      const digest = findingsDigest(letter.doc);
      const runId = Context.current().info.workflowExecution?.runId ?? input.deliveryId;
      const decision = decideVersion(await readDeliveredVersion(objects, letter.doc.companyId, letter.doc.period), digest, runId);
      if (!decision.send) {
        activityLogger(log, companyMonth(letter.company, letter.doc.period)).info(
          { event: 'report_unchanged', version: decision.version },
          'findings as delivered; nothing sent',
        );
        return { recipients: 0, sent: 0, alreadySent: 0, messageIds: [], outboxPaths: [], version: decision.version, unchanged: true };
      }
      const result = await deliver(input, letter, composeReportMail, (c) => c.reportRecipients, decision.version);
      await recordDeliveredVersion(objects, letter.doc, letter.pdf, {
        version: decision.version,
        digest,
        runId,
        deliveredAt: new Date().toISOString(),
      });
      return { ...result, unchanged: false };
    },
    deliverDataQualityReport: async (input: DeliverInput) =>
      deliver(input, await readLetter(input, 'dataQuality'), composeDataQualityMail, () => [config.ADMIN_EMAIL]),

    /** Tells the admin a company's ledger did not arrive by the deadline; idempotent by delivery id like the reports. */
    async deliverLedgerMissingNotice(input: LedgerMissingInput): Promise<{ sent: boolean }> {
      const companyId = assertCompanyId(input.companyId);
      const period = assertPeriod(input.period);
      const company = await loadCompany(config.ERP_DATA_DIR, companyId);
      const to = config.ADMIN_EMAIL;
      const deliveryKey = reportDeliveryKey(input.deliveryId, to);
      const message = composeLedgerMissingMail(
        {
          companyId,
          companyName: company.name,
          period,
          expectedFile: path.relative(config.ERP_DATA_DIR, expectedLedgerPath(config.ERP_DATA_DIR, companyId, period)),
          waitedHours: Math.round(input.waitedMs / 3_600_000),
          workflowId: input.deliveryId.split('/')[0]!,
        },
        { firmName: config.FIRM_NAME, from: config.MAIL_FROM, to, deliveryKey },
      );
      const sent = await mail.send(message, deliveryKey);
      activityLogger(log, companyMonth(company, period)).warn(
        { event: 'ledger_missing_notice', already_sent: sent.alreadySent, message_id: sent.messageId },
        'ledger did not arrive; admin notified',
      );
      return { sent: !sent.alreadySent };
    },
  };
}
