/**
 * EventBridge Scheduler, locally, in its REST JSON protocol (`POST /schedules/{Name}`, ...), as
 * @aws-sdk/client-scheduler and `aws scheduler --endpoint-url` call it. The product uses one-time
 * schedules (SLA thresholds): `at()` expressions are emulated fully, time zones included, and fire
 * at their time through `fire` (the runtime starts the Step Functions execution the schedule's
 * templated target names). Schedules are kept in a JSON file, so they survive a restart, and the
 * ones that came due while nothing ran fire as soon as the scheduler starts again.
 *
 * A target that fails is retried with backoff, then put in the local dead-letter list, as
 * Scheduler does with the target's RetryPolicy and DeadLetterConfig. Afterwards the schedule is
 * deleted (ActionAfterCompletion DELETE) or kept, never to fire again (NONE), as in AWS.
 *
 * Local differences, on purpose: no signature, permission or PassRole checks; schedule groups need
 * not exist (CDK creates the product's group in AWS), any group name is accepted; `rate()` and
 * `cron()` are refused with a ValidationException; a schedule fires at the exact second, at the
 * start of its flexible time window (AWS: within the minute, anywhere in the window); an `at()` in
 * the past fires at once; retries wait milliseconds, not minutes (SCHEDULER_RETRY), and a target
 * without a RetryPolicy is retried 3 times, not 185; MaximumEventAgeInSeconds counts from the
 * first attempt, so a schedule that came due while the runtime was stopped still gets its
 * attempts; every target is handed to `fire` as {Arn, RoleArn, Input} (ECS, SQS, Kinesis,
 * SageMaker and EventBridge parameters are stored and returned, not acted on); tags are not kept.
 */

// Where each part lives (local/scheduler/):
// - local-scheduler.ts: createLocalScheduler: builds one scheduler from the parts below, start(), stop()
// - validation.ts: Create/UpdateSchedule bodies checked, with Scheduler's messages
// - schedule-expressions.ts: at() expressions and time zones -> the UTC instant a schedule fires at
// - store.ts: the schedules and the state file that keeps them between runs
// - firing.ts: timers, attempts, retries, dead letters, ActionAfterCompletion
// - operations.ts: Create, Update, Get, Delete and ListSchedules on the store
// - http.ts: the REST JSON protocol and Scheduler's error shape
// - errors.ts, types.ts: Scheduler's errors, the shapes and names the parts share

export { SCHEDULER_RETRY } from './scheduler/firing.ts';
export { createLocalScheduler } from './scheduler/local-scheduler.ts';
export { parseScheduleExpression, wallTimeToInstant } from './scheduler/schedule-expressions.ts';
export type { LocalScheduler, LocalSchedulerOptions, ScheduleTarget, ScheduleView } from './scheduler/types.ts';
