import { ArnFormat, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { CAPABILITY_ENVIRONMENT, type Capability } from '../../functions/routes.ts';
import type { EmailConfig } from '../config.ts';
import type { ItsmFunction } from './itsm-function.ts';
import { iam5ResourceFinding } from './nag-ids.ts';
import type { Notifications } from './notifications.ts';
import type { SlaTimers } from './sla-timers.ts';

/** What runChangeApprovals and startRequestFulfilment allow on their state machine (its ARN). */
export const CHANGE_APPROVAL_START_ACTIONS = ['states:StartExecution'] as const;
/**
 * What runChangeApprovals and the stop capabilities allow on their state machine's executions. StopExecution of an
 * execution that has already ended succeeds and changes nothing, so cancelling needs no
 * DescribeExecution first.
 */
export const CHANGE_APPROVAL_EXECUTION_ACTIONS = ['states:StopExecution'] as const;
/** What answerApprovalTasks allows: IAM knows no resource for them, only "*". */
export const TASK_RESPONSE_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure'] as const;

/** What sendEmail allows, on the sending identity only (SESv2 SendEmail is authorized as these). */
export const SEND_EMAIL_ACTIONS = ['ses:SendEmail', 'ses:SendRawEmail'] as const;
/** What readInboundEmail allows, on the inbound prefix of the inbound bucket only. */
export const READ_INBOUND_EMAIL_ACTIONS = ['s3:GetObject'] as const;
/** What readSearchIndex allows, on the search/ prefix of the search index bucket only. */
export const READ_SEARCH_INDEX_ACTIONS = ['s3:GetObject'] as const;
/** What writeSearchIndex allows, on the search/ prefix of the search index bucket only. */
export const WRITE_SEARCH_INDEX_ACTIONS = ['s3:GetObject', 's3:PutObject'] as const;
/**
 * What readSearchIndex and writeSearchIndex allow on the search index bucket itself, only for a
 * prefix under search/ (SEARCH_INDEX_LIST_PREFIX_CONDITION). Without it S3 answers a GetObject of
 * a key that is not there (no snapshot yet) 403 AccessDenied instead of 404 NoSuchKey, so that
 * the readers could not tell "no snapshot yet" from a real refusal.
 */
export const LIST_SEARCH_INDEX_ACTIONS = ['s3:ListBucket'] as const;
/** The condition key LIST_SEARCH_INDEX_ACTIONS is limited by (StringLike `<prefix>*`). */
export const SEARCH_INDEX_LIST_PREFIX_CONDITION = 's3:prefix';

/** The variable that carries the change approval workflow's ARN (its WORKFLOWS arnEnvironment). */
const CHANGE_APPROVAL_ARN_VARIABLE = 'CHANGE_APPROVAL_STATE_MACHINE_ARN';
/** The variable that carries the request fulfilment workflow's ARN (its WORKFLOWS arnEnvironment). */
const REQUEST_FULFILMENT_ARN_VARIABLE = 'REQUEST_FULFILMENT_STATE_MACHINE_ARN';

export interface CapabilityResources {
  /** Where domain events go: the ingestion bus (EVENT_BUS_NAME). */
  readonly bus: IEventBus;
  readonly notifications: Notifications;
  readonly slaTimers: SlaTimers;
  /**
   * Each workflow's `arnEnvironment` and its state machine: the API stack's, and in an area stack
   * also the workflows that stack holds.
   */
  readonly workflows: Readonly<Record<string, StateMachine>>;
  /** The e-mail options: sendEmail's sender, reply-to and sending identity. */
  readonly email: EmailConfig;
  /**
   * Where SES stores received mail (readInboundEmail): only in the stack of the `emailReceipt`
   * consumer, which creates the bucket.
   */
  readonly inboundEmail?: { readonly bucket: IBucket; readonly prefix: string };
  /** Where the search indexes' snapshots are (readSearchIndex, writeSearchIndex): the API stack's bucket. */
  readonly searchIndex?: { readonly bucket: IBucket; readonly prefix: string };
}

export interface CapabilityGrant {
  readonly environment: Readonly<Record<string, string>>;
  /** Fresh statements for each role they are added to. */
  readonly statements: () => PolicyStatement[];
  /**
   * cdk-nag findings these statements raise on purpose. A capability with acknowledgements gets
   * an IAM policy of its own on each role, and they are acknowledged on that policy only: an
   * acknowledgement then covers this capability's statements and nothing else the role holds
   * (its X-Ray statement's "*" is acknowledged on the role, for X-Ray).
   */
  readonly acknowledgements: readonly { readonly id: string; readonly reason: string }[];
}

/**
 * What each capability of the route table brings: exactly the variables CAPABILITY_ENVIRONMENT
 * names for it and exactly these grants. Only `capabilities` (those the stack's functions name)
 * are built: a capability whose variable the stack cannot provide fails the synth, naming it,
 * while a stack whose functions do not use it never needs its resources (the API stack has no
 * request fulfilment workflow, an area stack no inbound bucket unless it receives e-mail).
 *
 * - publishEvents: events:PutEvents on the bus, nothing else on it.
 * - publishNotifications: sns:Publish on the two topics. No KMS statement: they are encrypted
 *   with the AWS managed key aws/sns, whose key policy lets this account's principals use it
 *   through SNS (notifications.ts).
 * - manageSlaTimers: Create/Update/Delete/GetSchedule on the schedules of the timer group only,
 *   and iam:PassRole on the scheduler's role only, only to Scheduler. Starting the workflow is
 *   the scheduler role's permission, not the function's.
 * - runChangeApprovals: states:StartExecution on the change approval state machine only, and
 *   states:StopExecution on its executions only (`execution:<its name>:*`: executions are named
 *   at run time, one per submission).
 * - stopChangeApprovals: that StopExecution statement alone (cancel, edit back to draft).
 * - startRequestFulfilment: states:StartExecution on the request fulfilment state machine only
 *   (in the stack of the requests area, with its callers): placing a request starts its
 *   execution, nothing there ever stops one.
 * - stopRequestFulfilment: StopExecution on that state machine's executions only (a cancel).
 * - sendEmail: ses:SendEmail and ses:SendRawEmail on the sending identity
 *   (`identity/<emailDomain>`) only; MAIL_FROM and MAIL_REPLY_TO. Without emailDomain no
 *   statement and both variables empty: the sender logs and skips.
 * - readInboundEmail: s3:GetObject on `<inbound bucket>/inbound/*` only (no List, no Delete:
 *   the bucket's lifecycle expires the messages); the bucket, the prefix and MAIL_FROM (mail from
 *   our own address is a loop; empty without emailDomain).
 * - readSearchIndex: s3:GetObject on `<search index bucket>/search/*` only (the snapshots a
 *   search index loads); writeSearchIndex: s3:GetObject and s3:PutObject there only (the indexer
 *   and the rebuild save them). Both: s3:ListBucket on the bucket, only with `s3:prefix` like
 *   `search/*`: S3 answers a GetObject of a missing key (before the first snapshot) NoSuchKey
 *   only to a caller that may list the bucket, AccessDenied to anyone else, and the readers and
 *   the compaction treat NoSuchKey as "no snapshot yet" (functions/shared/search/snapshot.ts).
 *   No Delete. SEARCH_INDEX_BUCKET. The bucket is the API stack's; in an area stack its ARN is the
 *   API stack's export, named explicitly (as executionsArn does) so that the acknowledgement names
 *   the finding as the template spells it.
 * - answerApprovalTasks: states:SendTaskSuccess and SendTaskFailure, on "*": IAM has no resource
 *   for them (the Service Authorization Reference lists no resource type), so a policy naming a
 *   state machine would not be enforced as written. What limits them is the token: only a
 *   caller holding a token the workflow handed out can answer the step waiting on it. No
 *   SendTaskHeartbeat: the approval steps set no HeartbeatSeconds.
 */
export function capabilityGrants(
  resources: CapabilityResources,
  options: { readonly grantee?: Stack; readonly capabilities?: readonly Capability[] } = {},
): Readonly<Partial<Record<Capability, CapabilityGrant>>> {
  const { bus, notifications, slaTimers, workflows, email, inboundEmail, searchIndex } = resources;
  // The stack whose functions get the grants; by default the stack of the bus (the API stack).
  const grantee = options.grantee ?? Stack.of(bus);
  const values: Readonly<Record<string, string>> = {
    EVENT_BUS_NAME: bus.eventBusName,
    NOTIFICATION_TOPIC_ARN: notifications.topic.topicArn,
    MAJOR_INCIDENT_TOPIC_ARN: notifications.majorIncidentTopic.topicArn,
    SLA_SCHEDULE_GROUP: slaTimers.scheduleGroup.scheduleGroupName,
    SLA_SCHEDULER_ROLE_ARN: slaTimers.role.roleArn,
    SLA_TIMER_DEAD_LETTER_ARN: slaTimers.deadLetterQueue.queueArn,
    // Empty without emailDomain: the sender then logs and skips (docs/requests.md).
    MAIL_FROM: email.mailFrom ?? '',
    MAIL_REPLY_TO: email.mailReplyTo ?? '',
    ...(inboundEmail !== undefined ? { INBOUND_EMAIL_BUCKET: inboundEmail.bucket.bucketName, INBOUND_EMAIL_PREFIX: inboundEmail.prefix } : {}),
    ...(searchIndex !== undefined ? { SEARCH_INDEX_BUCKET: searchIndex.bucket.bucketName } : {}),
    ...Object.fromEntries(Object.entries(workflows).map(([variable, stateMachine]) => [variable, stateMachine.stateMachineArn])),
  };
  const workflow = (capability: Capability, variable: string): StateMachine => {
    const stateMachine = workflows[variable];
    if (stateMachine === undefined)
      throw new Error(`Capability ${capability} needs the workflow whose arnEnvironment is ${variable}, which this stack does not hold or import`);
    return stateMachine;
  };
  const changeApproval = (capability: Capability) => workflow(capability, CHANGE_APPROVAL_ARN_VARIABLE);
  const requestFulfilment = (capability: Capability) => workflow(capability, REQUEST_FULFILMENT_ARN_VARIABLE);
  const executionsAcknowledgement = (stateMachine: StateMachine, reason: string) => ({
    id: iam5ResourceFinding(stateMachine, executionsArn(stateMachine, grantee)),
    reason,
  });
  const changeExecutions = (capability: Capability) =>
    executionsAcknowledgement(
      changeApproval(capability),
      'Executions are started at run time, one per submitted change, so they cannot be named in advance; the wildcard covers only executions of the change approval state machine (execution:<its name>:*), and only StopExecution.',
    );
  const requestExecutions = (capability: Capability) =>
    executionsAcknowledgement(
      requestFulfilment(capability),
      'Executions are started at run time, one per submitted service request (named by its number), so they cannot be named in advance; the wildcard covers only executions of the request fulfilment state machine (execution:<its name>:*), and only StopExecution.',
    );
  const start = (stateMachine: StateMachine) => [
    new PolicyStatement({ effect: Effect.ALLOW, actions: [...CHANGE_APPROVAL_START_ACTIONS], resources: [stateMachine.stateMachineArn] }),
  ];
  const run = (stateMachine: StateMachine) => [...start(stateMachine), ...stop(stateMachine)];
  const stop = (stateMachine: StateMachine) => [
    new PolicyStatement({ effect: Effect.ALLOW, actions: [...CHANGE_APPROVAL_EXECUTION_ACTIONS], resources: [executionsArn(stateMachine, grantee)] }),
  ];
  const inboundObjects = (): string => {
    if (inboundEmail === undefined) throw new Error('Capability readInboundEmail needs the inbound e-mail bucket, which this stack does not hold');
    return inboundEmail.bucket.arnForObjects(`${inboundEmail.prefix}*`);
  };
  const searchBucket = (): { readonly bucket: IBucket; readonly prefix: string } => {
    if (searchIndex === undefined)
      throw new Error('Capabilities readSearchIndex and writeSearchIndex need the search index bucket, which this stack was not given');
    return searchIndex;
  };
  let searchBucketArnValue: string | undefined;
  /** The bucket's ARN: its own in the API stack, the API stack's export in an area stack. */
  const searchBucketArn = (): string => {
    if (searchBucketArnValue === undefined) {
      const { bucket } = searchBucket();
      const producer = Stack.of(bucket);
      searchBucketArnValue = producer === grantee ? bucket.bucketArn : producer.exportValue(bucket.bucketArn);
    }
    return searchBucketArnValue;
  };
  let searchObjectsArn: string | undefined;
  const searchObjects = (): string => {
    if (searchObjectsArn === undefined) {
      const { bucket, prefix } = searchBucket();
      searchObjectsArn = Stack.of(bucket) === grantee ? bucket.arnForObjects(`${prefix}*`) : Fn.join('', [searchBucketArn(), `/${prefix}*`]);
    }
    return searchObjectsArn;
  };
  /** ListBucket on the bucket, only for listings under the prefix: what makes a missing snapshot NoSuchKey rather than AccessDenied. */
  const searchListing = (): PolicyStatement =>
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: [...LIST_SEARCH_INDEX_ACTIONS],
      resources: [searchBucketArn()],
      conditions: { StringLike: { [SEARCH_INDEX_LIST_PREFIX_CONDITION]: `${searchBucket().prefix}*` } },
    });
  const searchObjectsAcknowledgement = (what: string) => ({
    id: iam5ResourceFinding(grantee, searchObjects()),
    reason: `The snapshots are one object per index (search/<index>.json.gz), and the indexes are named in code (articles, tickets), not in the stack; the wildcard covers only the search/ prefix of the one search index bucket, and only ${what}.`,
  });
  const statements: Readonly<Record<Capability, () => PolicyStatement[]>> = {
    publishEvents: () => [new PolicyStatement({ effect: Effect.ALLOW, actions: ['events:PutEvents'], resources: [bus.eventBusArn] })],
    publishNotifications: () => [
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sns:Publish'],
        resources: [notifications.topic.topicArn, notifications.majorIncidentTopic.topicArn],
      }),
    ],
    manageSlaTimers: () => slaTimers.managerStatements(),
    runChangeApprovals: () => run(changeApproval('runChangeApprovals')),
    stopChangeApprovals: () => stop(changeApproval('stopChangeApprovals')),
    answerApprovalTasks: () => [new PolicyStatement({ effect: Effect.ALLOW, actions: [...TASK_RESPONSE_ACTIONS], resources: ['*'] })],
    startRequestFulfilment: () => start(requestFulfilment('startRequestFulfilment')),
    stopRequestFulfilment: () => stop(requestFulfilment('stopRequestFulfilment')),
    sendEmail: () =>
      email.domain === undefined
        ? []
        : [new PolicyStatement({ effect: Effect.ALLOW, actions: [...SEND_EMAIL_ACTIONS], resources: [sendingIdentityArn(grantee, email.domain)] })],
    readInboundEmail: () => [new PolicyStatement({ effect: Effect.ALLOW, actions: [...READ_INBOUND_EMAIL_ACTIONS], resources: [inboundObjects()] })],
    readSearchIndex: () => [
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...READ_SEARCH_INDEX_ACTIONS], resources: [searchObjects()] }),
      searchListing(),
    ],
    writeSearchIndex: () => [
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...WRITE_SEARCH_INDEX_ACTIONS], resources: [searchObjects()] }),
      searchListing(),
    ],
  };
  const acknowledgements: Readonly<Record<Capability, () => CapabilityGrant['acknowledgements']>> = {
    publishEvents: () => [],
    publishNotifications: () => [],
    manageSlaTimers: () => slaTimers.managerAcknowledgements(),
    runChangeApprovals: () => [changeExecutions('runChangeApprovals')],
    stopChangeApprovals: () => [changeExecutions('stopChangeApprovals')],
    // The state machine itself, no wildcard: nothing to acknowledge, so the role's default policy.
    startRequestFulfilment: () => [],
    stopRequestFulfilment: () => [requestExecutions('stopRequestFulfilment')],
    sendEmail: () => [],
    readInboundEmail: () => [
      {
        id: iam5ResourceFinding(inboundEmail?.bucket ?? bus, inboundObjects()),
        reason:
          'SES names each stored message by its message id (inbound/<SES message id>), so the keys cannot be listed in advance; the wildcard covers only the inbound/ prefix of the one inbound e-mail bucket, and only GetObject.',
      },
    ],
    readSearchIndex: () => [searchObjectsAcknowledgement('GetObject')],
    writeSearchIndex: () => [searchObjectsAcknowledgement('GetObject and PutObject')],
    answerApprovalTasks: () => [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'states:SendTaskSuccess and states:SendTaskFailure support no resource-level permissions: the Service Authorization Reference for AWS Step Functions lists no resource type for them, so IAM accepts only "*". They can only answer a task whose token the caller holds, and the tokens are handed out by the approval workflows (change approval, request fulfilment) to their steps functions. This policy holds these two actions and nothing else.',
      },
    ],
  };
  const grants: Partial<Record<Capability, CapabilityGrant>> = {};
  const wanted = options.capabilities ?? (Object.keys(CAPABILITY_ENVIRONMENT) as Capability[]);
  for (const capability of new Set(wanted)) {
    const environment: Record<string, string> = {};
    for (const name of CAPABILITY_ENVIRONMENT[capability]) {
      const value = values[name];
      if (value === undefined) {
        throw new Error(
          `Capability ${capability} promises ${name}, which stack ${grantee.node.id} does not provide: a function there names ${capability}, but what it needs deploys in another stack (or nowhere); deploy the function with it`,
        );
      }
      environment[name] = value;
    }
    grants[capability] = { environment, statements: statements[capability], acknowledgements: acknowledgements[capability]() };
  }
  return grants;
}

/**
 * The SES sending identity of the domain, `arn:<partition>:ses:<region>:<account>:identity/<domain>`,
 * in the grantee's Region and account: SES authorizes SendEmail against the identity of the From
 * address (the domain identity, whose DKIM records the operator publishes: docs/operations.md).
 */
export function sendingIdentityArn(stack: Stack, domain: string): string {
  return stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

/**
 * `arn:<partition>:states:<region>:<account>:execution:<state machine name>:*`: its executions,
 * nothing else. For a grantee in another stack (an area stack), the name is the state machine
 * stack's export, as CDK would import it anyway: made explicit here so that the cdk-nag
 * acknowledgement can name the finding as the grantee's template spells it.
 */
export function executionsArn(stateMachine: StateMachine, grantee?: Stack): string {
  const producer = Stack.of(stateMachine);
  const name = grantee === undefined || grantee === producer ? stateMachine.stateMachineName : producer.exportValue(stateMachine.stateMachineName);
  return producer.formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${name}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * Sets the capabilities' variables on the function and grants their statements to its role: in
 * the role's default policy, or, for a capability with acknowledgements, in a policy of its own
 * (`<Capability>Policy` under the function) that carries them. The function is created and
 * updated only once its capability policies are in place.
 */
export function bindCapabilities(fn: ItsmFunction, capabilities: readonly Capability[], grants: Readonly<Partial<Record<Capability, CapabilityGrant>>>): void {
  for (const capability of new Set(capabilities)) {
    const grant = grants[capability];
    if (grant === undefined) throw new Error(`Capability ${capability} of ${fn.node.id} was not built for its stack`);
    for (const [name, value] of Object.entries(grant.environment)) fn.function.addEnvironment(name, value);
    if (grant.acknowledgements.length === 0) {
      for (const statement of grant.statements()) fn.role.addToPrincipalPolicy(statement);
      continue;
    }
    const policy = new Policy(fn, `${capability.charAt(0).toUpperCase()}${capability.slice(1)}Policy`, {
      roles: [fn.role],
      statements: grant.statements(),
    });
    for (const acknowledgement of grant.acknowledgements) Validations.of(policy).acknowledge(acknowledgement);
    fn.function.node.addDependency(policy);
  }
}
