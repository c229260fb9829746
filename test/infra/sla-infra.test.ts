import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAPABILITY_ENVIRONMENT,
  CONSUMERS,
  FUNCTIONS,
  type FunctionDefinition,
  type FunctionId,
  WORKFLOWS,
  type WorkflowDefinition,
  type WorkflowId,
} from '../../functions/routes.ts';
import { Alarms } from '../../infra/constructs/alarms.ts';
import { workflowFunctions } from '../../infra/constructs/area-functions.ts';
import { INBOUND_EMAIL_PREFIX } from '../../infra/constructs/inbound-email.ts';
import type { ItsmFunction } from '../../infra/constructs/itsm-function.ts';
import { SCHEDULE_ACTIONS } from '../../infra/constructs/sla-timers.ts';
import { checkPlaceholders, LAMBDA_INVOKE_INTEGRATIONS, Workflow } from '../../infra/constructs/workflow.ts';
import {
  actionsOf,
  describeFindings,
  executionsArnOf,
  FIXTURES_ROOT,
  functionOf,
  getAtt,
  logicalIdIn,
  ref,
  resourcesOfFunctionStacks,
  resourcesOfType,
  type Statement,
  type SynthesizedApp,
  synthesize,
  TASK_RESPONSE_ACTIONS,
  TRIGGER_PROVIDER_LOGICAL_ID,
  unacknowledgedNagFindings,
  workflowSource,
} from './helpers.ts';

/**
 * SLA timers, the escalation workflow, notifications and domain events: the state machines of
 * WORKFLOWS, the Scheduler group with its role and dead-letter queue, the two topics and their
 * subscriptions from context, what each capability of the route table brings (variables and exact
 * IAM), and the after-deploy trigger.
 */

const functionEntries = Object.entries(FUNCTIONS) as [FunctionId, FunctionDefinition][];
const workflowEntries = Object.entries(WORKFLOWS) as [WorkflowId, WorkflowDefinition][];
/** Every variable any capability brings. */
const CAPABILITY_VARIABLES = [...new Set(Object.values(CAPABILITY_ENVIRONMENT).flat())];
/** Actions only capabilities grant; a function without the capability must have none of them. */
const CAPABILITY_ACTION_PREFIXES = ['events:', 'sns:', 'scheduler:', 'iam:', 'states:', 'kms:', 'ses:', 's3:GetObject'];

function inspect(synth: SynthesizedApp) {
  const template = synth.apiTemplate;
  // A function, its resources and its logical ids are in the stack its area names (the API stack or an area stack).
  const logicalId = (construct: IConstruct) => logicalIdIn(construct);
  const resources = (type: string) => resourcesOfFunctionStacks(synth, type);
  const fn = (functionId: FunctionId): ItsmFunction => functionOf(synth, functionId);
  const statementsOfRoleId = (roleLogicalId: string): Statement[] =>
    Object.values(resources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([ref(roleLogicalId)]))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  // A workflow is in the stack of its area (the API stack's, or an area stack's).
  const workflowHome = (workflowId: WorkflowId) => {
    for (const home of synth.functionStacks) {
      const found = (home.stack.workflows as ReadonlyMap<string, Workflow>).get(workflowId);
      if (found !== undefined) return { workflow: found, ...home };
    }
    throw new Error(`No workflow ${workflowId}`);
  };
  const workflow = (workflowId: WorkflowId) => workflowHome(workflowId).workflow;
  const { slaTimers, notifications } = synth.api;
  return {
    template,
    resources,
    logicalId,
    fn,
    workflow,
    workflowHome,
    functionStatements: (functionId: FunctionId) => statementsOfRoleId(logicalId(fn(functionId).role)),
    statementsOfRoleId,
    bus: logicalId(synth.api.ingestion.bus),
    topic: logicalId(notifications.topic),
    majorIncidentTopic: logicalId(notifications.majorIncidentTopic),
    scheduleGroup: logicalId(slaTimers.scheduleGroup),
    scheduleGroupName: slaTimers.scheduleGroup.scheduleGroupName,
    schedulerRole: logicalId(slaTimers.role),
    timerDeadLetterQueue: logicalId(slaTimers.deadLetterQueue),
    alarmTopic: logicalId(synth.api.node.findChild('Alarms').node.findChild('Topic')),
    // The search indexes' bucket, in the API stack: a function of an area stack reaches it through the API stack's exports.
    searchBucket: logicalId(synth.api.searchIndex.bucket),
    inApiStack: (functionId: FunctionId) => Stack.of(fn(functionId).function) === synth.api,
    // The e-mail receiver's bucket, in the stack of its area.
    inboundBucket: logicalId(
      synth.functionStacks.flatMap(({ stack }) => ('inboundEmail' in stack && stack.inboundEmail !== undefined ? [stack.inboundEmail.bucket] : []))[0]!,
    ),
  };
}

/** The ARN of every schedule of the group, as the template spells it. */
const schedulesArn = (groupName: string) => ({
  'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':scheduler:', ref('AWS::Region'), ':', ref('AWS::AccountId'), `:schedule/${groupName}/*`]],
});

describe('the route table asks for this infrastructure', () => {
  it('has the escalation workflow, calling escalationSteps, whose ARN reaches timer managers', () => {
    expect(WORKFLOWS.incidentEscalation).toMatchObject({
      definitionFile: 'statemachines/incident-escalation.asl.json',
      functions: { EscalationStepsFunctionArn: 'escalationSteps' },
      arnEnvironment: 'ESCALATION_STATE_MACHINE_ARN',
    });
    expect(CAPABILITY_ENVIRONMENT.manageSlaTimers).toContain('ESCALATION_STATE_MACHINE_ARN');
  });

  it('has a publisher with every capability, and after-deploy consumers (SLA, change and request defaults, the search rebuild)', () => {
    expect(FUNCTIONS.publishOutbox.capabilities).toEqual(['publishEvents', 'publishNotifications', 'manageSlaTimers']);
    expect(CONSUMERS.filter((c) => c.source.kind === 'afterDeploy').map((c) => c.functionId)).toEqual([
      'seedSlaDefaults',
      'seedChangeDefaults',
      'seedRequestDefaults',
      'rebuildSearchIndex',
    ]);
  });

  it.each(workflowEntries)(
    '%s: every Task state of the ASL file calls a mapped function (by its plain ARN or through lambda:invoke), with retries',
    (_, definition) => {
      const file = workflowSource(definition);
      const asl = JSON.parse(readFileSync(file, 'utf8')) as {
        States: Record<string, { Type: string; Resource?: string; Parameters?: { FunctionName?: unknown }; Retry?: unknown[] }>;
      };
      const tasks = Object.entries(asl.States).filter(([, state]) => state.Type === 'Task');
      expect(tasks.length).toBeGreaterThan(0);
      const placeholders = Object.keys(definition.functions).map((p) => `\${${p}}`);
      for (const [name, state] of tasks) {
        // The role may only invoke these functions: a Task calling another service would be refused.
        if ((LAMBDA_INVOKE_INTEGRATIONS as readonly (string | undefined)[]).includes(state.Resource))
          expect(placeholders, name).toContain(state.Parameters?.FunctionName);
        else expect(placeholders, name).toContain(state.Resource);
        expect(state.Retry?.length ?? 0, name).toBeGreaterThan(0);
      }
    },
  );
});

describe('default deployment (no notification context)', () => {
  let synth: SynthesizedApp;
  let t: ReturnType<typeof inspect>;
  beforeAll(() => {
    synth = synthesize();
    t = inspect(synth);
  });
  afterAll(() => synth?.cleanup());

  describe('workflows, one Standard state machine per WORKFLOWS entry', () => {
    it('has exactly one state machine per entry', () => {
      expect(Object.keys(t.resources('AWS::StepFunctions::StateMachine')).sort()).toEqual(
        workflowEntries.map(([id]) => t.logicalId(t.workflow(id).stateMachine)).sort(),
      );
    });

    it.each(workflowEntries)('%s: deployed from its file, each placeholder substituted by its function’s ARN', (workflowId, definition) => {
      const properties = t.resources('AWS::StepFunctions::StateMachine')[t.logicalId(t.workflow(workflowId).stateMachine)]?.Properties;
      expect(properties?.StateMachineType).toBe('STANDARD');
      expect(properties?.DefinitionS3Location).toMatchObject({ Key: expect.stringMatching(/\.json$/) });
      expect(properties?.DefinitionString).toBeUndefined();
      expect(properties?.DefinitionSubstitutions).toEqual(
        Object.fromEntries(
          Object.entries(definition.functions).map(([placeholder, functionId]) => [placeholder, getAtt(t.logicalId(t.fn(functionId).function))]),
        ),
      );
      expect(properties?.RoleArn).toEqual(getAtt(t.logicalId(t.workflow(workflowId).role)));
    });

    it.each(workflowEntries)('%s: the definition deployed is the ASL file, unchanged (placeholders and all)', (workflowId, definition) => {
      const location = t.resources('AWS::StepFunctions::StateMachine')[t.logicalId(t.workflow(workflowId).stateMachine)]?.Properties?.DefinitionS3Location as {
        Key: string;
      };
      const staged = readFileSync(join(synth.assembly.directory, `asset.${location.Key}`), 'utf8');
      const source = workflowSource(definition);
      expect(staged).toBe(readFileSync(source, 'utf8'));
    });

    it.each(workflowEntries)('%s: its role may invoke exactly its functions, and otherwise only log and trace', (workflowId, definition) => {
      const roleId = t.logicalId(t.workflow(workflowId).role);
      expect(t.resources('AWS::IAM::Role')[roleId]?.Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'states.amazonaws.com' } }],
      });
      const statements = t.statementsOfRoleId(roleId);
      const scoped = statements.filter((s) => s.Resource !== '*');
      const functionArns = [...new Set(Object.values(definition.functions))].map((functionId) => getAtt(t.logicalId(t.fn(functionId).function)));
      expect(scoped).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: functionArns.length === 1 ? functionArns[0] : functionArns }]);
      const wildcard = statements.filter((s) => s.Resource === '*');
      expect(wildcard.flatMap(actionsOf).sort()).toEqual(
        [
          'logs:CreateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:DescribeLogGroups',
          'logs:DescribeResourcePolicies',
          'logs:GetLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:UpdateLogDelivery',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ].sort(),
      );
    });

    it.each(workflowEntries)('%s: logs every event without execution data to its own log group, and is traced', (workflowId) => {
      const workflow = t.workflow(workflowId);
      const properties = t.resources('AWS::StepFunctions::StateMachine')[t.logicalId(workflow.stateMachine)]?.Properties;
      expect(properties?.LoggingConfiguration).toEqual({
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt(t.logicalId(workflow.logGroup)) } }],
        IncludeExecutionData: false,
        Level: 'ALL',
      });
      expect(properties?.TracingConfiguration).toEqual({ Enabled: true });
      const logGroup = t.resources('AWS::Logs::LogGroup')[t.logicalId(workflow.logGroup)]?.Properties;
      expect(logGroup?.RetentionInDays).toBe(30);
      expect(JSON.stringify(logGroup?.LogGroupName)).toContain('/aws/vendedlogs/states/');
    });

    it.each(workflowEntries)('%s: alarms on failed and timed-out executions, into the alarm topic', (workflowId) => {
      const alarms = Object.values(t.resources('AWS::CloudWatch::Alarm'))
        .map((a) => a.Properties!)
        .filter(
          (a) => JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'StateMachineArn', Value: ref(t.logicalId(t.workflow(workflowId).stateMachine)) }]),
        );
      expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
      // Into the alarm topic: the API stack's own, or its export in an area stack.
      const topic = t.workflowHome(workflowId).stack === synth.api ? ref(t.alarmTopic) : { 'Fn::ImportValue': expect.stringContaining('ItsmApi:') };
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({ Namespace: 'AWS/States', Statistic: 'Sum', Threshold: 1, AlarmActions: [topic] });
      }
    });

    it.each(workflowEntries)('%s: outputs the state machine ARN, in its stack', (workflowId) => {
      const output = `${workflowId.charAt(0).toUpperCase()}${workflowId.slice(1)}StateMachineArn`;
      t.workflowHome(workflowId).template.hasOutput(output, { Value: ref(t.logicalId(t.workflow(workflowId).stateMachine)) });
    });
  });

  describe('SLA timers: schedule group, scheduler role, dead-letter queue', () => {
    it('has one schedule group, deleted with the stack (a retained one would block the next deployment)', () => {
      const groups = t.resources('AWS::Scheduler::ScheduleGroup');
      expect(Object.keys(groups)).toEqual([t.scheduleGroup]);
      expect(groups[t.scheduleGroup]?.Properties?.Name).toBe(t.scheduleGroupName);
      expect(groups[t.scheduleGroup]?.DeletionPolicy).toBe('Delete');
      t.template.hasOutput('SlaScheduleGroupName', { Value: t.scheduleGroupName });
    });

    it('lets only Scheduler, for this account and this group, assume the role', () => {
      expect(t.resources('AWS::IAM::Role')[t.schedulerRole]?.Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
              ArnEquals: { 'aws:SourceArn': getAtt(t.scheduleGroup) },
            },
          },
        ],
      });
    });

    it('lets the role start the escalation workflow and dead-letter a firing, nothing else', () => {
      const escalation = t.logicalId(t.workflow('incidentEscalation').stateMachine);
      expect(t.statementsOfRoleId(t.schedulerRole)).toEqual([
        { Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(escalation) },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(t.timerDeadLetterQueue) },
      ]);
    });

    it('keeps dead-lettered firings 14 days in an encrypted, TLS-only queue, with an alarm on the first one', () => {
      expect(t.resources('AWS::SQS::Queue')[t.timerDeadLetterQueue]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 60 * 60,
      });
      const policy = Object.values(t.resources('AWS::SQS::QueuePolicy')).find(
        (p) => JSON.stringify(p.Properties?.Queues) === JSON.stringify([ref(t.timerDeadLetterQueue)]),
      );
      expect((policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([
        {
          Action: 'sqs:*',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: getAtt(t.timerDeadLetterQueue),
        },
      ]);
      const alarms = Object.values(t.resources('AWS::CloudWatch::Alarm'))
        .map((a) => a.Properties!)
        .filter((a) => JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: getAtt(t.timerDeadLetterQueue, 'QueueName') }]));
      expect(alarms).toHaveLength(1);
      expect(alarms[0]).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 1,
        AlarmActions: [ref(t.alarmTopic)],
      });
      t.template.hasOutput('SlaTimerDeadLetterQueueUrl', { Value: ref(t.timerDeadLetterQueue) });
    });

    it('alarms on firings lost without a trace (not dead-lettered, or dropped)', () => {
      const alarms = Object.values(t.resources('AWS::CloudWatch::Alarm'))
        .map((a) => a.Properties!)
        .filter((a) => a.Namespace === 'AWS/Scheduler');
      expect(alarms.map((a) => a.MetricName).sort()).toEqual(['InvocationDroppedCount', 'InvocationsFailedToBeSentToDeadLetterCount']);
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({ Dimensions: [{ Name: 'ScheduleGroup', Value: t.scheduleGroupName }], Threshold: 1, AlarmActions: [ref(t.alarmTopic)] });
      }
    });
  });

  describe('notification topics', () => {
    it('has the two topics, encrypted with the AWS managed key of SNS', () => {
      const topics = t.resources('AWS::SNS::Topic');
      for (const topic of [t.topic, t.majorIncidentTopic]) expect(topics[topic]?.Properties?.KmsMasterKeyId, topic).toBe('alias/aws/sns');
      // The third is the alarm topic, unencrypted on purpose (alarms.ts).
      expect(Object.keys(topics)).toHaveLength(3);
    });

    it('refuses publishing without TLS on both', () => {
      for (const topic of [t.topic, t.majorIncidentTopic]) {
        const policy = Object.values(t.resources('AWS::SNS::TopicPolicy')).find((p) => JSON.stringify(p.Properties?.Topics) === JSON.stringify([ref(topic)]));
        expect((policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement, topic).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        );
      }
    });

    it('has no subscriptions without context, and outputs both ARNs', () => {
      expect(t.resources('AWS::SNS::Subscription')).toEqual({});
      t.template.hasOutput('NotificationTopicArn', { Value: ref(t.topic) });
      t.template.hasOutput('MajorIncidentTopicArn', { Value: ref(t.majorIncidentTopic) });
    });
  });

  describe('capabilities: exactly the variables and grants each brings', () => {
    /** The search index bucket's name or ARN as a function's template spells it: its own stack's, or the API stack's export. */
    const searchBucketValue = (functionId: FunctionId, attribute: 'Ref' | 'Arn') =>
      t.inApiStack(functionId)
        ? attribute === 'Ref'
          ? ref(t.searchBucket)
          : getAtt(t.searchBucket)
        : { 'Fn::ImportValue': expect.stringMatching(new RegExp(`^ItsmApi:ExportsOutput${attribute === 'Ref' ? 'Ref' : 'FnGetAtt'}${t.searchBucket}`)) };
    const searchObjects = (functionId: FunctionId) => ({ 'Fn::Join': ['', [searchBucketValue(functionId, 'Arn'), '/search/*']] });

    function expectedValue(variable: string, functionId: FunctionId): unknown {
      const values: Record<string, unknown> = {
        SEARCH_INDEX_BUCKET: searchBucketValue(functionId, 'Ref'),
        EVENT_BUS_NAME: ref(t.bus),
        NOTIFICATION_TOPIC_ARN: ref(t.topic),
        MAJOR_INCIDENT_TOPIC_ARN: ref(t.majorIncidentTopic),
        SLA_SCHEDULE_GROUP: t.scheduleGroupName,
        SLA_SCHEDULER_ROLE_ARN: getAtt(t.schedulerRole),
        SLA_TIMER_DEAD_LETTER_ARN: getAtt(t.timerDeadLetterQueue),
        // Without emailDomain: sending is off.
        MAIL_FROM: '',
        MAIL_REPLY_TO: '',
        INBOUND_EMAIL_BUCKET: ref(t.inboundBucket),
        INBOUND_EMAIL_PREFIX,
        ...Object.fromEntries(workflowEntries.map(([id, definition]) => [definition.arnEnvironment, ref(t.logicalId(t.workflow(id).stateMachine))])),
      };
      if (!(variable in values)) throw new Error(`No expectation for ${variable}`);
      return values[variable];
    }

    it.each(functionEntries)('%s: gets the variables of its capabilities and no others', (functionId, definition) => {
      const variables = (
        t.resources('AWS::Lambda::Function')[t.logicalId(t.fn(functionId).function)]?.Properties?.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      const expected = (definition.capabilities ?? []).flatMap((capability) => CAPABILITY_ENVIRONMENT[capability]);
      for (const variable of CAPABILITY_VARIABLES) {
        if (expected.includes(variable)) expect(variables[variable], `${functionId} ${variable}`).toEqual(expectedValue(variable, functionId));
        else expect(variables[variable], `${functionId} ${variable}`).toBeUndefined();
      }
    });

    it.each(functionEntries)('%s: gets exactly the statements of its capabilities', (functionId, definition) => {
      const capabilities = new Set(definition.capabilities ?? []);
      // The capabilities' statements, and the listing of the search index bucket (a stream consumer lists its own failure bucket).
      const granted = t
        .functionStatements(functionId)
        .filter(
          (s) =>
            actionsOf(s).some((a) => CAPABILITY_ACTION_PREFIXES.some((p) => a.startsWith(p))) ||
            (actionsOf(s).includes('s3:ListBucket') && JSON.stringify(s.Resource).includes(t.searchBucket)),
        );
      const expected: Statement[] = [];
      if (capabilities.has('publishEvents')) expected.push({ Effect: 'Allow', Action: 'events:PutEvents', Resource: getAtt(t.bus) });
      if (capabilities.has('publishNotifications')) {
        expected.push({ Effect: 'Allow', Action: 'sns:Publish', Resource: expect.arrayContaining([ref(t.topic), ref(t.majorIncidentTopic)]) });
      }
      if (capabilities.has('manageSlaTimers')) {
        expected.push(
          { Effect: 'Allow', Action: [...SCHEDULE_ACTIONS].sort(), Resource: schedulesArn(t.scheduleGroupName) },
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: getAtt(t.schedulerRole),
            Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          },
        );
      }
      if (capabilities.has('runChangeApprovals')) {
        const changeApproval = t.logicalId(t.workflow('changeApproval').stateMachine);
        expected.push(
          { Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(changeApproval) },
          { Effect: 'Allow', Action: 'states:StopExecution', Resource: executionsArnOf(changeApproval) },
        );
      }
      if (capabilities.has('stopChangeApprovals')) {
        expected.push({ Effect: 'Allow', Action: 'states:StopExecution', Resource: executionsArnOf(t.logicalId(t.workflow('changeApproval').stateMachine)) });
      }
      if (capabilities.has('answerApprovalTasks')) expected.push({ Effect: 'Allow', Action: [...TASK_RESPONSE_ACTIONS].sort(), Resource: '*' });
      if (capabilities.has('startRequestFulfilment')) {
        expected.push({ Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(t.logicalId(t.workflow('requestFulfilment').stateMachine)) });
      }
      if (capabilities.has('stopRequestFulfilment')) {
        expected.push({
          Effect: 'Allow',
          Action: 'states:StopExecution',
          Resource: executionsArnOf(t.logicalId(t.workflow('requestFulfilment').stateMachine)),
        });
      }
      // sendEmail grants nothing without emailDomain (requests-infra.test.ts asserts it with one).
      if (capabilities.has('readInboundEmail')) {
        expected.push({ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [getAtt(t.inboundBucket), `/${INBOUND_EMAIL_PREFIX}*`]] } });
      }
      // With ListBucket on the bucket, only under search/: a missing snapshot is then NoSuchKey, not AccessDenied.
      const searchListing: Statement = {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: searchBucketValue(functionId, 'Arn'),
        Condition: { StringLike: { 's3:prefix': 'search/*' } },
      };
      if (capabilities.has('readSearchIndex')) expected.push({ Effect: 'Allow', Action: 's3:GetObject', Resource: searchObjects(functionId) }, searchListing);
      if (capabilities.has('writeSearchIndex'))
        expected.push({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: searchObjects(functionId) }, searchListing);
      // In the order of the role's policies (a capability with acknowledgements has its own): compare by actions, unique per statement here.
      const byText = (statements: Statement[]) => [...statements].sort((a, b) => actionsOf(a).join().localeCompare(actionsOf(b).join()));
      expect(granted).toHaveLength(expected.length);
      expect(byText(granted)).toEqual(byText(expected));
      const publish = granted.find((s) => actionsOf(s).includes('sns:Publish'));
      if (publish !== undefined) expect(publish.Resource).toHaveLength(2);
    });

    it('grants no KMS action: the topics use the AWS managed key, usable by this account through SNS', () => {
      for (const [functionId] of functionEntries) {
        expect(
          t
            .functionStatements(functionId)
            .flatMap(actionsOf)
            .filter((a) => a.startsWith('kms:')),
          functionId,
        ).toEqual([]);
      }
    });

    it('has no wildcard resource in any function policy beyond X-Ray, the timer group’s schedules, the approval workflows’ executions, task responses, a stream consumer’s failure records, the inbound e-mail prefix and the search snapshots’ prefix', () => {
      const changeApproval = t.logicalId(t.workflow('changeApproval').stateMachine);
      const requestFulfilment = t.logicalId(t.workflow('requestFulfilment').stateMachine);
      for (const [functionId, definition] of functionEntries) {
        const capabilities: readonly string[] = definition.capabilities ?? [];
        for (const statement of t.functionStatements(functionId)) {
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          for (const resource of resources) {
            if (!JSON.stringify(resource).includes('*')) continue;
            if (resource === '*') {
              const xray = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
              const taskResponses = [...TASK_RESPONSE_ACTIONS].sort();
              expect(actionsOf(statement).sort(), functionId).toEqual(
                capabilities.includes('answerApprovalTasks') && actionsOf(statement).some((a) => a.startsWith('states:')) ? taskResponses : xray,
              );
            } else if (JSON.stringify(resource).includes(':execution:')) {
              const change = capabilities.some((c) => c === 'runChangeApprovals' || c === 'stopChangeApprovals');
              const request = capabilities.some((c) => c === 'stopRequestFulfilment');
              expect(change || request, functionId).toBe(true);
              expect([executionsArnOf(changeApproval), executionsArnOf(requestFulfilment)], functionId).toContainEqual(resource);
              if (!change) expect(resource, functionId).toEqual(executionsArnOf(requestFulfilment));
              if (!request) expect(resource, functionId).toEqual(executionsArnOf(changeApproval));
              expect(actionsOf(statement), functionId).toEqual(['states:StopExecution']);
            } else if (JSON.stringify(resource).includes(t.searchBucket)) {
              // The snapshots: only GetObject (and PutObject to write them), only the search/ prefix of the search index bucket.
              const writes = capabilities.includes('writeSearchIndex');
              expect(writes || capabilities.includes('readSearchIndex'), functionId).toBe(true);
              expect(actionsOf(statement), functionId).toEqual(writes ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject']);
              expect(resource, functionId).toEqual(searchObjects(functionId));
            } else if (actionsOf(statement).includes('s3:GetObject')) {
              // SES names each stored message; only GetObject, only the inbound prefix of the inbound bucket.
              expect(capabilities, functionId).toContain('readInboundEmail');
              expect(actionsOf(statement), functionId).toEqual(['s3:GetObject']);
              expect(resource, functionId).toEqual({ 'Fn::Join': ['', [getAtt(t.inboundBucket), `/${INBOUND_EMAIL_PREFIX}*`]] });
            } else if (actionsOf(statement).includes('s3:PutObject')) {
              // Lambda names a stream consumer's failure records itself: only PutObject, only its own bucket's objects.
              expect(actionsOf(statement), functionId).toEqual(['s3:PutObject']);
              expect(JSON.stringify(resource), functionId).toMatch(/FailureBucket.*\/\*"/);
            } else expect(resource, functionId).toEqual(schedulesArn(t.scheduleGroupName));
          }
        }
      }
    });

    it('never hands a workflow’s own ARN to a function it calls (no dependency cycle)', () => {
      for (const [, definition] of workflowEntries) {
        for (const functionId of Object.values(definition.functions)) {
          const variables = (
            t.resources('AWS::Lambda::Function')[t.logicalId(t.fn(functionId).function)]?.Properties?.Environment as {
              Variables: Record<string, unknown>;
            }
          ).Variables;
          expect(variables[definition.arnEnvironment], functionId).toBeUndefined();
        }
      }
    });
  });

  describe('after-deploy trigger', () => {
    const afterDeploy = CONSUMERS.filter((c) => c.source.kind === 'afterDeploy').map((c) => c.functionId);

    it.each(afterDeploy)('%s runs synchronously after each deployment that changes it, once its function, role and log group exist', (functionId) => {
      const triggers = Object.values(t.resources('Custom::Trigger'));
      expect(triggers).toHaveLength(afterDeploy.length);
      const fn = t.fn(functionId);
      // Each trigger runs a version of its function: a new version (code or configuration changed)
      // is a new HandlerArn, so the trigger runs again.
      const versionOf = (trigger: (typeof triggers)[number]) =>
        t.resources('AWS::Lambda::Version')[(trigger.Properties?.HandlerArn as { Ref: string }).Ref]?.Properties?.FunctionName;
      const trigger = triggers.find((candidate) => JSON.stringify(versionOf(candidate)) === JSON.stringify(ref(t.logicalId(fn.function))));
      expect(trigger).toBeDefined();
      expect(trigger!.Properties).toMatchObject({ InvocationType: 'RequestResponse', ExecuteOnHandlerChange: true });
      const versionId = (trigger!.Properties!.HandlerArn as { Ref: string }).Ref;
      expect(trigger!.DependsOn).toEqual(expect.arrayContaining([t.logicalId(fn.function), t.logicalId(fn.role), t.logicalId(fn.logGroup), versionId]));
      expect(trigger!.DependsOn?.some((id) => /RoleDefaultPolicy/.test(id))).toBe(true);
      // The table is in the data stack, deployed first.
      expect(synth.api.dependencies).toContain(synth.data);
    });

    it('its provider, one per stack with after-deploy functions, may only invoke that stack’s, and logs to a log group with the retention', () => {
      const stacks = synth.functionStacks.filter(({ stack }) => stack.afterDeploy.size > 0);
      expect(stacks.flatMap(({ stack }) => [...stack.afterDeploy.keys()]).sort()).toEqual([...afterDeploy].sort());
      for (const { stack, template } of stacks) {
        const roles = Object.entries(resourcesOfType(template, 'AWS::IAM::Role')).filter(([id]) => TRIGGER_PROVIDER_LOGICAL_ID.test(id));
        expect(roles, stack.node.id).toHaveLength(1);
        const policies = roles[0]![1].Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[];
        expect(policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual(
          [...stack.afterDeploy.keys()].map((functionId) => ({
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: [{ 'Fn::Join': ['', [getAtt(t.logicalId(t.fn(functionId as FunctionId).function)), ':*']] }],
          })),
        );
        const handlers = Object.keys(resourcesOfType(template, 'AWS::Lambda::Function')).filter((id) => TRIGGER_PROVIDER_LOGICAL_ID.test(id));
        expect(handlers).toHaveLength(1);
        const logGroups = Object.values(resourcesOfType(template, 'AWS::Logs::LogGroup')).filter(
          (g) => JSON.stringify(g.Properties?.LogGroupName) === JSON.stringify({ 'Fn::Join': ['', ['/aws/lambda/', ref(handlers[0]!)]] }),
        );
        expect(logGroups).toHaveLength(1);
        expect(logGroups[0]?.Properties?.RetentionInDays).toBe(30);
      }
    });
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});

describe('email subscriptions from context', () => {
  let synth: SynthesizedApp;
  let t: ReturnType<typeof inspect>;
  beforeAll(() => {
    // As `cdk deploy -c 'notificationEmails=[...]' -c majorIncidentEmails=a,b` passes them: strings.
    synth = synthesize({
      notificationEmails: JSON.stringify([
        { address: 'db-oncall@example.com', filter: { assignmentGroup: ['database'], priority: ['P1', 'P2'] } },
        { address: 'sla-watch@example.com', filter: { eventType: ['SLA Warning', 'SLA Breached'] } },
        { address: 'everything@example.com' },
      ]),
      majorIncidentEmails: 'cio@example.com, duty-manager@example.com',
    });
    t = inspect(synth);
  });
  afterAll(() => synth?.cleanup());

  const subscriptions = () => Object.values(t.resources('AWS::SNS::Subscription')).map((s) => s.Properties!);

  it('subscribes each notification address with its filter policy on the message attributes', () => {
    const onTopic = subscriptions().filter((s) => JSON.stringify(s.TopicArn) === JSON.stringify(ref(t.topic)));
    expect(onTopic).toHaveLength(3);
    expect(onTopic.find((s) => s.Endpoint === 'db-oncall@example.com')).toMatchObject({
      Protocol: 'email',
      FilterPolicy: { assignmentGroup: ['database'], priority: ['P1', 'P2'] },
    });
    expect(onTopic.find((s) => s.Endpoint === 'sla-watch@example.com')).toMatchObject({
      Protocol: 'email',
      FilterPolicy: { eventType: ['SLA Warning', 'SLA Breached'] },
    });
    const everything = onTopic.find((s) => s.Endpoint === 'everything@example.com');
    expect(everything?.Protocol).toBe('email');
    expect(everything?.FilterPolicy).toBeUndefined();
    // Attribute filters (the default scope), not filters on the message body.
    for (const subscription of onTopic) expect(subscription.FilterPolicyScope ?? 'MessageAttributes').toBe('MessageAttributes');
  });

  it('subscribes the major-incident addresses to the major-incident topic, unfiltered', () => {
    const onTopic = subscriptions().filter((s) => JSON.stringify(s.TopicArn) === JSON.stringify(ref(t.majorIncidentTopic)));
    expect(onTopic.map((s) => s.Endpoint).sort()).toEqual(['cio@example.com', 'duty-manager@example.com']);
    for (const subscription of onTopic) {
      expect(subscription.Protocol).toBe('email');
      expect(subscription.FilterPolicy).toBeUndefined();
    }
    expect(subscriptions()).toHaveLength(5);
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});

describe('guard rails: a workflow file and its WORKFLOWS entry must agree', () => {
  const asl = (resource: string) => JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', Resource: resource, End: true } } });

  it('accepts a file whose placeholders are exactly the mapped ones', () => {
    expect(checkPlaceholders('x.asl.json', asl('${StepsArn}'), ['StepsArn'])).toEqual(['StepsArn']);
  });

  it.each([
    ['a placeholder nobody maps', asl('${OtherArn}'), [], /uses \$\{OtherArn\}, which its WORKFLOWS entry does not map to a function/],
    ['a mapping the file never uses', asl('arn:aws:lambda:eu-west-1:111122223333:function:f'), ['StepsArn'], /maps \$\{StepsArn\}, which the file never uses/],
    ['a qualified function ARN', asl('${StepsArn}:live'), ['StepsArn'], /followed by a qualifier/],
    ['a file that is not JSON', '{ "StartAt": ', ['StepsArn'], /x\.asl\.json is not valid JSON/],
  ])('refuses %s', (_, text, given, message) => {
    expect(() => checkPlaceholders('x.asl.json', text, given)).toThrow(message);
  });

  it('fails the synth of a workflow whose file uses an unmapped placeholder, naming the file and the placeholder', () => {
    const stack = new Stack(new App(), 'S');
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({});'),
    });
    const alarms = new Alarms(stack, 'Alarms', { email: undefined });
    const file = join(FIXTURES_ROOT, 'unmapped-placeholder.asl.json');
    expect(
      () =>
        new Workflow(stack, 'Escalation', {
          definitionFile: file,
          functions: { EscalationStepsFunctionArn: fn },
          logRetention: RetentionDays.ONE_WEEK,
          alarms,
        }),
    ).toThrow(/unmapped-placeholder\.asl\.json: it uses \$\{NotifyFunctionArn\}, which its WORKFLOWS entry does not map to a function/);
  });

  it('fails on a placeholder that names a function not in FUNCTIONS', () => {
    const definition: WorkflowDefinition = {
      definitionFile: 'statemachines/x.asl.json',
      description: 'x',
      functions: { StepsArn: 'noSuchFunction' as FunctionId },
      arnEnvironment: 'X_ARN',
    };
    expect(() => workflowFunctions('x', definition, new Map())).toThrow(
      /Workflow x: placeholder \$\{StepsArn\} names function noSuchFunction, which is not in FUNCTIONS/,
    );
  });

  it('fails when a function the workflow calls would be given the workflow’s own ARN (a cycle)', () => {
    const stack = new Stack(new App(), 'S');
    const fn = {
      function: new LambdaFunction(stack, 'Fn', {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async () => ({});'),
      }),
    } as unknown as ItsmFunction;
    const definition: WorkflowDefinition = {
      definitionFile: 'statemachines/x.asl.json',
      description: 'x',
      functions: { StepsArn: 'escalationSteps' },
      arnEnvironment: 'ESCALATION_STATE_MACHINE_ARN',
    };
    const functions = new Map<FunctionId, ItsmFunction>([['escalationSteps', fn]]);
    expect(() => workflowFunctions('x', definition, functions, () => ['ESCALATION_STATE_MACHINE_ARN'])).toThrow(
      /calls escalationSteps, which would also be given the workflow's ARN \(ESCALATION_STATE_MACHINE_ARN/,
    );
    expect(workflowFunctions('x', definition, functions, () => [])).toEqual({ StepsArn: fn.function });
  });
});
