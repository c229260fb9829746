import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type BaseConfigurationItem,
  baseConfigurationItemShape,
  classOfAwsResourceType,
  DEFAULT_TAG_MAPPING,
  FEED_DETAIL_TYPES,
  FEED_SOURCES,
  type FeedEvent,
  feedEnvelopeShape,
  importBody,
  normalizedTime,
  readFeedEvent,
  relationshipTypeOfConfigName,
  stackOf,
  stateOfBaseConfigurationItem,
} from '../../functions/cmdb/domain/aws-feed.ts';
import { awsNameIdentifierOf } from '../../functions/cmdb/domain/aws-identity.ts';

/*
 * The AWS feed's pure rules against the checked-in fixtures (real EventBridge shapes of AWS Config
 * and CloudFormation events, and `aws configservice batch-get-resource-config` output).
 */

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

function read(path: string, mapping = DEFAULT_TAG_MAPPING): FeedEvent {
  const result = readFeedEvent(feedEnvelopeShape.parse(fixture(path)), mapping);
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

function configState(path: string, mapping = DEFAULT_TAG_MAPPING) {
  const event = read(path, mapping);
  if (event.kind !== 'config-item') throw new Error(`not a config item: ${event.kind}`);
  return event;
}

describe('AWS resource types as classes', () => {
  it.each([
    ['AWS::Lambda::Function', 'lambda_function'],
    ['AWS::DynamoDB::Table', 'dynamodb_table'],
    ['AWS::EC2::Instance', 'ec2_instance'],
    ['AWS::RDS::DBInstance', 'rds_instance'],
    ['AWS::S3::Bucket', 's3_bucket'],
    ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'load_balancer'],
    ['AWS::SQS::Queue', 'queue'],
    ['AWS::SNS::Topic', 'topic'],
    ['AWS::ApiGateway::RestApi', 'api'],
    ['AWS::ApiGatewayV2::Api', 'api'],
    ['AWS::EC2::VPC', 'network'],
    ['AWS::EC2::Subnet', 'network'],
    ['AWS::StepFunctions::StateMachine', 'generic'],
    ['AWS::Some::FutureType', 'generic'],
  ])('%s is %s', (type, ciClass) => {
    expect(classOfAwsResourceType(type)).toBe(ciClass);
  });
});

describe('AWS Config relationship names', () => {
  it.each([
    ['Is contained in Vpc', 'contained_by'],
    ['Is contained in Subnet', 'contained_by'],
    ['Contains Subnet', 'contains'],
    ['Is associated with Role', 'depends_on'],
    ['Is attached to ElasticIp', 'depends_on'],
    ['is ATTACHED to  NetworkInterface', 'depends_on'],
    ['Is used by Function', 'used_by'],
    ['Something AWS adds later', 'connects_to'],
  ])('"%s" is %s', (name, type) => {
    expect(relationshipTypeOfConfigName(name)).toBe(type);
  });
});

describe('Config Configuration Item Change', () => {
  it('a discovered Lambda function: class, name, ARN, capture time, attributes, tags as owner and environment, relationships', () => {
    const { state, oversized } = configState('aws-config/lambda-discovered.json');
    expect(oversized).toBe(false);
    expect(state).toMatchObject({
      resource: { accountId: '123456789012', region: 'eu-west-1', resourceType: 'AWS::Lambda::Function', resourceId: 'orders-api', resourceName: 'orders-api' },
      class: 'lambda_function',
      name: 'orders-api',
      externalId: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api',
      status: 'active',
      captureTime: '2026-11-20T09:15:40.861Z',
      attributes: { runtime: 'nodejs22.x', handler: 'index.handler', memorySize: 512, timeout: 10, packageType: 'Zip', architectures: ['arm64'] },
      tags: { ownerGroup: 'payments', environment: 'prod' },
    });
    expect(state.relationships).toEqual([
      {
        type: 'depends_on',
        configName: 'Is associated with Role',
        // IAM is recorded in the pseudo-region `global`, whichever region reports the relationship.
        target: {
          accountId: '123456789012',
          region: 'global',
          resourceType: 'AWS::IAM::Role',
          resourceId: 'AROAEXAMPLEORDERSAPI01',
          resourceName: 'orders-api-role',
        },
      },
      {
        type: 'contained_by',
        configName: 'Is contained in Subnet',
        target: { accountId: '123456789012', region: 'eu-west-1', resourceType: 'AWS::EC2::Subnet', resourceId: 'subnet-0a1b2c3d4e5f60718' },
      },
      {
        type: 'depends_on',
        configName: 'Is associated with SecurityGroup',
        target: { accountId: '123456789012', region: 'eu-west-1', resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-0123456789abcdef0' },
      },
    ]);
  });

  it('reads the owner group and environment from the configured tag names', () => {
    const { state } = configState('aws-config/lambda-discovered.json', { ownerGroupTag: 'aws:cloudformation:stack-name', environmentTag: 'stage' });
    expect(state.tags).toEqual({ ownerGroup: 'orders' });
  });

  it('an update carries the new configuration, tags and the relationships still reported', () => {
    const { state } = configState('aws-config/lambda-updated.json');
    expect(state).toMatchObject({ status: 'active', attributes: { memorySize: 1024 }, tags: { ownerGroup: 'checkout', environment: 'prod' } });
    expect(state.relationships?.map((r) => r.target.resourceType)).toEqual(['AWS::IAM::Role', 'AWS::EC2::SecurityGroup']);
  });

  it('a deleted resource retires its CI and reports no relationships; its tags and attributes are kept (not carried)', () => {
    const { state } = configState('aws-config/lambda-deleted.json');
    expect(state.status).toBe('retired');
    expect(state.relationships).toEqual([]);
    expect(state).not.toHaveProperty('tags');
    expect(state).not.toHaveProperty('attributes');
  });

  it('an oversized notification is an update of what its summary carries: no attributes, tags or relationships', () => {
    const { state, oversized } = configState('aws-config/lambda-oversized.json');
    expect(oversized).toBe(true);
    expect(state).toMatchObject({
      class: 'lambda_function',
      status: 'active',
      captureTime: '2026-11-22T11:45:01.730Z',
      externalId: expect.stringContaining('orders-api'),
    });
    expect(state).not.toHaveProperty('attributes');
    expect(state).not.toHaveProperty('tags');
    expect(state).not.toHaveProperty('relationships');
  });

  it('an unknown resource type is a generic CI, named by its resource name', () => {
    const { state } = configState('aws-config/state-machine-discovered.json');
    expect(state).toMatchObject({ class: 'generic', name: 'order-fulfilment', attributes: {}, tags: { ownerGroup: 'fulfilment' } });
  });

  it('a status that says nothing of the resource, a bad capture time and other detail-types are ignored with a reason', () => {
    const base = fixture('aws-config/lambda-discovered.json') as { detail: { configurationItem: Record<string, unknown> } };
    const notRecorded = structuredClone(base);
    notRecorded.detail.configurationItem.configurationItemStatus = 'ResourceNotRecorded';
    expect(readFeedEvent(feedEnvelopeShape.parse(notRecorded), DEFAULT_TAG_MAPPING)).toEqual({
      ok: false,
      reason: expect.stringContaining('ResourceNotRecorded'),
    });
    const badTime = structuredClone(base);
    badTime.detail.configurationItem.configurationItemCaptureTime = 'yesterday';
    expect(readFeedEvent(feedEnvelopeShape.parse(badTime), DEFAULT_TAG_MAPPING)).toMatchObject({ ok: false });
    const other = { ...base, 'detail-type': 'Config Rules Compliance Change' };
    expect(readFeedEvent(feedEnvelopeShape.parse(other), DEFAULT_TAG_MAPPING)).toEqual({
      ok: false,
      reason: expect.stringContaining('Config Rules Compliance Change'),
    });
    const noItem = { ...base, detail: { messageType: 'ConfigurationItemChangeNotification' } };
    expect(readFeedEvent(feedEnvelopeShape.parse(noItem), DEFAULT_TAG_MAPPING)).toMatchObject({ ok: false });
  });
});

describe('CloudFormation events', () => {
  const STACK = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/orders/4b7e1f60-c5a2-11f0-9d1e-0a7e2b9c4d11';

  it('a stack id is a stack CI named after the stack', () => {
    expect(stackOf(STACK)).toEqual({
      name: 'orders',
      externalId: STACK,
      resource: { accountId: '123456789012', region: 'eu-west-1', resourceType: 'AWS::CloudFormation::Stack', resourceId: STACK, resourceName: 'orders' },
    });
    expect(stackOf('orders')).toBeUndefined();
  });

  it('a resource created in a stack is present in it, found by its physical id', () => {
    const event = read('cloudformation/lambda-create-complete.json');
    expect(event).toMatchObject({
      kind: 'cloudformation-resource',
      membership: 'present',
      class: 'lambda_function',
      stack: { name: 'orders' },
      resource: { accountId: '123456789012', region: 'eu-west-1', resourceType: 'AWS::Lambda::Function', resourceId: 'orders-api' },
    });
  });

  it('a deleted resource leaves its stack; a status in progress changes nothing', () => {
    expect(read('cloudformation/lambda-delete-complete.json')).toMatchObject({ membership: 'deleted' });
    const inProgress = readFeedEvent(feedEnvelopeShape.parse(fixture('cloudformation/lambda-create-in-progress.json')), DEFAULT_TAG_MAPPING);
    expect(inProgress).toEqual({ ok: false, reason: expect.stringContaining('CREATE_IN_PROGRESS') });
  });

  it('stack status changes create and retire the stack CI', () => {
    expect(read('cloudformation/stack-create-complete.json')).toMatchObject({ kind: 'cloudformation-stack', deleted: false, stack: { name: 'orders' } });
    expect(read('cloudformation/stack-delete-complete.json')).toMatchObject({ kind: 'cloudformation-stack', deleted: true });
  });
});

describe('batch-get-resource-config items (the import)', () => {
  const items = (importBody.parse(fixture('aws-config/batch-get-resource-config.json')) as { baseConfigurationItems: unknown[] }).baseConfigurationItems.map(
    (item) => baseConfigurationItemShape.parse(item),
  );
  const state = (item: BaseConfigurationItem) => {
    const mapped = stateOfBaseConfigurationItem(item, DEFAULT_TAG_MAPPING);
    if (!mapped.ok) throw new Error(mapped.reason);
    return mapped.state;
  };

  it('reads the configuration from its JSON string and tags from the supplementary configuration; carries no relationships', () => {
    const [worker, table, bucket, key] = items.map(state);
    expect(worker).toMatchObject({
      class: 'lambda_function',
      name: 'orders-worker',
      externalId: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-worker',
      captureTime: '2026-10-02T12:00:41.102Z',
      attributes: { runtime: 'nodejs22.x', memorySize: 256 },
      tags: { ownerGroup: 'payments', environment: 'staging' },
    });
    expect(worker).not.toHaveProperty('relationships');
    expect(table).toMatchObject({ class: 'dynamodb_table', attributes: { tableStatus: 'ACTIVE', billingMode: 'PAY_PER_REQUEST' } });
    expect(bucket).toMatchObject({
      class: 's3_bucket',
      tags: { ownerGroup: 'data', environment: 'prod' },
      attributes: { creationDate: '2026-09-14T07:31:02.000Z' },
    });
    expect(key).toMatchObject({ class: 'generic', name: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' });
    expect(key).not.toHaveProperty('tags');
  });

  it('accepts a bare list of items too', () => {
    expect(importBody.safeParse([{}]).success).toBe(true);
    expect(importBody.safeParse({ items: [] }).success).toBe(false);
  });
});

describe('identity by name', () => {
  const role = { resourceType: 'AWS::IAM::Role', resourceId: 'AROAEXAMPLEORDERSAPI01', resourceName: 'orders-api-role' };

  it('an IAM role or an RDS instance is found by its name too (CloudFormation names it so), when the name is not its id', () => {
    expect(awsNameIdentifierOf(role)).toBe('orders-api-role');
    expect(awsNameIdentifierOf({ resourceType: 'AWS::RDS::DBInstance', resourceId: 'db-ABCDEFGHIJKL', resourceName: 'orders' })).toBe('orders');
    expect(awsNameIdentifierOf({ ...role, resourceName: role.resourceId })).toBeUndefined();
    expect(awsNameIdentifierOf({ resourceType: role.resourceType, resourceId: role.resourceId })).toBeUndefined();
  });

  it('never by a name other resources of its type may share (two VPCs each have a security group named default)', () => {
    expect(awsNameIdentifierOf({ resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-0123456789abcdef0', resourceName: 'default' })).toBeUndefined();
  });
});

describe('capture times', () => {
  it('compare as text once normalized: with or without milliseconds, or microseconds as the CLI prints them', () => {
    expect(normalizedTime('2026-11-20T09:15:40Z')).toBe('2026-11-20T09:15:40.000Z');
    expect(normalizedTime('2026-10-02T12:00:41.102000+00:00')).toBe('2026-10-02T12:00:41.102Z');
    expect(normalizedTime('not a time')).toBeUndefined();
  });
});

describe('the consumer declaration', () => {
  it('the ingestion bus rule matches exactly the sources and detail-types the feed reads (listed literally in area.ts)', async () => {
    const { default: cmdb } = await import('../../functions/cmdb/area.ts');
    const consumer = cmdb.consumers?.find((c) => c.functionId === 'applyAwsFeed');
    expect(consumer?.source).toMatchObject({
      kind: 'ingestionBusRule',
      pattern: { source: [...FEED_SOURCES], 'detail-type': [...FEED_DETAIL_TYPES] },
    });
  });
});
