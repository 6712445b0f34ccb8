// Workflow ids that mean something: one report per company and month, whoever starts it (batch, console,
// `temporal workflow start`), so a second start of a running month is recognised instead of run twice.

export function companyReportWorkflowId(companyId: string, period: string): string {
  return `tax-report-${companyId}-${period}`;
}
