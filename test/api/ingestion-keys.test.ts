import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, type Client, startTestStack, type TestStack } from '../support/api.ts';

/**
 * Integration keys at scale: revoking one and refusing to delete a service that still has one must
 * not depend on how many keys the service has had (a bounded look through a service's keys misses
 * those past its bound).
 */
let stack: TestStack;
let ada: Client;

beforeAll(async () => {
  stack = await startTestStack();
  ada = await admin(stack);
});
afterAll(() => stack.stop());

/** More than any bounded look through a service's keys would examine. */
const MANY = 520;

async function inBatches<T>(count: number, size: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += size) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, j) => make(start + j)))));
  }
  return results;
}

const trigger = (routingKey: string, dedupKey: string) =>
  stack.anonymous.post('/v2/enqueue', {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: { summary: 'Scale test', source: 'test', severity: 'info' },
  });

describe('integration keys of a service with many keys', () => {
  it('revokes any key, and refuses to delete the service while one key is live', async () => {
    expect((await ada.post('/services', { name: 'many-keys', ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    const keys = await inBatches(MANY, 20, async (i) => {
      const created = await ada.post('/services/many-keys/integrations', { name: `Sender ${i}` });
      expect(created.status).toBe(201);
      return created.body as { id: string; routingKey: string };
    });

    // Every key but one revoked, the newest last (a look through the oldest first reaches it last).
    const revoked = await inBatches(MANY - 1, 20, (i) => ada.delete(`/services/many-keys/integrations/${keys[i]!.id}`));
    expect(revoked.map((r) => r.status).filter((s) => s !== 204)).toEqual([]);
    expect((await trigger(keys[MANY - 2]!.routingKey, 'revoked')).status).toBe(400);
    expect((await trigger(keys[MANY - 1]!.routingKey, 'live')).status).toBe(202);

    const service = await ada.get('/services/many-keys');
    const refused = await ada.delete('/services/many-keys', { 'if-match': service.headers.get('etag')! });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/service-in-use/);

    const last = await ada.delete(`/services/many-keys/integrations/${keys[MANY - 1]!.id}`);
    expect(last.status).toBe(204);
    expect((await ada.delete(`/services/many-keys/integrations/${keys[MANY - 1]!.id}`)).status).toBe(204);
    expect((await trigger(keys[MANY - 1]!.routingKey, 'live-then-revoked')).status).toBe(400);
    // The live key's event opened an incident, which also names the service (docs/directory.md).
    await stack.settled();
    for (const open of (await ada.get('/incidents?service=many-keys')).body.items) {
      expect((await ada.patch(`/incidents/${open.id}`, { status: 'canceled' }, { 'if-match': `"${open.version}"` })).status).toBe(200);
    }
    const deleted = await ada.delete('/services/many-keys', { 'if-match': (await ada.get('/services/many-keys')).headers.get('etag')! });
    expect(deleted.status).toBe(204);
    // About 1,100 requests: ~15 s alone, but the whole suite shares one DynamoDB Local (which
    // serializes writes) between two workers, and beside a write-heavy file it has taken ~120 s.
    // The test is about correctness at scale, not speed (npm run bench measures speed).
  }, 360_000);

  it("answers 404 for a key id that is not the service's", async () => {
    const created = await ada.post('/services/payments/integrations', { name: 'Elsewhere' });
    expect((await ada.delete(`/services/email/integrations/${created.body.id}`)).status).toBe(404);
    expect((await ada.delete('/services/payments/integrations/01JZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await trigger(created.body.routingKey, 'still-live')).status).toBe(202);
  });
});
