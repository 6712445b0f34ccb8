/**
 * The access model of the seed as one table: Viewer reads reports; Analyst also starts runs and reads
 * configuration; Admin may do everything, including configuration changes and secrets (metadata only).
 * Anything not granted here is denied.
 */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'reports:read',
  'runs:start',
  'costs:read',
  'config:read',
  'config:write',
  'secrets:read',
  'audit:read',
  'tokens:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: readonly Permission[] = ['reports:read'];
const ANALYST: readonly Permission[] = [...VIEWER, 'runs:start', 'costs:read', 'config:read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: VIEWER,
  analyst: ANALYST,
  admin: PERMISSIONS,
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
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
}

export function canSeeCompany(principal: Principal, companyId: string): boolean {
  return principal.companies === undefined || principal.companies.includes(companyId);
}
