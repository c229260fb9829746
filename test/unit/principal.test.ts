import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '../../functions/shared/errors.ts';
import { parseGroupsClaim, principalFrom } from '../../functions/shared/http/principal.ts';

function eventWithClaims(claims: Record<string, unknown> | undefined): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /incidents',
    rawPath: '/incidents',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path: '/incidents', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'r-1',
      routeKey: 'GET /incidents',
      stage: '$default',
      time: '',
      timeEpoch: 0,
      ...(claims === undefined ? {} : { authorizer: { jwt: { claims, scopes: null } } }),
    },
  } as APIGatewayProxyEventV2;
}

describe('parseGroupsClaim', () => {
  it.each([
    ['an array', ['agent', 'admin'], ['agent', 'admin']],
    ["API Gateway's flattened array", '[agent admin]', ['agent', 'admin']],
    ['a flattened one-element array', '[agent]', ['agent']],
    ['a JSON array string', '["agent","admin"]', ['agent', 'admin']],
    ['a JSON array string with spaces', ' [ "agent", "admin" ] ', ['agent', 'admin']],
    ['a plain string, as one whole name', 'agent', ['agent']],
    ['a plain string with a space, as one whole name', 'Helpdesk admin', ['Helpdesk admin']],
    ['a plain string with a comma, as one whole name', 'agent,admin', ['agent,admin']],
    ['array elements with spaces and commas, as whole names', ['Helpdesk admin', 'admin,readonly'], ['Helpdesk admin', 'admin,readonly']],
    ['a JSON array string whose names hold spaces', '["Helpdesk admin"]', ['Helpdesk admin']],
    ['a flattened array, split on spaces only', '[admin,readonly sysadmin]', ['admin,readonly', 'sysadmin']],
    ['a flattened array that happens to parse as JSON', '[42]', ['42']],
    ['a flattened array of one group named true', '[true]', ['true']],
    ['an empty flattened array', '[]', []],
    ['an empty string', '', []],
    ['a missing claim', undefined, []],
    ['a number', 42, []],
  ])('reads %s', (_label, value, groups) => {
    expect(parseGroupsClaim(value)).toEqual(groups);
  });

  it('cannot tell a name with a space apart in the flattened form (documented in docs/access-control.md)', () => {
    expect(parseGroupsClaim('[Helpdesk admin]')).toEqual(['Helpdesk', 'admin']);
  });
});

describe('principalFrom', () => {
  it('a user without groups is a requester only', () => {
    const principal = principalFrom(eventWithClaims({ sub: 'carol' }));
    expect(principal).toMatchObject({ userId: 'carol', isAgent: false, isAdmin: false });
    expect([...principal.roles]).toEqual(['requester']);
  });

  it('agent group -> requester and agent', () => {
    const principal = principalFrom(eventWithClaims({ sub: 'alice', 'cognito:groups': '[agent]' }));
    expect(principal).toMatchObject({ isAgent: true, isAdmin: false });
    expect([...principal.roles].sort()).toEqual(['agent', 'requester']);
  });

  it('admin implies agent', () => {
    const principal = principalFrom(eventWithClaims({ sub: 'ada', 'cognito:groups': '[admin]' }));
    expect(principal).toMatchObject({ isAgent: true, isAdmin: true });
    expect([...principal.roles].sort()).toEqual(['admin', 'agent', 'requester']);
  });

  it.each([
    ['a plain string', 'Helpdesk admin'],
    ['an array', ['Helpdesk admin', 'admins', 'Admin', 'sysadmin', 'admin,readonly']],
    ['a JSON array string', '["Helpdesk admin","admin-readonly"]'],
    ['a flattened array', '[admin-readonly agents admin,agent]'],
  ])('compares whole names: no admin or agent from %s of look-alikes', (_label, groups) => {
    const principal = principalFrom(eventWithClaims({ sub: 'eve', 'cognito:groups': groups }));
    expect(principal).toMatchObject({ isAgent: false, isAdmin: false });
  });

  it('ignores unknown groups and groups in other claims', () => {
    const principal = principalFrom(eventWithClaims({ sub: 'eve', 'cognito:groups': '[finance hr]', groups: '[admin]' }));
    expect(principal).toMatchObject({ isAgent: false, isAdmin: false });
  });

  it.each([
    ['no authorizer', undefined],
    ['no sub', { 'cognito:groups': '[admin]' }],
    ['an empty sub', { sub: '' }],
  ])('refuses a request with %s as 401', (_label, claims) => {
    let error: unknown;
    try {
      principalFrom(eventWithClaims(claims));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer' } });
  });
});

describe('GROUPS_CLAIM', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('names the claim that carries groups (read at load)', async () => {
    vi.stubEnv('GROUPS_CLAIM', 'groups');
    vi.resetModules();
    const { principalFrom: withCustomClaim } = await import('../../functions/shared/http/principal.ts');
    expect(withCustomClaim(eventWithClaims({ sub: 'ada', groups: '["admin"]' })).isAdmin).toBe(true);
    expect(withCustomClaim(eventWithClaims({ sub: 'ada', 'cognito:groups': '[admin]' })).isAdmin).toBe(false);
  });

  it('defaults to cognito:groups when unset or empty', async () => {
    vi.stubEnv('GROUPS_CLAIM', '');
    vi.resetModules();
    const { principalFrom: withDefault } = await import('../../functions/shared/http/principal.ts');
    expect(withDefault(eventWithClaims({ sub: 'alice', 'cognito:groups': 'agent' })).isAgent).toBe(true);
  });
});

describe('ROLE_GROUPS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  const load = async (roleGroups: string) => {
    vi.stubEnv('ROLE_GROUPS', roleGroups);
    vi.resetModules();
    return (await import('../../functions/shared/http/principal.ts')).principalFrom;
  };

  it('maps the configured group names to roles, and only those', async () => {
    const principalOf = await load(JSON.stringify({ admin: ['itsm-admins'], agent: ['service-desk', 'network-team'] }));
    expect(principalOf(eventWithClaims({ sub: 'ada', 'cognito:groups': '[itsm-admins]' }))).toMatchObject({ isAdmin: true, isAgent: true });
    expect(principalOf(eventWithClaims({ sub: 'nina', 'cognito:groups': '[staff network-team]' }))).toMatchObject({ isAdmin: false, isAgent: true });
    // The default names mean nothing once others are configured.
    expect(principalOf(eventWithClaims({ sub: 'eve', 'cognito:groups': '[admin agent]' }))).toMatchObject({ isAdmin: false, isAgent: false });
  });

  it('with requester groups, refuses callers in none of the role groups (403)', async () => {
    const principalOf = await load(JSON.stringify({ admin: ['admin'], agent: ['agent'], requester: ['staff'] }));
    expect([...principalOf(eventWithClaims({ sub: 'carol', 'cognito:groups': '[staff]' })).roles]).toEqual(['requester']);
    expect(principalOf(eventWithClaims({ sub: 'alice', 'cognito:groups': '[agent]' })).isAgent).toBe(true);
    expect(() => principalOf(eventWithClaims({ sub: 'guest', 'cognito:groups': '[contractors]' }))).toThrow(expect.objectContaining({ status: 403 }));
  });

  it.each([
    ['not JSON', 'admin=itsm-admins'],
    ['an unknown role', '{"superuser":["root"]}'],
    ['a role without groups', '{"admin":[]}'],
    ['an empty group name', '{"agent":[""]}'],
    ['a group name with a space', '{"agent":["service desk"]}'],
  ])('refuses %s when the function loads, naming ROLE_GROUPS', async (_label, roleGroups) => {
    await expect(load(roleGroups)).rejects.toThrow(/ROLE_GROUPS/);
  });
});
