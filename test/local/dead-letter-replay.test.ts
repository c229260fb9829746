import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { invokeFunction } from '../../local/invoke.ts';
import { type LocalStack, startLocalStack } from '../../local/runtime.ts';
import { localOutputs, type Outputs, replayDeadLetters } from '../../scripts/replay-dead-letters.ts';
import { type Client, client } from '../support/api.ts';

/*
 * Each dead-letter path, end to end on the local runtime: a function "down" (the invoke wrapper
 * fails it) makes the real event source give a delivery up into its dead-letter queue or, for a
 * stream consumer, its failure bucket; once it is back, `replay-dead-letters` (the same code
 * `npm run replay-dead-letters` runs, against the local SQS, S3, Lambda and Step Functions
 * endpoints) delivers it, and a second replay finds nothing left.
 */
const down = new Set<string>();
/** While set, the publisher's stream batches are kept here instead of delivered (and count as done). */
let held: DynamoDBRecord[] | undefined;
/** While set, the publisher's invocations wait for it (`gateReached` says one is waiting). */
let gate: Promise<void> | undefined;
let gateReached = false;
/**
 * Outbox records carrying one of these texts fail as when a sink is down: the publisher takes the
 * records before the first of them and reports it failed, the records after it untouched.
 */
const sinkDownFor = new Set<string>();
/** Every batch the publisher was invoked with. */
const publisherBatches: DynamoDBRecord[][] = [];
let stack: LocalStack;
let alice: Client;
let outputs: Outputs;
const lines: string[] = [];
const print = (line: string) => lines.push(line);

beforeAll(async () => {
  stack = await startLocalStack({
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableName: `test-${randomUUID()}`,
    httpPort: 0,
    seed: true,
    printPublished: false,
    invoke: async (functionId, event) => {
      if (down.has(functionId)) throw new Error(`${functionId} is down (test outage)`);
      if (functionId === 'publishOutbox') {
        const records = (event as DynamoDBStreamEvent).Records;
        publisherBatches.push(records);
        if (gate !== undefined) {
          gateReached = true;
          await gate;
        }
        if (held !== undefined) {
          held.push(...records);
          return { batchItemFailures: [] };
        }
        const failing = records.findIndex((r) => [...sinkDownFor].some((text) => JSON.stringify(r.dynamodb?.NewImage).includes(text)));
        if (failing >= 0) {
          const before =
            failing === 0 ? { batchItemFailures: [] } : ((await invokeFunction(functionId, { Records: records.slice(0, failing) })) as DynamoDBBatchResponse);
          if (before.batchItemFailures.length > 0) return before;
          return { batchItemFailures: [{ itemIdentifier: records[failing]?.dynamodb?.SequenceNumber as string }] };
        }
      }
      return invokeFunction(functionId, event);
    },
  });
  alice = client(stack.url, await stack.token('alice', ['agent']));
  outputs = await localOutputs(stack.awsEndpoint);
});
afterAll(async () => {
  await stack?.stop();
});

const until = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const queueOf = (suffix: string) => stack.deadLetters().filter((d) => String(d.queue).endsWith(suffix));

const s3 = () => new S3Client({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
/** The failure records in the publisher's bucket, read over the local S3 endpoint. */
async function outboxFailureRecords(): Promise<{ key: string; record: { payload: string; timestamp: string; DDBStreamBatchInfo: Record<string, unknown> } }[]> {
  const client = s3();
  try {
    const bucket = outputs.PublishOutboxFailureBucketName as string;
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return await Promise.all(
      (listed.Contents ?? []).map(async ({ Key }) => {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        return { key: Key as string, record: JSON.parse(await object.Body!.transformToString()) };
      }),
    );
  } finally {
    client.destroy();
  }
}
/** The outbox records of one incident that a failure record carries. */
const outboxItemsIn = (payload: string, incidentId: string) =>
  (JSON.parse(payload) as { Records: { dynamodb: { NewImage: Record<string, { S?: string }> } }[] }).Records.map((r) => r.dynamodb.NewImage).filter((image) =>
    JSON.stringify(image).includes(incidentId),
  );

describe('replaying dead letters', () => {
  it('email: a received message the receiver failed on after its retries lands in its dead-letter queue and the replay receives it, once', async () => {
    const requests = async () => ((await alice.get('/requests?limit=100')).body.items as { number: string }[]).length;
    const before = await requests();
    down.add('receiveEmail');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtp.port, secure: false, ignoreTLS: true });
    try {
      const sent = await transport.sendMail({ from: 'carol@example.com', to: 'requests@itsm.local', subject: 'Replayed printer jam', text: 'Tray 2.' });
      expect(sent.response).toMatch(/^250 /);
    } finally {
      transport.close();
    }
    await stack.inboundMailSettled();
    // Lambda's record of the invocation, with SES's event, as its SQS on-failure destination gets it.
    const [dead] = queueOf('receive-email-dead-letters');
    expect(queueOf('receive-email-dead-letters')).toHaveLength(1);
    expect(dead).toMatchObject({ functionId: 'receiveEmail', source: 'asyncInvocation', condition: 'RetriesExhausted', attempts: 3 });
    expect(
      (dead?.record as { requestPayload: { Records: { ses: { mail: { commonHeaders: { subject: string } } } }[] } }).requestPayload.Records[0]?.ses.mail
        .commonHeaders.subject,
    ).toBe('Replayed printer jam');
    expect(await requests()).toBe(before);

    // Still down: the replay fails and leaves it in the queue.
    expect(await replayDeadLetters({ group: 'email', outputs, print })).toMatchObject({ replayed: 0, failed: 1 });
    expect(queueOf('receive-email-dead-letters')).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('NOT replayed email ReceiveEmailDeadLetterQueueUrl') && l.includes('SES message'))).toBe(true);

    down.delete('receiveEmail');
    expect(await replayDeadLetters({ group: 'email', outputs, print })).toEqual({ replayed: 1, failed: 0, listed: 0, deferred: 0 });
    await stack.settled();
    expect(await requests()).toBe(before + 1);
    expect(queueOf('receive-email-dead-letters')).toHaveLength(0);
    expect(await replayDeadLetters({ group: 'email', outputs, print })).toEqual({ replayed: 0, failed: 0, listed: 0, deferred: 0 });
  });

  it('ingestion: a bus event the recording function failed is recorded by the replay, once', async () => {
    down.add('recordBusEvents');
    const dedupKey = `replay-${randomUUID()}`;
    const put = await fetch(stack.awsEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({
        Entries: [
          {
            EventBusName: 'itsm-ingestion',
            Source: 'com.example.checkout',
            DetailType: 'Incident Trigger',
            Detail: JSON.stringify({ dedupKey, title: 'Replayed checkout alert', severity: 'error', service: 'payments' }),
          },
        ],
      }),
    });
    expect(put.status).toBe(200);
    expect(queueOf('ingestion-dead-letters')).toHaveLength(1);
    const findIncident = async () =>
      ((await alice.get('/incidents?limit=100')).body.items as { title: string; number: string }[]).filter((i) => i.title === 'Replayed checkout alert');
    expect(await findIncident()).toEqual([]);

    // Still down: the message goes back to the ingestion queue (replayed), whose consumer gives it
    // up again into the dead-letter queue, where it waits for the next run instead of looping.
    const failing = await replayDeadLetters({ group: 'ingestion', outputs, print });
    expect(failing).toMatchObject({ replayed: 1, failed: 0, deferred: 1 });
    expect(queueOf('ingestion-dead-letters')).toHaveLength(1);
    expect(
      lines.some((l) => l.startsWith('left for the next run ingestion IngestionDeadLetterQueueUrl') && l.includes('it arrived again during this run')),
    ).toBe(true);

    down.delete('recordBusEvents');
    const dry = await replayDeadLetters({ group: 'ingestion', outputs, print, dryRun: true });
    expect(dry.listed).toBe(1);
    expect(queueOf('ingestion-dead-letters')).toHaveLength(1);

    const result = await replayDeadLetters({ group: 'ingestion', outputs, print });
    expect(result).toEqual({ replayed: 1, failed: 0, listed: 0, deferred: 0 });
    await stack.settled();
    expect(await findIncident()).toHaveLength(1);
    expect(queueOf('ingestion-dead-letters')).toHaveLength(0);
    expect(lines.some((l) => l.startsWith('replayed ingestion IngestionDeadLetterQueueUrl') && l.includes('Incident Trigger'))).toBe(true);

    // Nothing left: a second replay does nothing.
    expect(await replayDeadLetters({ group: 'ingestion', outputs, print })).toEqual({ replayed: 0, failed: 0, listed: 0, deferred: 0 });
  });

  it('outbox: a record the publisher gave up on is published by the replay, from the batch its failure record in S3 carries', async () => {
    down.add('publishOutbox');
    const created = (await alice.post('/incidents', { title: 'Outbox replay', assignmentGroup: 'service-desk' })).body as { id: string; number: string };
    await stack.settled();
    await until(async () => (await outboxFailureRecords()).some((f) => outboxItemsIn(f.record.payload, created.id).length > 0), 'the outbox failure record');
    const createdEvents = () => stack.published.events().filter((e) => e.detailType === 'Incident Created' && JSON.stringify(e.detail).includes(created.id));
    expect(createdEvents()).toEqual([]);
    // Not a queue message any more: the stream consumers give up into their buckets only.
    expect(stack.deadLetters().filter((d) => d.functionId === 'publishOutbox')).toEqual([]);

    // The publisher is still down: the replay fails, the failure record stays.
    const failing = await replayDeadLetters({ group: 'outbox', outputs, print });
    expect(failing.replayed).toBe(0);
    expect(failing.failed).toBeGreaterThanOrEqual(1);
    expect(
      lines.some((l) =>
        /^NOT replayed outbox PublishOutboxFailureBucketName aws\/lambda\/\S+: stream batch .*the function failed again.*\(left in the bucket\)$/.test(l),
      ),
    ).toBe(true);
    const left = await outboxFailureRecords();
    expect(left.length).toBe(failing.failed);

    down.delete('publishOutbox');
    const dry = await replayDeadLetters({ group: 'outbox', outputs, print, dryRun: true });
    expect(dry).toEqual({ replayed: 0, failed: 0, listed: left.length, deferred: 0 });
    expect(await outboxFailureRecords()).toHaveLength(left.length);

    const result = await replayDeadLetters({ group: 'outbox', outputs, print });
    expect(result).toEqual({ replayed: left.length, failed: 0, listed: 0, deferred: 0 });
    expect(createdEvents()).toHaveLength(1);
    expect(await outboxFailureRecords()).toEqual([]);
    expect(await replayDeadLetters({ group: 'outbox', outputs, print })).toEqual({ replayed: 0, failed: 0, listed: 0, deferred: 0 });
  });

  it('outbox: a failure record is replayed from S3 alone, after its stream record and its outbox item are gone, and the item is not recreated', async () => {
    down.add('publishOutbox');
    const created = (await alice.post('/incidents', { title: 'Old outbox replay', assignmentGroup: 'service-desk' })).body as { id: string };
    await stack.settled();
    await until(async () => (await outboxFailureRecords()).some((f) => outboxItemsIn(f.record.payload, created.id).length > 0), 'the outbox failure record');
    down.delete('publishOutbox');
    const failures = (await outboxFailureRecords()).filter((f) => outboxItemsIn(f.record.payload, created.id).length > 0);
    const items = failures.flatMap((f) => outboxItemsIn(f.record.payload, created.id));
    expect(items.length).toBeGreaterThan(0);

    // Twenty days later: the outbox items have expired (7-day TTL) and the stream has long
    // trimmed the records (24 hours). Here: the items are deleted, the failure records point at a
    // stream that no longer exists, and no Streams endpoint answers the replay.
    const db = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const key = (image: Record<string, { S?: string }>) => ({ pk: { S: image.pk!.S! }, sk: { S: image.sk!.S! } });
    for (const image of items) await db.send(new DeleteItemCommand({ TableName: stack.tableName, Key: key(image) }));
    const client = s3();
    const twentyDaysAgo = new Date(Date.now() - 20 * 24 * 3600 * 1000).toISOString();
    for (const { key: objectKey, record } of failures) {
      const aged = {
        ...record,
        timestamp: twentyDaysAgo,
        DDBStreamBatchInfo: { ...record.DDBStreamBatchInfo, streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/gone/stream/2026-01-01T00:00:00.000' },
      };
      await client.send(new PutObjectCommand({ Bucket: outputs.PublishOutboxFailureBucketName, Key: objectKey, Body: JSON.stringify(aged) }));
    }
    client.destroy();
    const streamsEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS;
    process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = 'http://127.0.0.1:9'; // nothing listens there
    try {
      const result = await replayDeadLetters({ group: 'outbox', outputs, print });
      expect(result).toEqual({ replayed: failures.length, failed: 0, listed: 0, deferred: 0 });
    } finally {
      if (streamsEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS;
      else process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = streamsEndpoint;
    }
    expect(lines.some((l) => l.startsWith('replayed outbox PublishOutboxFailureBucketName') && l.includes(`at ${twentyDaysAgo}`))).toBe(true);
    expect(stack.published.events().filter((e) => e.detailType === 'Incident Created' && JSON.stringify(e.detail).includes(created.id))).toHaveLength(1);
    expect(await outboxFailureRecords()).toEqual([]);

    // The publisher marks delivered sinks only on an item that still exists: nothing was put back.
    for (const image of items)
      expect((await db.send(new GetItemCommand({ TableName: stack.tableName, Key: key(image), ConsistentRead: true }))).Item).toBeUndefined();
    // Marking a sink on an expired item (as after a later sink failed) is refused, not an upsert.
    const { markDelivered } = await import('../../functions/notify/store/outbox-store.ts');
    const [first] = items;
    await expect(markDelivered({ pk: first!.pk!.S!, sk: first!.sk!.S! }, 'events')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await db.send(new GetItemCommand({ TableName: stack.tableName, Key: key(first!), ConsistentRead: true }))).Item).toBeUndefined();
    db.destroy();
  });

  it('timers: a firing Scheduler could not deliver starts the escalation workflow when replayed', async () => {
    const created = (await alice.post('/incidents', { title: 'Timer replay', assignmentGroup: 'service-desk' })).body as { id: string };
    const input = JSON.stringify({ incidentId: created.id, clock: 'resolution', threshold: 50, timerVersion: 1, at: new Date().toISOString() });
    const scheduler = new SchedulerClient({ endpoint: stack.awsEndpoint });
    // A timer left pointing at a state machine that was replaced: its firing fails into the DLQ.
    await scheduler.send(
      new CreateScheduleCommand({
        Name: `replay-test-${created.id}`,
        GroupName: process.env.SLA_SCHEDULE_GROUP,
        ScheduleExpression: `at(${new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000).toISOString().slice(0, 19)})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:replaced-long-ago',
          RoleArn: process.env.SLA_SCHEDULER_ROLE_ARN,
          Input: input,
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: process.env.SLA_TIMER_DEAD_LETTER_ARN },
        },
      }),
    );
    scheduler.destroy();
    await until(() => queueOf('sla-timers-dead-letters').length > 0, `the timer dead letter ${JSON.stringify(stack.schedules())}`, 15_000);
    const executionsFor = () => stack.executions().filter((e) => JSON.stringify(e).includes(created.id));
    expect(executionsFor()).toEqual([]);

    const result = await replayDeadLetters({ group: 'timers', outputs, print });
    expect(result).toEqual({ replayed: 1, failed: 0, listed: 0, deferred: 0 });
    await until(() => executionsFor().length === 1, 'the escalation execution');
    expect(lines.some((l) => l.startsWith('replayed timers SlaTimerDeadLetterQueueUrl') && l.includes(`timer ${created.id} resolution 50%`))).toBe(true);
    expect(queueOf('sla-timers-dead-letters')).toHaveLength(0);
  });

  it('outbox: replaying older records never replaces or deletes the SLA schedules a later change set', async () => {
    // P2: a 24x7 clock, so the time on hold moves its due instants.
    const created = (await alice.post('/incidents', { title: 'Late timers', impact: 1, urgency: 2, assignmentGroup: 'service-desk' })).body as {
      id: string;
      version: number;
    };
    let etag = `"${created.version}"`;
    const patch = async (body: unknown) => {
      const reply = await alice.patch(`/incidents/${created.id}`, body, { 'if-match': etag });
      expect(reply.status).toBe(200);
      etag = reply.headers.get('etag') as string;
    };
    const schedulesOf = () =>
      stack
        .schedules()
        .filter((s) => s.name.startsWith(`${created.id}-`))
        .sort((x, y) => x.name.localeCompare(y.name));
    const resolution = (schedules: ReturnType<typeof schedulesOf>) => schedules.filter((s) => s.name.includes('-resolution-'));
    const inputOf = (s: { target: { Input?: string } }) => JSON.parse(s.target.Input ?? '{}') as { timerVersion: number; incidentVersion: number; at: string };
    await stack.settled();
    await until(() => resolution(schedulesOf()).length > 0, 'the first timers');
    const first = resolution(schedulesOf());

    // Work starts, then waits on a vendor: both records fail into the failure bucket.
    down.add('publishOutbox');
    await patch({ status: 'in_progress' });
    await patch({ status: 'on_hold', holdReason: 'awaiting_vendor' });
    const failedItems = async () => (await outboxFailureRecords()).flatMap((f) => outboxItemsIn(f.record.payload, created.id));
    await until(async () => (await failedItems()).length === 2, 'both failure records');
    down.delete('publishOutbox');

    // Work resumes, published at once: the resolution timers move to the resumed clock's instants.
    await patch({ status: 'in_progress' });
    await stack.settled();
    const moved = (schedules: ReturnType<typeof schedulesOf>) =>
      schedules.length === first.length && schedules.every((s, i) => s.name === first[i]?.name && inputOf(s).timerVersion > inputOf(first[i]!).timerVersion);
    await until(() => moved(resolution(schedulesOf())), 'the resumed timers');
    const latest = schedulesOf();
    expect(resolution(latest).map((s) => s.fireAt)).not.toEqual(first.map((s) => s.fireAt));

    // The replay hands over the older records (versions 2 and 3): the first set the resolution
    // timers of before the hold, the second cleared them. Neither touches what version 4 set.
    const result = await replayDeadLetters({ group: 'outbox', outputs, print });
    expect(result).toEqual({ replayed: 2, failed: 0, listed: 0, deferred: 0 });
    await stack.settled();
    expect(resolution(schedulesOf())).toEqual(resolution(latest));
    expect(await failedItems()).toEqual([]);
  });

  it('outbox: a malformed item is reported alone; the records around it are delivered once, and again not on the retry', async () => {
    held = [];
    const before = (await alice.post('/incidents', { title: 'Before the bad item', assignmentGroup: 'service-desk' })).body as { id: string };
    const db = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const malformed = (pk: string) => ({
      pk: { S: pk },
      sk: { S: `OUTBOX#${randomUUID()}` },
      entity: { S: 'outbox' },
      eventId: { S: randomUUID() },
      incidentId: { S: 'nobody' },
    });
    const badPk = `INCIDENT#malformed-${randomUUID()}`;
    await db.send(new PutItemCommand({ TableName: stack.tableName, Item: malformed(badPk) }));
    const after = (await alice.post('/incidents', { title: 'After the bad item', assignmentGroup: 'service-desk' })).body as { id: string };
    const carrying = (text: string) => (r: DynamoDBRecord) => JSON.stringify(r.dynamodb?.NewImage).includes(text);
    await until(() => [before.id, badPk, after.id].every((text) => held?.some(carrying(text))), 'the three stream records');
    const records = [before.id, badPk, after.id].map((text) => held?.find(carrying(text)) as DynamoDBRecord);
    held = undefined;

    const published = (id: string) => ({
      events: stack.published.events().filter((e) => e.detailType === 'Incident Created' && (e.detail as { incident: { id: string } }).incident.id === id)
        .length,
      notifications: stack.published.notifications().filter((n) => n.attributes.eventType === 'Incident Created' && JSON.stringify(n.message).includes(id))
        .length,
    });
    const badItem = { itemIdentifier: records[1]?.dynamodb?.SequenceNumber };
    expect(await invokeFunction('publishOutbox', { Records: records } satisfies DynamoDBStreamEvent)).toEqual({ batchItemFailures: [badItem] });
    expect(published(before.id)).toEqual({ events: 1, notifications: 1 });
    expect(published(after.id)).toEqual({ events: 1, notifications: 1 });

    // Lambda retries from the reported record: the one after it was marked delivered, not sent twice.
    expect(await invokeFunction('publishOutbox', { Records: records.slice(1) } satisfies DynamoDBStreamEvent)).toEqual({ batchItemFailures: [badItem] });
    expect(published(after.id)).toEqual({ events: 1, notifications: 1 });

    // Through the stream: the malformed item alone ends in the failure bucket, where a replay
    // cannot help it; it is removed by hand once understood.
    const secondPk = `INCIDENT#malformed-${randomUUID()}`;
    await db.send(new PutItemCommand({ TableName: stack.tableName, Item: malformed(secondPk) }));
    const next = (await alice.post('/incidents', { title: 'After the second bad item', assignmentGroup: 'service-desk' })).body as { id: string };
    await until(() => published(next.id).notifications === 1, 'the record after the second malformed item');
    await until(async () => (await outboxFailureRecords()).some((f) => f.record.payload.includes(secondPk)), 'the failure record of the malformed item');
    const failures = await outboxFailureRecords();
    expect(failures).toHaveLength(1);
    // The batch from the malformed item on, as last retried (the record after it, if it was read
    // in the same page, was delivered and marked all the same).
    const given = (JSON.parse(failures[0]!.record.payload) as { Records: DynamoDBRecord[] }).Records;
    expect(JSON.stringify(given[0]?.dynamodb?.NewImage)).toContain(secondPk);
    const replay = await replayDeadLetters({ group: 'outbox', outputs, print });
    expect(replay).toMatchObject({ replayed: 0, failed: 1 });
    const client = s3();
    await client.send(new DeleteObjectCommand({ Bucket: outputs.PublishOutboxFailureBucketName, Key: failures[0]?.key }));
    client.destroy();
    db.destroy();
  });

  it('queues: one pass reaches every message, however many and however long it takes; those failing again stay, visible once it ends', async () => {
    const marker = randomUUID();
    const count = 25; // more than the 10 one ReceiveMessage returns
    const refused = (i: number) => i % 2 === 1; // 12 inputs the workflow refuses (not JSON): they fail again on replay
    const scheduler = new SchedulerClient({ endpoint: stack.awsEndpoint });
    const fireAt = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000).toISOString().slice(0, 19);
    for (let i = 0; i < count; i++) {
      await scheduler.send(
        new CreateScheduleCommand({
          Name: `many-${marker}-${i}`,
          GroupName: process.env.SLA_SCHEDULE_GROUP,
          ScheduleExpression: `at(${fireAt})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:replaced-long-ago',
            RoleArn: process.env.SLA_SCHEDULER_ROLE_ARN,
            Input: refused(i)
              ? `not JSON ${marker} ${i}`
              : JSON.stringify({ incidentId: `none-${marker}-${i}`, clock: 'response', threshold: 50, timerVersion: 1 }),
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
            DeadLetterConfig: { Arn: process.env.SLA_TIMER_DEAD_LETTER_ARN },
          },
        }),
      );
    }
    scheduler.destroy();
    const mine = () => queueOf('sla-timers-dead-letters').filter((d) => JSON.stringify(d).includes(marker));
    await until(() => mine().length === count, 'the timer dead letters', 15_000);

    // A visibility of 0 s stands for a pass that outlasts the receive's visibility (a long queue,
    // a slow target): a message kept by the pass must not come back into it and end it early.
    const dry = await replayDeadLetters({ group: 'timers', outputs, print, dryRun: true, visibilityTimeout: 0 });
    expect(dry).toEqual({ replayed: 0, failed: 0, listed: count, deferred: 0 });
    const result = await replayDeadLetters({ group: 'timers', outputs, print, visibilityTimeout: 0 });
    expect(result).toEqual({ replayed: 13, failed: 12, listed: 0, deferred: 0 });
    expect(
      lines.filter((l) =>
        /^NOT replayed timers SlaTimerDeadLetterQueueUrl \S+: message \S+ \(body is not JSON\): .*InvalidExecutionInput.* \(left in the queue\)$/.test(l),
      ),
    ).toHaveLength(12);
    expect(mine()).toHaveLength(12);

    // All of them visible again at once, for the next run.
    const sqs = new SQSClient({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const queueUrl = outputs.SlaTimerDeadLetterQueueUrl as string;
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: '12', ApproximateNumberOfMessagesNotVisible: '0' });
    expect((await replayDeadLetters({ group: 'timers', outputs, print, dryRun: true })).listed).toBe(12);

    // They can never succeed: removed by hand.
    for (;;) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      if ((received.Messages ?? []).length === 0) break;
      for (const message of received.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    sqs.destroy();
    expect(mine()).toEqual([]);
  });

  it('outbox: a batch the publisher takes in part is written back with the records from the first one that failed; the next run hands over only those', async () => {
    // The publisher waits on the first record while three more are written: read in one page once
    // it returns, they make one batch.
    let open = () => {};
    gate = new Promise<void>((resolve) => (open = resolve));
    gateReached = false;
    await alice.post('/incidents', { title: 'Before the partial batch', assignmentGroup: 'service-desk' });
    await until(() => gateReached, 'the publisher waiting');
    const first = (await alice.post('/incidents', { title: 'Partial batch, first', assignmentGroup: 'service-desk' })).body as { id: string };
    const db = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const badPk = `INCIDENT#malformed-${randomUUID()}`;
    await db.send(
      new PutItemCommand({
        TableName: stack.tableName,
        Item: { pk: { S: badPk }, sk: { S: `OUTBOX#${randomUUID()}` }, entity: { S: 'outbox' }, eventId: { S: randomUUID() } },
      }),
    );
    db.destroy();
    const last = (await alice.post('/incidents', { title: 'Partial batch, last', assignmentGroup: 'service-desk' })).body as { id: string };
    // A sink is down for the first record: the whole batch is retried from it, then given up.
    sinkDownFor.add(first.id);
    gate = undefined;
    open();
    await until(async () => (await outboxFailureRecords()).some((f) => f.record.payload.includes(first.id)), 'the failure record of the batch');
    await stack.settled();

    const texts = [first.id, badPk, last.id];
    const which = (r: DynamoDBRecord) => texts.find((text) => JSON.stringify(r.dynamodb?.NewImage).includes(text)) ?? 'another record';
    const recordsIn = (payload: string) => (JSON.parse(payload) as DynamoDBStreamEvent).Records;
    const createdEvents = (id: string) => stack.published.events().filter((e) => e.detailType === 'Incident Created' && JSON.stringify(e.detail).includes(id));
    const [failure, ...others] = await outboxFailureRecords();
    expect(others).toEqual([]);
    const given = recordsIn(failure!.record.payload);
    expect(given.map(which)).toEqual(texts);
    expect(failure!.record.DDBStreamBatchInfo).toMatchObject({ batchSize: 3 });
    expect(createdEvents(first.id)).toEqual([]);
    expect(createdEvents(last.id)).toEqual([]);

    // The sink is back; the malformed item still fails. The first record is published, the last
    // one too (the publisher goes on after a malformed item); the object keeps the malformed item
    // and what follows it, under the same key.
    sinkDownFor.delete(first.id);
    const partial = await replayDeadLetters({ group: 'outbox', outputs, print });
    expect(partial).toEqual({ replayed: 0, failed: 1, listed: 0, deferred: 0 });
    expect(createdEvents(first.id)).toHaveLength(1);
    expect(createdEvents(last.id)).toHaveLength(1);
    const [left, ...more] = await outboxFailureRecords();
    expect(more).toEqual([]);
    expect(left!.key).toBe(failure!.key);
    expect(recordsIn(left!.record.payload)).toEqual(given.slice(1));
    const sequence = (r: DynamoDBRecord | undefined) => r?.dynamodb?.SequenceNumber as string;
    expect(left!.record).toMatchObject({
      timestamp: failure!.record.timestamp,
      DDBStreamBatchInfo: {
        ...failure!.record.DDBStreamBatchInfo,
        batchSize: 2,
        startSequenceNumber: sequence(given[1]),
        endSequenceNumber: sequence(given[2]),
      },
    });
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^NOT replayed outbox PublishOutboxFailureBucketName ${left!.key}: stream batch .*\\(3 record\\(s\\), .*: the function reported record ${sequence(given[1])} failed again; the 1 record\\(s\\) before it were taken \\(left in the bucket: record\\(s\\) ${sequence(given[1])}\\.\\.${sequence(given[2])}, 2 of 3\\)$`,
        ),
      ),
    );

    // The next run hands over the two records left, not the one taken.
    publisherBatches.length = 0;
    expect(await replayDeadLetters({ group: 'outbox', outputs, print })).toEqual({ replayed: 0, failed: 1, listed: 0, deferred: 0 });
    expect(publisherBatches.filter((batch) => batch.some((r) => which(r) !== 'another record')).map((batch) => batch.map(which))).toEqual([[badPk, last.id]]);
    expect(createdEvents(last.id)).toHaveLength(1);

    const client = s3();
    await client.send(new DeleteObjectCommand({ Bucket: outputs.PublishOutboxFailureBucketName, Key: left!.key }));
    client.destroy();
  });
});
