import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProblemError } from '../../functions/shared/errors.ts';
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
    ['a comma separated list', 'agent,admin', ['agent', 'admin']],
    ['a comma and space separated list', 'agent, admin', ['agent', 'admin']],
    ['a single group', 'agent', ['agent']],
    ['an empty flattened array', '[]', []],
    ['an empty string', '', []],
    ['a missing claim', undefined, []],
    ['a number', 42, []],
  ])('reads %s', (_label, value, groups) => {
    expect(parseGroupsClaim(value)).toEqual(groups);
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
    expect(error).toBeInstanceOf(ProblemError);
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
