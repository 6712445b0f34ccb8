// The companies a principal may see, from the ERP data directory's company masters.
import { listCompanyIds, loadCompany } from '../../lib/erp/company';
import { canSeeCompany, type Principal } from '../../lib/security/roles';

export interface CompanySummary {
  id: string;
  /** Absent when company.json cannot be read: the company is still listed so the problem is visible. */
  name?: string;
}

export async function visibleCompanies(dataDir: string, principal: Principal): Promise<CompanySummary[]> {
  const ids = (await listCompanyIds(dataDir)).filter((id) => canSeeCompany(principal, id));
  return Promise.all(
    ids.map(async (id) => {
      const company = await loadCompany(dataDir, id).catch(() => undefined);
      return { id, ...(company && { name: company.name }) };
    }),
  );
}
