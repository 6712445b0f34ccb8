// Companies, findings documents and ERP data directories for tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Company } from '../lib/domain/company';
import { emptyMetrics, type FindingsDocument } from '../lib/domain/findings';
import { companyJsonObject } from '../lib/erp/company';

/** The first fixture company (test/fixtures/ledgers/companies/c00-한빛), with overrides. */
export function sampleCompany(overrides: Partial<Company> = {}): Company {
  return {
    id: 'c00-한빛',
    name: '(주)한빛노무법인',
    bizRegNo: '291-41-77767',
    sme: true,
    fiscalYearStartMonth: 1,
    industry: '노무법인',
    reportRecipients: ['ceo0@example.kr'],
    vehicles: [],
    openingBalances: {},
    ...overrides,
  };
}

/** A December 2024 findings document of `company` with no findings, with overrides. */
export function sampleFindings(company: Company, overrides: Partial<FindingsDocument> = {}): FindingsDocument {
  return {
    schemaVersion: 1,
    companyId: company.id,
    companyName: company.name,
    companyBizRegNo: company.bizRegNo,
    period: '2024-12',
    generatedAt: '2025-01-03T00:30:00.000Z',
    riskLevel: 'NONE',
    dataQuality: { conforms: true, violations: 0, warnings: 0, details: [] },
    findings: [],
    metrics: emptyMetrics(),
    narrative: { model: 'offline', fallbackUsed: false, cached: false, text: '' },
    ...overrides,
  };
}

/** Writes `companies/<id>/company.json` and `ledger/<period>.csv` files under an ERP data directory. */
export function writeCompanyData(dataDir: string, company: Company, ledgers: Record<string, string>): void {
  const dir = join(dataDir, 'companies', company.id);
  mkdirSync(join(dir, 'ledger'), { recursive: true });
  writeFileSync(join(dir, 'company.json'), JSON.stringify(companyJsonObject(company)));
  for (const [period, csv] of Object.entries(ledgers)) writeFileSync(join(dir, 'ledger', `${period}.csv`), csv);
}
