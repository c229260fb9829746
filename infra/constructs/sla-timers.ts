import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Alarms } from './alarms.ts';
import { DEAD_LETTER_RETENTION_DAYS } from './dead-letter-replay.ts';
import { iam5ResourceFinding } from './nag-ids.ts';

/** The schedule actions a timer-managing function may call, on schedules of the group only. */
export const SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'] as const;

export interface SlaTimersProps {
  /** What timers start: the escalation workflow (every workflow whose ARN timer managers are given). */
  readonly stateMachines: readonly IStateMachine[];
  readonly alarms: Alarms;
}

/**
 * The infrastructure SLA timers run on; the timers themselves are one-time EventBridge Scheduler
 * schedules that the outbox publisher creates, moves and deletes at run time
 * (functions/notify/sinks/timers.ts), one per incident, clock and threshold.
 *
 * - a schedule group, so every timer lives under one prefix that IAM can name
 *   (`schedule/<group>/*`) and the group's metrics count only timers;
 * - the role Scheduler assumes to fire a timer: it may start the escalation workflow and put a
 *   firing it gave up on in the dead-letter queue, nothing else, and only Scheduler acting for
 *   this account and this group may assume it;
 * - the dead-letter queue timers name, with an alarm on its first message.
 */
export class SlaTimers extends Construct {
  readonly scheduleGroup: ScheduleGroup;
  /** Passed to Scheduler with each schedule (iam:PassRole), assumed by Scheduler when it fires. */
  readonly role: Role;
  /** Firings Scheduler could not deliver after the schedule's retries. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SlaTimersProps) {
    super(scope, id);
    if (props.stateMachines.length === 0) throw new Error(`${id}: SLA timers need a workflow to start`);

    // Deleting a group deletes its schedules, and a retained group would block the next
    // deployment (its name is derived from the construct path, so it would already exist). Only
    // deleting the stack deletes the group; docs/operations.md says what that means for timers.
    this.scheduleGroup = new ScheduleGroup(this, 'Group', { removalPolicy: RemovalPolicy.DESTROY });

    // SSE-SQS, as the other dead-letter queues: encrypted at rest at no cost, with no key for the
    // scheduler role to be granted.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DEAD_LETTER_RETENTION_DAYS),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the DeadLetterConfig of every SLA timer schedule, which the publisher creates at run time (cdk-nag only recognizes queues named in a RedrivePolicy). A dead-letter queue of a dead-letter queue would only move the problem; an alarm fires on its first message.',
    });

    const stack = Stack.of(this);
    this.role = new Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to fire SLA timers: starts the escalation workflow',
      // Confused-deputy protection: only Scheduler acting for a schedule of this account's timer
      // group may assume the role.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': this.scheduleGroup.scheduleGroupArn },
        },
      }),
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['states:StartExecution'],
        resources: props.stateMachines.map((stateMachine) => stateMachine.stateMachineArn),
      }),
    );
    this.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));

    props.alarms.watchDeadLetterQueue(
      'SlaTimerDeadLetterQueue',
      this.deadLetterQueue,
      'SLA timer firings Scheduler could not deliver to the escalation workflow',
    );
    props.alarms.watchScheduleGroup('SlaTimerSchedules', this.scheduleGroup, 'SLA timers');
  }

  /** `arn:<partition>:scheduler:<region>:<account>:schedule/<group>/*`: every timer, nothing else. */
  get schedulesArn(): string {
    return Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.scheduleGroupName}/*` });
  }

  /** The one wildcard of managerStatements, acknowledged on each role they are added to. */
  managerAcknowledgements(): { id: string; reason: string }[] {
    return [
      {
        id: iam5ResourceFinding(this, this.schedulesArn),
        reason:
          'Schedules are created at run time, one per incident, clock and threshold, so they cannot be named in advance; the wildcard covers only schedules of the SLA timer group (schedule/<group>/*), and only create, update, delete and get.',
      },
    ];
  }

  /** What a function that creates, moves and deletes timers needs (capability manageSlaTimers). */
  managerStatements(): PolicyStatement[] {
    return [
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...SCHEDULE_ACTIONS], resources: [this.schedulesArn] }),
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    ];
  }
}
