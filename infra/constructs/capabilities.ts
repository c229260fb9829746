import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { CAPABILITY_ENVIRONMENT, type Capability } from '../../functions/routes.ts';
import type { ItsmFunction } from './itsm-function.ts';
import { iam5ResourceFinding } from './nag-ids.ts';
import type { Notifications } from './notifications.ts';
import type { SlaTimers } from './sla-timers.ts';

/** What runChangeApprovals allows on the change approval state machine (its ARN). */
export const CHANGE_APPROVAL_START_ACTIONS = ['states:StartExecution'] as const;
/**
 * What runChangeApprovals allows on that state machine's executions. StopExecution of an
 * execution that has already ended succeeds and changes nothing, so cancelling needs no
 * DescribeExecution first.
 */
export const CHANGE_APPROVAL_EXECUTION_ACTIONS = ['states:StopExecution'] as const;
/** What answerApprovalTasks allows: IAM knows no resource for them, only "*". */
export const TASK_RESPONSE_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure'] as const;

/** The variable that carries the change approval workflow's ARN (its WORKFLOWS arnEnvironment). */
const CHANGE_APPROVAL_ARN_VARIABLE = 'CHANGE_APPROVAL_STATE_MACHINE_ARN';

export interface CapabilityResources {
  /** Where domain events go: the ingestion bus (EVENT_BUS_NAME). */
  readonly bus: IEventBus;
  readonly notifications: Notifications;
  readonly slaTimers: SlaTimers;
  /** Each workflow's `arnEnvironment` and its state machine. */
  readonly workflows: Readonly<Record<string, StateMachine>>;
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
 * names for it (a variable the stack cannot provide fails the synth) and exactly these grants.
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
 * - answerApprovalTasks: states:SendTaskSuccess and SendTaskFailure, on "*": IAM has no resource
 *   for them (the Service Authorization Reference lists no resource type), so a policy naming a
 *   state machine would not be enforced as written. What limits them is the token: only a
 *   caller holding a token the workflow handed out can answer the step waiting on it. No
 *   SendTaskHeartbeat: the approval steps set no HeartbeatSeconds.
 */
export function capabilityGrants(resources: CapabilityResources, grantee?: Stack): Readonly<Record<Capability, CapabilityGrant>> {
  const { bus, notifications, slaTimers, workflows } = resources;
  const values: Readonly<Record<string, string>> = {
    EVENT_BUS_NAME: bus.eventBusName,
    NOTIFICATION_TOPIC_ARN: notifications.topic.topicArn,
    MAJOR_INCIDENT_TOPIC_ARN: notifications.majorIncidentTopic.topicArn,
    SLA_SCHEDULE_GROUP: slaTimers.scheduleGroup.scheduleGroupName,
    SLA_SCHEDULER_ROLE_ARN: slaTimers.role.roleArn,
    SLA_TIMER_DEAD_LETTER_ARN: slaTimers.deadLetterQueue.queueArn,
    ...Object.fromEntries(Object.entries(workflows).map(([variable, stateMachine]) => [variable, stateMachine.stateMachineArn])),
  };
  const changeApproval = (): StateMachine => {
    const stateMachine = workflows[CHANGE_APPROVAL_ARN_VARIABLE];
    if (stateMachine === undefined) throw new Error(`Capability runChangeApprovals needs the workflow whose arnEnvironment is ${CHANGE_APPROVAL_ARN_VARIABLE}`);
    return stateMachine;
  };
  const executions = () => executionsArn(changeApproval(), grantee);
  const executionsAcknowledgement = () => ({
    id: iam5ResourceFinding(changeApproval(), executions()),
    reason:
      'Executions are started at run time, one per submitted change, so they cannot be named in advance; the wildcard covers only executions of the change approval state machine (execution:<its name>:*), and only StopExecution.',
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
    runChangeApprovals: () => [
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...CHANGE_APPROVAL_START_ACTIONS], resources: [changeApproval().stateMachineArn] }),
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...CHANGE_APPROVAL_EXECUTION_ACTIONS], resources: [executions()] }),
    ],
    stopChangeApprovals: () => [new PolicyStatement({ effect: Effect.ALLOW, actions: [...CHANGE_APPROVAL_EXECUTION_ACTIONS], resources: [executions()] })],
    answerApprovalTasks: () => [new PolicyStatement({ effect: Effect.ALLOW, actions: [...TASK_RESPONSE_ACTIONS], resources: ['*'] })],
    // TODO(issue 15, infra slice): the request workflow's and e-mail's grants.
    runRequestFulfilment: () => [],
    stopRequestFulfilment: () => [],
    sendEmail: () => [],
    readInboundEmail: () => [],
  };
  const acknowledgements: Readonly<Record<Capability, () => CapabilityGrant['acknowledgements']>> = {
    publishEvents: () => [],
    publishNotifications: () => [],
    manageSlaTimers: () => slaTimers.managerAcknowledgements(),
    runChangeApprovals: () => [executionsAcknowledgement()],
    stopChangeApprovals: () => [executionsAcknowledgement()],
    runRequestFulfilment: () => [],
    stopRequestFulfilment: () => [],
    sendEmail: () => [],
    readInboundEmail: () => [],
    answerApprovalTasks: () => [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'states:SendTaskSuccess and states:SendTaskFailure support no resource-level permissions: the Service Authorization Reference for AWS Step Functions lists no resource type for them, so IAM accepts only "*". They can only answer a task whose token the caller holds, and the tokens are handed out by the change approval workflow to its steps function. This policy holds these two actions and nothing else.',
      },
    ],
  };
  const grants = {} as Record<Capability, CapabilityGrant>;
  for (const capability of Object.keys(CAPABILITY_ENVIRONMENT) as Capability[]) {
    const environment: Record<string, string> = {};
    for (const name of CAPABILITY_ENVIRONMENT[capability]) {
      const value = values[name];
      if (value === undefined) throw new Error(`Capability ${capability} promises ${name}, which the stack does not provide`);
      environment[name] = value;
    }
    grants[capability] = { environment, statements: statements[capability], acknowledgements: acknowledgements[capability]() };
  }
  return grants;
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
export function bindCapabilities(fn: ItsmFunction, capabilities: readonly Capability[], grants: Readonly<Record<Capability, CapabilityGrant>>): void {
  for (const capability of new Set(capabilities)) {
    const grant = grants[capability];
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
