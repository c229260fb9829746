import { afterAll, describe, expect, it } from 'vitest';
import { type Incident, openIncident } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import type { ApiRequest, ApiResult } from '../../functions/shared/http/handler.ts';
import { freshTable } from '../support/table.ts';

const table = await freshTable();
const idempotency = await import('../../functions/shared/store/idempotency.ts');
const store = await import('../../functions/incidents/store/incident-store.ts');
const { HttpError } = await import('../../functions/shared/errors.ts');
afterAll(() => table.stop());

const T0 = new Date('2026-03-01T08:00:00.000Z');
const DAY_MS = idempotency.IDEMPOTENCY_WINDOW_SECONDS * 1000;

function request(key: string, user = 'alice'): ApiRequest {
  return {
    principal: { userId: user, roles: new Set(['requester']), isAgent: false, isAdmin: false },
    header: (name: string) => (name.toLowerCase() === 'idempotency-key' ? key : undefined),
    event: { rawPath: '/incidents', requestContext: { http: { method: 'POST' } } },
  } as unknown as ApiRequest;
}

let sequence = 0;
/** What the create handler does: a new incident per attempt, committed with the key's record. */
async function create(key: string | undefined, body: { title: string; impact?: 1 | 2 | 3 }, now = T0, user = 'alice') {
  const claim = key === undefined ? undefined : idempotency.claimIdempotencyKey(request(key, user), body);
  const incident: Incident = openIncident(body, { id: store.newId(), sequence: ++sequence, actor: { userId: user }, now, matrix: DEFAULT_PRIORITY_MATRIX });
  const items = [
    store.incidentCreate(incident),
    store.incidentHistoryPut(incident.id, { at: incident.createdAt, actor: user, action: 'created', version: 1, changes: [] }),
  ];
  const response: ApiResult = { status: 201, body: incident, headers: { etag: '"1"', location: `/incidents/${incident.id}` } };
  const result = await idempotency.commitIdempotently(items, claim, response, now);
  return { incident, claim, result };
}

const stored = async (incident: Incident) => (await store.getIncidentById(incident.id)) !== undefined;
const record = async (pk: string) => (await table.partition(pk))[0];

describe('idempotent commits', () => {
  it('without a key, every request is new', async () => {
    const a = await create(undefined, { title: 'no key' });
    const b = await create(undefined, { title: 'no key' });
    expect(await stored(a.incident)).toBe(true);
    expect(await stored(b.incident)).toBe(true);
  });

  it('store the response with the write, in the same transaction', async () => {
    table.counter.reset();
    const { incident, claim, result } = await create('k-first', { title: 'Mail down', impact: 1 });
    expect(table.counter.operations()).toEqual(['TransactWriteItems']);
    expect(result).toMatchObject({ status: 201, body: incident });
    expect(await record(claim!.pk)).toMatchObject({
      sk: 'IDEMPOTENCY',
      fingerprint: claim!.fingerprint,
      response: { status: 201, headers: { etag: '"1"', location: `/incidents/${incident.id}` }, body: JSON.stringify(incident) },
      expiresAt: Math.floor(T0.getTime() / 1000) + 86_400,
    });
  });

  it('replay the first response for the same key and body, writing nothing new', async () => {
    const first = await create('k-replay', { title: 'VPN down', impact: 2 });
    const again = await create('k-replay', { impact: 2, title: 'VPN down' }, new Date(T0.getTime() + 60_000));
    expect(again.result).toEqual({
      status: 201,
      body: JSON.parse(JSON.stringify(first.incident)),
      headers: { etag: '"1"', location: `/incidents/${first.incident.id}`, 'idempotent-replayed': 'true' },
    });
    expect(await stored(again.incident)).toBe(false);
    expect(await table.partition(`INCIDENT#${again.incident.id}`)).toEqual([]);
  });

  it('refuse the same key with a different body with 422, writing nothing', async () => {
    await create('k-conflict', { title: 'Printer jam' });
    let error: unknown;
    try {
      await create('k-conflict', { title: 'Printer on fire' }, new Date(T0.getTime() + 1000));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 422, slug: 'idempotency-key-reused' });
    expect((await store.listIncidents({}, 100)).items.filter((i) => i.title === 'Printer on fire')).toEqual([]);
  });

  it('treat the same key from another user as a different request', async () => {
    const mine = await create('k-shared', { title: 'Shared key' });
    const theirs = await create('k-shared', { title: 'Shared key' }, T0, 'bob');
    expect(theirs.result.headers?.['idempotent-replayed']).toBeUndefined();
    expect(await stored(mine.incident)).toBe(true);
    expect(await stored(theirs.incident)).toBe(true);
  });

  it('still protect the key just before 24 hours', async () => {
    const first = await create('k-window', { title: 'Window' });
    const late = await create('k-window', { title: 'Window' }, new Date(T0.getTime() + DAY_MS - 1000));
    expect(late.result.headers?.['idempotent-replayed']).toBe('true');
    expect(late.result.body).toMatchObject({ id: first.incident.id });
    await expect(create('k-window', { title: 'Other' }, new Date(T0.getTime() + DAY_MS - 1000))).rejects.toMatchObject({ status: 422 });
  });

  it('let an expired record (not yet deleted by TTL) be reused', async () => {
    const first = await create('k-expired', { title: 'Old request' });
    const later = new Date(T0.getTime() + DAY_MS + 1000);
    const reuse = await create('k-expired', { title: 'New request' }, later);
    expect(reuse.result.headers?.['idempotent-replayed']).toBeUndefined();
    expect(await stored(reuse.incident)).toBe(true);
    expect(await stored(first.incident)).toBe(true);
    expect(await record(reuse.claim!.pk)).toMatchObject({
      fingerprint: reuse.claim!.fingerprint,
      expiresAt: Math.floor(later.getTime() / 1000) + 86_400,
    });
    // ...and from then on it protects the new request.
    const replay = await create('k-expired', { title: 'New request' }, new Date(later.getTime() + 1000));
    expect(replay.result.body).toMatchObject({ id: reuse.incident.id });
  });

  it('of concurrent commits with one key, exactly one writes; the others replay it', async () => {
    const attempts = await Promise.allSettled(Array.from({ length: 6 }, () => create('k-race', { title: 'Double click' })));
    const written = [];
    for (const attempt of attempts) {
      if (attempt.status === 'fulfilled' && (await stored(attempt.value.incident))) written.push(attempt.value);
    }
    expect(written).toHaveLength(1);
    const winner = written[0]!.incident.id;
    const claim = idempotency.claimIdempotencyKey(request('k-race'), { title: 'Double click' })!;
    expect(await table.partition(claim.pk)).toHaveLength(1);
    const matching = (await store.listIncidents({}, 100)).items.filter((i) => i.title === 'Double click');
    expect(matching.map((i) => i.id)).toEqual([winner]);
    // Every caller got the one incident: created once, replayed for the others.
    for (const attempt of attempts) {
      expect(attempt.status).toBe('fulfilled');
      if (attempt.status === 'fulfilled') expect(attempt.value.result.body).toMatchObject({ id: winner });
    }
  });
});
