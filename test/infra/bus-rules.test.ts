import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { INGESTION_DETAIL_TYPES } from '../../functions/ingestion/rules.ts';
import { type Area, assembleAreas } from '../../functions/routes.ts';
import type { BusRuleSource, ConsumerDefinition } from '../../functions/shared/area.ts';
import { API_STACK, buildApp } from '../../infra/app.ts';
import { busRuleOutputs, deadLettersOf } from '../../infra/constructs/dead-letter-replay.ts';
import { busRuleDetailTypes, MAX_RECEIVE_COUNT, TARGET_RETRY, VISIBILITY_TIMEOUT_FACTOR } from '../../infra/constructs/ingestion.ts';
import { DEFAULT_TIMEOUT_SECONDS } from '../../infra/constructs/itsm-function.ts';
import type { AreaStack } from '../../infra/stacks/area-stack.ts';
import bookmarks from '../fixtures/areas/bookmarks/area.ts';
import { WATCH_AWS_CONFIG, WATCH_AWS_CONFIG_FUNCTION } from '../fixtures/areas/bookmarks/bus-rule.ts';
import { describeFindings, logicalIdIn, resourcesOfType, type Statement, type SynthesizedApp, synthesize, unacknowledgedNagFindings } from './helpers.ts';

/**
 * An area's `ingestionBusRule` consumer in AWS: the fixture area (test/fixtures/areas/bookmarks/,
 * its consumer in ./bus-rule.ts) in a stack of its own, deployed with the default-bus option on
 * and an organization allowed to put events. Nothing in infra/ names it.
 */
const FIXTURE_STACK = 'ItsmBookmarks';
const fixture: Area = {
  ...bookmarks,
  stack: FIXTURE_STACK,
  functions: { ...bookmarks.functions, watchAwsConfig: WATCH_AWS_CONFIG_FUNCTION },
  consumers: [...(bookmarks.consumers ?? []), WATCH_AWS_CONFIG],
};
const { ruleId, pattern } = WATCH_AWS_CONFIG.source;
const FOURTEEN_DAYS_IN_SECONDS = 1_209_600;

type Json = Record<string, unknown>;
const exportName = (value: unknown) => (value as { 'Fn::ImportValue'?: string } | undefined)?.['Fn::ImportValue'];

describe('an ingestion bus rule consumer, in the stack of its area', () => {
  let synth: SynthesizedApp;
  let area: AreaStack;
  let resources: Record<string, { Type: string; Properties?: Json }>;
  const idOf = (construct: Parameters<typeof logicalIdIn>[0]) => logicalIdIn(construct);
  /** The API stack's export a `Fn::ImportValue` names, resolved to its value. */
  const exported = (imported: unknown): unknown => {
    const outputs = (synth.apiTemplate.toJSON() as { Outputs: Record<string, { Value: unknown; Export?: { Name: string } }> }).Outputs;
    return Object.values(outputs).find((output) => output.Export?.Name === exportName(imported))?.Value;
  };

  beforeAll(() => {
    synth = synthesize(
      { cmdbFromDefaultBus: 'true', ingestionOrganizationId: 'o-a1b2c3d4e5', ingestionAccounts: '111122223333' },
      { areas: [...AREAS, fixture] },
    );
    area = synth.areaStacks.get(FIXTURE_STACK) as AreaStack;
    resources = (synth.home('watchAwsConfig').template.toJSON() as { Resources: typeof resources }).Resources;
  });
  afterAll(() => synth?.cleanup());

  it('puts a rule with its pattern on the ingestion bus (imported from the API stack), targeting its own queue with retries and a target DLQ', () => {
    const consumer = area.busRuleConsumers.get('watchAwsConfig');
    expect(consumer).toBeDefined();
    const rule = resources[idOf(consumer!.rule)]?.Properties as Json;
    expect(exported(rule.EventBusName)).toEqual({ Ref: idOf(synth.api.ingestion.bus) });
    expect(rule.EventPattern).toEqual(pattern);
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': [idOf(consumer!.queue), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [idOf(consumer!.targetDeadLetterQueue), 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: TARGET_RETRY.maxEventAge.toSeconds(), MaximumRetryAttempts: TARGET_RETRY.retryAttempts },
      },
    ]);
    // Nothing of it in the API stack: the API stack refers to no area stack.
    expect(JSON.stringify(synth.apiTemplate.toJSON())).not.toContain(ruleId);
  });

  it('with its default-bus option on, the same pattern on the default bus feeds the same queue', () => {
    const consumer = area.busRuleConsumers.get('watchAwsConfig')!;
    expect(consumer.defaultBusRule).toBeDefined();
    const rule = resources[idOf(consumer.defaultBusRule!)]?.Properties as Json;
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toEqual(pattern);
    expect((rule.Targets as Json[]).map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [idOf(consumer.queue), 'Arn'] }]);
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules).toHaveLength(2);
    // The queue lets EventBridge send from exactly these two rules.
    const policy = Object.values(resources).find(
      (r) => r.Type === 'AWS::SQS::QueuePolicy' && JSON.stringify(r.Properties?.Queues).includes(idOf(consumer.queue)),
    );
    const sends = (policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) => s.Effect === 'Allow');
    expect(sends.map((s) => s.Condition?.ArnEquals?.['aws:SourceArn']).sort()).toEqual(
      [{ 'Fn::GetAtt': [idOf(consumer.rule), 'Arn'] }, { 'Fn::GetAtt': [idOf(consumer.defaultBusRule!), 'Arn'] }].sort(),
    );
  });

  it('its queue is encrypted, TLS only, redrives to a dead-letter queue; both dead-letter queues keep 14 days and alarm', () => {
    const consumer = area.busRuleConsumers.get('watchAwsConfig')!;
    const timeout = WATCH_AWS_CONFIG_FUNCTION.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    expect(resources[idOf(consumer.queue)]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: VISIBILITY_TIMEOUT_FACTOR * timeout,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [idOf(consumer.deadLetterQueue), 'Arn'] }, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    for (const queue of [consumer.queue, consumer.deadLetterQueue, consumer.targetDeadLetterQueue]) {
      const policy = Object.values(resources).find(
        (r) => r.Type === 'AWS::SQS::QueuePolicy' && JSON.stringify(r.Properties?.Queues).includes(`"${idOf(queue)}"`),
      );
      const deny = (policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.find((s) => s.Effect === 'Deny');
      expect(deny?.Condition, idOf(queue)).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    }
    for (const queue of [consumer.deadLetterQueue, consumer.targetDeadLetterQueue]) {
      expect(resources[idOf(queue)]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: FOURTEEN_DAYS_IN_SECONDS });
      const alarms = Object.values(resources).filter(
        (r) => r.Type === 'AWS::CloudWatch::Alarm' && JSON.stringify(r.Properties?.Dimensions).includes(`"${idOf(queue)}"`),
      );
      expect(alarms, idOf(queue)).toHaveLength(1);
      expect(alarms[0]?.Properties).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    }
  });

  it('its function consumes the queue in batches with ReportBatchItemFailures and the declared concurrency', () => {
    const consumer = area.busRuleConsumers.get('watchAwsConfig')!;
    const fn = area.functions.get('watchAwsConfig')!;
    const mappings = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties?.FunctionName).includes(idOf(fn.function)),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings.map((m) => m.Properties)).toMatchObject([
      {
        FunctionName: { Ref: idOf(fn.function) },
        EventSourceArn: { 'Fn::GetAtt': [idOf(consumer.queue), 'Arn'] },
        BatchSize: WATCH_AWS_CONFIG.source.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: WATCH_AWS_CONFIG.source.maxConcurrency },
      },
    ]);
  });

  it('its stack outputs name the queue and its dead-letter queues, as the replay plan reads them', () => {
    const outputs = (synth.home('watchAwsConfig').template.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    const consumer = area.busRuleConsumers.get('watchAwsConfig')!;
    const names = busRuleOutputs(ruleId);
    expect(outputs[names.queueUrl]?.Value).toEqual({ Ref: idOf(consumer.queue) });
    expect(outputs[names.deadLetterQueueUrl]?.Value).toEqual({ Ref: idOf(consumer.deadLetterQueue) });
    expect(outputs[names.targetDeadLetterQueueUrl]?.Value).toEqual({ Ref: idOf(consumer.targetDeadLetterQueue) });
    const plan = deadLettersOf(assembleAreas([...AREAS, fixture]).consumers);
    expect(plan.bookmarks).toEqual([
      {
        kind: 'queue',
        queueUrlOutput: names.targetDeadLetterQueueUrl,
        what: expect.any(String),
        replay: { kind: 'sendToQueue', queueUrlOutput: names.queueUrl },
      },
      {
        kind: 'queue',
        queueUrlOutput: names.deadLetterQueueUrl,
        what: WATCH_AWS_CONFIG.source.replay.what,
        replay: { kind: 'sendToQueue', queueUrlOutput: names.queueUrl },
      },
    ]);
  });

  it('the bus policy lets the listed accounts and the organization put the detail-types its pattern lists, beside the ingestion ones', () => {
    const policies = Object.values(resourcesOfType(synth.apiTemplate, 'AWS::Events::EventBusPolicy')).map((p) => p.Properties!);
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      const statement = policy.Statement as Statement;
      const allowed = statement.Condition?.StringEquals?.['events:detail-type'];
      // The registry's bus rules' too (the CMDB's feed, in its own stack), each once.
      expect(allowed).toEqual([...new Set([...INGESTION_DETAIL_TYPES, ...busRuleDetailTypes(assembleAreas([...AREAS, fixture]))])]);
      expect(allowed).toEqual(expect.arrayContaining([...pattern['detail-type']]));
    }
    // Never one of the product's own event types, whatever a pattern lists.
    const greedy: ConsumerDefinition = { ...WATCH_AWS_CONFIG, source: { ...WATCH_AWS_CONFIG.source, pattern: { 'detail-type': ['Incident Created', 'X'] } } };
    expect(busRuleDetailTypes({ consumers: [greedy], publishedEventTypes: ['Incident Created'] })).toEqual(['X']);
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});

describe('what a bus rule consumer refuses', () => {
  const build =
    (source: Partial<BusRuleSource>, context: Record<string, unknown> = {}) =>
    () =>
      buildApp(
        { 'aws:cdk:bundling-stacks': [], ...context },
        { env: {}, areas: [...AREAS, { ...fixture, consumers: [{ ...WATCH_AWS_CONFIG, source: { ...WATCH_AWS_CONFIG.source, ...source } }] }] },
      );

  it('a concurrency or batch size Lambda would refuse, and a rule id that is not PascalCase', () => {
    expect(build({ maxConcurrency: 1 })).toThrow(/Bus rule BookmarksAwsConfig: maxConcurrency must be a whole number from 2 to 1000, got 1/);
    expect(build({ batchSize: 11 })).toThrow(/batchSize must be a whole number from 1 to 10/);
    expect(build({ ruleId: 'bookmarks-config' })).toThrow(/Bus rule "bookmarks-config": its id must be PascalCase/);
  });

  it('without its default-bus option, nothing on the default bus', () => {
    const built = build({})();
    const consumer = (built.areaStacks.get(FIXTURE_STACK) as AreaStack).busRuleConsumers.get('watchAwsConfig');
    expect(consumer?.rule).toBeDefined();
    expect(consumer?.defaultBusRule).toBeUndefined();
    expect(build({}, { cmdbFromDefaultBus: 'true' })().areaStacks.get(FIXTURE_STACK)?.busRuleConsumers.get('watchAwsConfig')?.defaultBusRule).toBeDefined();
  });

  it('a rule id two areas declare', () => {
    const twin: Area = {
      ...fixture,
      name: 'twin',
      stack: API_STACK,
      routes: [],
      publishedEventTypes: [],
      functions: { watchTwin: WATCH_AWS_CONFIG_FUNCTION },
      consumers: [{ ...WATCH_AWS_CONFIG, functionId: 'watchTwin' }],
    };
    expect(() => assembleAreas([fixture, twin])).toThrow(/Area twin declares busRule BookmarksAwsConfig, which area bookmarks declares too/);
  });
});
