import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

/*
 * Exactly once per change, even when a delivery fails half way. SNS is put behind a loopback
 * proxy that refuses the first Publish calls (more than the SDK's own retries), so the publisher
 * fails its record after the event already went out: the stream retries the record, and the
 * retry publishes the notification without putting the event a second time.
 */
const REFUSED_PUBLISHES = 5;
let stack: TestStack;
let alice: Client;
let proxy: Server;
let refused = 0;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
  const upstream = stack.awsEndpoint;
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes('Action=Publish') && refused < REFUSED_PUBLISHES) {
        refused++;
        response.writeHead(500, { 'content-type': 'text/xml' });
        response.end('<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>refused by the test</Message></Error></ErrorResponse>');
        return;
      }
      void fetch(`${upstream}${request.url}`, { method: request.method ?? 'POST', headers: { 'content-type': request.headers['content-type'] ?? '' }, body })
        .then(async (reply) => {
          response.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'text/xml' });
          response.end(await reply.text());
        });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  // The publisher's module creates its SNS client on first use, after this.
  process.env.AWS_ENDPOINT_URL_SNS = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await stack.stop();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

describe('the outbox publisher', () => {
  it('delivers each change once to each sink when a later sink fails and the record is retried', async () => {
    const created = (await alice.post('/incidents', { title: 'Printer on fire', assignmentGroup: 'service-desk' })).body;
    const updated = await alice.patch(`/incidents/${created.id}`, { title: 'Printer on fire, floor 2' }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);

    const deadline = Date.now() + 30_000;
    const mine = <T extends { message?: unknown; detail?: unknown }>(entries: T[]) =>
      entries.filter((e) => JSON.stringify(e.message ?? e.detail).includes(created.number));
    while (mine(stack.published.notifications()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await stack.settled();

    expect(refused).toBe(REFUSED_PUBLISHES);
    const events = mine(stack.published.events());
    const notifications = mine(stack.published.notifications());
    expect(events.map((e) => e.detailType)).toEqual(['Incident Created', 'Incident Updated']);
    expect(notifications.map((n) => n.attributes.eventType)).toEqual(['Incident Created', 'Incident Updated']);
    // The same event id on both sides: a consumer of either can dedupe and join on it.
    expect(notifications.map((n) => (n.message as { eventId: string }).eventId)).toEqual(events.map((e) => (e.detail as { eventId: string }).eventId));
    expect(stack.deadLetters()).toEqual([]);
  });

  it('announces every change, notes included: one event per history record, the note named but never its text', async () => {
    const carol = await requester(stack);
    const created = (await alice.post('/incidents', { title: 'VPN drops', caller: 'carol', assignmentGroup: 'service-desk' })).body;
    expect((await carol.post(`/incidents/${created.id}/notes`, { body: 'It dropped again at 10:02' })).status).toBe(201);
    expect((await alice.post(`/incidents/${created.id}/notes`, { body: 'Looking into it', visibility: 'public' })).status).toBe(201);
    expect((await alice.post(`/incidents/${created.id}/notes`, { body: 'Suspect the concentrator' })).status).toBe(201);

    // Every record written so far has gone through the publisher, to all its sinks.
    await stack.settled();
    const events = stack.published.events().filter((e) => (e.detail as { incident: { id: string } }).incident.id === created.id);
    expect(events.map((e) => e.detailType)).toEqual(['Incident Created', 'Incident Note Added', 'Incident Note Added', 'Incident Note Added']);
    const notes = events.slice(1).map((e) => e.detail as { note: unknown; changes: { field: string }[] });
    expect(notes.map((n) => n.note)).toEqual([
      { id: expect.any(String), visibility: 'public', author: 'carol' },
      { id: expect.any(String), visibility: 'public', author: 'alice' },
      { id: expect.any(String), visibility: 'work', author: 'alice' },
    ]);
    // The agent's first public comment is the first response: the same event carries it.
    expect(notes[1]?.changes.map((c) => c.field)).toContain('acknowledgedAt');
    expect(JSON.stringify(events)).not.toMatch(/dropped again|Looking into it|concentrator/);
    const recipients = stack.published
      .notifications()
      .filter((n) => n.attributes.eventType === 'Incident Note Added' && JSON.stringify(n.message).includes(created.id))
      .map((n) => (n.message as { recipients: unknown }).recipients);
    expect(recipients).toEqual([
      { users: [], groups: ['service-desk'] },
      { users: ['carol'], groups: [] },
      { users: [], groups: ['service-desk'] },
    ]);
    const history = (await alice.get(`/incidents/${created.id}/history`)).body.items;
    expect(history).toHaveLength(events.length);
  });
});
