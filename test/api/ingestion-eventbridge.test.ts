import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SOURCE } from '../../functions/routes.ts';
import { loadHandler } from '../../local/http-server.ts';
import { agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let alice: Client;
let events: EventBridgeClient;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
  events = new EventBridgeClient({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  events.destroy();
  await stack.stop();
});

async function put(...entries: PutEventsRequestEntry[]) {
  const reply = await events.send(new PutEventsCommand({ Entries: entries }));
  expect(reply.FailedEntryCount).toBe(0);
  return reply.Entries ?? [];
}

const product = (detailType: string, detail: Record<string, unknown>): PutEventsRequestEntry => ({
  EventBusName: 'itsm-ingestion',
  Source: 'com.example.checkout',
  DetailType: detailType,
  Detail: JSON.stringify({ service: 'payments', ...detail }),
});

const alarmArn = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:checkout-5xx';
const alarm = (value: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA'): PutEventsRequestEntry => ({
  Source: 'aws.cloudwatch',
  DetailType: 'CloudWatch Alarm State Change',
  Resources: [alarmArn],
  Detail: JSON.stringify({
    alarmName: 'checkout-5xx',
    state: { value, reason: `Threshold Crossed: state ${value}`, timestamp: '2026-11-23T09:00:00.000+0000' },
    previousState: { value: 'OK' },
    configuration: {
      description: 'Checkout 5xx. itsm:service=payments itsm:severity=error',
      metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'AWS/ApplicationELB', name: 'HTTPCode_Target_5XX_Count' }, period: 60, stat: 'Sum' } }],
    },
  }),
});

async function incidentsWithKey(dedupKey: string) {
  await stack.settled();
  const page = await alice.get('/incidents?limit=100');
  const matching = page.body.items.filter((i: { dedupKey?: string }) => i.dedupKey === dedupKey);
  return Promise.all(matching.map(async (i: { id: string }) => (await alice.get(`/incidents/${i.id}`)).body));
}

describe('the product events on the ingestion bus', () => {
  it('Incident Trigger opens, repeats count, Acknowledge and Resolve act, through PutEvents', async () => {
    const key = `bus-${randomUUID()}`;
    await put(
      product('Incident Trigger', { dedupKey: key, title: 'DB pool exhausted', severity: 'error', details: { pool: 'primary' }, configurationItem: 'db-2' }),
    );
    await put(product('Incident Trigger', { dedupKey: key, title: 'DB pool exhausted', severity: 'error' }));
    let [incident] = await incidentsWithKey(key);
    expect(incident).toMatchObject({
      title: 'DB pool exhausted',
      priority: 'P2',
      service: 'payments',
      configurationItem: 'db-2',
      caller: 'eventbridge:com.example.checkout',
      alert: { source: 'eventbridge', occurrences: 2 },
    });

    await put(product('Incident Acknowledge', { dedupKey: key }));
    [incident] = await incidentsWithKey(key);
    expect(incident).toMatchObject({ status: 'in_progress', acknowledgedBy: 'eventbridge:com.example.checkout' });

    await put(product('Incident Resolve', { dedupKey: key, title: 'Pool resized' }));
    [incident] = await incidentsWithKey(key);
    expect(incident).toMatchObject({ status: 'resolved', resolutionCode: 'auto_resolved', resolutionNotes: 'Pool resized' });
  });

  it('reports invalid entries in place, as EventBridge does, and routes the valid ones', async () => {
    const key = `mixed-${randomUUID()}`;
    const reply = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'com.example', DetailType: 'Incident Trigger', Detail: 'not json' },
          product('Incident Trigger', { dedupKey: key, title: 'Valid one', severity: 'info' }),
        ],
      }),
    );
    expect(reply.FailedEntryCount).toBe(1);
    expect(reply.Entries?.[0]?.ErrorCode).toBeDefined();
    expect(reply.Entries?.[1]?.EventId).toBeDefined();
    expect(await incidentsWithKey(key)).toHaveLength(1);
  });

  it('does not open incidents from events that break the detail schema', async () => {
    const key = `broken-${randomUUID()}`;
    await put(product('Incident Trigger', { dedupKey: key, severity: 'error' /* no title */ }));
    expect(await incidentsWithKey(key)).toEqual([]);
  });
});

describe("the product's own source and event types", () => {
  it('opens nothing from events carrying the product source or a domain event type', async () => {
    const key = `forged-${randomUUID()}`;
    const detail = { dedupKey: key, title: 'Forged', severity: 'critical' };
    await put({ ...product('Incident Trigger', detail), Source: EVENT_SOURCE }, product('Incident Created', detail), {
      ...product('Change Scheduled', detail),
      Source: EVENT_SOURCE,
    });
    expect(await incidentsWithKey(key)).toEqual([]);
  });
});

describe('CloudWatch alarm state changes', () => {
  it('ALARM triggers, INSUFFICIENT_DATA is recorded, OK resolves; keyed by the alarm ARN', async () => {
    await put(alarm('ALARM'));
    let [incident] = await incidentsWithKey(alarmArn);
    expect(incident).toMatchObject({ title: 'checkout-5xx is in ALARM', priority: 'P2', service: 'payments', assignmentGroup: 'database', status: 'new' });
    expect(incident.description).toContain('HTTPCode_Target_5XX_Count');

    await put(alarm('INSUFFICIENT_DATA'));
    [incident] = await incidentsWithKey(alarmArn);
    expect(incident.status).toBe('new');
    expect(incident.alert.occurrences).toBe(1);
    expect(incident.alert.recent.map((r: { action: string }) => r.action)).toEqual(['trigger', 'record']);

    await put(alarm('OK'));
    [incident] = await incidentsWithKey(alarmArn);
    expect(incident).toMatchObject({ status: 'resolved', resolutionCode: 'auto_resolved' });

    // With no open incident, INSUFFICIENT_DATA opens nothing.
    await put(alarm('INSUFFICIENT_DATA'));
    expect(await incidentsWithKey(alarmArn)).toHaveLength(1);
  });
});

describe('redelivery', () => {
  it('records and applies an EventBridge event once, however often the queue delivers it', async () => {
    const key = `redelivered-${randomUUID()}`;
    const envelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Incident Trigger',
      source: 'com.example.checkout',
      account: '000000000000',
      time: '2026-11-23T09:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { dedupKey: key, title: 'Delivered twice', severity: 'warning', service: 'payments' },
    };
    const message = (messageId: string): SQSEvent => ({
      Records: [
        {
          messageId,
          receiptHandle: messageId,
          body: JSON.stringify(envelope),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'events',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:itsm-local-ingestion',
          awsRegion: 'us-east-1',
        },
      ],
    });
    const record = (await loadHandler('recordBusEvents')) as unknown as (event: SQSEvent) => Promise<{ batchItemFailures: unknown[] }>;
    expect((await record(message('m1'))).batchItemFailures).toEqual([]);
    expect((await record(message('m2'))).batchItemFailures).toEqual([]);
    const incidents = await incidentsWithKey(key);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].alert.occurrences).toBe(1);
  });
});
