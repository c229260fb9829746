import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateTopicCommand,
  EmptyBatchRequestException,
  InvalidParameterException,
  InvalidParameterValueException,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  type SNSServiceException,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_SOURCE } from '../../functions/routes.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { DeadLetters } from '../../local/dead-letters.ts';
import { eventBridgeService } from '../../local/eventbridge.ts';
import { type PublishedEvent, PublishedLog, type PublishedNotification, summarize } from '../../local/published-log.ts';
import { createLocalSns } from '../../local/sns.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:notifications';
/** The AWS CLI, when this machine has one (Debian's awscli, pip's, ...). */
const awsCli = await promisify(execFile)('aws', ['--version']).then(
  () => true,
  () => false,
);

let log: PublishedLog;
let printed: string[];
let endpoint: AwsEndpoint;
let sns: SNSClient;
let events: EventBridgeClient;

beforeAll(async () => {
  log = new PublishedLog({ print: (line) => printed.push(line) });
  endpoint = await startAwsEndpoint({
    port: 0,
    services: [
      eventBridgeService({
        deadLetters: new DeadLetters(10, () => undefined),
        buses: { default: [] },
        invoke: async () => ({ batchItemFailures: [] }),
        publishedLog: log,
      }),
    ],
    handlers: [createLocalSns({ log }).handler],
    routes: { 'GET /local/notifications': () => log.notifications(), 'GET /local/events': () => log.events() },
  });
  sns = new SNSClient({ endpoint: endpoint.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  events = new EventBridgeClient({ endpoint: endpoint.url, region: 'us-east-1', credentials, maxAttempts: 1 });
});
afterAll(async () => {
  sns.destroy();
  events.destroy();
  await endpoint.stop();
});
beforeEach(() => {
  printed = [];
});

const last = () => log.notifications().at(-1) as PublishedNotification;
const rejection = async (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected an error'),
    (error: unknown) => error as SNSServiceException,
  );

describe('SNS through @aws-sdk/client-sns (query protocol)', () => {
  it('publishes with a subject and message attributes, into the published log', async () => {
    const message = { type: 'sla.breached', incident: { number: 'INC0001002', priority: 'P1' } };
    const reply = await sns.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Subject: 'SLA Breached P1 INC0001002',
        Message: JSON.stringify(message),
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'SlaBreached' },
          priority: { DataType: 'Number', StringValue: '1' },
          groups: { DataType: 'String.Array', StringValue: '["network","db"]' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    expect(reply.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.SequenceNumber).toBeUndefined();
    expect(last()).toMatchObject({
      kind: 'notification',
      topicArn: TOPIC,
      subject: 'SLA Breached P1 INC0001002',
      message,
      attributes: { eventType: 'SlaBreached', priority: '1', groups: '["network","db"]', blob: 'AQID' },
      messageId: reply.MessageId,
    });
    expect(printed).toEqual(['[sns] SLA Breached P1 INC0001002 -> notifications']);

    const listed = (await (await fetch(`${endpoint.url}/local/notifications`)).json()) as PublishedNotification[];
    expect(listed.at(-1)?.messageId).toBe(reply.MessageId);
  });

  it('keeps a message that is not JSON as text, and takes TargetArn', async () => {
    await sns.send(new PublishCommand({ TargetArn: TOPIC, Message: 'plain text & <markup>' }));
    expect(last()).toMatchObject({ message: 'plain text & <markup>', attributes: {} });
    expect(printed).toEqual(['[sns] plain text & <markup> -> notifications']);
  });

  it('refuses a missing Message, a missing topic and bad attributes as SNS does', async () => {
    const count = log.notifications().length;
    const missing = await rejection(sns.send(new PublishCommand({ TopicArn: TOPIC } as never)));
    expect(missing).toBeInstanceOf(InvalidParameterException);
    expect(missing.$metadata.httpStatusCode).toBe(400);
    expect(missing.message).toBe('Invalid parameter: Empty message');

    const noTopic = await rejection(sns.send(new PublishCommand({ Message: 'x' })));
    expect(noTopic).toBeInstanceOf(InvalidParameterException);
    expect(noTopic.message).toMatch(/TopicArn or TargetArn/);

    const notArn = await rejection(sns.send(new PublishCommand({ TopicArn: 'notifications', Message: 'x' })));
    expect(notArn.message).toMatch(/not a topic ARN/);

    const badNumber = await rejection(
      sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'one' } } })),
    );
    expect(badNumber).toBeInstanceOf(InvalidParameterValueException);
    const badType = await rejection(
      sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x', MessageAttributes: { n: { DataType: 'Date', StringValue: 'x' } } })),
    );
    expect(badType.message).toMatch(/supported type prefixes/);
    const longSubject = await rejection(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x', Subject: 's'.repeat(101) })));
    expect(longSubject.message).toMatch(/Subject/);
    const tooBig = await rejection(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x'.repeat(256 * 1024 + 1) })));
    expect(tooBig.message).toBe('Invalid parameter: Message too long');
    expect(log.notifications()).toHaveLength(count);
  });

  it('requires MessageGroupId on a FIFO topic and answers a SequenceNumber', async () => {
    const fifo = 'arn:aws:sns:us-east-1:000000000000:major-incidents.fifo';
    const noGroup = await rejection(sns.send(new PublishCommand({ TopicArn: fifo, Message: 'x' })));
    expect(noGroup.message).toMatch(/MessageGroupId/);
    const reply = await sns.send(new PublishCommand({ TopicArn: fifo, Message: '{"n":1}', MessageGroupId: 'INC0001002', MessageDeduplicationId: 'd-1' }));
    expect(reply.SequenceNumber).toMatch(/^\d{20,}$/);
    expect(last()).toMatchObject({ topicArn: fifo, messageGroupId: 'INC0001002', messageDeduplicationId: 'd-1' });
  });

  it('publishes a batch, reporting the entries it refuses one by one', async () => {
    const reply = await sns.send(
      new PublishBatchCommand({
        TopicArn: TOPIC,
        PublishBatchRequestEntries: [
          {
            Id: 'first',
            Message: '{"number":"INC0001003"}',
            Subject: 'Incident Assigned',
            MessageAttributes: { eventType: { DataType: 'String', StringValue: 'Assigned' } },
          },
          { Id: 'second', Message: '' },
          { Id: 'third', Message: 'three' },
        ],
      }),
    );
    expect(reply.Successful?.map((s) => s.Id)).toEqual(['first', 'third']);
    expect(reply.Successful?.every((s) => typeof s.MessageId === 'string')).toBe(true);
    expect(reply.Failed).toEqual([{ Id: 'second', Code: 'InvalidParameter', Message: 'Invalid parameter: Empty message', SenderFault: true }]);
    const recorded = log.notifications().slice(-2);
    expect(recorded.map((n) => n.message)).toEqual([{ number: 'INC0001003' }, 'three']);
    expect(recorded[0]?.attributes).toEqual({ eventType: 'Assigned' });
    expect(recorded.map((n) => n.messageId)).toEqual(reply.Successful?.map((s) => s.MessageId));

    const empty = await rejection(sns.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: [] })));
    expect(empty).toBeInstanceOf(EmptyBatchRequestException);
    const duplicate = await rejection(
      sns.send(
        new PublishBatchCommand({
          TopicArn: TOPIC,
          PublishBatchRequestEntries: [
            { Id: 'a', Message: 'x' },
            { Id: 'a', Message: 'y' },
          ],
        }),
      ),
    );
    expect(duplicate.name).toBe('BatchEntryIdsNotDistinctException');
    const tooMany = await rejection(
      sns.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, Message: 'x' })) })),
    );
    expect(tooMany.name).toBe('TooManyEntriesInBatchRequestException');
  });

  it('creates topics idempotently and lists them with the ones published to', async () => {
    const created = await sns.send(new CreateTopicCommand({ Name: 'itsm-notifications' }));
    expect(created.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:itsm-notifications');
    expect((await sns.send(new CreateTopicCommand({ Name: 'itsm-notifications' }))).TopicArn).toBe(created.TopicArn);
    const fifo = await sns.send(new CreateTopicCommand({ Name: 'itsm-major.fifo', Attributes: { FifoTopic: 'true' } }));
    expect(fifo.TopicArn).toMatch(/:itsm-major\.fifo$/);
    await expect(sns.send(new CreateTopicCommand({ Name: 'bad name' }))).rejects.toBeInstanceOf(InvalidParameterException);

    const topics = (await sns.send(new ListTopicsCommand({}))).Topics?.map((t) => t.TopicArn);
    expect(topics).toEqual(expect.arrayContaining([TOPIC, created.TopicArn, fifo.TopicArn]));
    expect(new Set(topics).size).toBe(topics?.length);
  });

  it('answers InvalidAction for an action it does not implement, and leaves other query services alone', async () => {
    const post = (body: string) => fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const unknown = await post('Action=Subscribe&Version=2010-03-31');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/<Code>InvalidAction<\/Code>/);
    const sqs = await post('Action=SendMessage&Version=2012-11-05');
    expect(sqs.status).toBe(404);
    expect(await sqs.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it.skipIf(!awsCli)('takes `aws sns publish --endpoint-url` from the AWS CLI', async () => {
    const { AWS_PROFILE: _profile, AWS_SESSION_TOKEN: _session, ...env } = process.env;
    const { stdout } = await promisify(execFile)(
      'aws',
      [
        'sns',
        'publish',
        '--endpoint-url',
        endpoint.url,
        '--output',
        'json',
        '--topic-arn',
        TOPIC,
        '--subject',
        'From the CLI',
        '--message',
        '{"number":"INC0009999"}',
        '--message-attributes',
        JSON.stringify({ eventType: { DataType: 'String', StringValue: 'Cli' } }),
      ],
      { env: { ...env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: 'us-east-1' } },
    );
    const reply = JSON.parse(stdout);
    expect(last()).toMatchObject({ messageId: reply.MessageId, subject: 'From the CLI', message: { number: 'INC0009999' }, attributes: { eventType: 'Cli' } });
  });
});

describe('PublishedLog', () => {
  it("records the product's domain events from PutEvents, and only those", async () => {
    const waiting = log.waitFor<PublishedEvent>((e) => e.kind === 'event' && e.detailType === 'Incident Created', 10_000);
    const reply = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'itsm-events', Source: EVENT_SOURCE, DetailType: 'Incident Created', Detail: JSON.stringify({ incident: { number: 'INC0001002' } }) },
          { Source: 'com.example.checkout', DetailType: 'Incident Trigger', Detail: '{"dedupKey":"x"}' },
          { Source: EVENT_SOURCE, DetailType: 'Broken', Detail: 'not json' },
        ],
      }),
    );
    const recorded = await waiting;
    expect(recorded).toMatchObject({
      eventBusName: 'itsm-events',
      source: EVENT_SOURCE,
      detail: { incident: { number: 'INC0001002' } },
      id: reply.Entries?.[0]?.EventId,
    });
    expect(log.events().map((e) => e.detailType)).toEqual(['Incident Created']);
    expect(printed).toEqual(['[event] Incident Created INC0001002']);
    const listed = (await (await fetch(`${endpoint.url}/local/events`)).json()) as PublishedEvent[];
    expect(listed.map((e) => e.id)).toEqual([recorded.id]);
  });

  it('waits for an entry still to come, and times out clearly', async () => {
    const own = new PublishedLog({ print: false });
    const later = own.waitFor((e) => e.kind === 'notification' && e.topicArn === TOPIC, 1000);
    own.add({ kind: 'notification', topicArn: TOPIC, message: 'hi', attributes: {}, messageId: 'm-1', at: new Date().toISOString() });
    expect((await later).kind).toBe('notification');
    await expect(own.waitFor((e) => e.kind === 'event', 20)).rejects.toThrow(/nothing matched within 20 ms \(1 entries recorded\)/);
  });

  it('keeps the most recent entries only, and prints one line each', () => {
    const lines: string[] = [];
    const own = new PublishedLog({ capacity: 2, print: (line) => lines.push(line) });
    for (const number of ['INC1', 'INC2', 'INC3']) {
      own.add({ kind: 'event', eventBusName: 'b', source: EVENT_SOURCE, detailType: 'Incident Resolved', detail: { number }, id: number, at: '' });
    }
    expect(own.list().map((e) => (e.kind === 'event' ? e.id : ''))).toEqual(['INC2', 'INC3']);
    expect(lines).toEqual(['[event] Incident Resolved INC1', '[event] Incident Resolved INC2', '[event] Incident Resolved INC3']);
    expect(
      summarize({ kind: 'notification', topicArn: TOPIC, message: { number: 'INC7' }, attributes: { eventType: 'SlaWarning' }, messageId: 'x', at: '' }),
    ).toBe('[sns] SlaWarning INC7 -> notifications');
  });
});
