/**
 * The two mails of a monthly run: the customer's report and, when the ledger failed data quality,
 * the admin's error report. Header values come from client master data, so anything that could
 * start a new header line is refused here instead of trusted to the MIME encoder.
 */
import type { SendMailOptions } from 'nodemailer';
import type { Company } from '../domain/company';
import type { Finding, FindingsDocument, Severity } from '../domain/findings';
import { assertCompanyId, assertPeriod } from '../domain/ids';
import { DISCLAIMER, RISK_LEVEL_LABEL, SEVERITY_LABEL, formatReportMonth } from '../report/report-html';
import { deliveryMessageId } from './mail-transport';

export interface MailOptions {
  firmName: string;
  /** Sender address (the display name is firmName). */
  from: string;
  /** A single recipient: deliveries, and so the idempotency key, are per recipient. */
  to: string;
  /** See reportDeliveryKey; also fixes the Message-ID. */
  deliveryKey: string;
}

export interface ReportMailOptions extends MailOptions {
  pdf: Buffer;
}

export class MailHeaderError extends Error {
  override readonly name = 'MailHeaderError';
}

/** One delivery = one workflow run × one recipient. */
export function reportDeliveryKey(workflowId: string, recipient: string): string {
  return `${workflowId}|${recipient}`;
}

export function composeReportMail(doc: FindingsDocument, company: Company, opts: ReportMailOptions): SendMailOptions {
  const month = formatReportMonth(doc.period);
  const risks = doc.findings.filter((f) => f.category !== 'FILING_DEADLINE');
  const deadlines = doc.findings.length - risks.length;
  const text = [
    `${company.name} 귀하`,
    '',
    `${month} 세무 리스크 리포트를 보내 드립니다.`,
    '',
    `종합 위험도: ${RISK_LEVEL_LABEL[doc.riskLevel]} (${doc.riskLevel})`,
    `발견 사항: ${risks.length}건${severityBreakdown(risks)}`,
    `다음 달 신고·납부 일정: ${deadlines}건`,
    '',
    '자세한 내용은 첨부한 PDF를 확인해 주십시오.',
    DISCLAIMER,
    '',
    opts.firmName,
  ].join('\n');
  return {
    ...envelope(opts, `[${opts.firmName}] ${company.name} ${month} 세무 리스크 리포트`),
    text,
    attachments: [pdfAttachment(doc, 'report', opts.pdf)],
  };
}

/** Lines of the admin mail body; the full list is in the attached PDF. */
const MAX_LISTED_VIOLATIONS = 20;

export function composeDataQualityMail(doc: FindingsDocument, company: Company, opts: ReportMailOptions): SendMailOptions {
  const month = formatReportMonth(doc.period);
  const { violations, warnings, details } = doc.dataQuality;
  const listed = details.slice(0, MAX_LISTED_VIOLATIONS).map((v) => {
    const where = v.sourceLine === undefined ? v.focus : `${v.focus} ${v.sourceLine}행`;
    return `- [${v.ruleId}] ${oneLine(where)}: ${oneLine(v.message)}`;
  });
  const rest = details.length - listed.length;
  const text = [
    `${company.name} (${doc.companyId}) ${month} 장부에 데이터 품질 위반이 있어 고객 리포트를 보내지 않았습니다.`,
    `위반 ${violations}건, 경고 ${warnings}건`,
    '',
    ...listed,
    ...(rest > 0 ? [`외 ${rest}건은 첨부한 PDF를 확인해 주십시오.`] : []),
    '',
    '원장을 수정한 뒤 다시 실행해 주십시오. 재시도만으로는 해결되지 않습니다.',
  ].join('\n');
  return {
    ...envelope(opts, `[${opts.firmName}] 데이터 품질 오류: ${company.name} ${month} (위반 ${violations}건)`),
    text,
    attachments: [pdfAttachment(doc, 'data-quality-report', opts.pdf)],
  };
}

export interface LedgerMissingNotice {
  companyId: string;
  companyName: string;
  period: string;
  /** Where the file was expected, relative to ERP_DATA_DIR. */
  expectedFile: string;
  waitedHours: number;
  workflowId: string;
}

/** The admin's notice that a company's ledger did not arrive in time: no report was made for the month. */
export function composeLedgerMissingMail(notice: LedgerMissingNotice, opts: MailOptions): SendMailOptions {
  const month = formatReportMonth(notice.period);
  const text = [
    `${notice.companyName} (${notice.companyId}) ${month} 분개장이 ${notice.waitedHours}시간 안에 도착하지 않아 리포트를 만들지 않았습니다.`,
    '',
    `기다린 파일: ${notice.expectedFile}`,
    '',
    '파일을 받으면 올린 뒤 이 회사의 리포트를 다시 실행해 주십시오(같은 workflow id로 시작할 수 있습니다):',
    `  temporal workflow start --type monthlyCompanyReport --task-queue <TASK_QUEUE> --workflow-id ${notice.workflowId} --input '${JSON.stringify({ companyId: notice.companyId, period: notice.period })}'`,
  ].join('\n');
  return { ...envelope(opts, `[${opts.firmName}] 장부 미제출: ${notice.companyName} ${month}`), text };
}

function envelope(opts: MailOptions, subject: string): SendMailOptions {
  return {
    from: { name: headerValue(opts.firmName, 'firm name'), address: emailAddress(opts.from) },
    to: emailAddress(opts.to),
    subject: headerValue(subject, 'subject'),
    messageId: deliveryMessageId(opts.deliveryKey),
    // RFC 3834: tells auto-responders not to answer a machine-sent report.
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

function pdfAttachment(doc: FindingsDocument, kind: string, pdf: Buffer): NonNullable<SendMailOptions['attachments']>[number] {
  return {
    filename: `${assertCompanyId(doc.companyId)}-${assertPeriod(doc.period)}-${kind}.pdf`,
    content: pdf,
    contentType: 'application/pdf',
  };
}

const SEVERITY_ORDER: Severity[] = ['HIGH', 'MEDIUM', 'LOW'];

/** " (높음 1, 낮음 2)", or nothing when there are no rated findings. */
function severityBreakdown(findings: readonly Finding[]): string {
  const parts = SEVERITY_ORDER.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${SEVERITY_LABEL[s]} ${n}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// Control characters (CR and LF above all) would let a value end its header and start another.
const CONTROL = /[\u0000-\u001f\u007f]/;

function headerValue(value: string, what: string): string {
  if (CONTROL.test(value)) throw new MailHeaderError(`${what} contains a control character: ${JSON.stringify(value)}`);
  return value;
}

// ASCII addr-spec: dot-atom local part, a domain of LDH labels with at least one dot.
const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

function emailAddress(address: string): string {
  if (address.length > 254 || !ADDRESS.test(address)) {
    throw new MailHeaderError(`invalid e-mail address: ${JSON.stringify(address)}`);
  }
  return address;
}
