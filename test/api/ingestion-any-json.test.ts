import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

/**
 * Whatever JSON the PagerDuty Events v2 format (and an EventBridge detail) allows is accepted,
 * recorded and opens its incident: numbers beyond a double or beyond DynamoDB, empty and
 * duplicate keys, deep nesting, bodies up to 512 KB. What a DynamoDB map cannot hold unchanged is
 * kept as the JSON text it arrived as.
 */
let stack: TestStack;
let ada: Client;
let alice: Client;
let routingKey: string;
let counter: RequestCounter;

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  ada = await admin(stack);
  alice = await agent(stack);
  routingKey = (await ada.post('/services/payments/integrations', { name: 'Any JSON', rateLimitPerMinute: 10_000 })).body.routingKey;
});
afterAll(async () => {
  await stack.stop();
  await counter.stop();
});

/** A trigger whose custom_details are given as JSON text, as a sender may write them. */
const triggerText = (dedupKey: string, customDetails: string, key = routingKey) =>
  `{"routing_key":"${key}","event_action":"trigger","dedup_key":"${dedupKey}","payload":{"summary":"Edge ${dedupKey}","source":"test","severity":"warning","custom_details":${customDetails}}}`;

const send = (text: string) => stack.anonymous.request('POST', '/v2/enqueue', { raw: text, headers: { 'content-type': 'application/json' } });

async function openedWith(dedupKey: string) {
  await stack.settled();
  const page = await alice.get('/incidents?service=payments&limit=100');
  const matching = page.body.items.filter((i: { dedupKey?: string }) => i.dedupKey === dedupKey);
  expect(matching, dedupKey).toHaveLength(1);
  const incident = (await alice.get(`/incidents/${matching[0].id}`)).body;
  const events = (await alice.get(`/incidents/${incident.id}/events`)).body.items;
  expect(events).toHaveLength(1);
  return { incident, event: events[0] };
}

describe('POST /v2/enqueue takes any JSON the format allows', () => {
  it('keeps numbers beyond a double or DynamoDB as the text sent', async () => {
    const details = '{"big":12345678901234567890,"huge":1e400,"tiny":1e-400,"precise":0.10000000000000000001,"fine":1.5}';
    const reply = await send(triggerText('numbers', details));
    expect(reply.status).toBe(202);
    const { incident, event } = await openedWith('numbers');
    expect(event.details).toBeUndefined();
    expect(event.detailsJson).toBe(details);
    expect(event.raw).toBeUndefined();
    expect(event.rawJson).toContain('"big":12345678901234567890');
    expect(event.rawJson).toContain('"tiny":1e-400');
    expect(event.rawJson).not.toContain(routingKey);
    expect(incident.description).toContain('12345678901234567890');
    expect(incident.description).toContain('1e400');
  });

  it('keeps maps DynamoDB cannot hold (an empty key, 40 levels deep) as text, and serves raw parsed when JSON can carry it', async () => {
    const emptyKey = '{"":"blank","a":1}';
    expect((await send(triggerText('empty-key', emptyKey))).status).toBe(202);
    const first = await openedWith('empty-key');
    expect(first.event.detailsJson).toBe(emptyKey);
    expect(first.event.raw.payload.custom_details).toEqual({ '': 'blank', a: 1 });

    const deep = `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`;
    expect((await send(triggerText('forty-deep', `{"deep":${deep}}`))).status).toBe(202);
    const second = await openedWith('forty-deep');
    expect(second.event.detailsJson).toBe(`{"deep":${deep}}`);
    expect(second.incident.title).toBe('Edge forty-deep');
  });

  it('takes nesting far deeper than any serializer recurses', async () => {
    const levels = 100_000;
    const details = `{"deep":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    expect((await send(triggerText('very-deep', details))).status).toBe(202);
    const { event } = await openedWith('very-deep');
    expect(event.detailsJson).toBe(details);
    expect(event.rawJson.length).toBeGreaterThan(2 * levels);
  });

  it('takes text the API would refuse from a person (control characters, an unpaired surrogate): a monitor sent it', async () => {
    const text = `{"routing_key":"${routingKey}","event_action":"trigger","dedup_key":"odd-text","payload":{"summary":"Disk\\u0007 full \\ud800 on web-1","source":"test","severity":"info"}}`;
    expect((await send(text)).status).toBe(202);
    const { incident, event } = await openedWith('odd-text');
    expect(incident.title).toContain('full');
    expect(event.raw.payload.summary).toBe('Disk\u0007 full \ud800 on web-1');
  });

  it('keeps plain details as a map, as before', async () => {
    expect((await send(triggerText('plain', '{"p99":"2.3s","count":3,"nested":{"ok":true}}'))).status).toBe(202);
    const { event } = await openedWith('plain');
    expect(event.details).toEqual({ p99: '2.3s', count: 3, nested: { ok: true } });
    expect(event.detailsJson).toBeUndefined();
    expect(event.raw.payload.custom_details.count).toBe(3);
  });

  it('accepts bodies up to 512 KB, and answers larger ones 413 in PagerDuty shape', async () => {
    const filler = (bytes: number) => JSON.stringify({ log: 'x'.repeat(bytes) });
    const head = triggerText('big-body', filler(0)).length;
    const big = triggerText('big-body', filler(512 * 1024 - head));
    expect(Buffer.byteLength(big)).toBe(512 * 1024);
    const accepted = await send(big);
    expect(accepted.status).toBe(202);
    const { event } = await openedWith('big-body');
    expect(event.raw.payload.custom_details.log).toHaveLength(512 * 1024 - head);

    const tooBig = await send(triggerText('big-bodx', filler(512 * 1024 - head + 1)));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatchObject({ status: 'invalid event', message: expect.any(String), errors: [expect.stringMatching(/512 KB|524288/)] });
  });

  it('answers malformed JSON and a wrong body 400 in PagerDuty shape', async () => {
    for (const text of [
      '{"routing_key":',
      '',
      '[]',
      '"text"',
      `{"routing_key":"${routingKey}","event_action":"trigger","payload":{"custom_details":{"n":1e400}}}`,
    ]) {
      const reply = await send(text);
      expect(reply.status, text).toBe(400);
      expect(reply.body, text).toMatchObject({ status: 'invalid event', message: expect.any(String), errors: expect.any(Array) });
    }
  });

  it('spends a rate-limit slot only on events recorded', async () => {
    const limited = (await ada.post('/services/payments/integrations', { name: 'Two a minute', rateLimitPerMinute: 2 })).body.routingKey;
    // Refused before admission: no slot spent.
    for (let i = 0; i < 3; i++) expect((await send(`{"routing_key":"${limited}","event_action":"trigger"}`)).status).toBe(400);
    expect((await send(triggerText(`slot-${randomUUID()}`, '{"n":1e400}', limited))).status).toBe(202);
    expect((await send(triggerText(`slot-${randomUUID()}`, '{"n":12345678901234567890}', limited))).status).toBe(202);
  });
});

describe('the events of an incident, however large', () => {
  it('come in pages that stay within what Lambda may answer (6 MB), every event reachable by cursor, reading only the raw parts of the events served', async () => {
    const log = 'y'.repeat(480 * 1024);
    // Each event's raw text is 5 parts: 21 events hold more parts than one BatchGetItem reads (100).
    const count = 21;
    for (let i = 0; i < count; i++) expect((await send(triggerText('large-storm', JSON.stringify({ i, log })))).status).toBe(202);
    await stack.settled();
    const page = await alice.get('/incidents?service=payments&limit=100');
    const incident = page.body.items.find((i: { dedupKey?: string }) => i.dedupKey === 'large-storm');
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      counter.reset();
      const reply = await alice.request('GET', `/incidents/${incident.id}/events?limit=100${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      expect(reply.status).toBe(200);
      expect(Buffer.byteLength(JSON.stringify(reply.body))).toBeLessThan(6 * 1000 * 1000);
      // The parts of a page's events fit one BatchGetItem: those of events left for the next page are not read.
      expect(counter.operations().filter((operation) => operation === 'BatchGetItem')).toEqual(['BatchGetItem']);
      pages++;
      for (const event of reply.body.items) seen.push(event.raw.payload.custom_details.i);
      cursor = reply.body.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(pages).toBeGreaterThan(2);
  }, 120_000);
});

describe('EventBridge details take any JSON the bus allows', () => {
  it('records and opens events whose detail DynamoDB cannot hold as a map, without retries or dead letters', async () => {
    const events = new EventBridgeClient({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const key = `bus-edge-${randomUUID()}`;
      const details = '{"big":12345678901234567890,"tiny":1e-400,"":"blank"}';
      const reply = await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: 'itsm-ingestion',
              Source: 'com.example.checkout',
              DetailType: 'Incident Trigger',
              Detail: `{"dedupKey":"${key}","title":"Bus edge","severity":"error","service":"payments","details":${details}}`,
            },
          ],
        }),
      );
      expect(reply.FailedEntryCount).toBe(0);
      const { incident, event } = await openedWith(key);
      expect(incident.title).toBe('Bus edge');
      expect(event.detailsJson).toBe(details);
      expect(event.rawJson).toContain('12345678901234567890');
      expect(JSON.stringify(stack.deadLetters())).not.toContain(key);
    } finally {
      events.destroy();
    }
  });
});
