import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChange } from '../../functions/changes/domain/change.ts';
import { changeOutboxRecord } from '../../functions/changes/domain/events.ts';
import { changeOutboxPut } from '../../functions/changes/store/change-outbox.ts';
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
/** The proxy refuses Publish calls while fewer than this many were refused; a test raises it for its own failure. */
let refuseUntil = 0;

beforeAll(async () => {
  // The proxy is in place before the stack starts: the stack publishes while it starts (the seeded
  // catalog's events), and the publisher's SNS client keeps the endpoint it was made with.
  let upstreamKnown: (url: string) => void = () => {};
  const upstream = new Promise<string>((resolve) => {
    upstreamKnown = resolve;
  });
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes('Action=Publish') && refused < refuseUntil) {
        refused++;
        response.writeHead(500, { 'content-type': 'text/xml' });
        response.end('<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>refused by the test</Message></Error></ErrorResponse>');
        return;
      }
      // What arrives while the stack is still starting waits until the local endpoint's URL is known.
      void upstream
        .then((url) =>
          fetch(`${url}${request.url}`, {
            method: request.method ?? 'POST',
            headers: { 'content-type': request.headers['content-type'] ?? '' },
            body,
          }),
        )
        .then(async (reply) => {
          response.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'text/xml' });
          response.end(await reply.text());
        })
        .catch((error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  stack = await startTestStack({ snsEndpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
  upstreamKnown(stack.awsEndpoint);
  alice = await agent(stack);
  // What the start published goes through untouched; the refusals start once it is delivered.
  await stack.settled();
  refused = 0;
  refuseUntil = REFUSED_PUBLISHES;
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
    const events = stack.published.events().filter((e) => (e.detail as { incident?: { id: string } }).incident?.id === created.id);
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

  it("publishes a change request's outbox record like an incident's, marking the sinks on the change's own item", async () => {
    // The record is put as change-request-write.ts puts it, in a transaction of its own: the publisher needs nothing else.
    const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
    const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
    const { GetCommand } = await import('../../functions/shared/store/dynamodb.ts');
    const now = new Date();
    const change = openChange(
      {
        type: 'normal',
        title: 'Rotate the VPN certificates',
        services: ['intranet', 'email'],
        plannedStart: new Date(now.getTime() + 86_400_000).toISOString(),
        plannedEnd: new Date(now.getTime() + 90_000_000).toISOString(),
        assignmentGroup: 'service-desk',
      },
      { id: `01JCHANGE${String(now.getTime()).padStart(17, '0')}`, sequence: 77, actor: { userId: 'alice' }, now },
    );
    const record = changeOutboxRecord({
      eventId: `01JEVENT${String(now.getTime()).padStart(18, '0')}`,
      type: 'Change Approval Requested',
      change,
      actor: 'alice',
      occurredAt: now.toISOString(),
      recipients: { users: [], groups: ['cab'] },
      approval: { round: 1, board: 'cab', quorum: 2, approvals: 0, rejections: 0 },
    });
    // The notification fails after the event went out: the retry must not put the event again.
    refuseUntil = refused + REFUSED_PUBLISHES;
    await transactWrite([changeOutboxPut(record, now)]);

    const deadline = Date.now() + 30_000;
    const mine = <T extends { message?: unknown; detail?: unknown }>(entries: T[]) =>
      entries.filter((e) => JSON.stringify(e.message ?? e.detail).includes(record.eventId));
    while (mine(stack.published.notifications()).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await stack.settled();

    expect(refused).toBe(refuseUntil);
    const events = mine(stack.published.events());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'open-itsm', detailType: 'Change Approval Requested', detail: record.detail });
    expect(events[0]?.detail).not.toHaveProperty('incident');

    const notifications = mine(stack.published.notifications());
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({
      topicArn: expect.stringMatching(/:open-itsm-notifications$/),
      subject: '[normal] Change Approval Requested: CHG0001077',
      attributes: { eventType: 'Change Approval Requested', priority: '-', assignmentGroup: 'service-desk', service: 'intranet' },
      message: { ...record.detail, text: record.notification.text, recipients: { users: [], groups: ['cab'] } },
    });
    expect(record.notification.text).toMatch(/^Approval requested from cab \(round 1, 2 approvals needed\): CHG0001077, planned /);

    // The sinks done before the failure were marked on the change's item, which is how the retry skipped them.
    const stored = await db.send(
      new GetCommand({ TableName: TABLE_NAME, Key: { pk: `CHANGE#${change.id}`, sk: `OUTBOX#${record.eventId}` }, ConsistentRead: true }),
    );
    expect(stored.Item).toMatchObject({ entity: 'outbox', changeId: change.id });
    expect([...(stored.Item?.deliveredTo as Set<string>)].sort()).toEqual(['events', 'timers']);
    expect(stack.schedules().filter((s) => JSON.stringify(s).includes(change.id))).toEqual([]);
    expect(stack.deadLetters()).toEqual([]);
  });
});
