import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IngestionRule } from '../../functions/ingestion/rules.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { DeadLetters } from '../../local/dead-letters.ts';
import { defaultBuses, eventBridgeService, LOCAL_INGESTION_BUS } from '../../local/eventbridge.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The AWS CLI, when this machine has one (Debian's awscli, pip's, ...). */
const awsCli = await promisify(execFile)('aws', ['--version']).then(
  () => true,
  () => false,
);

/** The rules of the test: the real ones, plus one on a bus of its own that overlaps with them. */
const OVERLAP: IngestionRule = { id: 'AnyCheckout', description: 'overlaps ProductEvents', eventPattern: { source: [{ prefix: 'com.example.checkout' }] } };
const buses = { ...defaultBuses(), 'overlapping-bus': [...(defaultBuses()[LOCAL_INGESTION_BUS] ?? []), OVERLAP] };

type Decide = (event: SQSEvent) => SQSBatchResponse | Promise<SQSBatchResponse>;
let decide: Decide;
let calls: SQSRecord[][];
let printed: string[];
let deadLetters: DeadLetters;
let endpoint: AwsEndpoint;
let events: EventBridgeClient;

beforeAll(async () => {
  deadLetters = new DeadLetters(100, (line) => printed.push(line));
  const invoke = async (functionId: string, event: unknown) => {
    expect(functionId).toBe('recordBusEvents');
    calls.push((event as SQSEvent).Records);
    return decide(event as SQSEvent);
  };
  endpoint = await startAwsEndpoint({
    port: 0,
    services: [eventBridgeService({ deadLetters, buses, invoke, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } })],
    routes: { 'GET /local/dead-letters': () => deadLetters.list() },
  });
  events = new EventBridgeClient({ endpoint: endpoint.url, region: 'us-east-1', credentials });
});
afterAll(async () => {
  events.destroy();
  await endpoint.stop();
});
beforeEach(() => {
  decide = () => ({ batchItemFailures: [] });
  calls = [];
  printed = [];
});

const trigger = (more: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: LOCAL_INGESTION_BUS,
  Source: 'com.example.checkout',
  DetailType: 'Incident Trigger',
  Detail: JSON.stringify({ dedupKey: 'db-pool', title: 'DB pool exhausted', severity: 'error' }),
  ...more,
});
const alarm: PutEventsRequestEntry = {
  Source: 'aws.cloudwatch',
  DetailType: 'CloudWatch Alarm State Change',
  Resources: ['arn:aws:cloudwatch:us-east-1:111122223333:alarm:checkout-5xx'],
  Detail: JSON.stringify({ alarmName: 'checkout-5xx', state: { value: 'ALARM' } }),
};
const bodies = () => calls.flat().map((m) => JSON.parse(m.body));

describe('PutEvents through @aws-sdk/client-eventbridge', () => {
  it('delivers the EventBridge event, as an SQS message, to the queue consumer before answering', async () => {
    let finished = false;
    decide = async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      finished = true;
      return { batchItemFailures: [] };
    };
    const time = new Date('2026-11-23T09:15:30.123Z');
    const reply = await events.send(new PutEventsCommand({ Entries: [trigger({ Time: time, Resources: ['arn:aws:ecs:us-east-1:1:service/checkout'] })] }));
    expect(finished).toBe(true);
    expect(reply.FailedEntryCount).toBe(0);
    const eventId = reply.Entries?.[0]?.EventId;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    expect(calls).toHaveLength(1);
    const [message] = calls[0] as [SQSRecord];
    expect(message).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:itsm-local-ingestion',
      awsRegion: 'us-east-1',
      messageAttributes: {},
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(message.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(message.body)).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'Incident Trigger',
      source: 'com.example.checkout',
      account: '000000000000',
      time: '2026-11-23T09:15:30Z',
      region: 'us-east-1',
      resources: ['arn:aws:ecs:us-east-1:1:service/checkout'],
      detail: { dedupKey: 'db-pool', title: 'DB pool exhausted', severity: 'error' },
    });
  });

  it('stamps the time of receipt, to the second, when the entry has none', async () => {
    await events.send(new PutEventsCommand({ Entries: [trigger()] }));
    const [body] = bodies();
    expect(body.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(body.time) - Date.now())).toBeLessThan(5000);
  });

  it('reports invalid entries in place and still delivers the valid ones', async () => {
    const reply = await events.send(
      new PutEventsCommand({
        Entries: [
          trigger({ Source: undefined }),
          trigger({ Detail: 'not json' }),
          trigger({ Detail: '["an array"]' }),
          trigger({ DetailType: 'x'.repeat(129) }),
          trigger(),
        ],
      }),
    );
    expect(reply.FailedEntryCount).toBe(4);
    expect(reply.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['InvalidArgument', 'MalformedDetail', 'MalformedDetail', 'InvalidArgument', 'ok']);
    expect(reply.Entries?.[0]?.ErrorMessage).toContain('Source');
    expect(reply.Entries?.[4]?.EventId).toBeDefined();
    expect(bodies().map((b) => b.id)).toEqual([reply.Entries?.[4]?.EventId]);
  });

  it('refuses a whole request as the API does: more than 10 entries, over 256 KB, no complete entry', async () => {
    const many = Array.from({ length: 11 }, () => trigger());
    await expect(events.send(new PutEventsCommand({ Entries: many }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    const big = trigger({ Detail: JSON.stringify({ dedupKey: 'big', title: 'x'.repeat(140 * 1024) }) });
    await expect(events.send(new PutEventsCommand({ Entries: [big, big] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('over the limit'),
    });
    await expect(events.send(new PutEventsCommand({ Entries: [{ Source: 'x' }] }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(calls).toEqual([]);
  });

  it('routes by bus: the ingestion bus (by name or ARN) runs every rule, the default bus the alarm rule, other buses none', async () => {
    const reply = await events.send(
      new PutEventsCommand({
        Entries: [
          trigger(),
          trigger({ EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/itsm-ingestion', DetailType: 'Incident Resolve' }),
          { ...alarm },
          { ...alarm, EventBusName: 'default' },
          trigger({ EventBusName: undefined }), // a product event on the default bus: no rule there
          trigger({ EventBusName: 'someone-elses-bus' }),
          trigger({ DetailType: 'Incident Created' }), // matches no rule
        ],
      }),
    );
    expect(reply.FailedEntryCount).toBe(0);
    expect(reply.Entries?.every((e) => e.EventId !== undefined)).toBe(true);
    expect(bodies().map((b) => `${b.source} ${b['detail-type']}`)).toEqual([
      'com.example.checkout Incident Trigger',
      'com.example.checkout Incident Resolve',
      'aws.cloudwatch CloudWatch Alarm State Change',
      'aws.cloudwatch CloudWatch Alarm State Change',
    ]);
  });

  it('delivers an event once per rule it matches, as AWS does (the function records it once by id)', async () => {
    const reply = await events.send(new PutEventsCommand({ Entries: [trigger({ EventBusName: 'overlapping-bus' })] }));
    const eventId = reply.Entries?.[0]?.EventId;
    const messages = calls.flat();
    expect(messages).toHaveLength(2);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(2);
    expect(messages.map((m) => JSON.parse(m.body).id)).toEqual([eventId, eventId]);
  });

  it('puts 10 entries matching 2 rules each in batches of at most 10 messages', async () => {
    await events.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, () => trigger({ EventBusName: 'overlapping-bus' })) }));
    expect(calls.map((batch) => batch.length)).toEqual([10, 10]);
  });
});

describe('redelivery and dead letters', () => {
  it('redelivers the messages the function reports, with the receive count going up', async () => {
    let failuresLeft = 2;
    decide = (event) => {
      const failing = event.Records.filter((m) => JSON.parse(m.body).detail.dedupKey === 'flaky');
      if (failing.length === 0 || failuresLeft-- <= 0) return { batchItemFailures: [] };
      return { batchItemFailures: failing.map((m) => ({ itemIdentifier: m.messageId })) };
    };
    const reply = await events.send(
      new PutEventsCommand({ Entries: [trigger(), trigger({ Detail: JSON.stringify({ dedupKey: 'flaky', title: 't', severity: 'info' }) })] }),
    );
    expect(reply.FailedEntryCount).toBe(0);
    expect(calls.map((batch) => batch.map((m) => `${JSON.parse(m.body).detail.dedupKey}#${m.attributes.ApproximateReceiveCount}`))).toEqual([
      ['db-pool#1', 'flaky#1'],
      ['flaky#2'],
      ['flaky#3'],
    ]);
    const flaky = calls.flat().filter((m) => JSON.parse(m.body).detail.dedupKey === 'flaky');
    expect(new Set(flaky.map((m) => m.messageId)).size).toBe(1);
    expect(deadLetters.list()).toEqual([]);
  });

  it('after the last attempt, dead-letters the message, prints it, lists it at GET /local/dead-letters, and still answers with the EventId', async () => {
    decide = () => {
      throw new Error('table unavailable');
    };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const reply = await events.send(
      new PutEventsCommand({ Entries: [trigger({ Detail: JSON.stringify({ dedupKey: 'doomed', title: 't', severity: 'info' }) })] }),
    );
    expect(logged).toHaveBeenCalledTimes(3); // "function failed", once per attempt
    logged.mockRestore();
    expect(reply.FailedEntryCount).toBe(0);
    expect(calls).toHaveLength(3);
    expect(printed).toHaveLength(1);
    expect(JSON.parse(printed[0] as string)).toMatchObject({
      level: 'error',
      functionId: 'recordBusEvents',
      condition: 'MaxReceiveCountExceeded',
      attempts: 3,
    });

    const listed = (await (await fetch(`${endpoint.url}/local/dead-letters`)).json()) as { record: SQSRecord }[];
    const mine = listed.filter((letter) => JSON.parse(letter.record.body).detail.dedupKey === 'doomed');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ source: 'ingestionQueue', error: 'Error: table unavailable', record: { attributes: { ApproximateReceiveCount: '3' } } });
    expect(JSON.parse(mine[0]?.record.body as string).id).toBe(reply.Entries?.[0]?.EventId);
  });
});

describe('the endpoint', () => {
  it('answers operations it does not implement as AWS does, with the error type the SDKs read', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutRule' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
    const garbage = await fetch(endpoint.url, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.PutEvents' }, body: '{' });
    expect(await garbage.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('hands requests without X-Amz-Target (REST and query protocols) to the raw handlers, in order', async () => {
    const other = await startAwsEndpoint({
      port: 0,
      services: [],
      handlers: [
        async (request, url, _body, response) => {
          if (!url.pathname.startsWith('/schedules/')) return false;
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, name: url.pathname.split('/')[2] }));
          return true;
        },
      ],
    });
    try {
      expect(await (await fetch(`${other.url}/schedules/sla-1`, { method: 'POST', body: '{}' })).json()).toEqual({ method: 'POST', name: 'sla-1' });
      const unclaimed = await fetch(`${other.url}/`, { method: 'POST', body: 'Action=Publish' });
      expect(unclaimed.status).toBe(404);
    } finally {
      await other.stop();
    }
  });

  it('is reached through AWS_ENDPOINT_URL_EVENTBRIDGE by a client with no endpoint of its own', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoint.url;
    const plain = new EventBridgeClient({ region: 'us-east-1', credentials });
    try {
      const reply = await plain.send(new PutEventsCommand({ Entries: [trigger()] }));
      expect(reply.FailedEntryCount).toBe(0);
      expect(calls).toHaveLength(1);
    } finally {
      plain.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
      else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = saved;
    }
  });

  it.skipIf(!awsCli)('takes `aws events put-events --endpoint-url` from the AWS CLI', async () => {
    const { AWS_PROFILE: _profile, AWS_SESSION_TOKEN: _session, ...env } = process.env;
    const { stdout } = await promisify(execFile)(
      'aws',
      ['events', 'put-events', '--endpoint-url', endpoint.url, '--output', 'json', '--entries', JSON.stringify([{ ...trigger(), Time: undefined }, alarm])],
      { env: { ...env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: 'us-east-1' } },
    );
    const reply = JSON.parse(stdout);
    expect(reply.FailedEntryCount).toBe(0);
    expect(reply.Entries).toHaveLength(2);
    expect(bodies().map((b) => b['detail-type'])).toEqual(['Incident Trigger', 'CloudWatch Alarm State Change']);
  });
});
