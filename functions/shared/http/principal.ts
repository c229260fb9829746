import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { optionalEnv } from '../env.ts';
import { unauthorized } from '../errors.ts';

export type Role = 'requester' | 'agent' | 'admin';

/** Who is calling, as the JWT authorizer vouched for them. */
export interface Principal {
  readonly userId: string;
  readonly roles: ReadonlySet<Role>;
  readonly isAgent: boolean;
  readonly isAdmin: boolean;
}

const GROUPS_CLAIM = optionalEnv('GROUPS_CLAIM', 'cognito:groups');

/**
 * API Gateway hands JWT claims to the function as strings; an array claim arrives as `[a b c]`.
 * Some issuers send a JSON array string or a comma separated list instead; accept all three.
 */
export function parseGroupsClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  const trimmed = value.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // API Gateway's own rendering: `[agent admin]`
    }
    return trimmed.slice(1, -1).split(/[\s,]+/).filter(Boolean);
  }
  return trimmed.split(/[\s,]+/).filter(Boolean);
}

type EventWithClaims = APIGatewayProxyEventV2 & {
  requestContext: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
};

export function principalFrom(event: APIGatewayProxyEventV2): Principal {
  const claims = (event as EventWithClaims).requestContext.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') throw unauthorized('The request carries no authenticated subject');
  const groups = new Set(parseGroupsClaim(claims?.[GROUPS_CLAIM]));
  const isAdmin = groups.has('admin');
  // Admins also work incidents: the admin role is a superset of the agent role.
  const isAgent = isAdmin || groups.has('agent');
  const roles = new Set<Role>(['requester']);
  if (isAgent) roles.add('agent');
  if (isAdmin) roles.add('admin');
  return { userId: sub, roles, isAgent, isAdmin };
}
