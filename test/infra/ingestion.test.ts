import { Names } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGESTION_DETAIL_TYPES, INGESTION_RULES } from '../../functions/ingestion/rules.ts';
import { CONSUMERS, EVENT_SOURCE, FUNCTIONS, type FunctionDefinition, type FunctionId, REGISTERED_AREAS } from '../../functions/routes.ts';
import {
  busRuleDetailTypes,
  CLOUDWATCH_ALARMS_RULE_ID,
  MAX_RECEIVE_COUNT,
  QUEUE_BATCH_SIZE,
  QUEUE_MAX_CONCURRENCY,
  VISIBILITY_TIMEOUT_FACTOR,
} from '../../infra/constructs/ingestion.ts';
import { DEFAULT_TIMEOUT_SECONDS } from '../../infra/constructs/itsm-function.ts';
import { STREAM_MAX_RECORD_AGE, STREAM_RETRY_ATTEMPTS } from '../../infra/constructs/stream-consumer.ts';
import {
  actionsOf,
  describeFindings,
  functionOf,
  getAtt,
  logicalIdIn,
  productFunctions,
  resourcesOfFunctionStacks,
  resourcesOfType,
  type Statement,
  type SynthesizedApp,
  synthesize,
  unacknowledgedNagFindings,
} from './helpers.ts';

/**
 * Event ingestion: the bus and its policy, one rule per INGESTION_RULES entry into one queue, the
 * consumers CONSUMERS lists, their dead-letter queues and alarms, and their exact IAM.
 */

const STREAM_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
const CONSUME_ACTIONS = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];

const queueConsumer = CONSUMERS.find((c) => c.source.kind === 'ingestionQueue');
const streamConsumers = CONSUMERS.flatMap((c) => (c.source.kind === 'tableStream' ? [{ functionId: c.functionId, source: c.source }] : []));
/** The areas' ingestion bus rule consumers (the CMDB's AWS feed): each a rule and three queues of its own (test/infra/bus-rules.test.ts). */
const busRuleConsumers = CONSUMERS.filter((c) => c.source.kind === 'ingestionBusRule');

/** Lookups by construct, so the tests do not depend on logical id hashes. */
function inspect(synth: SynthesizedApp) {
  const template: Template = synth.apiTemplate;
  const logicalId = (construct: IConstruct) => logicalIdIn(construct);
  // In the stack its area names (the API stack or an area stack), with its policies.
  const fn = (functionId: FunctionId) => functionOf(synth, functionId);
  const statementsOfRole = (functionId: FunctionId): Statement[] => {
    const role = logicalId(fn(functionId).role);
    return Object.values(resourcesOfType(synth.home(functionId).template, 'AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  };
  const ingestion = synth.api.ingestion;
  return {
    template,
    resources: (type: string) => resourcesOfFunctionStacks(synth, type),
    logicalId,
    fn,
    statementsOfRole,
    bus: logicalId(ingestion.bus),
    queue: logicalId(ingestion.queue),
    deadLetterQueue: logicalId(ingestion.deadLetterQueue),
    targetDeadLetterQueue: logicalId(ingestion.targetDeadLetterQueue),
    rule: (id: string) => {
      const rule = ingestion.rules.get(id);
      if (rule === undefined) throw new Error(`No rule ${id}`);
      return logicalId(rule);
    },
    /** An ingestion bus rule consumer's construct, in the stack of its area. */
    busRuleConsumer: (functionId: FunctionId) => {
      const consumer = synth.home(functionId).stack.busRuleConsumers.get(functionId);
      if (consumer === undefined) throw new Error(`No bus rule consumer ${functionId}`);
      return consumer;
    },
  };
}

describe('the route table drives ingestion', () => {
  it('has one ingestionQueue consumer and at least one tableStream consumer', () => {
    expect(queueConsumer?.functionId).toBe('recordBusEvents');
    expect(streamConsumers.map((c) => c.functionId)).toContain('applyAlertEvents');
  });
});

describe('default deployment (no ingestion context)', () => {
  let synth: SynthesizedApp;
  let t: ReturnType<typeof inspect>;
  beforeAll(() => {
    synth = synthesize();
    t = inspect(synth);
  });
  afterAll(() => synth?.cleanup());

  describe('bus', () => {
    it('is one custom bus whose name CDK derives from the construct path (no hand-written name)', () => {
      const buses = t.resources('AWS::Events::EventBus');
      expect(Object.keys(buses)).toEqual([t.bus]);
      expect(buses[t.bus]?.Properties?.Name).toBe(Names.uniqueId(synth.api.ingestion.bus));
    });

    it('has no resource policy: only this account may put events, through IAM', () => {
      expect(t.resources('AWS::Events::EventBusPolicy')).toEqual({});
    });

    it('outputs its name and ARN', () => {
      t.template.hasOutput('IngestionBusName', { Value: { Ref: t.bus } });
      t.template.hasOutput('IngestionBusArn', { Value: getAtt(t.bus) });
    });
  });

  describe('rules', () => {
    it('has exactly one rule per INGESTION_RULES entry and per bus rule consumer, all on the ingestion bus (none on the default bus)', () => {
      const rules = t.resources('AWS::Events::Rule');
      const consumerRules = busRuleConsumers.map((c) => t.logicalId(t.busRuleConsumer(c.functionId).rule));
      expect(Object.keys(rules).sort()).toEqual([...INGESTION_RULES.map((rule) => t.rule(rule.id)), ...consumerRules].sort());
      for (const rule of INGESTION_RULES) expect(rules[t.rule(rule.id)]?.Properties?.EventBusName).toEqual({ Ref: t.bus });
      // An area stack's rule names the bus by the API stack's export.
      for (const id of consumerRules) {
        const busName = JSON.stringify(rules[id]?.Properties?.EventBusName);
        expect(busName === JSON.stringify({ Ref: t.bus }) || /^\{"Fn::ImportValue":"ItsmApi:ExportsOutputRefIngestionBus[^"]*"\}$/.test(busName), busName).toBe(
          true,
        );
      }
      expect(synth.api.ingestion.defaultBusRule).toBeUndefined();
      for (const c of busRuleConsumers) expect(t.busRuleConsumer(c.functionId).defaultBusRule).toBeUndefined();
    });

    it.each(INGESTION_RULES.map((rule) => [rule.id, rule] as const))(
      '%s: exactly its pattern, into the queue, with retries and a dead-letter queue',
      (id, rule) => {
        const properties = t.resources('AWS::Events::Rule')[t.rule(id)]?.Properties;
        expect(properties?.EventPattern).toEqual(rule.eventPattern);
        expect(properties?.Description).toBe(rule.description);
        expect(properties?.State).toBe('ENABLED');
        expect(properties?.Targets).toEqual([
          {
            Id: expect.any(String),
            Arn: getAtt(t.queue),
            RetryPolicy: { MaximumEventAgeInSeconds: 24 * 60 * 60, MaximumRetryAttempts: 185 },
            DeadLetterConfig: { Arn: getAtt(t.targetDeadLetterQueue) },
          },
        ]);
      },
    );
  });

  describe('queues', () => {
    it('encrypts every queue (SSE-SQS) and refuses every request without TLS', () => {
      const queues = t.resources('AWS::SQS::Queue');
      // Ingestion's three, the SLA timers' dead-letter queue (stream consumers give up into S3),
      // three per bus rule consumer, the async-invocation dead-letter queue of each e-mail receiver.
      const emailReceivers = CONSUMERS.filter((c) => c.source.kind === 'emailReceipt').length;
      expect(Object.keys(queues)).toHaveLength(3 + 1 + 3 * busRuleConsumers.length + emailReceivers);
      const policies = Object.values(t.resources('AWS::SQS::QueuePolicy'));
      for (const [logicalId, queue] of Object.entries(queues)) {
        expect(queue.Properties?.SqsManagedSseEnabled, logicalId).toBe(true);
        const policy = policies.find((p) => JSON.stringify(p.Properties?.Queues) === JSON.stringify([{ Ref: logicalId }]));
        const statements = (policy?.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [];
        expect(statements, logicalId).toContainEqual({
          Action: 'sqs:*',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: getAtt(logicalId),
        });
      }
    });

    it('gives the ingestion queue a visibility timeout of six times its consumer’s timeout, and a dead-letter queue after five receives', () => {
      const timeout = FUNCTIONS.recordBusEvents.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      expect(VISIBILITY_TIMEOUT_FACTOR).toBeGreaterThanOrEqual(6);
      expect(t.resources('AWS::SQS::Queue')[t.queue]?.Properties).toMatchObject({
        VisibilityTimeout: VISIBILITY_TIMEOUT_FACTOR * timeout,
        RedrivePolicy: { deadLetterTargetArn: getAtt(t.deadLetterQueue), maxReceiveCount: MAX_RECEIVE_COUNT },
      });
      expect(MAX_RECEIVE_COUNT).toBe(5);
    });

    it('keeps dead-lettered messages for 14 days (stream consumers keep theirs in S3: dead-letters.test.ts)', () => {
      const deadLetterQueues = [t.deadLetterQueue, t.targetDeadLetterQueue];
      for (const logicalId of deadLetterQueues) {
        expect(t.resources('AWS::SQS::Queue')[logicalId]?.Properties?.MessageRetentionPeriod, logicalId).toBe(14 * 24 * 60 * 60);
      }
    });

    it('lets EventBridge send to the queue and its target DLQ only on behalf of the ingestion rules', () => {
      const ruleArns = INGESTION_RULES.map((rule) => getAtt(t.rule(rule.id)));
      for (const queue of [t.queue, t.targetDeadLetterQueue]) {
        const policy = Object.values(t.resources('AWS::SQS::QueuePolicy')).find(
          (p) => JSON.stringify(p.Properties?.Queues) === JSON.stringify([{ Ref: queue }]),
        );
        const allows = (policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) => s.Effect === 'Allow');
        for (const statement of allows) {
          expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
          expect(actionsOf(statement)).toContain('sqs:SendMessage');
          expect(actionsOf(statement).every((a) => ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].includes(a))).toBe(true);
          expect(statement.Resource).toEqual(getAtt(queue));
        }
        expect(allows.map((s) => s.Condition?.ArnEquals?.['aws:SourceArn'])).toEqual(expect.arrayContaining(ruleArns));
        expect(allows).toHaveLength(ruleArns.length);
      }
    });
  });

  describe('consumers, as CONSUMERS lists them', () => {
    it('has exactly one event source mapping per queue or stream consumer', () => {
      // afterDeploy consumers are run by a trigger, not an event source (sla-infra.test.ts).
      const mapped = CONSUMERS.filter((c) => c.source.kind === 'ingestionQueue' || c.source.kind === 'tableStream' || c.source.kind === 'ingestionBusRule');
      expect(Object.keys(t.resources('AWS::Lambda::EventSourceMapping'))).toHaveLength(mapped.length);
    });

    it('feeds the queue to its consumer in batches, reporting failed messages one by one, with capped concurrency', () => {
      const mappings = Object.values(t.resources('AWS::Lambda::EventSourceMapping')).filter(
        (m) => JSON.stringify(m.Properties?.EventSourceArn) === JSON.stringify(getAtt(t.queue)),
      );
      expect(mappings).toHaveLength(1);
      expect(mappings[0]?.Properties).toMatchObject({
        FunctionName: { Ref: t.logicalId(t.fn(queueConsumer!.functionId).function) },
        BatchSize: QUEUE_BATCH_SIZE,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: QUEUE_MAX_CONCURRENCY },
      });
      expect(QUEUE_MAX_CONCURRENCY).toBeGreaterThanOrEqual(2); // Lambda's minimum
    });

    it.each(streamConsumers.map((c) => [c.functionId, c.source] as const))(
      '%s reads the table stream from the oldest record, with the CONSUMERS filter, bisecting and retrying, then a failure bucket',
      (functionId, source) => {
        const mappings = Object.values(t.resources('AWS::Lambda::EventSourceMapping')).filter(
          (m) => JSON.stringify(m.Properties?.FunctionName) === JSON.stringify({ Ref: t.logicalId(t.fn(functionId).function) }),
        );
        expect(mappings).toHaveLength(1);
        const properties = mappings[0]!.Properties!;
        expect(JSON.stringify(properties.EventSourceArn)).toMatch(/"Fn::ImportValue":"ItsmData:[^"]*StreamArn/);
        const filters = (properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
        expect(filters.map((f) => JSON.parse(f.Pattern) as unknown)).toEqual([source.filter]);
        const failureBucket = synth.home(functionId).stack.streamConsumers.get(functionId)?.failureBucket;
        expect(failureBucket).toBeDefined();
        expect(properties).toMatchObject({
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: source.batchSize,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          BisectBatchOnFunctionError: true,
          MaximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
          MaximumRecordAgeInSeconds: STREAM_MAX_RECORD_AGE.toSeconds(),
          DestinationConfig: { OnFailure: { Destination: getAtt(t.logicalId(failureBucket!)) } },
        });
        // Below the stream's 24-hour retention, so a stuck record reaches the failure bucket
        // before it ages out of the stream.
        expect(STREAM_MAX_RECORD_AGE.toHours()).toBeLessThan(24);
      },
    );
  });

  describe('alarms', () => {
    it('alarms on the first message in each dead-letter queue, into the alarm topic', () => {
      const alarms = Object.values(t.resources('AWS::CloudWatch::Alarm')).map((a) => a.Properties!);
      // The stream consumers' failure buckets have their own alarms (dead-letters.test.ts).
      const deadLetterQueues = [t.deadLetterQueue, t.targetDeadLetterQueue];
      for (const queue of deadLetterQueues) {
        const matching = alarms.filter((a) => JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: getAtt(queue, 'QueueName') }]));
        expect(matching, queue).toHaveLength(1);
        expect(matching[0]).toMatchObject({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Statistic: 'Maximum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: t.logicalId(synth.api.node.findChild('Alarms').node.findChild('Topic')) }],
        });
      }
    });
  });

  describe('IAM: least privilege', () => {
    const functionIds = Object.keys(FUNCTIONS) as FunctionId[];

    it('the queue consumer may only consume the ingestion queue (no SendMessage, nothing else)', () => {
      const sqs = t.statementsOfRole(queueConsumer!.functionId).filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
      expect(sqs).toHaveLength(1);
      expect([...actionsOf(sqs[0]!)].sort()).toEqual(CONSUME_ACTIONS);
      expect(sqs[0]!.Resource).toEqual(getAtt(t.queue));
    });

    it('no other function has any access to the ingestion queues', () => {
      for (const functionId of functionIds.filter((id) => id !== queueConsumer!.functionId)) {
        const resources = JSON.stringify(t.statementsOfRole(functionId).map((s) => s.Resource));
        for (const queue of [t.queue, t.deadLetterQueue, t.targetDeadLetterQueue]) expect(resources, functionId).not.toContain(`"${queue}"`);
      }
    });

    it('stream consumers read the stream on its ARN only, and have no SQS access (they give up into S3: dead-letters.test.ts)', () => {
      for (const { functionId } of streamConsumers) {
        const statements = t.statementsOfRole(functionId);
        const stream = statements.filter((s) => actionsOf(s).some((a) => STREAM_ACTIONS.includes(a)));
        expect(stream, functionId).toHaveLength(1);
        expect([...actionsOf(stream[0]!)].sort()).toEqual(STREAM_ACTIONS);
        expect(JSON.stringify(stream[0]!.Resource)).toMatch(/^\{"Fn::ImportValue":"ItsmData:[^"]*StreamArn[^"]*"\}$/);

        const sqs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
        expect(sqs, functionId).toEqual([]);
      }
    });

    it('no function that is not a stream consumer has any stream action', () => {
      const streamReaders = new Set<FunctionId>(streamConsumers.map((c) => c.functionId));
      for (const functionId of functionIds.filter((id) => !streamReaders.has(id))) {
        const actions = t.statementsOfRole(functionId).flatMap(actionsOf);
        for (const action of STREAM_ACTIONS) expect(actions, functionId).not.toContain(action);
      }
    });

    it('only publishEvents functions may put events, on the bus only; no function may manage it', () => {
      for (const functionId of functionIds) {
        const definition: FunctionDefinition = FUNCTIONS[functionId];
        const events = t.statementsOfRole(functionId).filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
        if (definition.capabilities?.includes('publishEvents')) {
          expect(events, functionId).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: getAtt(t.bus) }]);
        } else {
          expect(events, functionId).toEqual([]);
        }
      }
    });
  });

  it('hands every function the default event retention', () => {
    for (const fn of Object.values(productFunctions(t.template))) {
      expect(fn.Properties?.Environment).toMatchObject({ Variables: { EVENT_RETENTION_DAYS: '30' } });
    }
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});

describe('other accounts, an organization and the default bus, from context', () => {
  const ACCOUNTS = ['111122223333', '444455556666'];
  const ORGANIZATION = 'o-a1b2c3d4e5';
  let synth: SynthesizedApp;
  let t: ReturnType<typeof inspect>;
  beforeAll(() => {
    // Strings, as `cdk deploy -c key=value` passes them.
    synth = synthesize({
      ingestionAccounts: ACCOUNTS.join(','),
      ingestionOrganizationId: ORGANIZATION,
      alarmsFromDefaultBus: 'true',
      eventRetentionDays: '400',
    });
    t = inspect(synth);
  });
  afterAll(() => synth?.cleanup());

  function busPolicy(sid: string) {
    const policies = Object.entries(t.resources('AWS::Events::EventBusPolicy')).filter(
      ([, p]) => (p.Properties?.Statement as Statement | undefined)?.Sid === `cdk-${sid}`,
    );
    expect(policies, sid).toHaveLength(1);
    const [logicalId, policy] = policies[0]!;
    expect(policy.Properties?.EventBusName).toEqual({ Ref: t.bus });
    return { logicalId, policy, statement: policy.Properties?.Statement as Statement };
  }

  /**
   * Other accounts may put the events ingestion takes, and nothing else: not the product's domain
   * event types, and nothing with the product's source (EventBridge refuses `aws.*` sources from
   * PutEvents, but not a custom source such as ours). Each entry is checked on its own, with single
   * values: no ForAllValues (a missing key would satisfy it), and a missing key refuses.
   */
  const ONLY_INGESTION_EVENTS = {
    // What the bus rule consumers take too (AWS Config and CloudFormation events, for the CMDB), never the product's own types.
    StringEquals: { 'events:detail-type': [...new Set([...INGESTION_DETAIL_TYPES, ...busRuleDetailTypes(REGISTERED_AREAS)])] },
    StringNotEquals: { 'events:source': EVENT_SOURCE },
    Null: { 'events:detail-type': 'false', 'events:source': 'false' },
  };

  it('has exactly two bus policy statements', () => {
    expect(Object.keys(t.resources('AWS::Events::EventBusPolicy'))).toHaveLength(2);
  });

  it('lets the listed accounts (their root principals) put events on this bus, and nothing else', () => {
    const { statement } = busPolicy('IngestionAccountsPutEvents');
    expect(statement).toMatchObject({ Effect: 'Allow', Action: 'events:PutEvents', Resource: getAtt(t.bus), Condition: ONLY_INGESTION_EVENTS });
    const principals = (statement.Principal as { AWS: unknown[] }).AWS;
    expect(principals).toHaveLength(ACCOUNTS.length);
    for (const account of ACCOUNTS) expect(JSON.stringify(principals)).toContain(`:iam::${account}:root`);
  });

  it('lets any principal of the organization put events on this bus, and only of it', () => {
    const accounts = busPolicy('IngestionAccountsPutEvents');
    const { statement, policy } = busPolicy('IngestionOrganizationPutEvents');
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: getAtt(t.bus),
      Principal: { AWS: '*' },
      Condition: { ...ONLY_INGESTION_EVENTS, StringEquals: { ...ONLY_INGESTION_EVENTS.StringEquals, 'aws:PrincipalOrgID': ORGANIZATION } },
    });
    // One PutPermission after the other on the same bus policy.
    expect(policy.DependsOn).toEqual([accounts.logicalId]);
  });

  it('attaches the CloudWatch alarm rule to the default bus too, into the same queue', () => {
    const alarmRule = INGESTION_RULES.find((rule) => rule.id === CLOUDWATCH_ALARMS_RULE_ID);
    expect(alarmRule).toBeDefined();
    const defaultBusRule = synth.api.ingestion.defaultBusRule;
    expect(defaultBusRule).toBeDefined();
    const rules = t.resources('AWS::Events::Rule');
    // Bus rule consumers (whose default-bus options are off here) bring one each.
    expect(Object.keys(rules)).toHaveLength(INGESTION_RULES.length + 1 + busRuleConsumers.length);
    const properties = rules[t.logicalId(defaultBusRule!)]?.Properties;
    // No EventBusName: the account's default bus.
    expect(properties?.EventBusName).toBeUndefined();
    expect(properties?.EventPattern).toEqual(alarmRule!.eventPattern);
    expect(properties?.Targets).toEqual([
      {
        Id: expect.any(String),
        Arn: getAtt(t.queue),
        RetryPolicy: { MaximumEventAgeInSeconds: 24 * 60 * 60, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: getAtt(t.targetDeadLetterQueue) },
      },
    ]);
    const queuePolicy = Object.values(t.resources('AWS::SQS::QueuePolicy')).find(
      (p) => JSON.stringify(p.Properties?.Queues) === JSON.stringify([{ Ref: t.queue }]),
    );
    expect(JSON.stringify(queuePolicy?.Properties?.PolicyDocument)).toContain(JSON.stringify(getAtt(t.logicalId(defaultBusRule!))));
  });

  it('hands the event retention to every function', () => {
    for (const fn of Object.values(productFunctions(t.template))) {
      expect(fn.Properties?.Environment).toMatchObject({ Variables: { EVENT_RETENTION_DAYS: '400' } });
    }
  });

  it('leaves no unacknowledged cdk-nag finding (the bus policy is not open: EVB1)', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});
