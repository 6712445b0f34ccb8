// findings.json of a month that failed data quality: no risk findings, the violations and warnings instead.
import type { Company } from '../domain/company';
import { emptyMetrics, type FindingsDocument } from '../domain/findings';
import { fiscalYearStart } from '../domain/periods';
import type { ValidationOutcome } from '../validation/ledger-validator';

export function dataQualityFindings(company: Company, period: string, outcome: ValidationOutcome): FindingsDocument {
  return {
    schemaVersion: 1,
    companyId: company.id,
    companyName: company.name,
    companyBizRegNo: company.bizRegNo,
    period,
    fiscalYearStart: fiscalYearStart(period, company.fiscalYearStartMonth),
    generatedAt: new Date().toISOString(),
    riskLevel: 'HIGH',
    dataQuality: {
      conforms: false,
      violations: outcome.violations.length,
      warnings: outcome.warnings.length,
      details: [...outcome.violations, ...outcome.warnings],
    },
    findings: [],
    metrics: emptyMetrics(),
    narrative: { model: 'offline', fallbackUsed: false, cached: false, text: '' },
  };
}
