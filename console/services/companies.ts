// The companies a principal may see, from the ERP data directory's company masters.
import { loadCompany, scanCompanyDirs, type SkippedCompanyDir } from '../../lib/erp/company';
import { canSeeCompany, type Principal } from '../../lib/security/roles';

export interface CompanySummary {
  id: string;
  /** Absent when company.json cannot be read: the company is still listed so the problem is visible. */
  name?: string;
}

/**
 * The companies `principal` may see, and the folders under companies/ that are no company (a bad name, no
 * company.json, a link): those only to a principal for every company, since a folder's name may be any client's.
 */
export async function visibleCompanies(
  dataDir: string,
  principal: Principal,
): Promise<{ companies: CompanySummary[]; skippedFolders: SkippedCompanyDir[] }> {
  const { ids, skipped } = await scanCompanyDirs(dataDir);
  const companies = await Promise.all(
    ids
      .filter((id) => canSeeCompany(principal, id))
      .map(async (id) => {
        const company = await loadCompany(dataDir, id).catch(() => undefined);
        return { id, ...(company && { name: company.name }) };
      }),
  );
  return { companies, skippedFolders: principal.companies === undefined ? skipped : [] };
}
