import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { type Area, assembleAreas, CONSUMERS, type FunctionId } from '../../functions/routes.ts';
import type { ConsumerDefinition } from '../../functions/shared/area.ts';
import {
  DEAD_LETTERS,
  type DeadLetterStore,
  deadLettersOf,
  FAILURE_RECORD_RETENTION_DAYS,
  functionNameOutput,
  INGESTION_QUEUE_URL_OUTPUT,
  REPLAY_GROUPS,
  streamFailureBucketOutput,
} from '../../infra/constructs/dead-letter-replay.ts';
import type { AreaStack } from '../../infra/stacks/area-stack.ts';
import bookmarks from '../fixtures/areas/bookmarks/area.ts';
import { WATCH_AWS_CONFIG, WATCH_AWS_CONFIG_FUNCTION } from '../fixtures/areas/bookmarks/bus-rule.ts';
import { functionOf, logicalIdIn, resourcesOfFunctionStacks, resourcesOfType, type SynthesizedApp, synthesize } from './helpers.ts';

/**
 * Every place a delivery is given up on keeps it at least 14 days: SQS dead-letter queues keep
 * messages 14 days (the SQS maximum, 1,209,600 s); the table stream consumers give up into S3
 * buckets, where Lambda writes the batch itself, kept FAILURE_RECORD_RETENTION_DAYS. The stack
 * outputs locate each one and what it replays into, under the names `npm run replay-dead-letters`
 * reads.
 */

const FOURTEEN_DAYS_IN_SECONDS = 1_209_600;

let synth: SynthesizedApp;
beforeAll(() => {
  synth = synthesize();
});
afterAll(() => synth?.cleanup());

type Json = Record<string, unknown>;
const ref = (value: unknown): string | undefined => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
};
// Every stack that holds functions: a stream consumer, its bucket and its outputs are in the stack its area names.
const resourcesOf = (app: SynthesizedApp) =>
  Object.assign({}, ...app.functionStacks.map(({ template }) => template.toJSON().Resources)) as Record<string, Json>;
const outputsOf = (app: SynthesizedApp) =>
  Object.assign({}, ...app.functionStacks.map(({ template }) => template.toJSON().Outputs)) as Record<string, { Value: unknown }>;
const resources = () => resourcesOf(synth);
const outputs = () => outputsOf(synth);
/** A stream consumer's failure bucket, by its logical id in its own stack. */
const bucketIdOf = (functionId: FunctionId) => logicalIdIn(synth.home(functionId).stack.streamConsumers.get(functionId)!.failureBucket);
const streamConsumerIds = CONSUMERS.flatMap((c) => (c.source.kind === 'tableStream' ? [c.functionId] : []));
/** Each ingestion bus rule consumer gives up into two queues of its own (its queue's DLQ, its rule target's DLQ). */
const busRuleConsumerCount = CONSUMERS.filter((c) => c.source.kind === 'ingestionBusRule').length;
/** The e-mail receiver (invoked asynchronously by SES) gives up into a queue of its own, its on-failure destination. */
const emailReceiver = CONSUMERS.find((c) => c.source.kind === 'emailReceipt')?.functionId as FunctionId;
const asyncConsumerCount = CONSUMERS.filter((c) => c.source.kind === 'emailReceipt').length;
const actionsOf = (statement: Json) => [statement.Action].flat() as string[];

/** The output a dead-letter queue's replay delivers into. */
const replayTarget = (replay: Extract<DeadLetterStore, { kind: 'queue' }>['replay']): string =>
  replay.kind === 'sendToQueue' ? replay.queueUrlOutput : replay.kind === 'startExecution' ? replay.stateMachineArnOutput : replay.functionNameOutput;

/** The logical ids of every queue or bucket something gives up into, found from what names them. */
function deadLetterIds(all: Record<string, Json>): Set<string> {
  const ids = new Set<string>();
  for (const resource of Object.values(all)) {
    const properties = (resource.Properties ?? {}) as Json;
    switch (resource.Type) {
      case 'AWS::SQS::Queue': {
        const target = ref((properties.RedrivePolicy as Json | undefined)?.deadLetterTargetArn);
        if (target !== undefined) ids.add(target);
        break;
      }
      case 'AWS::Events::Rule':
        for (const target of (properties.Targets ?? []) as Json[]) {
          const id = ref((target.DeadLetterConfig as Json | undefined)?.Arn);
          if (id !== undefined) ids.add(id);
        }
        break;
      case 'AWS::Lambda::EventSourceMapping': {
        const id = ref(((properties.DestinationConfig as Json | undefined)?.OnFailure as Json | undefined)?.Destination);
        if (id !== undefined) ids.add(id);
        break;
      }
      // An asynchronously invoked function's on-failure destination (a queue: its ARN).
      case 'AWS::Lambda::EventInvokeConfig': {
        const id = ref(((properties.DestinationConfig as Json | undefined)?.OnFailure as Json | undefined)?.Destination);
        if (id !== undefined) ids.add(id);
        break;
      }
    }
  }
  return ids;
}

/** The IAM statements of the policies attached to a role. */
function statementsOfRole(roleId: string): Json[] {
  return Object.values(resourcesOfFunctionStacks(synth, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Json[] }).Statement);
}

/**
 * What of a replay plan the synthesized app does not back, one line each (none when it is right):
 * every dead letter and its replay target are stack outputs naming the right kind of resource,
 * each a queue or bucket something gives up into (the timers' queue is named by the schedules it
 * is created with), and `--stack <name>` reading one stack's outputs finds all of a group's.
 */
function misplacedDeadLetters(app: SynthesizedApp, plan: Readonly<Record<string, readonly DeadLetterStore[]>>): string[] {
  const out = outputsOf(app);
  const all = resourcesOf(app);
  const givenUpInto = deadLetterIds(all);
  const found: string[] = [];
  for (const [group, stores] of Object.entries(plan)) {
    for (const store of stores) {
      const name = store.kind === 'queue' ? store.queueUrlOutput : store.bucketNameOutput;
      const id = ref(out[name]?.Value);
      const type = store.kind === 'queue' ? 'AWS::SQS::Queue' : 'AWS::S3::Bucket';
      if (id === undefined) found.push(`${group}: no output ${name}`);
      else if (all[id]?.Type !== type) found.push(`${group}: output ${name} is not an ${type}`);
      else if (name !== 'SlaTimerDeadLetterQueueUrl' && !givenUpInto.has(id)) found.push(`${group}: nothing gives up into ${name}`);
      const target = store.kind === 'bucket' ? store.functionNameOutput : replayTarget(store.replay);
      if (out[target] === undefined) found.push(`${group}: no output ${target}`);
    }
    const names = stores.flatMap((store) =>
      store.kind === 'bucket' ? [store.bucketNameOutput, store.functionNameOutput] : [store.queueUrlOutput, replayTarget(store.replay)],
    );
    const holding = app.functionStacks.filter(({ template }) => names.every((name) => Object.hasOwn(template.toJSON().Outputs ?? {}, name)));
    if (holding.length !== 1) found.push(`${group}: its outputs are in ${holding.length} stacks that hold them all, not 1`);
  }
  return found;
}

describe('dead letters', () => {
  it("every queue a rule or a queue gives up into, and the SLA timers' queue, keeps messages 14 days; every stream gives up into a bucket", () => {
    const all = resources();
    const ids = deadLetterIds(all);
    ids.add(synth.api.getLogicalId(synth.api.slaTimers.deadLetterQueue.node.defaultChild as never));
    // Two ingestion queues, one per stream consumer, one for timers, two per bus rule consumer, one per asynchronously invoked consumer.
    expect(ids.size).toBe(3 + streamConsumerIds.length + 2 * busRuleConsumerCount + asyncConsumerCount);
    const byType = (type: string) => [...ids].filter((id) => all[id]?.Type === type);
    expect(byType('AWS::SQS::Queue')).toHaveLength(3 + 2 * busRuleConsumerCount + asyncConsumerCount);
    expect(byType('AWS::S3::Bucket')).toHaveLength(streamConsumerIds.length);
    for (const id of byType('AWS::SQS::Queue')) expect((all[id]?.Properties as Json).MessageRetentionPeriod, id).toBe(FOURTEEN_DAYS_IN_SECONDS);
  });

  it.each(streamConsumerIds)('%s gives up into its own bucket, which keeps the records %i+ days, encrypted, TLS only, never public', (functionId) => {
    const consumer = synth.home(functionId).stack.streamConsumers.get(functionId);
    expect(consumer).toBeDefined();
    const bucketId = bucketIdOf(functionId);
    const functionRef = { Ref: logicalIdIn(functionOf(synth, functionId).function) };
    const mapping = Object.values(resourcesOfType(synth.home(functionId).template, 'AWS::Lambda::EventSourceMapping')).find(
      (m) => JSON.stringify(m.Properties?.FunctionName) === JSON.stringify(functionRef),
    );
    expect(mapping?.Properties?.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': [bucketId, 'Arn'] } } });

    const bucket = resources()[bucketId]?.Properties as Json;
    const rules = (bucket.LifecycleConfiguration as { Rules: Json[] }).Rules;
    const expiry = rules.filter((r) => r.Status === 'Enabled' && typeof r.ExpirationInDays === 'number' && r.Prefix === undefined);
    expect(expiry).toHaveLength(1);
    expect(expiry[0]!.ExpirationInDays).toBe(FAILURE_RECORD_RETENTION_DAYS);
    expect(FAILURE_RECORD_RETENTION_DAYS).toBeGreaterThanOrEqual(14);
    expect(bucket).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket.VersioningConfiguration).toBeUndefined(); // a replayed record, once deleted, is gone
    // Kept on stack deletion: it may hold what was never replayed.
    expect(resources()[bucketId]?.DeletionPolicy).toBe('Retain');

    const policy = Object.values(resourcesOfType(synth.home(functionId).template, 'AWS::S3::BucketPolicy')).find((p) => ref(p.Properties?.Bucket) === bucketId);
    const deny = (policy?.Properties?.PolicyDocument as { Statement: Json[] }).Statement.find(
      (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
    );
    expect(deny).toBeDefined();
  });

  it.each(streamConsumerIds)('%s may only list its bucket and put objects in it; no other function touches a failure bucket', (functionId) => {
    const bucketId = bucketIdOf(functionId);
    const roleId = logicalIdIn(functionOf(synth, functionId).role);
    const onBucket = statementsOfRole(roleId).filter((s) => JSON.stringify(s.Resource).includes(`"${bucketId}"`));
    const grants = onBucket.map((s) => ({ actions: actionsOf(s).sort(), resource: s.Resource }));
    expect(grants).toEqual(
      expect.arrayContaining([
        { actions: ['s3:ListBucket'], resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } },
        { actions: ['s3:PutObject'], resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] } },
      ]),
    );
    expect(grants).toHaveLength(2);
    // Nothing else in the stack may read, write or delete a failure bucket: the replay runs with an operator's credentials.
    const bucketIds = streamConsumerIds.map(bucketIdOf);
    for (const policy of Object.values(resourcesOfFunctionStacks(synth, 'AWS::IAM::Policy'))) {
      const roles = JSON.stringify(policy.Properties?.Roles);
      for (const statement of (policy.Properties?.PolicyDocument as { Statement: Json[] }).Statement) {
        const resource = JSON.stringify(statement.Resource);
        for (const other of bucketIds) {
          if (!resource.includes(`"${other}"`)) continue;
          const owner = streamConsumerIds[bucketIds.indexOf(other)]!;
          const ownerRole = logicalIdIn(functionOf(synth, owner).role);
          expect(roles, `${other} in a policy of ${roles}`).toBe(JSON.stringify([{ Ref: ownerRole }]));
          expect(actionsOf(statement).every((a) => a === 's3:PutObject' || a === 's3:ListBucket')).toBe(true);
        }
      }
    }
  });

  it.each(streamConsumerIds)('%s failure records raise an alarm when one is written (S3 request metrics)', (functionId) => {
    const bucketId = bucketIdOf(functionId);
    const bucket = resources()[bucketId]?.Properties as Json;
    const [metrics] = bucket.MetricsConfigurations as Json[];
    const alarms = Object.values(resourcesOfType(synth.home(functionId).template, 'AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties?.Dimensions).includes(`"${bucketId}"`),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      Namespace: 'AWS/S3',
      MetricName: 'PutRequests',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: expect.arrayContaining([
        { Name: 'BucketName', Value: { Ref: bucketId } },
        { Name: 'FilterId', Value: metrics!.Id },
      ]),
    });
  });

  it('the stack outputs name every dead letter and its replay target, and each output is the right resource', () => {
    const out = outputs();
    const all = resources();
    const stores: DeadLetterStore[] = Object.values(DEAD_LETTERS).flat();
    expect(misplacedDeadLetters(synth, DEAD_LETTERS)).toEqual([]);
    // Every stream consumer has its failure bucket in the replay plan, under its output.
    const planned = stores.flatMap((s) => (s.kind === 'bucket' ? [s.functionId] : []));
    expect(planned.sort()).toEqual([...streamConsumerIds].sort());
    for (const functionId of streamConsumerIds) {
      const bucketId = bucketIdOf(functionId);
      expect(ref(out[streamFailureBucketOutput(functionId)]?.Value)).toBe(bucketId);
    }
    // The ingestion queue output is the queue whose redrive policy names the ingestion DLQ.
    const ingestionQueue = all[ref(out[INGESTION_QUEUE_URL_OUTPUT]?.Value) as string];
    expect(ref(((ingestionQueue?.Properties as Json).RedrivePolicy as Json).deadLetterTargetArn)).toBe(ref(out.IngestionDeadLetterQueueUrl?.Value));
    // The ingestion queue, its two DLQs and the timers' DLQ: no queue is left over from the stream consumers.
    expect(Object.keys(resourcesOfType(synth.apiTemplate, 'AWS::SQS::Queue')).length).toBe(4);
  });
});

describe('the e-mail receiver, invoked asynchronously by SES', () => {
  const queueId = () => logicalIdIn((synth.home(emailReceiver).stack as AreaStack).inboundEmail!.deadLetterQueue);
  const template = () => synth.home(emailReceiver).template;

  it('gives up into its dead-letter queue after 2 retries or 6 hours, not into nothing', () => {
    expect(emailReceiver).toBe('receiveEmail');
    const functionRef = { Ref: logicalIdIn(functionOf(synth, emailReceiver).function) };
    const configs = Object.values(resourcesOfType(template(), 'AWS::Lambda::EventInvokeConfig')).filter(
      (c) => JSON.stringify(c.Properties?.FunctionName) === JSON.stringify(functionRef),
    );
    expect(configs).toHaveLength(1);
    expect(configs[0]?.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(), 'Arn'] } } },
    });
  });

  it('the queue: SQS-managed encryption, TLS only, 14 days, an alarm on its first message', () => {
    const queue = resources()[queueId()]?.Properties as Json;
    expect(queue).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: FOURTEEN_DAYS_IN_SECONDS });
    const policy = Object.values(resourcesOfType(template(), 'AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify(p.Properties?.Queues).includes(`"${queueId()}"`),
    );
    const deny = (policy?.Properties?.PolicyDocument as { Statement: Json[] }).Statement.find((s) => s.Effect === 'Deny');
    expect(deny?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    const alarms = Object.values(resourcesOfType(template(), 'AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties?.Dimensions).includes(`"${queueId()}"`),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' });
    expect(alarms[0]?.Properties?.AlarmActions).toBeDefined();
  });

  it('only the receiver may send to the queue, and only send', () => {
    const receiverRole = logicalIdIn(functionOf(synth, emailReceiver).role);
    const onQueue = statementsOfRole(receiverRole).filter((s) => JSON.stringify(s.Resource).includes(`"${queueId()}"`));
    expect(onQueue.map((s) => ({ actions: actionsOf(s).sort(), resource: s.Resource }))).toEqual([
      { actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], resource: { 'Fn::GetAtt': [queueId(), 'Arn'] } },
    ]);
    for (const policy of Object.values(resourcesOfFunctionStacks(synth, 'AWS::IAM::Policy'))) {
      if (JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: receiverRole }])) continue;
      expect(JSON.stringify(policy.Properties?.PolicyDocument)).not.toContain(`"${queueId()}"`);
    }
  });

  it('is replayed with `--queue email` by invoking the receiver with the event (outputs in its stack)', () => {
    expect(DEAD_LETTERS.email).toContainEqual({
      kind: 'queue',
      queueUrlOutput: 'ReceiveEmailDeadLetterQueueUrl',
      what: expect.any(String),
      replay: { kind: 'invokeFunction', functionNameOutput: functionNameOutput(emailReceiver) },
    });
    const out = template().toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(ref(out.ReceiveEmailDeadLetterQueueUrl?.Value)).toBe(queueId());
    expect(ref(out[functionNameOutput(emailReceiver)]?.Value)).toBe(logicalIdIn(functionOf(synth, emailReceiver).function));
  });
});

/**
 * A new area's stream consumer and bus rule consumer are replayable from its area.ts alone: the
 * fixture area (test/fixtures/areas/bookmarks/, docs/adding-an-area.md) given a stack of its own,
 * a table stream consumer here, as test/infra/area-stacks.test.ts gives it, and the ingestion bus
 * rule consumer of ./bus-rule.ts, registered beside the registry's areas. Nothing in infra/ or
 * scripts/ names it.
 */
const FIXTURE_STACK = 'ItsmBookmarks';
const watchBookmarks = {
  functionId: 'watchBookmarks',
  source: {
    kind: 'tableStream',
    filter: { dynamodb: { NewImage: { entity: { S: ['bookmark'] } } } },
    batchSize: 10,
    replay: { group: 'bookmarks', what: 'bookmark writes not read' },
  },
} as const satisfies ConsumerDefinition;
const fixture: Area = {
  ...bookmarks,
  stack: FIXTURE_STACK,
  functions: {
    ...bookmarks.functions,
    // Reuses the seed handler's entry: bundling is skipped, the entry only needs to exist.
    watchBookmarks: { entry: bookmarks.functions.seedBookmarks.entry, description: 'Reads bookmark writes from the table stream', tableAccess: 'read' },
    watchAwsConfig: WATCH_AWS_CONFIG_FUNCTION,
  },
  consumers: [...(bookmarks.consumers ?? []), watchBookmarks, WATCH_AWS_CONFIG],
};

describe("a new area's stream and bus rule consumers (the fixture area), with no edit to the replay", () => {
  let withFixture: SynthesizedApp;
  beforeAll(() => {
    withFixture = synthesize({}, { areas: [...AREAS, fixture] });
  });
  afterAll(() => withFixture?.cleanup());
  const plan = deadLettersOf(assembleAreas([...AREAS, fixture]).consumers);

  it('joins the replay plan in the group it declares; the registry’s groups stay as they were', () => {
    expect(plan).toEqual({
      ...DEAD_LETTERS,
      bookmarks: [
        // Queues first: what the bus rule consumer failed before what the stream consumer did.
        {
          kind: 'queue',
          queueUrlOutput: 'BookmarksAwsConfigTargetDeadLetterQueueUrl',
          what: expect.stringContaining(WATCH_AWS_CONFIG.source.replay.what),
          replay: { kind: 'sendToQueue', queueUrlOutput: 'BookmarksAwsConfigQueueUrl' },
        },
        {
          kind: 'queue',
          queueUrlOutput: 'BookmarksAwsConfigDeadLetterQueueUrl',
          what: WATCH_AWS_CONFIG.source.replay.what,
          replay: { kind: 'sendToQueue', queueUrlOutput: 'BookmarksAwsConfigQueueUrl' },
        },
        {
          kind: 'bucket',
          bucketNameOutput: 'WatchBookmarksFailureBucketName',
          what: 'bookmark writes not read',
          functionNameOutput: 'WatchBookmarksFunctionName',
          functionId: 'watchBookmarks',
        },
      ],
    });
    // The registry's own groups, which docs/operations.md describes.
    expect(REPLAY_GROUPS).toEqual(expect.arrayContaining(['outbox', 'ingestion', 'timers', 'problems']));
    expect(REPLAY_GROUPS).not.toContain('bookmarks');
  });

  it('its stack’s outputs locate its failure bucket, its function and its bus rule’s queues, all in one stack as --stack reads them', () => {
    expect(misplacedDeadLetters(withFixture, plan)).toEqual([]);
    const home = withFixture.home('watchBookmarks');
    expect(home.stack.stackName).toBe(FIXTURE_STACK);
    const out = home.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(ref(out[streamFailureBucketOutput('watchBookmarks')]?.Value)).toBe(
      logicalIdIn(home.stack.streamConsumers.get('watchBookmarks' as FunctionId)!.failureBucket),
    );
    expect(ref(out[functionNameOutput('watchBookmarks')]?.Value)).toBe(logicalIdIn(functionOf(withFixture, 'watchBookmarks').function));
  });

  it('a consumer grouped with another stack’s dead letters is caught: --stack would find only part of the group', () => {
    const regrouped: ConsumerDefinition = { ...watchBookmarks, source: { ...watchBookmarks.source, replay: { group: 'problems', what: 'x' } } };
    expect(misplacedDeadLetters(withFixture, deadLettersOf([...CONSUMERS, regrouped]))).toEqual([
      'problems: its outputs are in 0 stacks that hold them all, not 1',
    ]);
  });

  it('refuses a group that is not a word `--queue` can take', () => {
    const named = (group: string): ConsumerDefinition => ({ ...watchBookmarks, source: { ...watchBookmarks.source, replay: { group, what: 'x' } } });
    expect(() => deadLettersOf([named('Bookmarks')])).toThrow(/Consumer watchBookmarks: replay group "Bookmarks"/);
    expect(() => deadLettersOf([named('book marks')])).toThrow(/replay group/);
    expect(deadLettersOf([named('saved-links')])['saved-links']).toHaveLength(1);
  });
});
