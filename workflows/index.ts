// The workflow bundle's entry point: every workflow type the worker registers.
export { monthlyCompanyReport } from './monthly-company-report';
export { monthlyReportBatch } from './monthly-report-batch';
