/**
 * The mails of a monthly run: the customer's report and, when the ledger failed data quality,
 * the admin's error report; the admin's notices of a missing ledger and of a failed run, and the batch
 * summary. Header values come from client master data, so anything that could start a new header line is
 * refused here instead of trusted to the MIME encoder.
 */
import type { SendMailOptions } from 'nodemailer';
import type { BatchCounts, BatchSummaryKind, CompanyFailure } from '../domain/batch';
import type { Company } from '../domain/company';
import type { Finding, FindingsDocument, Severity } from '../domain/findings';
import { assertCompanyId, assertPeriod } from '../domain/ids';
import { DISCLAIMER, RISK_LEVEL_LABEL, SEVERITY_LABEL } from '../report/report-labels';
import { formatReportMonth } from '../report/report-format';
import { deliveryMessageId } from './mail-transport';
import { WORKFLOW_TYPES } from '../temporal-contract';

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
  /** The report's version: above 1 the mail is a correction (정정본) that replaces the one sent before. */
  version?: number;
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
  const correction = (opts.version ?? 1) > 1;
  const text = [
    `${company.name} 귀하`,
    '',
    correction
      ? `${month} 세무 리스크 리포트의 정정본(제${opts.version}판)을 보내 드립니다. 앞서 보내 드린 리포트 대신 이 리포트를 보아 주십시오.`
      : `${month} 세무 리스크 리포트를 보내 드립니다.`,
    '',
    `종합 위험도: ${RISK_LEVEL_LABEL[doc.riskLevel]} (${doc.riskLevel})`,
    `발견 사항: ${risks.length}건${severityBreakdown(risks)}`,
    `다음 달 신고·납부 일정: ${deadlines}건`,
    '',
    '자세한 내용은 첨부한 PDF를 확인해 주십시오.',
    ...(doc.approval?.reviewer ? ['담당 세무사가 검토하고 승인한 리포트입니다.'] : []),
    DISCLAIMER,
    '',
    opts.firmName,
  ].join('\n');
  return {
    ...envelope(opts, `[${opts.firmName}] ${correction ? '[정정본] ' : ''}${company.name} ${month} 세무 리스크 리포트`),
    text,
    attachments: [pdfAttachment(doc, correction ? `report-v${opts.version}` : 'report', opts.pdf)],
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
    rerunCommand(notice.workflowId, notice.companyId, notice.period),
  ].join('\n');
  return { ...envelope(opts, `[${opts.firmName}] 장부 미제출: ${notice.companyName} ${month}`), text };
}

export interface ReviewOverdueNotice {
  companyId: string;
  companyName: string;
  period: string;
  draftVersion: number;
  deadlineAt: string;
  onDeadline: 'hold' | 'send';
  workflowId: string;
  /** The console's review page of the company-month. */
  reviewPath: string;
}

/** The admin's notice that a draft waited past the review deadline, and what the firm's policy does now. */
export function composeReviewOverdueMail(notice: ReviewOverdueNotice, opts: MailOptions): SendMailOptions {
  const month = formatReportMonth(notice.period);
  const text = [
    `${notice.companyName} (${notice.companyId}) ${month} 리포트 초안(제${notice.draftVersion}안)이 검토 기한(${notice.deadlineAt})까지 승인되지 않았습니다.`,
    '',
    notice.onDeadline === 'send'
      ? '회사 정책(REVIEW_DEADLINE_POLICY=send)에 따라 이 초안을 승인 없이 고객에게 보냅니다. 발송 기록에 미승인 발송으로 남습니다.'
      : '회사 정책(REVIEW_DEADLINE_POLICY=hold)에 따라 승인될 때까지 보내지 않고 기다립니다. 담당 세무사에게 검토를 요청해 주십시오.',
    '',
    `검토 화면: 콘솔 ${notice.reviewPath}`,
    `Workflow ID: ${notice.workflowId}`,
    `초안 조회: temporal workflow query --workflow-id ${notice.workflowId} --name draft`,
    '',
    `대응 절차: ${runbook('report-review-overdue.md')}`,
  ].join('\n');
  return { ...envelope(opts, `[${opts.firmName}] 검토 기한 경과: ${notice.companyName} ${month}`), text };
}

/** Where the runbooks live, relative to the repository root; the mails name a page (and section) under it. */
export const RUNBOOK_BASE = 'docs/runbooks/';

function runbook(page: string): string {
  return `${RUNBOOK_BASE}${page}`;
}

/** The `temporal workflow start` line that runs a company-month again under its own workflow id. */
function rerunCommand(workflowId: string, companyId: string, period: string, taskQueue = '<TASK_QUEUE>'): string {
  return `  temporal workflow start --type monthlyCompanyReport --task-queue ${taskQueue} --workflow-id ${workflowId} --input '${JSON.stringify({ companyId, period })}'`;
}

/** `temporal workflow list` of the month's company runs in one execution status. */
function visibilityQuery(period: string, status: 'Failed' | 'Running' | 'Canceled'): string {
  return `  temporal workflow list --query "WorkflowType='${WORKFLOW_TYPES.companyReport}' AND Period='${assertPeriod(period)}' AND ExecutionStatus='${status}'"`;
}

/** Longest error message quoted in a mail: the rest is in the run's history. */
const MAX_CAUSE_CHARS = 500;

export interface RunFailureNotice {
  companyId: string;
  /** The company's name, or its id when the company master could not be read. */
  companyName: string;
  period: string;
  /** The failure's type (ApplicationFailure type, 'TimeoutFailure', ...). */
  errorType: string;
  /** The failure's message. */
  cause: string;
  workflowId: string;
  runId: string;
  /** The orchestration task queue for the re-run line; a placeholder when absent. */
  taskQueue?: string;
}

/**
 * The admin's notice that a company-month failed for a cause other than its ledger's data (graph store,
 * SMTP, Chromium, a timeout...): the customer got no report, and only a person can decide to run it again.
 */
export function composeRunFailureMail(notice: RunFailureNotice, opts: MailOptions): SendMailOptions {
  const month = monthLabel(notice.period);
  const text = [
    `${notice.companyName} (${notice.companyId}) ${month} 리포트가 실패하여 고객에게 리포트를 보내지 못했습니다.`,
    '',
    `오류 유형: ${clip(notice.errorType, 100)}`,
    `오류 내용: ${clip(notice.cause, MAX_CAUSE_CHARS)}`,
    '',
    `Workflow ID: ${notice.workflowId}`,
    `Run ID: ${notice.runId}`,
    `실행 이력: temporal workflow show --workflow-id ${notice.workflowId} --run-id ${notice.runId}`,
    '',
    '원인(그래프 저장소, 메일 서버, PDF 렌더러 등)을 해결한 뒤 이 회사의 리포트를 다시 실행해 주십시오.',
    '같은 workflow id로 시작할 수 있으며, 이미 리포트를 받은 수신자에게는 다시 보내지 않습니다:',
    rerunCommand(notice.workflowId, notice.companyId, notice.period, notice.taskQueue),
    '',
    `대응 절차: ${runbook('report-generation-failure.md#run-failure-notice')}`,
  ].join('\n');
  return { ...envelope(opts, `[${opts.firmName}] 리포트 실패: ${notice.companyName} ${month}`), text };
}

/** A month's batch as the admin's summary shows it (activities/types.ts BatchSummaryInput, less its key). */
export interface BatchSummary {
  period: string;
  batchWorkflowId: string;
  kind: BatchSummaryKind;
  counts: BatchCounts;
  /** Capped lists: the counts say how many there are in all. */
  failed: readonly CompanyFailure[];
  waitingForLedger: readonly string[];
  /** Absent from batches of earlier builds. */
  awaitingReview?: readonly string[];
  alreadyRunning: readonly string[];
  /** Names of listed companies by id, where the company master could be read; the id stands alone otherwise. */
  companyNames?: Readonly<Record<string, string>>;
  /** Folders under companies/ that are no company (a bad name, no company.json, a link): no run, so no report. */
  skippedFolders?: readonly { name: string; reason: string }[];
}

/** Longest cause per failed company in the summary list (each company also got its own notice). */
const MAX_LISTED_CAUSE_CHARS = 200;

/**
 * The admin's summary of a month's batch: once when every company whose ledger was there has ended
 * ('on-time'), again when every company has ended ('final'), or when an operator cancelled it.
 */
export function composeBatchSummaryMail(summary: BatchSummary, opts: MailOptions): SendMailOptions {
  const period = assertPeriod(summary.period);
  const month = formatReportMonth(period);
  const { counts } = summary;
  const reviewing = counts.awaitingReview ?? 0;
  const name = (id: string) => {
    const known = summary.companyNames?.[id];
    return known && known !== id ? `${oneLine(known)} (${id})` : id;
  };

  const kindLabel = {
    'on-time': `정시 처리 완료, 대기 중 ${counts.waitingForLedger + reviewing}`,
    final: '월간 처리 완료',
    cancelled: '취소됨',
  }[summary.kind];
  const headline = {
    'on-time': `${month} 리포트 배치에서 장부가 도착한 회사의 처리가 모두 끝났습니다.${counts.waitingForLedger > 0 ? ` ${counts.waitingForLedger}개 회사는 아직 장부를 기다리고 있습니다.` : ''}${reviewing > 0 ? ` ${reviewing}개 회사의 리포트는 담당 세무사의 승인을 기다리고 있습니다.` : ''}`,
    final: `${month} 리포트 배치의 모든 회사 처리가 끝났습니다.`,
    cancelled: `${month} 리포트 배치가 운영자에 의해 취소되었습니다. 시작되지 않았거나 취소된 회사는 리포트를 받지 못했습니다.`,
  }[summary.kind];

  const skipped = summary.skippedFolders ?? [];
  const subjectCounts = [`성공 ${counts.succeeded}`, `실패 ${counts.failed}`];
  if (skipped.length > 0) subjectCounts.push(`건너뛴 폴더 ${skipped.length}`);
  if (counts.unchanged > 0) subjectCounts.push(`변경 없음 ${counts.unchanged}`);
  if (counts.cancelled > 0) subjectCounts.push(`취소 ${counts.cancelled}`);
  if (counts.alreadyRunning > 0) subjectCounts.push(`이미 실행 중 ${counts.alreadyRunning}`);
  // The on-time label already says how many wait.
  if (counts.waitingForLedger > 0 && summary.kind !== 'on-time') subjectCounts.push(`장부 대기 ${counts.waitingForLedger}`);
  if (reviewing > 0 && summary.kind !== 'on-time') subjectCounts.push(`검토 대기 ${reviewing}`);

  const section = (title: string, total: number, lines: string[], status: 'Failed' | 'Running'): string[] => {
    if (total === 0 && lines.length === 0) return [];
    const rest = total - lines.length;
    return ['', `${title} (${total}건):`, ...lines, ...(rest > 0 ? [`외 ${rest}건. 전체 목록:`, visibilityQuery(period, status)] : [])];
  };

  const text = [
    headline,
    `배치 workflow id: ${summary.batchWorkflowId}`,
    '',
    `대상 회사: ${counts.listed}`,
    `시작한 실행: ${counts.started}`,
    `성공(리포트 발송): ${counts.succeeded}`,
    `변경 없음(재실행, 발송 없음): ${counts.unchanged}`,
    `실패: ${counts.failed}`,
    `취소: ${counts.cancelled}`,
    `이미 실행 중(수동 실행·백필): ${counts.alreadyRunning}`,
    `장부 대기: ${counts.waitingForLedger}`,
    ...(summary.awaitingReview ? [`검토 대기(담당 세무사 승인 전): ${reviewing}`] : []),
    ...section(
      '실패',
      counts.failed,
      summary.failed.map((f) => `- ${name(f.companyId)}: ${clip(f.cause, MAX_LISTED_CAUSE_CHARS)}`),
      'Failed',
    ),
    // Quoted (JSON escapes every control character): a folder name is whatever someone typed, newlines included.
    ...(skipped.length > 0
      ? [
          '',
          `건너뛴 폴더 (${skipped.length}건, 리포트 없음):`,
          ...skipped.map((f) => `- ${JSON.stringify(f.name)}: ${clip(f.reason, MAX_LISTED_CAUSE_CHARS)}`),
        ]
      : []),
    ...section(
      '장부 대기',
      counts.waitingForLedger,
      summary.waitingForLedger.map((id) => `- ${name(id)}`),
      'Running',
    ),
    ...section(
      '검토 대기',
      reviewing,
      (summary.awaitingReview ?? []).map((id) => `- ${name(id)}`),
      'Running',
    ),
    ...section(
      '이미 실행 중',
      counts.alreadyRunning,
      summary.alreadyRunning.map((id) => `- ${name(id)}`),
      'Running',
    ),
    ...(counts.cancelled > 0 ? ['', `취소된 실행 (${counts.cancelled}건):`, visibilityQuery(period, 'Canceled')] : []),
    '',
    ...paragraph(nextSteps(summary, period)),
    `대응 절차: ${runbook('report-generation-failure.md#batch-summary')}`,
  ].join('\n');
  return {
    ...envelope(opts, `[${opts.firmName}] ${month} 배치 요약 (${kindLabel}): ${subjectCounts.join(', ')}`),
    text,
  };
}

function nextSteps(summary: BatchSummary, period: string): string[] {
  const steps: string[] = [];
  if (summary.counts.failed > 0) {
    steps.push(
      '실패한 회사마다 알림을 따로 보냈습니다(장부 데이터 오류는 오류 리포트, 기한까지 오지 않은 장부는 장부 미제출 알림, 그 밖의 원인은 원인과 다시 실행하는 방법을 적은 리포트 실패 알림). 원인을 해결한 뒤 다시 실행해 주십시오.',
    );
  }
  if ((summary.skippedFolders ?? []).length > 0) {
    steps.push(
      '건너뛴 폴더는 어느 회사의 것인지 알 수 없어 실행하지 않았습니다. 폴더 이름을 회사 ID로 고치고(영문 소문자·숫자·한글과 -, 링크 불가) company.json을 넣은 뒤 그 회사를 다시 실행해 주십시오.',
    );
  }
  if (summary.kind === 'on-time') {
    if (summary.counts.waitingForLedger > 0) {
      steps.push('장부를 기다리는 회사는 파일이 올라오면 이어서 처리되고, 기한까지 오지 않으면 장부 미제출 메일을 보냅니다.');
    }
    if ((summary.counts.awaitingReview ?? 0) > 0) {
      steps.push('검토를 기다리는 리포트는 콘솔의 월간 현황(상태: 검토 대기)에서 담당 세무사가 승인하면 발송됩니다.');
    }
    steps.push('장부·검토를 기다리거나 이미 실행 중인 회사가 모두 끝나면 최종 요약을 다시 보냅니다.');
  }
  if (summary.kind === 'cancelled') {
    steps.push('이 달을 다시 처리하려면 백필로 배치를 다시 시작해 주십시오(이미 발송된 리포트는 다시 보내지 않습니다):');
    steps.push(`  npm run schedule -- --backfill ${period}`);
  }
  return steps;
}

/** The lines followed by a blank line, or nothing when there are none. */
function paragraph(lines: string[]): string[] {
  return lines.length > 0 ? [...lines, ''] : [];
}

/** "2024년 5월", or the raw value quoted when it is not a valid period (a notice must still go out). */
function monthLabel(period: string): string {
  try {
    return formatReportMonth(period);
  } catch {
    return JSON.stringify(period);
  }
}

/** One line of at most `max` characters. */
function clip(text: string, max: number): string {
  const line = oneLine(text);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
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
// eslint-disable-next-line no-control-regex -- control characters are what this pattern looks for
const CONTROL = /[\u0000-\u001f\u007f]/;

function headerValue(value: string, what: string): string {
  if (CONTROL.test(value)) throw new MailHeaderError(`${what} contains a control character: ${JSON.stringify(value)}`);
  return value;
}

// ASCII addr-spec: dot-atom local part, a domain of LDH labels with at least one dot.
const ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

function emailAddress(address: string): string {
  if (address.length > 254 || !ADDRESS.test(address)) {
    throw new MailHeaderError(`invalid e-mail address: ${JSON.stringify(address)}`);
  }
  return address;
}
