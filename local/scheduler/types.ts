import type { RawHandler } from '../aws-endpoint.ts';
import type { DeadLetters } from '../dead-letters.ts';
import type { RetryPolicy } from '../invoke.ts';

export interface ScheduleTarget {
  readonly Arn: string;
  readonly RoleArn?: string;
  readonly Input?: string;
}

/** A schedule as the file keeps it: Scheduler's fields (dates as ISO) plus the local bookkeeping. */
export interface StoredSchedule {
  readonly Name: string;
  readonly GroupName: string;
  readonly Arn: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly StartDate?: string;
  readonly EndDate?: string;
  readonly Description?: string;
  readonly State: 'ENABLED' | 'DISABLED';
  readonly KmsKeyArn?: string;
  readonly Target: Record<string, unknown> & ScheduleTarget;
  readonly FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  readonly ActionAfterCompletion: 'NONE' | 'DELETE';
  readonly CreationDate: string;
  readonly LastModificationDate: string;
  readonly ClientToken?: string;
  /** The instant the `at()` expression names, in UTC (ISO). */
  readonly fireAt: string;
  /** Each create or update starts a new one, so a firing of an older version leaves the newer alone. */
  readonly generation: string;
  /** Set once the firing is over (ActionAfterCompletion NONE): it never fires again. */
  readonly completed?: { readonly at: string; readonly outcome: 'succeeded' | 'dead-lettered'; readonly attempts: number };
}

/** A schedule as `schedules()` shows it, for `GET /local/schedules` and tests. */
export interface ScheduleView {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  readonly expression: string;
  readonly timezone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  /** When it fires (or fired), in UTC (ISO). */
  readonly fireAt: string;
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly target: ScheduleTarget;
  /** pending: waits for its time; firing: attempts under way; completed: done, kept (NONE); disabled. */
  readonly status: 'pending' | 'firing' | 'completed' | 'disabled';
  readonly completed?: StoredSchedule['completed'];
}

export interface LocalSchedulerOptions {
  /** Where schedules are kept between runs; without one they live in memory only. */
  readonly stateFile?: string;
  /** Invokes the target: locally, starts the Step Functions execution; a throw is a failed attempt. */
  readonly fire: (target: ScheduleTarget) => Promise<void>;
  readonly deadLetters: DeadLetters;
  /** Attempts when the target has no RetryPolicy, and the delays between any attempts; defaults to SCHEDULER_RETRY. */
  readonly retry?: RetryPolicy;
  /** One line per firing, failure and deletion; defaults to console.log. */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

export interface LocalScheduler {
  readonly handler: RawHandler;
  schedules(): ScheduleView[];
  /** Loads the state file and arms every schedule: the ones already due fire at once. */
  start(): Promise<void>;
  /** Clears the timers and waits for pending writes; firings under way stop before their next step. */
  stop(): Promise<void>;
}

export const DEFAULT_GROUP = 'default';
const ACCOUNT = '000000000000';

export const arnOf = (group: string, name: string) => `arn:aws:scheduler:${process.env.AWS_REGION ?? 'us-east-1'}:${ACCOUNT}:schedule/${group}/${name}`;
export const keyOf = (group: string, name: string) => `${group}/${name}`;
export const epochSeconds = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

export const targetOf = (schedule: StoredSchedule): ScheduleTarget => ({
  Arn: schedule.Target.Arn,
  ...(schedule.Target.RoleArn === undefined ? {} : { RoleArn: schedule.Target.RoleArn }),
  ...(schedule.Target.Input === undefined ? {} : { Input: schedule.Target.Input }),
});
