import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiRequest } from '../../functions/shared/http/handler.ts';

// idempotency.ts imports the store's db module, which reads TABLE_NAME at load (no I/O happens).
vi.stubEnv('TABLE_NAME', 'unit-no-table');
vi.stubEnv('AWS_REGION', 'us-east-1');
let claimIdempotencyKey: typeof import('../../functions/shared/store/idempotency.ts').claimIdempotencyKey;
beforeAll(async () => {
  ({ claimIdempotencyKey } = await import('../../functions/shared/store/idempotency.ts'));
});

function request(options: { key?: string; user?: string; method?: string; path?: string } = {}): ApiRequest {
  const headers: Record<string, string> = options.key === undefined ? {} : { 'idempotency-key': options.key };
  return {
    principal: { userId: options.user ?? 'alice', roles: new Set(['requester', 'agent']), isAgent: true, isAdmin: false },
    header: (name: string) => headers[name.toLowerCase()],
    event: { rawPath: options.path ?? '/incidents', requestContext: { http: { method: options.method ?? 'POST' } } },
  } as unknown as ApiRequest;
}

describe('Idempotency-Key claims', () => {
  it('are absent without the header', () => {
    expect(claimIdempotencyKey(request(), { title: 'x' })).toBeUndefined();
  });

  it('fingerprint the canonical JSON of the body: key order and formatting do not matter', () => {
    const a = claimIdempotencyKey(request({ key: 'k-1' }), { title: 'Mail down', impact: 1, nested: { b: [1, { y: 2, x: 1 }], a: null } });
    const b = claimIdempotencyKey(request({ key: 'k-1' }), JSON.parse('{ "nested": {"a": null, "b": [1, {"x":1,"y":2}]}, "impact": 1, "title": "Mail down" }'));
    expect(a).toEqual(b);
    expect(a?.pk).toMatch(/^IDEMPOTENCY#[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['a different value', { title: 'Mail down', impact: 2 }],
    ['an extra field', { title: 'Mail down', impact: 1, urgency: 3 }],
    ['a different type', { title: 'Mail down', impact: '1' }],
    ['array order', { title: 'Mail down', impact: 1, tags: ['b', 'a'] }],
  ])('tell bodies apart by %s', (_label, body) => {
    const base = claimIdempotencyKey(request({ key: 'k-1' }), { title: 'Mail down', impact: 1, ...('tags' in body ? { tags: ['a', 'b'] } : {}) });
    const other = claimIdempotencyKey(request({ key: 'k-1' }), body);
    expect(other?.pk).toBe(base?.pk);
    expect(other?.fingerprint).not.toBe(base?.fingerprint);
  });

  it('are scoped to the caller, the method and the path', () => {
    const base = claimIdempotencyKey(request({ key: 'k-1' }), {})!.pk;
    expect(claimIdempotencyKey(request({ key: 'k-2' }), {})!.pk).not.toBe(base);
    expect(claimIdempotencyKey(request({ key: 'k-1', user: 'bob' }), {})!.pk).not.toBe(base);
    expect(claimIdempotencyKey(request({ key: 'k-1', path: '/incidents/X/notes' }), {})!.pk).not.toBe(base);
    expect(claimIdempotencyKey(request({ key: 'k-1', method: 'PUT' }), {})!.pk).not.toBe(base);
    expect(claimIdempotencyKey(request({ key: 'k-1' }), {})!.pk).toBe(base);
  });

  it('can be scoped to a canonical resource, so two addresses of one resource share a key', () => {
    const byNumber = claimIdempotencyKey(request({ key: 'k-1', path: '/incidents/INC0001001/notes' }), {}, '/incidents/01J0/notes');
    const byId = claimIdempotencyKey(request({ key: 'k-1', path: '/incidents/01J0/notes' }), {}, '/incidents/01J0/notes');
    expect(byNumber).toEqual(byId);
    expect(claimIdempotencyKey(request({ key: 'k-1', path: '/incidents/01J0/notes' }), {})).toEqual(byId);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'a b'],
    ['non-ASCII', 'clé'],
    ['longer than 255', 'k'.repeat(256)],
  ])('refuses a key that is %s with 400', (_label, key) => {
    expect(() => claimIdempotencyKey(request({ key }), {})).toThrow(expect.objectContaining({ status: 400, slug: 'invalid-idempotency-key' }));
  });

  it('accepts 255 visible ASCII characters', () => {
    expect(claimIdempotencyKey(request({ key: '~'.repeat(255) }), {})).toBeDefined();
    expect(claimIdempotencyKey(request({ key: '550e8400-e29b-41d4-a716-446655440000' }), {})).toBeDefined();
  });
});
