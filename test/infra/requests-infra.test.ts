import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { type Area, CAPABILITY_ENVIRONMENT, CONSUMERS, FUNCTIONS, type FunctionDefinition, type FunctionId, WORKFLOWS } from '../../functions/routes.ts';
import type { BusRuleSource, ConsumerDefinition } from '../../functions/shared/area.ts';
import { API_STACK, buildApp } from '../../infra/app.ts';
import { readConfig } from '../../infra/config.ts';
import { INBOUND_EMAIL_PREFIX, INBOUND_EMAIL_RETENTION_DAYS } from '../../infra/constructs/inbound-email.ts';
import { busRuleDetailTypes } from '../../infra/constructs/ingestion.ts';
import type { AreaStack } from '../../infra/stacks/area-stack.ts';
import bookmarks from '../fixtures/areas/bookmarks/area.ts';
import {
  actionsOf,
  describeFindings,
  executionsArnOf,
  getAtt,
  logicalIdIn,
  type Resources,
  ref,
  resourcesOfType,
  type Statement,
  type SynthesizedApp,
  synthesize,
  unacknowledgedNagFindings,
} from './helpers.ts';

/**
 * Issue 15's infrastructure: the request fulfilment workflow in the ItsmRequests area stack with
 * the functions that call and start it, the capabilities startRequestFulfilment,
 * stopRequestFulfilment, sendEmail and readInboundEmail (exact variables and statements), the
 * e-mail receiver (inbound bucket, SES receipt rule with emailDomain), the e-mail options, and the
 * bus policy, which opens nothing of the product's own request events to other accounts.
 */

const REQUESTS_STACK = 'ItsmRequests';
const DOMAIN = 'itsm.example.com';
/** An L1 resource's logical id. */
const cfnId = (element: CfnElement) => Stack.of(element).getLogicalId(element);
const pascal = (id: string) => `${id.charAt(0).toUpperCase()}${id.slice(1)}`;
const withCapability = (capability: string): string[] =>
  (Object.entries(FUNCTIONS) as [FunctionId, FunctionDefinition][])
    .filter(([, d]) => (d.capabilities as readonly string[] | undefined)?.includes(capability))
    .map(([id]) => id)
    .sort();
const RECEIVER = CONSUMERS.find((c) => c.source.kind === 'emailReceipt')?.functionId as FunctionId;
const SAFETY_NET = CONSUMERS.find(
  (c) => c.source.kind === 'ingestionBusRule' && c.source.ruleId === 'RequestFulfilmentStart',
) as ConsumerDefinition<FunctionId> & {
  source: BusRuleSource;
};
const SENDER = CONSUMERS.find((c) => c.source.kind === 'ingestionBusRule' && c.source.ruleId === 'RequestEmail') as ConsumerDefinition<FunctionId> & {
  source: BusRuleSource;
};

/** The deployed logical ids of the API stack's workflows: a change of construct path would replace them (and strand running executions). */
const API_STATE_MACHINES = { changeApproval: 'ChangeApprovalStateMachine', incidentEscalation: 'IncidentEscalationStateMachine' } as const;

function inspect(synth: SynthesizedApp) {
  const stack = synth.areaStacks.get(REQUESTS_STACK) as AreaStack;
  const template = synth.home('createRequest').template;
  const resources = (template.toJSON() as { Resources: Resources }).Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }
  >;
  const fn = (functionId: string) => {
    const found = stack.functions.get(functionId);
    if (found === undefined) throw new Error(`No function ${functionId} in ${REQUESTS_STACK}`);
    return found;
  };
  const workflow = stack.workflows.get('requestFulfilment');
  if (workflow === undefined) throw new Error('No requestFulfilment workflow in ItsmRequests');
  const statementsOf = (functionId: string): Statement[] =>
    Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([ref(logicalIdIn(fn(functionId).role))]))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  const variablesOf = (functionId: string) =>
    (resources[logicalIdIn(fn(functionId).function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
  return { stack, template, resources, fn, workflow, statementsOf, variablesOf, stateMachine: logicalIdIn(workflow.stateMachine) };
}

describe('the route table asks for it', () => {
  it('the request fulfilment workflow, its steps function, and who starts, stops and answers it', () => {
    expect(WORKFLOWS.requestFulfilment).toMatchObject({
      definitionFile: 'statemachines/request-fulfilment.asl.json',
      functions: { RequestFulfilmentStepsFunctionArn: 'requestFulfilmentSteps' },
      arnEnvironment: 'REQUEST_FULFILMENT_STATE_MACHINE_ARN',
    });
    expect(CAPABILITY_ENVIRONMENT.startRequestFulfilment).toEqual(['REQUEST_FULFILMENT_STATE_MACHINE_ARN']);
    expect(CAPABILITY_ENVIRONMENT.stopRequestFulfilment).toEqual([]);
    expect(CAPABILITY_ENVIRONMENT.sendEmail).toEqual(['MAIL_FROM', 'MAIL_REPLY_TO']);
    expect(CAPABILITY_ENVIRONMENT.readInboundEmail).toEqual(['INBOUND_EMAIL_BUCKET', 'INBOUND_EMAIL_PREFIX', 'MAIL_FROM']);
    expect(withCapability('startRequestFulfilment')).toEqual(['createRequest', 'ensureFulfilmentStarted', 'receiveEmail']);
    expect(withCapability('stopRequestFulfilment')).toEqual(['updateRequest']);
    expect(withCapability('readInboundEmail')).toEqual(['receiveEmail']);
    // The receiver sends the acknowledgement of an incident opened by mail.
    expect(withCapability('sendEmail')).toEqual(['receiveEmail', 'sendEmail']);
    expect(RECEIVER).toBe('receiveEmail');
    expect(SENDER.functionId).toBe('sendEmail');
    // The workflow start's safety net: every Request Submitted of the product's own, a few at a time, replayed as `requests`.
    expect(SAFETY_NET.functionId).toBe('ensureFulfilmentStarted');
    expect(SAFETY_NET.source).toMatchObject({
      pattern: { source: ['open-itsm'], 'detail-type': ['Request Submitted'] },
      maxConcurrency: 2,
      replay: { group: 'requests' },
    });
    expect(FUNCTIONS.ensureFulfilmentStarted.tableAccess).toBe('read');
  });
});

describe('default deployment (no emailDomain)', () => {
  let synth: SynthesizedApp;
  let t: ReturnType<typeof inspect>;
  beforeAll(() => {
    synth = synthesize({ ingestionAccounts: '111122223333', ingestionOrganizationId: 'o-a1b2c3d4e5' });
    t = inspect(synth);
  });
  afterAll(() => synth?.cleanup());

  it('deploys the request fulfilment workflow in ItsmRequests, its placeholder substituted by the steps function there', () => {
    expect(synth.api.workflows.has('requestFulfilment' as never)).toBe(false);
    const machines = resourcesOfType(t.template, 'AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toEqual([t.stateMachine]);
    expect(machines[t.stateMachine]?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      DefinitionSubstitutions: { RequestFulfilmentStepsFunctionArn: getAtt(logicalIdIn(t.fn('requestFulfilmentSteps').function)) },
      RoleArn: getAtt(logicalIdIn(t.workflow.role)),
      LoggingConfiguration: { IncludeExecutionData: false, Level: 'ALL' },
      TracingConfiguration: { Enabled: true },
    });
    // Its role invokes exactly the steps function (plus log delivery and X-Ray on "*").
    const roleStatements = Object.values(resourcesOfType(t.template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([ref(logicalIdIn(t.workflow.role))]))
      .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => s.Resource !== '*');
    expect(roleStatements).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: getAtt(logicalIdIn(t.fn('requestFulfilmentSteps').function)) },
    ]);
    t.template.hasOutput('RequestFulfilmentStateMachineArn', { Value: ref(t.stateMachine) });
    // Failed and timed-out executions alarm into the API stack's topic (imported).
    const alarms = Object.values(resourcesOfType(t.template, 'AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties!)
      .filter((a) => JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'StateMachineArn', Value: ref(t.stateMachine) }]));
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ 'Fn::ImportValue': expect.stringContaining(`${API_STACK}:`) }]);
    // Nothing of it in the API stack.
    expect(JSON.stringify(synth.apiTemplate.toJSON())).not.toContain('RequestFulfilment');
  });

  it('keeps the API stack’s workflows where they were: same construct paths, same logical ids', () => {
    for (const [workflowId, prefix] of Object.entries(API_STATE_MACHINES)) {
      const workflow = synth.api.workflows.get(workflowId as keyof typeof API_STATE_MACHINES);
      expect(workflow?.stateMachine.node.path).toBe(`${API_STACK}/${pascal(workflowId)}/StateMachine`);
      expect(logicalIdIn(workflow!.stateMachine)).toMatch(new RegExp(`^${prefix}[0-9A-F]{8}$`));
      synth.apiTemplate.hasOutput(`${pascal(workflowId)}StateMachineArn`, { Value: ref(logicalIdIn(workflow!.stateMachine)) });
    }
  });

  it('startRequestFulfilment: the ARN and StartExecution on the state machine only (no StopExecution, no wildcard)', () => {
    for (const functionId of withCapability('startRequestFulfilment')) {
      expect(t.variablesOf(functionId).REQUEST_FULFILMENT_STATE_MACHINE_ARN, functionId).toEqual(ref(t.stateMachine));
      expect(
        t.statementsOf(functionId).filter((s) => actionsOf(s).some((a) => a.startsWith('states:') && !a.startsWith('states:SendTask'))),
        functionId,
      ).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(t.stateMachine) }]);
      // Nothing to acknowledge, so no policy of its own: the role's default policy holds it.
      expect(t.fn(functionId).node.tryFindChild('StartRequestFulfilmentPolicy'), functionId).toBeUndefined();
    }
  });

  it('stopRequestFulfilment: StopExecution on its executions only, no ARN variable', () => {
    for (const functionId of withCapability('stopRequestFulfilment')) {
      expect(t.variablesOf(functionId).REQUEST_FULFILMENT_STATE_MACHINE_ARN, functionId).toBeUndefined();
      expect(t.statementsOf(functionId).filter((s) => actionsOf(s).some((a) => a.startsWith('states:')))).toEqual([
        { Effect: 'Allow', Action: 'states:StopExecution', Resource: executionsArnOf(t.stateMachine) },
      ]);
      expect(t.fn(functionId).node.tryFindChild('StopRequestFulfilmentPolicy'), functionId).toBeDefined();
    }
  });

  it('no other function of any stack may start or stop it, and the steps function is not given its ARN', () => {
    for (const { template } of synth.functionStacks) {
      for (const [logicalId, policy] of Object.entries(resourcesOfType(template, 'AWS::IAM::Policy'))) {
        const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
        const text = JSON.stringify(statements.filter((s) => actionsOf(s).some((a) => a === 'states:StartExecution' || a === 'states:StopExecution')));
        if (!text.includes(t.stateMachine)) continue;
        const holders = [...withCapability('startRequestFulfilment'), ...withCapability('stopRequestFulfilment')].map((id) => logicalIdIn(t.fn(id).role));
        expect(holders, logicalId).toContainEqual((policy.Properties?.Roles as { Ref: string }[])[0]?.Ref);
      }
    }
    expect(t.variablesOf('requestFulfilmentSteps').REQUEST_FULFILMENT_STATE_MACHINE_ARN).toBeUndefined();
  });

  it('creates the inbound bucket: SSE-S3, TLS only, no versioning, no public access, expiring after 30 days', () => {
    const inbound = t.stack.inboundEmail;
    expect(inbound).toBeDefined();
    const bucket = t.resources[logicalIdIn(inbound!.bucket)]?.Properties;
    expect(bucket).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: INBOUND_EMAIL_RETENTION_DAYS, Status: 'Enabled' })] },
    });
    expect(bucket?.VersioningConfiguration).toBeUndefined();
    const policy = Object.values(resourcesOfType(t.template, 'AWS::S3::BucketPolicy')).find(
      (p) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify(ref(logicalIdIn(inbound!.bucket))),
    );
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.find((s) => s.Effect === 'Deny')?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    // No SES statement, rule set, rule or invoke permission without a domain.
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    expect(resourcesOfType(t.template, 'AWS::SES::ReceiptRuleSet')).toEqual({});
    expect(resourcesOfType(t.template, 'AWS::SES::ReceiptRule')).toEqual({});
    expect(Object.values(resourcesOfType(t.template, 'AWS::Lambda::Permission')).filter((p) => p.Properties?.Principal === 'ses.amazonaws.com')).toEqual([]);
    t.template.hasOutput('InboundEmailBucketName', { Value: ref(logicalIdIn(inbound!.bucket)) });
  });

  it('readInboundEmail: the bucket and prefix, and GetObject under inbound/ only', () => {
    const bucket = logicalIdIn(t.stack.inboundEmail!.bucket);
    expect(INBOUND_EMAIL_PREFIX).toBe('inbound/');
    expect(t.variablesOf(RECEIVER)).toMatchObject({ INBOUND_EMAIL_BUCKET: ref(bucket), INBOUND_EMAIL_PREFIX: 'inbound/', MAIL_FROM: '' });
    expect(t.statementsOf(RECEIVER).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [getAtt(bucket), '/inbound/*']] } },
    ]);
    // No other function reads the bucket or gets its variables.
    for (const functionId of t.stack.functions.keys()) {
      if (functionId === RECEIVER) continue;
      expect(t.variablesOf(functionId).INBOUND_EMAIL_BUCKET, functionId).toBeUndefined();
      expect(JSON.stringify(t.statementsOf(functionId)), functionId).not.toContain(bucket);
    }
  });

  it('sendEmail without a domain: empty MAIL_FROM and MAIL_REPLY_TO, and no SES statement anywhere', () => {
    expect(t.variablesOf(SENDER.functionId)).toMatchObject({ MAIL_FROM: '', MAIL_REPLY_TO: '' });
    for (const { template } of synth.functionStacks) expect(JSON.stringify(resourcesOfType(template, 'AWS::IAM::Policy'))).not.toContain('ses:');
  });

  it('the bus policy lets other accounts put none of the request events the e-mail sender reads', () => {
    const policies = Object.values(resourcesOfType(synth.apiTemplate, 'AWS::Events::EventBusPolicy')).map((p) => p.Properties!.Statement as Statement);
    expect(policies).toHaveLength(2);
    const types = SENDER.source.pattern['detail-type'] as string[];
    expect(types.length).toBeGreaterThan(0);
    for (const statement of policies) {
      const allowed = statement.Condition?.StringEquals?.['events:detail-type'] as string[];
      for (const type of types) expect(allowed, type).not.toContain(type);
      expect(statement.Condition?.StringNotEquals).toEqual({ 'events:source': 'open-itsm' });
    }
    // The rule itself is on the bus, in ItsmRequests.
    const rule = t.stack.busRuleConsumers.get(SENDER.functionId)?.rule;
    expect(t.resources[logicalIdIn(rule!)]?.Properties?.EventPattern).toEqual(SENDER.source.pattern);
  });

  it('the workflow start’s safety net: its rule on the bus in ItsmRequests feeds its own queue (dead letters, alarms, outputs) and ensureFulfilmentStarted', () => {
    const consumer = t.stack.busRuleConsumers.get(SAFETY_NET.functionId);
    expect(consumer).toBeDefined();
    expect(t.resources[logicalIdIn(consumer!.rule)]?.Properties).toMatchObject({
      EventPattern: SAFETY_NET.source.pattern,
      Targets: [expect.objectContaining({ Arn: getAtt(logicalIdIn(consumer!.queue)) })],
    });
    const mappings = Object.values(resourcesOfType(t.template, 'AWS::Lambda::EventSourceMapping')).filter(
      (m) => JSON.stringify(m.Properties?.EventSourceArn) === JSON.stringify(getAtt(logicalIdIn(consumer!.queue))),
    );
    expect(mappings.map((m) => m.Properties)).toEqual([
      expect.objectContaining({
        FunctionName: ref(logicalIdIn(t.fn(SAFETY_NET.functionId).function)),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      }),
    ]);
    for (const queue of [consumer!.deadLetterQueue, consumer!.targetDeadLetterQueue]) {
      const alarms = Object.values(resourcesOfType(t.template, 'AWS::CloudWatch::Alarm')).filter((a) =>
        JSON.stringify(a.Properties?.Dimensions).includes(`"${logicalIdIn(queue)}"`),
      );
      expect(alarms, logicalIdIn(queue)).toHaveLength(1);
    }
    t.template.hasOutput('RequestFulfilmentStartQueueUrl', { Value: ref(logicalIdIn(consumer!.queue)) });
    t.template.hasOutput('RequestFulfilmentStartDeadLetterQueueUrl', { Value: ref(logicalIdIn(consumer!.deadLetterQueue)) });
    t.template.hasOutput('RequestFulfilmentStartTargetDeadLetterQueueUrl', { Value: ref(logicalIdIn(consumer!.targetDeadLetterQueue)) });
    // It starts and reads, nothing else: no StopExecution, no table write.
    const statements = t.statementsOf(SAFETY_NET.functionId);
    expect(statements.filter((s) => actionsOf(s).some((a) => a.startsWith('states:')))).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(t.stateMachine) },
    ]);
    expect(statements.flatMap(actionsOf).filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|TransactWrite)/.test(a))).toEqual([]);
  });

  it('keeps ItsmApi and ItsmRequests within their budgets', () => {
    const count = (template: { toJSON: () => unknown }) => Object.keys((template.toJSON() as { Resources: object }).Resources).length;
    expect(count(synth.apiTemplate)).toBeLessThanOrEqual(450);
    expect(count(t.template)).toBeLessThanOrEqual(300);
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});

describe('with emailDomain', () => {
  let synth: SynthesizedApp;
  let t: ReturnType<typeof inspect>;
  beforeAll(() => {
    synth = synthesize({ emailDomain: 'ITSM.example.com', mailReplyTo: `replies@${DOMAIN}` });
    t = inspect(synth);
  });
  afterAll(() => synth?.cleanup());

  /** `arn:<partition>:ses:<region>:<account>:receipt-rule-set/<the rule set>:receipt-rule/*`. */
  const rulesOfTheSet = (ruleSet: string) => ({
    'Fn::Join': [
      '',
      ['arn:', ref('AWS::Partition'), ':ses:', ref('AWS::Region'), ':', ref('AWS::AccountId'), ':receipt-rule-set/', ref(ruleSet), ':receipt-rule/*'],
    ],
  });

  it('one receipt rule for the domain: TLS required, scan on, S3 under inbound/ then the receiver, asynchronously', () => {
    const inbound = t.stack.inboundEmail!;
    const ruleSets = Object.keys(resourcesOfType(t.template, 'AWS::SES::ReceiptRuleSet'));
    expect(ruleSets).toEqual([cfnId(inbound.ruleSet!)]);
    const rules = resourcesOfType(t.template, 'AWS::SES::ReceiptRule');
    expect(Object.keys(rules)).toEqual([cfnId(inbound.rule!)]);
    expect(rules[cfnId(inbound.rule!)]?.Properties).toEqual({
      RuleSetName: ref(ruleSets[0]!),
      Rule: {
        Enabled: true,
        Recipients: [DOMAIN],
        TlsPolicy: 'Require',
        ScanEnabled: true,
        Actions: [
          { S3Action: { BucketName: ref(logicalIdIn(inbound.bucket)), ObjectKeyPrefix: 'inbound/' } },
          { LambdaAction: { FunctionArn: getAtt(logicalIdIn(t.fn(RECEIVER).function)), InvocationType: 'Event' } },
        ],
      },
    });
    // No names of ours: CloudFormation names the rule set and the rule.
    expect(JSON.stringify(resourcesOfType(t.template, 'AWS::SES::ReceiptRuleSet'))).not.toContain('RuleSetName');
    t.template.hasOutput('InboundEmailRuleSetName', { Value: ref(ruleSets[0]!) });
  });

  it('lets SES put under inbound/ and invoke the receiver, for this account and this rule set’s rules only; the rule waits for both', () => {
    const inbound = t.stack.inboundEmail!;
    const ruleSet = cfnId(inbound.ruleSet!);
    const [policyId, policy] = Object.entries(resourcesOfType(t.template, 'AWS::S3::BucketPolicy')).find(
      ([, p]) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify(ref(logicalIdIn(inbound.bucket))),
    )!;
    const allows = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'SesStoresInboundEmail',
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [getAtt(logicalIdIn(inbound.bucket)), '/inbound/*']] },
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') }, ArnLike: { 'aws:SourceArn': rulesOfTheSet(ruleSet) } },
      },
    ]);
    const permissions = Object.entries(resourcesOfType(t.template, 'AWS::Lambda::Permission')).filter(
      ([, p]) => p.Properties?.Principal === 'ses.amazonaws.com',
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(logicalIdIn(t.fn(RECEIVER).function)),
        Principal: 'ses.amazonaws.com',
        SourceAccount: ref('AWS::AccountId'),
        SourceArn: rulesOfTheSet(ruleSet),
      },
    ]);
    const rule = t.resources[cfnId(inbound.rule!)];
    expect(rule?.DependsOn).toEqual(expect.arrayContaining([policyId, permissions[0]![0]]));
  });

  it('sendEmail: the addresses, and SendEmail/SendRawEmail on the domain’s identity only', () => {
    expect(t.variablesOf(SENDER.functionId)).toMatchObject({ MAIL_FROM: `service-desk@${DOMAIN}`, MAIL_REPLY_TO: `replies@${DOMAIN}` });
    // The receiver drops mail from our own address as a loop: it knows the address too.
    expect(t.variablesOf(RECEIVER).MAIL_FROM).toBe(`service-desk@${DOMAIN}`);
    const ses = t.statementsOf(SENDER.functionId).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
    expect(ses).toEqual([
      {
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: {
          'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':ses:', ref('AWS::Region'), ':', ref('AWS::AccountId'), `:identity/${DOMAIN}`]],
        },
      },
    ]);
    // The receiver acknowledges an incident opened by mail: the same statement, nothing more.
    expect(t.statementsOf(RECEIVER).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')))).toEqual(ses);
    for (const { template } of synth.functionStacks) {
      const holders = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties).includes('ses:'));
      expect(holders.map((p) => (p.Properties?.Roles as { Ref: string }[])[0]?.Ref).sort()).toEqual(
        template === t.template ? [logicalIdIn(t.fn(SENDER.functionId).role), logicalIdIn(t.fn(RECEIVER).role)].sort() : [],
      );
    }
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});

describe('e-mail options', () => {
  const configOf = (context: Record<string, unknown>) => readConfig(new App({ context }).node).email;

  it('defaults the addresses at the domain, lower-cased, and leaves everything off without one', () => {
    expect(configOf({})).toEqual({ domain: undefined, mailFrom: undefined, mailReplyTo: undefined });
    expect(configOf({ emailDomain: ' Support.Example.COM ' })).toEqual({
      domain: 'support.example.com',
      mailFrom: 'service-desk@support.example.com',
      mailReplyTo: 'requests@support.example.com',
    });
    expect(configOf({ emailDomain: DOMAIN, mailFrom: `Desk@${DOMAIN.toUpperCase()}` }).mailFrom).toBe(`Desk@${DOMAIN.toUpperCase()}`);
  });

  it('refuses what SES could not send from or receive for', () => {
    expect(() => configOf({ emailDomain: 'https://itsm.example.com' })).toThrow(/Context emailDomain must be a domain name like itsm.example.com/);
    expect(() => configOf({ emailDomain: 'localhost' })).toThrow(/Context emailDomain must be a domain name/);
    expect(() => configOf({ emailDomain: 'desk@example.com' })).toThrow(/Context emailDomain must be a domain name/);
    expect(() => configOf({ mailFrom: 'desk@example.com' })).toThrow(/Context mailFrom needs emailDomain/);
    expect(() => configOf({ mailReplyTo: 'desk@example.com' })).toThrow(/Context mailReplyTo needs emailDomain/);
    expect(() => configOf({ emailDomain: DOMAIN, mailFrom: 'desk@example.com' })).toThrow(
      /Context mailFrom: "desk@example.com" must be an address at emailDomain itsm.example.com/,
    );
    expect(() => configOf({ emailDomain: DOMAIN, mailReplyTo: `x@sub.${DOMAIN}` })).toThrow(/Context mailReplyTo: .* must be an address at emailDomain/);
    expect(() => configOf({ emailDomain: DOMAIN, mailFrom: 'not an address' })).toThrow(/Context mailFrom: "not an address" is not an email address/);
  });
});

describe('what the stacks refuse', () => {
  const build =
    (areas: readonly Area[], context: Record<string, unknown> = {}) =>
    () =>
      buildApp({ 'aws:cdk:bundling-stacks': [], ...context }, { env: {}, areas });

  it('a capability whose workflow deploys in another stack: the synth names the capability, the variable and the stack', () => {
    const withCapabilities = (stack: string, capabilities: FunctionDefinition['capabilities']): Area => ({
      ...bookmarks,
      stack,
      functions: { ...bookmarks.functions, listBookmarks: { ...bookmarks.functions.listBookmarks, capabilities } },
    });
    const caller = withCapabilities(API_STACK, ['startRequestFulfilment']);
    expect(build([...AREAS, caller])).toThrow(
      /Capability startRequestFulfilment promises REQUEST_FULFILMENT_STATE_MACHINE_ARN, which stack ItsmApi does not provide/,
    );
    expect(build([...AREAS, withCapabilities('ItsmBookmarks', ['startRequestFulfilment'])])).toThrow(
      /Capability startRequestFulfilment .* which stack ItsmBookmarks does not provide/,
    );
    const stopper = withCapabilities(API_STACK, ['stopRequestFulfilment']);
    expect(build([...AREAS, stopper])).toThrow(
      /Capability stopRequestFulfilment needs the workflow whose arnEnvironment is REQUEST_FULFILMENT_STATE_MACHINE_ARN/,
    );
    const reader = withCapabilities(API_STACK, ['readInboundEmail']);
    expect(build([...AREAS, reader])).toThrow(/Capability readInboundEmail promises INBOUND_EMAIL_BUCKET, which stack ItsmApi does not provide/);
  });

  it('a second e-mail receiver in one stack', () => {
    const twice: Area = {
      ...bookmarks,
      stack: REQUESTS_STACK,
      consumers: [...(bookmarks.consumers ?? []), { functionId: 'listBookmarks', source: { kind: 'emailReceipt', replay: { group: 'bookmarks', what: 'x' } } }],
    };
    expect(build([...AREAS, twice])).toThrow(/Only one function may receive e-mail \(emailReceipt\); .* is a second one/);
  });
});

describe('busRuleDetailTypes', () => {
  const rule = (pattern: Record<string, unknown>): ConsumerDefinition => ({
    functionId: 'x',
    source: { kind: 'ingestionBusRule', ruleId: 'X', description: 'x', pattern, maxConcurrency: 2, replay: { group: 'x', what: 'x' } },
  });

  it('opens nothing of a rule that listens to the product’s own source only, even a type the product does not publish', () => {
    expect(busRuleDetailTypes({ consumers: [rule({ source: ['open-itsm'], 'detail-type': ['Not Published'] })], publishedEventTypes: [] })).toEqual([]);
    expect(busRuleDetailTypes({ consumers: [rule({ source: ['aws.config'], 'detail-type': ['Not Published'] })], publishedEventTypes: [] })).toEqual([
      'Not Published',
    ]);
    expect(
      busRuleDetailTypes({ consumers: [rule({ source: ['open-itsm', 'aws.config'], 'detail-type': ['Not Published'] })], publishedEventTypes: [] }),
    ).toEqual(['Not Published']);
    expect(busRuleDetailTypes({ consumers: [rule({ 'detail-type': ['Not Published'] })], publishedEventTypes: [] })).toEqual(['Not Published']);
  });

  it('the registry’s e-mail sender adds nothing to the bus policy', () => {
    expect(busRuleDetailTypes({ consumers: [SENDER], publishedEventTypes: [] })).toEqual([]);
  });
});
