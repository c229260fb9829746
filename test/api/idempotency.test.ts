import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let alice: Client;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
});
afterAll(() => stack.stop());

const countIncidents = async (title: string) => (await alice.get('/incidents?limit=100')).body.items.filter((i: { title: string }) => i.title === title).length;

describe('Idempotency-Key on POST', () => {
  it('replays the first response for the same key and body, and creates nothing more', async () => {
    const key = randomUUID();
    const body = { title: 'Replay me', impact: 2, urgency: 2 };
    const first = await alice.post('/incidents', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // Same content, different key order and formatting: still the same request.
    const again = await alice.request('POST', '/incidents', {
      raw: '{ "urgency": 2, "impact": 2,   "title": "Replay me" }',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await countIncidents('Replay me')).toBe(1);
  });

  it('answers 422 for the same key with a different body, and creates nothing', async () => {
    const key = randomUUID();
    expect((await alice.post('/incidents', { title: 'Original' }, { 'idempotency-key': key })).status).toBe(201);
    const reused = await alice.post('/incidents', { title: 'Different' }, { 'idempotency-key': key });
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
    expect(reused.body.type).toMatch(/idempotency-key-reused/);
    expect(await countIncidents('Different')).toBe(0);
  });

  it('creates exactly one incident when the same request races itself', async () => {
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 10 }, () => alice.post('/incidents', { title: 'Racing retries' }, { 'idempotency-key': key })));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect(await countIncidents('Racing retries')).toBe(1);
  });

  it('scopes keys to the caller: another user with the same key creates their own incident', async () => {
    const key = randomUUID();
    const bob = await agent(stack, 'bob');
    const a = await alice.post('/incidents', { title: 'Shared key' }, { 'idempotency-key': key });
    const b = await bob.post('/incidents', { title: 'Shared key' }, { 'idempotency-key': key });
    expect(a.body.id).not.toBe(b.body.id);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
  });

  it('does not remember failed requests: a corrected retry with the same key succeeds', async () => {
    const key = randomUUID();
    const bad = await alice.post('/incidents', { title: 'x', service: 'no-such-service' }, { 'idempotency-key': key });
    expect(bad.status).toBe(400);
    const good = await alice.post('/incidents', { title: 'x', service: 'email' }, { 'idempotency-key': key });
    expect(good.status).toBe(201);
  });

  it('replays notes and directory creates too', async () => {
    const incident = (await alice.post('/incidents', { title: 'Noted' })).body;
    const key = randomUUID();
    const note1 = await alice.post(`/incidents/${incident.id}/notes`, { body: 'once' }, { 'idempotency-key': key });
    const note2 = await alice.post(`/incidents/${incident.id}/notes`, { body: 'once' }, { 'idempotency-key': key });
    expect(note2.body).toEqual(note1.body);
    // A retry sent to the incident's other address (its number) is the same request.
    const note3 = await alice.post(`/incidents/${incident.number}/notes`, { body: 'once' }, { 'idempotency-key': key });
    expect(note3.body).toEqual(note1.body);
    expect(note3.headers.get('idempotent-replayed')).toBe('true');
    expect((await alice.get(`/incidents/${incident.id}/notes`)).body.items).toHaveLength(1);

    const ada = await admin(stack);
    const groupKey = randomUUID();
    const group = { name: 'replayed-group', members: ['alice'] };
    const g1 = await ada.post('/groups', group, { 'idempotency-key': groupKey });
    const g2 = await ada.post('/groups', group, { 'idempotency-key': groupKey });
    expect(g1.status).toBe(201);
    expect(g2.status).toBe(201);
    expect(g2.headers.get('idempotent-replayed')).toBe('true');
  });

  it('rejects keys that are not 1-255 visible ASCII characters', async () => {
    const reply = await alice.post('/incidents', { title: 'bad key' }, { 'idempotency-key': 'x'.repeat(256) });
    expect(reply.status).toBe(400);
    expect(await countIncidents('bad key')).toBe(0);
  });
});
