import { Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { CAPABILITY_ENVIRONMENT, type Capability } from '../../functions/routes.ts';
import type { ItsmFunction } from './itsm-function.ts';
import type { Notifications } from './notifications.ts';
import type { SlaTimers } from './sla-timers.ts';

export interface CapabilityResources {
  /** Where domain events go: the ingestion bus (EVENT_BUS_NAME). */
  readonly bus: IEventBus;
  readonly notifications: Notifications;
  readonly slaTimers: SlaTimers;
  /** Each workflow's `arnEnvironment` and its state machine's ARN. */
  readonly workflowArns: Readonly<Record<string, string>>;
}

export interface CapabilityGrant {
  readonly environment: Readonly<Record<string, string>>;
  /** Fresh statements for each role they are added to. */
  readonly statements: () => PolicyStatement[];
  /** cdk-nag findings these statements raise on purpose, acknowledged on each role they are added to. */
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
 */
export function capabilityGrants(resources: CapabilityResources): Readonly<Record<Capability, CapabilityGrant>> {
  const { bus, notifications, slaTimers } = resources;
  const values: Readonly<Record<string, string>> = {
    EVENT_BUS_NAME: bus.eventBusName,
    NOTIFICATION_TOPIC_ARN: notifications.topic.topicArn,
    MAJOR_INCIDENT_TOPIC_ARN: notifications.majorIncidentTopic.topicArn,
    SLA_SCHEDULE_GROUP: slaTimers.scheduleGroup.scheduleGroupName,
    SLA_SCHEDULER_ROLE_ARN: slaTimers.role.roleArn,
    SLA_TIMER_DEAD_LETTER_ARN: slaTimers.deadLetterQueue.queueArn,
    ...resources.workflowArns,
  };
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
  };
  const grants = {} as Record<Capability, CapabilityGrant>;
  for (const capability of Object.keys(CAPABILITY_ENVIRONMENT) as Capability[]) {
    const environment: Record<string, string> = {};
    for (const name of CAPABILITY_ENVIRONMENT[capability]) {
      const value = values[name];
      if (value === undefined) throw new Error(`Capability ${capability} promises ${name}, which the stack does not provide`);
      environment[name] = value;
    }
    grants[capability] = { environment, statements: statements[capability], acknowledgements: capability === 'manageSlaTimers' ? slaTimers.managerAcknowledgements() : [] };
  }
  return grants;
}

/** Sets the capabilities' variables on the function and adds their statements to its role. */
export function bindCapabilities(fn: ItsmFunction, capabilities: readonly Capability[], grants: Readonly<Record<Capability, CapabilityGrant>>): void {
  for (const capability of new Set(capabilities)) {
    const grant = grants[capability];
    for (const [name, value] of Object.entries(grant.environment)) fn.function.addEnvironment(name, value);
    for (const statement of grant.statements()) fn.role.addToPrincipalPolicy(statement);
    for (const acknowledgement of grant.acknowledgements) Validations.of(fn.role).acknowledge(acknowledgement);
  }
}
