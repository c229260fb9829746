import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { optionalEnv } from '../env.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { parseRoleGroups, type Role } from './roles.ts';

export type { Role };

/** Who is calling, as the JWT authorizer vouched for them. */
export interface Principal {
  readonly userId: string;
  readonly roles: ReadonlySet<Role>;
  readonly isAgent: boolean;
  readonly isAdmin: boolean;
}

const GROUPS_CLAIM = optionalEnv('GROUPS_CLAIM', 'cognito:groups');
const ROLE_GROUPS = parseRoleGroups(process.env.ROLE_GROUPS);

/**
 * The group names in the claim, each whole: roles are given by exact names, never by a word inside
 * one (`Helpdesk admin` is not `admin`). The claim arrives as a JSON array (the token itself), as
 * API Gateway's rendering of an array claim (`[a b c]`: space-separated, so a name holding a space
 * cannot be told apart there), as a JSON array in a string, or as a plain string naming one group.
 */
export function parseGroupsClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string' && v !== '');
  if (typeof value !== 'string') return [];
  const trimmed = value.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    // API Gateway's `[agent admin]` is not JSON: trying it as JSON would throw (and build an
    // error with its stack) on every request. Only a JSON array of strings starts `["` (or is `[]`).
    if (!/^\[\s*(?:"|\])/.test(trimmed)) return trimmed.slice(1, -1).split(/\s+/).filter(Boolean);
    try {
      const parsed: unknown = JSON.parse(trimmed);
      // `[true]` or `[42]` is API Gateway's rendering of groups named "true" or "42", not JSON.
      if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return parsed.filter((v) => v !== '');
    } catch {
      // API Gateway's own rendering: `[agent admin]`
    }
    return trimmed.slice(1, -1).split(/\s+/).filter(Boolean);
  }
  return trimmed === '' ? [] : [trimmed];
}

const inAny = (groups: ReadonlySet<string>, names: readonly string[]): boolean => names.some((name) => groups.has(name));

type EventWithClaims = APIGatewayProxyEventV2 & {
  requestContext: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
};

export function principalFrom(event: APIGatewayProxyEventV2): Principal {
  const claims = (event as EventWithClaims).requestContext.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') throw unauthorized('The request carries no authenticated subject');
  const groups = new Set(parseGroupsClaim(claims?.[GROUPS_CLAIM]));
  const isAdmin = inAny(groups, ROLE_GROUPS.admin);
  // Admins also work incidents: the admin role is a superset of the agent role.
  const isAgent = isAdmin || inAny(groups, ROLE_GROUPS.agent);
  if (!isAgent && ROLE_GROUPS.requester.length > 0 && !inAny(groups, ROLE_GROUPS.requester)) {
    throw forbidden('Your account is in none of the groups allowed to use this service');
  }
  const roles = new Set<Role>(['requester']);
  if (isAgent) roles.add('agent');
  if (isAdmin) roles.add('admin');
  return { userId: sub, roles, isAgent, isAdmin };
}
