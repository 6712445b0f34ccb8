/**
 * The access model of the operations design (docs/spec/design.md) as one table: Viewer reads reports; Analyst
 * also starts runs and reads configuration; Admin may do everything, including configuration changes and secrets
 * (metadata only).
 * Anything not granted here is denied.
 */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'reports:read',
  /** Approve a report before it is sent, edit its narrative, mark findings (확인/조치완료/오탐): the 담당 세무사's work. */
  'reports:review',
  'runs:start',
  'costs:read',
  'config:read',
  'config:write',
  'secrets:read',
  'audit:read',
  'tokens:manage',
  /** The admins' read-only SPARQL box over the knowledge graph (within the admin's company scope). */
  'graph:query',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: readonly Permission[] = ['reports:read'];
const ANALYST: readonly Permission[] = [...VIEWER, 'reports:review', 'runs:start', 'costs:read', 'config:read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: VIEWER,
  analyst: ANALYST,
  admin: PERMISSIONS,
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * What only a principal for every company may do: these act on, or show, the whole firm (the schedule of every
 * company, the secrets' metadata, an audit log that names every client). A scoped admin is an admin of its
 * companies only.
 */
const FIRM_WIDE: ReadonlySet<Permission> = new Set(['config:write', 'secrets:read', 'audit:read']);

export function can(principal: Pick<Principal, 'role' | 'companies'>, permission: Permission): boolean {
  return ROLE_PERMISSIONS[principal.role].includes(permission) && (principal.companies === undefined || !FIRM_WIDE.has(permission));
}

const RANK: Readonly<Record<Role, number>> = { viewer: 0, analyst: 1, admin: 2 };

/** Whether a grant (a new token's role and scope) is within what `principal` holds: no one grants more than they have. */
export function canGrant(principal: Pick<Principal, 'role' | 'companies'>, grant: { role: Role; companies?: readonly string[] }): boolean {
  return RANK[grant.role] <= RANK[principal.role] && withinScope(principal, grant.companies);
}

/** Whether every company of `companies` (undefined: every company) is one `principal` may see. */
export function withinScope(principal: Pick<Principal, 'companies'>, companies: readonly string[] | undefined): boolean {
  if (principal.companies === undefined) return true;
  return companies !== undefined && companies.every((id) => principal.companies!.includes(id));
}

/** Who is asking: from an API token, an OIDC JWT or a console session. */
export interface Principal {
  /** Token name or JWT `sub`; what the audit log records as the actor. */
  subject: string;
  role: Role;
  via: 'api-token' | 'oidc' | 'session';
  /** Company ids this principal may see; undefined = every company. */
  companies?: readonly string[];
  /** The API token's id (never its secret), for the audit log. */
  tokenId?: string;
  /** When the credential itself expires (an OIDC JWT's `exp`, ms since the epoch): a session ends no later. */
  expiresAt?: number;
}

export function canSeeCompany(principal: Pick<Principal, 'companies'>, companyId: string): boolean {
  return principal.companies === undefined || principal.companies.includes(companyId);
}
