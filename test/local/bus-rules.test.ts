import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { INGESTION_RULES } from '../../functions/ingestion/rules.ts';
import { type Area, assembleAreas } from '../../functions/routes.ts';
import { REPOSITORY_ROOT } from '../../infra/app.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { DeadLetters, localBusRuleQueues } from '../../local/dead-letters.ts';
import { busRuleConsumers, defaultBuses, eventBridgeService, LOCAL_INGESTION_BUS, localQueue } from '../../local/eventbridge.ts';
import { localQueueUrl, sqsService } from '../../local/sqs.ts';
import bookmarks from '../fixtures/areas/bookmarks/area.ts';
import { WATCH_AWS_CONFIG, WATCH_AWS_CONFIG_FUNCTION } from '../fixtures/areas/bookmarks/bus-rule.ts';
import { batches, failing } from '../fixtures/areas/bookmarks/handlers/watch-aws-config.ts';

/**
 * An area's `ingestionBusRule` consumer, locally: events put on the local EventBridge endpoint
 * (the SDK's PutEvents, `aws events put-events --endpoint-url`) that match its pattern reach its
 * handler as SQS batches of its own queue, with the same redelivery and dead letters as the
 * ingestion queue. The consumer is the fixture area's (test/fixtures/areas/bookmarks/bus-rule.ts),
 * registered beside the registry's areas: nothing in local/ names it.
 */

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const awsCli = await promisify(execFile)('aws', ['--version']).then(
  () => true,
  () => false,
);

const fixture: Area = {
  ...bookmarks,
  functions: { ...bookmarks.functions, watchAwsConfig: WATCH_AWS_CONFIG_FUNCTION },
  consumers: [...(bookmarks.consumers ?? []), WATCH_AWS_CONFIG],
};
const assembled = assembleAreas([...AREAS, fixture]);
const queues = localBusRuleQueues(WATCH_AWS_CONFIG.source.ruleId);

/** Every invocation, by function; the fixture's own functions run their handler module, the others answer "all done". */
let invoked: { functionId: string; records: SQSRecord[] }[];
const invoke = async (functionId: string, event: unknown): Promise<unknown> => {
  invoked.push({ functionId, records: (event as SQSEvent).Records });
  if (!Object.hasOwn(fixture.functions, functionId)) return { batchItemFailures: [] } satisfies SQSBatchResponse;
  const entry = (fixture.functions[functionId] as { entry: string }).entry;
  const module = (await import(pathToFileURL(join(REPOSITORY_ROOT, entry)).href)) as { handler: (event: unknown) => Promise<unknown> };
  return module.handler(event);
};
const retry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

let deadLetters: DeadLetters;
let endpoint: AwsEndpoint;
let events: EventBridgeClient;
let awsUrl = '';

beforeAll(async () => {
  deadLetters = new DeadLetters(100, () => {});
  const fixtureRules = busRuleConsumers(assembled.consumers);
  endpoint = await startAwsEndpoint({
    port: 0,
    services: [
      eventBridgeService({ deadLetters, buses: defaultBuses(INGESTION_RULES, assembled.consumers), invoke, retry }),
      sqsService({
        deadLetters,
        deadLetterQueues: fixtureRules.flatMap((c) => [c.rule.target.deadLetterQueue, c.targetDeadLetterQueue]),
        consumers: Object.fromEntries(fixtureRules.map((c) => [c.rule.target.queue, localQueue({ deadLetters, invoke, retry, target: c.rule.target }).send])),
        baseUrl: () => awsUrl,
      }),
    ],
  });
  awsUrl = endpoint.url;
  events = new EventBridgeClient({ endpoint: endpoint.url, region: 'us-east-1', credentials });
});
afterAll(async () => {
  events.destroy();
  await endpoint.stop();
});
beforeEach(() => {
  invoked = [];
  batches.length = 0;
  failing.clear();
});

/** A configuration item change as AWS Config puts it on the default bus (a Lambda function discovered). */
const configChange = (resourceId = 'checkout-api', more: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: LOCAL_INGESTION_BUS,
  Source: 'aws.config',
  DetailType: 'Config Configuration Item Change',
  Resources: [`arn:aws:lambda:eu-west-1:111122223333:function:${resourceId}`],
  Detail: JSON.stringify({
    recordVersion: '1.3',
    messageType: 'ConfigurationItemChangeNotification',
    configurationItemDiff: { changedProperties: {}, changeType: 'CREATE' },
    notificationCreationTime: '2026-12-07T01:40:12.345Z',
    configurationItem: {
      configurationItemVersion: '1.3',
      configurationItemCaptureTime: '2026-12-07T01:40:11.000Z',
      configurationItemStatus: 'ResourceDiscovered',
      configurationStateId: 1765071611000,
      awsAccountId: '111122223333',
      awsRegion: 'eu-west-1',
      resourceType: 'AWS::Lambda::Function',
      resourceId,
      resourceName: resourceId,
      ARN: `arn:aws:lambda:eu-west-1:111122223333:function:${resourceId}`,
      relationships: [{ resourceType: 'AWS::IAM::Role', resourceName: `${resourceId}-role`, name: 'Is associated with Role' }],
      configuration: { functionName: resourceId, runtime: 'nodejs22.x', memorySize: 256 },
      tags: { 'itsm:owner-group': 'payments', 'itsm:environment': 'prod' },
    },
  }),
  ...more,
});
const toFixture = () => invoked.filter((call) => call.functionId === 'watchAwsConfig');
const bodiesOf = (records: readonly SQSRecord[]) => records.map((record) => JSON.parse(record.body));

describe("an area's ingestion bus rule consumer, locally", () => {
  it('gets a Config event put with the SDK on the ingestion bus, as an SQS batch of its own queue, before PutEvents answers', async () => {
    const entry = configChange();
    const reply = await events.send(new PutEventsCommand({ Entries: [entry] }));
    expect(reply.FailedEntryCount).toBe(0);
    expect(batches).toHaveLength(1);
    const [record] = batches[0] as SQSRecord[];
    expect(record?.eventSource).toBe('aws:sqs');
    expect(record?.eventSourceARN).toMatch(new RegExp(`:${queues.queue}$`));
    expect(JSON.parse(record?.body ?? '{}')).toEqual({
      version: '0',
      id: reply.Entries?.[0]?.EventId,
      'detail-type': 'Config Configuration Item Change',
      source: 'aws.config',
      account: expect.stringMatching(/^\d{12}$/),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: expect.any(String),
      resources: entry.Resources,
      detail: JSON.parse(entry.Detail as string),
    });
    // The ingestion queue's consumer never sees it: no ingestion rule takes it.
    expect(invoked.map((call) => call.functionId)).not.toContain('recordBusEvents');
  });

  it('takes only what its pattern matches: other Config events go nowhere, alarms to the ingestion queue alone', async () => {
    await events.send(
      new PutEventsCommand({
        Entries: [
          configChange('a', { DetailType: 'Config Rules Compliance Change' }),
          configChange('b', { Source: 'com.example.config' }),
          {
            EventBusName: LOCAL_INGESTION_BUS,
            Source: 'aws.cloudwatch',
            DetailType: 'CloudWatch Alarm State Change',
            Detail: JSON.stringify({ alarmName: 'checkout-5xx', state: { value: 'ALARM' } }),
          },
        ],
      }),
    );
    expect(toFixture()).toEqual([]);
    expect(invoked.map((call) => call.functionId)).toEqual(['recordBusEvents']);
  });

  it('gets them from the default bus too (its default-bus option), by name or ARN, and from no other bus', async () => {
    await events.send(
      new PutEventsCommand({
        Entries: [
          configChange('from-default', { EventBusName: undefined }),
          configChange('from-arn', { EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/itsm-ingestion' }),
          configChange('elsewhere', { EventBusName: 'someone-elses-bus' }),
        ],
      }),
    );
    const ids = bodiesOf(toFixture().flatMap((call) => call.records)).map((body) => body.detail.configurationItem.resourceId);
    expect(ids).toEqual(['from-default', 'from-arn']);
  });

  it('hands over batches of its declared size', async () => {
    await events.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, i) => configChange(`fn-${i}`)) }));
    expect(batches.map((batch) => batch.length)).toEqual([WATCH_AWS_CONFIG.source.batchSize, WATCH_AWS_CONFIG.source.batchSize]);
  });

  it('redelivers what the handler reports failed, then dead-letters it into its own dead-letter queue, which a replay sends back', async () => {
    failing.add('broken');
    const reply = await events.send(new PutEventsCommand({ Entries: [configChange('fine'), configChange('broken')] }));
    expect(reply.FailedEntryCount).toBe(0);
    // Both once, then the failed one alone until the last attempt.
    expect(batches.map((batch) => bodiesOf(batch).map((body) => body.detail.configurationItem.resourceId))).toEqual([
      ['fine', 'broken'],
      ['broken'],
      ['broken'],
    ]);
    expect(batches.map((batch) => batch.at(-1)?.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    const [letter] = deadLetters.list().filter((l) => l.functionId === 'watchAwsConfig');
    expect(letter).toMatchObject({ source: 'ingestionBusRule', queue: queues.deadLetterQueue, condition: 'MaxReceiveCountExceeded', attempts: 3 });

    // What the replay does (npm run replay-dead-letters): the message body sent to the rule's queue again.
    failing.clear();
    batches.length = 0;
    const [message] = deadLetters.receive(queues.deadLetterQueue, 1, 30);
    const sqs = new SQSClient({ endpoint: endpoint.url, region: 'us-east-1', credentials });
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: localQueueUrl(endpoint.url, queues.queue), MessageBody: message?.body }));
    } finally {
      sqs.destroy();
    }
    expect(bodiesOf(batches.flat()).map((body) => body.detail.configurationItem.resourceId)).toEqual(['broken']);
  });

  it.skipIf(!awsCli)('takes `aws events put-events --endpoint-url` from the AWS CLI', async () => {
    const { AWS_PROFILE: _profile, AWS_SESSION_TOKEN: _session, ...env } = process.env;
    const { stdout } = await promisify(execFile)(
      'aws',
      ['events', 'put-events', '--endpoint-url', endpoint.url, '--output', 'json', '--entries', JSON.stringify([configChange('from-cli')])],
      { env: { ...env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: 'us-east-1' } },
    );
    expect(JSON.parse(stdout).FailedEntryCount).toBe(0);
    expect(bodiesOf(batches.flat()).map((body) => body.detail.configurationItem.resourceId)).toEqual(['from-cli']);
  });
});
