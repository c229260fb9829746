import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHandler } from '../../local/http-server.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

/*
 * The AWS feed over the real wire: AWS Config and CloudFormation events (the checked-in fixtures,
 * real EventBridge shapes) put on the local EventBridge endpoint with the SDK, routed by the
 * CMDB's ingestion bus rule to its consumer, and read back over HTTP; the initial import with a
 * file of batch-get-resource-config output. The steps build on each other, in order.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;
let events: EventBridgeClient;
let feedEvent: (eventId: string) => Promise<Record<string, unknown> | undefined>;

type Envelope = { id: string; source: string; 'detail-type': string; time: string; resources: string[]; detail: any };
const fixture = (path: string): Envelope => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
const fixtureText = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

const LAMBDA_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api';
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/orders-api-role';
const STACK_ARN = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/orders/4b7e1f60-c5a2-11f0-9d1e-0a7e2b9c4d11';

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice, carol] = await Promise.all([admin(stack), agent(stack), requester(stack)]);
  events = new EventBridgeClient({ endpoint: stack.awsEndpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // The event records are read from the table the stack's handlers write (its environment is set now).
  const store = await import('../../functions/cmdb/store/feed-event-store.ts');
  feedEvent = async (eventId) => (await store.getFeedEvent(eventId)) as Record<string, unknown> | undefined;
});
afterAll(async () => {
  events.destroy();
  await stack.stop();
});

/**
 * Puts the fixture's event as AWS puts it (source, detail-type, detail, resources, time); the
 * endpoint gives it a new event id, answered here. PutEvents answers once the consumer returned.
 */
async function put(envelope: Envelope, bus = 'itsm-ingestion'): Promise<string> {
  const reply = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: bus,
          Source: envelope.source,
          DetailType: envelope['detail-type'],
          Detail: JSON.stringify(envelope.detail),
          Resources: envelope.resources,
          Time: new Date(envelope.time),
        },
      ],
    }),
  );
  expect(reply.FailedEntryCount).toBe(0);
  const eventId = reply.Entries?.[0]?.EventId;
  expect(eventId).toBeTypeOf('string');
  return eventId as string;
}

async function ciByArn(arn: string): Promise<Record<string, any>> {
  const reply = await alice.get(`/cis?externalId=${encodeURIComponent(arn)}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.body.items).toHaveLength(1);
  return reply.body.items[0];
}

async function relationships(ciId: string): Promise<{ type: string; target: string; origin: string }[]> {
  const reply = await alice.get(`/cis/${ciId}/relationships`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.items.map((r: { type: string; target: string; origin: string }) => ({ type: r.type, target: r.target, origin: r.origin }));
}

async function ci(id: string): Promise<Record<string, any>> {
  const reply = await alice.get(`/cis/${id}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/** The applyAwsFeed handler invoked as its queue's event source would, with messages of our own (ids we choose). */
async function deliver(...envelopes: Envelope[]): Promise<{ batchItemFailures: unknown[] }> {
  const handler = (await loadHandler('applyAwsFeed')) as unknown as (event: SQSEvent) => Promise<{ batchItemFailures: unknown[] }>;
  return handler({
    Records: envelopes.map((envelope, i) => ({
      messageId: `message-${i}-${envelope.id}`,
      receiptHandle: 'local',
      body: JSON.stringify(envelope),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:cmdb-aws-feed',
      awsRegion: 'eu-west-1',
    })),
  });
}

let lambdaId: string;
let roleId: string;
let subnetId: string;
let tableId: string;

describe('AWS Config events', () => {
  it('a discovered Lambda function becomes a CI: class, tags as owner group and environment, source aws-config, its identity and capture time', async () => {
    const eventId = await put(fixture('aws-config/lambda-discovered.json'));
    const lambda = await ciByArn(LAMBDA_ARN);
    lambdaId = lambda.id;
    expect(lambda).toMatchObject({
      class: 'lambda_function',
      name: 'orders-api',
      ownerGroup: 'payments',
      environment: 'prod',
      status: 'active',
      source: 'aws-config',
      externalId: LAMBDA_ARN,
      attributes: { runtime: 'nodejs22.x', memorySize: 512, timeout: 10, architectures: ['arm64'] },
      aws: {
        accountId: '123456789012',
        region: 'eu-west-1',
        resourceType: 'AWS::Lambda::Function',
        resourceId: 'orders-api',
        captureTime: '2026-11-20T09:15:40.861Z',
      },
      version: 1,
    });
    expect(await feedEvent(eventId)).toMatchObject({
      outcome: 'applied',
      ciId: lambdaId,
      resourceKey: '123456789012/eu-west-1/AWS::Lambda::Function/orders-api',
    });
  });

  it('relates it to what Config reports (its role, its subnet, its security group), through placeholder CIs of the targets', async () => {
    const related = await relationships(lambdaId);
    expect(related).toHaveLength(3);
    expect(related.every((r) => r.origin === 'aws-config')).toBe(true);
    const byType = { contained_by: related.filter((r) => r.type === 'contained_by'), depends_on: related.filter((r) => r.type === 'depends_on') };
    expect(byType.contained_by).toHaveLength(1);
    expect(byType.depends_on).toHaveLength(2);
    subnetId = byType.contained_by[0]?.target as string;
    expect(await ci(subnetId)).toMatchObject({
      class: 'network',
      name: 'subnet-0a1b2c3d4e5f60718',
      source: 'aws-config',
      aws: { resourceType: 'AWS::EC2::Subnet' },
    });
    const dependencies = await Promise.all(byType.depends_on.map((r) => ci(r.target)));
    const role = dependencies.find((d) => d.aws?.resourceType === 'AWS::IAM::Role');
    expect(role).toMatchObject({ class: 'generic', name: 'orders-api-role', aws: { region: 'global', resourceId: 'AROAEXAMPLEORDERSAPI01' } });
    expect(role?.aws).not.toHaveProperty('captureTime');
    roleId = role?.id;
    // Read from the other end too: the subnet contains the function.
    expect(await relationships(subnetId)).toEqual([{ type: 'contains', target: lambdaId, origin: 'aws-config' }]);
  });

  it("the role's own item fills in its placeholder (same CI), and does not remove what the function reported about it", async () => {
    await put(fixture('aws-config/role-discovered.json'));
    const role = await ci(roleId);
    expect(role).toMatchObject({ externalId: ROLE_ARN, aws: { captureTime: '2026-11-20T09:16:17.441Z' }, version: 2 });
    expect(await relationships(roleId)).toContainEqual({ type: 'used_by', target: lambdaId, origin: 'aws-config' });
  });

  it('an update changes the CI and replaces the relationships of origin aws-config (the subnet is gone); a manual one stays', async () => {
    await put(fixture('aws-config/dynamodb-table-discovered.json'));
    tableId = (await ciByArn(TABLE_ARN)).id;
    const manual = await alice.post(`/cis/${lambdaId}/relationships`, { type: 'depends_on', target: tableId });
    expect(manual.status, JSON.stringify(manual.body)).toBe(201);

    await put(fixture('aws-config/lambda-updated.json'));
    const lambda = await ci(lambdaId);
    expect(lambda).toMatchObject({
      ownerGroup: 'checkout',
      environment: 'prod',
      attributes: { memorySize: 1024 },
      aws: { captureTime: '2026-11-21T14:02:06.550Z' },
      version: 2,
    });
    const related = await relationships(lambdaId);
    expect(related.find((r) => r.target === subnetId)).toBeUndefined();
    expect(related).toContainEqual({ type: 'depends_on', target: tableId, origin: 'manual' });
    expect(related).toContainEqual({ type: 'depends_on', target: roleId, origin: 'aws-config' });
    expect(related).toHaveLength(3);
  });

  it('an event older than the one applied is recorded as stale and changes nothing', async () => {
    const eventId = await put(fixture('aws-config/lambda-discovered.json'));
    expect(await feedEvent(eventId)).toMatchObject({ outcome: 'stale', ciId: lambdaId });
    expect(await ci(lambdaId)).toMatchObject({ ownerGroup: 'checkout', attributes: { memorySize: 1024 }, version: 2 });
    expect((await relationships(lambdaId)).find((r) => r.target === subnetId)).toBeUndefined();
  });

  it('an oversized notification updates what its summary carries: capture time; attributes, tags and relationships stay', async () => {
    const eventId = await put(fixture('aws-config/lambda-oversized.json'));
    expect(await feedEvent(eventId)).toMatchObject({ outcome: 'applied' });
    expect(await ci(lambdaId)).toMatchObject({
      ownerGroup: 'checkout',
      attributes: { memorySize: 1024 },
      aws: { captureTime: '2026-11-22T11:45:01.730Z' },
      version: 3,
    });
    expect(await relationships(lambdaId)).toHaveLength(3);
  });

  it('an unknown resource type becomes a generic CI, never refused', async () => {
    await put(fixture('aws-config/state-machine-discovered.json'));
    expect(await ciByArn('arn:aws:states:eu-west-1:123456789012:stateMachine:order-fulfilment')).toMatchObject({
      class: 'generic',
      name: 'order-fulfilment',
      ownerGroup: 'fulfilment',
      aws: { resourceType: 'AWS::StepFunctions::StateMachine' },
    });
  });

  it('a redelivered event (same id) is not applied twice, even if it arrived changed', async () => {
    const event = fixture('aws-config/dynamodb-table-discovered.json');
    event.id = 'redelivered-0001';
    event.detail.configurationItem.configurationItemCaptureTime = '2026-11-25T10:00:00.000Z';
    event.detail.configurationItem.configuration.billingModeSummary.billingMode = 'PROVISIONED';
    expect(await deliver(event)).toEqual({ batchItemFailures: [] });
    const applied = await ci(tableId);
    expect(applied).toMatchObject({ attributes: { billingMode: 'PROVISIONED' } });

    const again = structuredClone(event);
    again.detail.configurationItem.configurationItemCaptureTime = '2026-11-26T10:00:00.000Z';
    again.detail.configurationItem.configuration.billingModeSummary.billingMode = 'PAY_PER_REQUEST';
    expect(await deliver(again)).toEqual({ batchItemFailures: [] });
    expect(await ci(tableId)).toMatchObject({ attributes: { billingMode: 'PROVISIONED' }, version: applied.version });
    expect(await feedEvent('redelivered-0001')).toMatchObject({ outcome: 'applied', duplicates: 1 });
  });

  it("one batch's events of one resource are applied oldest capture first, whatever their order in the batch", async () => {
    const older = fixture('aws-config/dynamodb-table-discovered.json');
    older.id = 'batch-older';
    older.detail.configurationItem.configurationItemCaptureTime = '2026-11-27T10:00:00.000Z';
    older.detail.configurationItem.tags = { 'itsm:owner-group': 'older', 'itsm:environment': 'prod' };
    const newer = structuredClone(older);
    newer.id = 'batch-newer';
    newer.detail.configurationItem.configurationItemCaptureTime = '2026-11-27T11:00:00.000Z';
    newer.detail.configurationItem.tags = { 'itsm:owner-group': 'newer', 'itsm:environment': 'prod' };
    expect(await deliver(newer, older)).toEqual({ batchItemFailures: [] });
    expect(await ci(tableId)).toMatchObject({ ownerGroup: 'newer', aws: { captureTime: '2026-11-27T11:00:00.000Z' } });
    expect(await feedEvent('batch-older')).toMatchObject({ outcome: 'applied' });
    expect(await feedEvent('batch-newer')).toMatchObject({ outcome: 'applied' });
  });
});

describe('CloudFormation events', () => {
  let stackId: string;

  it("a resource created in a stack is contained by the stack's CI (class generic, its ARN as external id); the resource records its stack", async () => {
    await put(fixture('cloudformation/table-create-complete.json'));
    await put(fixture('cloudformation/lambda-create-complete.json'));
    await put(fixture('cloudformation/stack-create-complete.json'));
    const stackCi = await ciByArn(STACK_ARN);
    stackId = stackCi.id;
    expect(stackCi).toMatchObject({
      class: 'generic',
      name: 'orders',
      source: 'cloudformation',
      status: 'active',
      aws: { resourceType: 'AWS::CloudFormation::Stack' },
    });
    const contained = await relationships(stackId);
    expect(contained).toEqual(
      expect.arrayContaining([
        { type: 'contains', target: lambdaId, origin: 'cloudformation' },
        { type: 'contains', target: tableId, origin: 'cloudformation' },
      ]),
    );
    expect(contained).toHaveLength(2);
    expect(await ci(lambdaId)).toMatchObject({ aws: { stackId: STACK_ARN, captureTime: '2026-11-22T11:45:01.730Z' } });
  });

  it('a status in progress is recorded and ignored, with the reason', async () => {
    const eventId = await put(fixture('cloudformation/lambda-create-in-progress.json'));
    expect(await feedEvent(eventId)).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('CREATE_IN_PROGRESS') });
  });
});

describe('deletions', () => {
  it('a deleted resource retires its CI; the relationships Config reported go, the manual one and its stack stay until CloudFormation says', async () => {
    await put(fixture('aws-config/lambda-deleted.json'));
    const lambda = await ci(lambdaId);
    expect(lambda).toMatchObject({ status: 'retired', ownerGroup: 'checkout', attributes: { memorySize: 1024 } });
    const related = await relationships(lambdaId);
    expect(related.filter((r) => r.origin === 'aws-config')).toEqual([]);
    expect(related).toContainEqual({ type: 'depends_on', target: tableId, origin: 'manual' });

    await put(fixture('cloudformation/lambda-delete-complete.json'));
    expect((await relationships(lambdaId)).filter((r) => r.origin === 'cloudformation')).toEqual([]);
    expect((await ci(lambdaId)).aws).not.toHaveProperty('stackId');
  });

  it('a CloudFormation event older than the one applied to the resource is recorded as stale and changes nothing', async () => {
    const eventId = await put(fixture('cloudformation/lambda-create-complete.json'));
    expect(await feedEvent(eventId)).toMatchObject({ outcome: 'stale', ciId: lambdaId });
    expect((await relationships(lambdaId)).filter((r) => r.origin === 'cloudformation')).toEqual([]);
    expect((await ci(lambdaId)).aws).not.toHaveProperty('stackId');
  });

  it('a deleted stack retires its CI', async () => {
    const stackCi = await ciByArn(STACK_ARN);
    await put(fixture('cloudformation/stack-delete-complete.json'));
    expect(await ci(stackCi.id)).toMatchObject({ status: 'retired' });
  });

  it('the same event through the default bus (where AWS services put theirs) reaches the feed too', async () => {
    const reactivated = fixture('aws-config/lambda-updated.json');
    reactivated.detail.configurationItem.configurationItemCaptureTime = '2026-11-28T09:00:00.000Z';
    await put(reactivated, 'default');
    expect(await ci(lambdaId)).toMatchObject({ status: 'active', aws: { captureTime: '2026-11-28T09:00:00.000Z' } });
  });
});

describe('POST /cis/import', () => {
  const importFile = (client: Client, text: string) => client.request('POST', '/cis/import', { raw: text, headers: { 'content-type': 'application/json' } });

  it('imports a file of batch-get-resource-config output: CIs created with classes and tags; again, nothing changes', async () => {
    const text = fixtureText('aws-config/batch-get-resource-config.json');
    const first = await importFile(ada, text);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ created: 4, updated: 0, unchanged: 0, failed: [] });
    expect(await ciByArn('arn:aws:lambda:eu-west-1:123456789012:function:orders-worker')).toMatchObject({
      class: 'lambda_function',
      ownerGroup: 'payments',
      environment: 'staging',
      source: 'aws-config',
      attributes: { memorySize: 256 },
      aws: { captureTime: '2026-10-02T12:00:41.102Z' },
    });
    expect(await ciByArn('arn:aws:s3:::orders-exports-123456789012')).toMatchObject({ class: 's3_bucket', ownerGroup: 'data', environment: 'prod' });
    expect(await ciByArn('arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d')).toMatchObject({ class: 'generic' });

    const second = await importFile(ada, text);
    expect(second.body).toEqual({ created: 0, updated: 0, unchanged: 4, failed: [] });
  });

  it('takes a bare list; an item older than what the CMDB reflects is unchanged; a malformed item is reported and the others imported', async () => {
    const table = JSON.parse(fixtureText('aws-config/batch-get-resource-config.json')).baseConfigurationItems[1];
    const olderOrders = {
      ...table,
      arn: TABLE_ARN,
      resourceId: 'orders',
      resourceName: 'orders',
      configurationItemCaptureTime: '2026-01-01T00:00:00.000000+00:00',
    };
    const newerInvoices = { ...table, configurationItemCaptureTime: '2026-12-01T00:00:00.000000+00:00', supplementaryConfiguration: {} };
    const reply = await ada.post('/cis/import', [olderOrders, { resourceType: 'AWS::Lambda::Function' }, newerInvoices]);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({
      created: 0,
      updated: 1,
      unchanged: 1,
      failed: [{ resourceKey: 'baseConfigurationItems[1]', reason: expect.stringContaining('not a configuration item') }],
    });
    expect(await ci(tableId)).toMatchObject({ ownerGroup: 'newer' });
    // An item that carries no tags leaves the owner group and environment as they were.
    expect(await ciByArn('arn:aws:dynamodb:eu-west-1:123456789012:table/invoices')).toMatchObject({
      ownerGroup: 'payments',
      aws: { captureTime: '2026-12-01T00:00:00.000Z' },
    });
  });

  it('admins only (agents 403, requesters 404); at most 100 items (413)', async () => {
    const text = fixtureText('aws-config/batch-get-resource-config.json');
    expect((await importFile(alice, text)).status).toBe(403);
    expect((await importFile(carol, text)).status).toBe(404);
    const item = JSON.parse(text).baseConfigurationItems[0];
    const tooMany = await ada.post('/cis/import', { baseConfigurationItems: Array.from({ length: 101 }, () => item), unprocessedResourceKeys: [] });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body).toMatchObject({ limit: 100 });
    expect((await ada.post('/cis/import', { items: [] })).status).toBe(400);
  });
});
