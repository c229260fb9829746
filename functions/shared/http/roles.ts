/**
 * Which group names in the token's groups claim give which role: configuration, handed to every
 * function as ROLE_GROUPS (JSON) by the CDK stack (context adminGroups, agentGroups,
 * requesterGroups) and by the local runtime. Pure: the local runtime reads it before any handler loads.
 */
export const ROLES = ['requester', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface RoleGroups {
  readonly admin: readonly string[];
  readonly agent: readonly string[];
  /** Empty: every authenticated caller is a requester. Otherwise only members of these groups (and agents, admins). */
  readonly requester: readonly string[];
}

export const DEFAULT_ROLE_GROUPS: RoleGroups = { admin: ['admin'], agent: ['agent'], requester: [] };

/**
 * Why no whitespace: API Gateway hands an array claim to the function as `[a b c]`, so a group name
 * with a space arrives as two names and a role group spelled that way could never match.
 */
export function roleGroupNameViolation(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'must be a non-empty string';
  if (/\s/.test(name)) return 'must not contain whitespace (API Gateway passes array claims space-separated)';
  if (/^\[|\]$/.test(name)) return 'must not start with [ or end with ]';
  return undefined;
}

/** ROLE_GROUPS as the functions read it: unset or empty means the defaults; anything malformed throws. */
export function parseRoleGroups(text: string | undefined): RoleGroups {
  if (text === undefined || text.trim() === '') return DEFAULT_ROLE_GROUPS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`ROLE_GROUPS must be JSON like ${JSON.stringify(DEFAULT_ROLE_GROUPS)}, got ${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`ROLE_GROUPS must be a JSON object with keys admin, agent, requester, got ${text}`);
  }
  const result: Record<string, readonly string[]> = { ...DEFAULT_ROLE_GROUPS };
  for (const [role, names] of Object.entries(parsed as Record<string, unknown>)) {
    if (role !== 'admin' && role !== 'agent' && role !== 'requester') {
      throw new Error(`ROLE_GROUPS: unknown role "${role}"; roles are admin, agent, requester`);
    }
    if (!Array.isArray(names) || (names.length === 0 && role !== 'requester')) {
      throw new Error(`ROLE_GROUPS.${role} must be a non-empty list of group names`);
    }
    for (const name of names) {
      const violation = roleGroupNameViolation(name);
      if (violation !== undefined) throw new Error(`ROLE_GROUPS.${role}: group name ${JSON.stringify(name)} ${violation}`);
    }
    result[role] = [...new Set(names as string[])];
  }
  return result as unknown as RoleGroups;
}
