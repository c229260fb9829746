import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { RawHandler } from './aws-endpoint.ts';
import type { DeadLetter, DeadLetters } from './dead-letters.ts';
import { backoff, type RetryPolicy } from './invoke.ts';

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

const ACCOUNT = '000000000000';
const STATE_VERSION = 1;
const DEFAULT_GROUP = 'default';
const NAME = /^[0-9a-zA-Z\-_.]+$/;
const MAX_NAME_LENGTH = 64;
const MAX_INPUT_BYTES = 256 * 1024;
const MAX_DESCRIPTION_LENGTH = 512;
const MAX_EXPRESSION_LENGTH = 256;
const MAX_TIMEZONE_LENGTH = 50;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
/** setTimeout's limit is 2^31-1 ms (24.8 days); farther schedules re-arm when this one expires. */
const MAX_TIMER_MS = 24 * 24 * 60 * 60 * 1000;
/** ClientTokens of recent deletes, so a retried DeleteSchedule succeeds instead of a 404. */
const REMEMBERED_DELETE_TOKENS = 1000;

/**
 * A failed target locally: 4 attempts (Scheduler's default would be 185 over 24 hours) 200 ms
 * apart, doubling, at most 5 s. A target's own MaximumRetryAttempts is honoured with these delays.
 */
export const SCHEDULER_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5000 };

export interface ScheduleTarget {
  readonly Arn: string;
  readonly RoleArn?: string;
  readonly Input?: string;
}

/** A schedule as the file keeps it: Scheduler's fields (dates as ISO) plus the local bookkeeping. */
interface StoredSchedule {
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

class SchedulerError extends Error {
  constructor(
    readonly code: 'ValidationException' | 'ConflictException' | 'ResourceNotFoundException' | 'InternalServerException',
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return { ValidationException: 400, ConflictException: 409, ResourceNotFoundException: 404, InternalServerException: 500 }[this.code];
  }
}

const validation = (message: string) => new SchedulerError('ValidationException', message);
const notNull = (path: string) => validation(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);

function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(text);
}

/** Scheduler's error shape: the type in `x-amzn-errortype`, `{ Message }` in the body. */
function replyError(response: ServerResponse, error: SchedulerError): void {
  reply(response, error.status, { Message: error.message }, { 'x-amzn-errortype': error.code });
}

const arnOf = (group: string, name: string) => `arn:aws:scheduler:${process.env.AWS_REGION ?? 'us-east-1'}:${ACCOUNT}:schedule/${group}/${name}`;
const keyOf = (group: string, name: string) => `${group}/${name}`;
const epochSeconds = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

function checkName(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw notNull(path);
  if (value.length > MAX_NAME_LENGTH)
    throw validation(
      `1 validation error detected: Value '${value}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_NAME_LENGTH}`,
    );
  if (!NAME.test(value))
    throw validation(
      `1 validation error detected: Value '${value}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+`,
    );
  return value;
}

function optionalString(value: unknown, path: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`Value at '${path}' must be a string`);
  if (value.length < 1 || value.length > max)
    throw validation(`1 validation error detected: Value at '${path}' failed to satisfy constraint: Member must have length between 1 and ${max}`);
  return value;
}

function optionalInteger(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must be an integer between ${min} and ${max}`,
    );
  }
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return value as T;
}

/** The SDK sends timestamps as epoch seconds; the CLI may send ISO text. */
function optionalDate(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw validation(`Value at '${path}' is not a valid timestamp`);
  return date.toISOString();
}

function checkTimezone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw validation(`Invalid time zone: ${zone}. Use an IANA time zone name, such as America/New_York.`);
  }
}

/** How far `zone` is ahead of UTC at `instant`, in ms (Intl knows the zone's rules, DST included). */
function zoneOffset(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - Math.floor(instant / 1000) * 1000;
}

/**
 * The UTC instant of a wall-clock time in `zone`. A time skipped by a DST change comes out shifted
 * by the change (02:30 on a spring-forward night is 03:30); a repeated one takes its first occurrence.
 */
export function wallTimeToInstant(wall: { year: number; month: number; day: number; hour: number; minute: number; second: number }, zone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const day = 24 * 60 * 60 * 1000;
  // Offset changes are rarer than daily: the offsets a day either side are the only candidates.
  const before = zoneOffset(asUtc - day, zone);
  const offsets = new Set([before, zoneOffset(asUtc, zone), zoneOffset(asUtc + day, zone)]);
  const matching = [...offsets].map((offset) => asUtc - offset).filter((t) => t + zoneOffset(t, zone) === asUtc);
  return new Date(matching.length > 0 ? Math.min(...matching) : asUtc - before);
}

/** When `expression` fires, or why it cannot here. */
export function parseScheduleExpression(expression: string, zone = 'UTC'): Date {
  if (/^(rate|cron)\(.*\)$/.test(expression)) {
    throw validation(
      `${expression.slice(0, 4) === 'rate' ? 'rate()' : 'cron()'} schedules are not supported locally: the local Scheduler fires one-time at(yyyy-mm-ddThh:mm:ss) schedules only.`,
    );
  }
  const match = AT.exec(expression);
  if (match === null) throw validation(`Invalid Schedule Expression ${expression}. Expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields).`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day ||
    calendar.getUTCHours() !== hour ||
    calendar.getUTCMinutes() !== minute ||
    calendar.getUTCSeconds() !== second
  ) {
    throw validation(`Invalid Schedule Expression ${expression}: not a valid date and time.`);
  }
  return wallTimeToInstant({ year, month, day, hour, minute, second }, zone);
}

function checkTarget(value: unknown): StoredSchedule['Target'] {
  if (value === undefined || value === null) throw notNull('target');
  if (typeof value !== 'object' || Array.isArray(value)) throw validation("Value at 'target' must be an object");
  const target = value as Record<string, unknown>;
  if (typeof target.Arn !== 'string' || target.Arn === '') throw notNull('target.arn');
  if (target.Arn.length > 1600) throw validation("Value at 'target.arn' failed to satisfy constraint: Member must have length less than or equal to 1600");
  if (typeof target.RoleArn !== 'string' || target.RoleArn === '') throw notNull('target.roleArn');
  if (!ROLE_ARN.test(target.RoleArn)) {
    throw validation(
      `1 validation error detected: Value '${target.RoleArn}' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@/-]+$`,
    );
  }
  if (target.Input !== undefined && target.Input !== null) {
    if (typeof target.Input !== 'string' || target.Input === '')
      throw validation("Value at 'target.input' failed to satisfy constraint: Member must have length greater than or equal to 1");
    if (Buffer.byteLength(target.Input) > MAX_INPUT_BYTES)
      throw validation(`Value at 'target.input' failed to satisfy constraint: Member must be at most ${MAX_INPUT_BYTES} bytes`);
  }
  const retry = target.RetryPolicy;
  if (retry !== undefined && retry !== null) {
    if (typeof retry !== 'object' || Array.isArray(retry)) throw validation("Value at 'target.retryPolicy' must be an object");
    const policy = retry as Record<string, unknown>;
    optionalInteger(policy.MaximumRetryAttempts, 'target.retryPolicy.maximumRetryAttempts', 0, 185);
    optionalInteger(policy.MaximumEventAgeInSeconds, 'target.retryPolicy.maximumEventAgeInSeconds', 60, 86400);
  }
  const deadLetter = target.DeadLetterConfig;
  if (deadLetter !== undefined && deadLetter !== null) {
    const arn = typeof deadLetter === 'object' ? (deadLetter as Record<string, unknown>).Arn : undefined;
    if (arn !== undefined && (typeof arn !== 'string' || !SQS_ARN.test(arn))) {
      throw validation(
        `1 validation error detected: Value '${String(arn)}' at 'target.deadLetterConfig.arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+$`,
      );
    }
  }
  return target as StoredSchedule['Target'];
}

function checkWindow(value: unknown): StoredSchedule['FlexibleTimeWindow'] {
  if (value === undefined || value === null) throw notNull('flexibleTimeWindow');
  if (typeof value !== 'object' || Array.isArray(value)) throw validation("Value at 'flexibleTimeWindow' must be an object");
  const window = value as Record<string, unknown>;
  if (window.Mode === undefined || window.Mode === null) throw notNull('flexibleTimeWindow.mode');
  const Mode = oneOf(window.Mode, 'flexibleTimeWindow.mode', ['OFF', 'FLEXIBLE'] as const, 'OFF');
  const minutes = optionalInteger(window.MaximumWindowInMinutes, 'flexibleTimeWindow.maximumWindowInMinutes', 1, 1440);
  if (Mode === 'FLEXIBLE' && minutes === undefined) throw validation('MaximumWindowInMinutes is required when the flexible time window Mode is FLEXIBLE.');
  if (Mode === 'OFF' && minutes !== undefined) throw validation('MaximumWindowInMinutes must not be set when the flexible time window Mode is OFF.');
  return minutes === undefined ? { Mode } : { Mode, MaximumWindowInMinutes: minutes };
}

/** A Create/UpdateSchedule body as a schedule, or why Scheduler would refuse it. */
function toSchedule(name: string, body: Record<string, unknown>, now: Date, previous?: StoredSchedule): StoredSchedule {
  const group = body.GroupName === undefined || body.GroupName === null ? DEFAULT_GROUP : checkName(body.GroupName, 'groupName');
  const expression = optionalString(body.ScheduleExpression, 'scheduleExpression', MAX_EXPRESSION_LENGTH);
  if (expression === undefined) throw notNull('scheduleExpression');
  const zone = optionalString(body.ScheduleExpressionTimezone, 'scheduleExpressionTimezone', MAX_TIMEZONE_LENGTH);
  if (zone !== undefined) checkTimezone(zone);
  const window = checkWindow(body.FlexibleTimeWindow);
  const target = checkTarget(body.Target);
  const fireAt = parseScheduleExpression(expression, zone ?? 'UTC');
  const start = optionalDate(body.StartDate, 'startDate');
  const end = optionalDate(body.EndDate, 'endDate');
  if (start !== undefined && end !== undefined && Date.parse(end) <= Date.parse(start)) throw validation('The EndDate must be later than the StartDate.');
  const description = optionalString(body.Description, 'description', MAX_DESCRIPTION_LENGTH);
  const kmsKeyArn = optionalString(body.KmsKeyArn, 'kmsKeyArn', 2048);
  const clientToken = optionalString(body.ClientToken, 'clientToken', 64);
  const stamp = now.toISOString();
  return {
    Name: name,
    GroupName: group,
    Arn: arnOf(group, name),
    ScheduleExpression: expression,
    ...(zone === undefined ? {} : { ScheduleExpressionTimezone: zone }),
    ...(start === undefined ? {} : { StartDate: start }),
    ...(end === undefined ? {} : { EndDate: end }),
    ...(description === undefined ? {} : { Description: description }),
    State: oneOf(body.State, 'state', ['ENABLED', 'DISABLED'] as const, 'ENABLED'),
    ...(kmsKeyArn === undefined ? {} : { KmsKeyArn: kmsKeyArn }),
    Target: target,
    FlexibleTimeWindow: window,
    ActionAfterCompletion: oneOf(body.ActionAfterCompletion, 'actionAfterCompletion', ['NONE', 'DELETE'] as const, 'NONE'),
    CreationDate: previous?.CreationDate ?? stamp,
    LastModificationDate: stamp,
    ...(clientToken === undefined ? {} : { ClientToken: clientToken }),
    fireAt: fireAt.toISOString(),
    generation: randomUUID(),
  };
}

function getOutput(schedule: StoredSchedule): Record<string, unknown> {
  const output: Record<string, unknown> = {
    Arn: schedule.Arn,
    GroupName: schedule.GroupName,
    Name: schedule.Name,
    ScheduleExpression: schedule.ScheduleExpression,
    StartDate: epochSeconds(schedule.StartDate),
    EndDate: epochSeconds(schedule.EndDate),
    Description: schedule.Description,
    ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone,
    State: schedule.State,
    CreationDate: epochSeconds(schedule.CreationDate),
    LastModificationDate: epochSeconds(schedule.LastModificationDate),
    KmsKeyArn: schedule.KmsKeyArn,
    Target: schedule.Target,
    FlexibleTimeWindow: schedule.FlexibleTimeWindow,
    ActionAfterCompletion: schedule.ActionAfterCompletion,
  };
  for (const key of Object.keys(output)) if (output[key] === undefined) delete output[key];
  return output;
}

const targetOf = (schedule: StoredSchedule): ScheduleTarget => ({
  Arn: schedule.Target.Arn,
  ...(schedule.Target.RoleArn === undefined ? {} : { RoleArn: schedule.Target.RoleArn }),
  ...(schedule.Target.Input === undefined ? {} : { Input: schedule.Target.Input }),
});

function parseState(text: string, file: string): StoredSchedule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`local Scheduler: ${file} is not JSON; move it away to start without the schedules it held`);
  }
  const state = parsed as { version?: unknown; schedules?: unknown };
  if (state?.version !== STATE_VERSION || !Array.isArray(state.schedules)) {
    throw new Error(`local Scheduler: ${file} is not a version ${STATE_VERSION} schedule file; move it away to start without the schedules it held`);
  }
  return state.schedules as StoredSchedule[];
}

export function createLocalScheduler(options: LocalSchedulerOptions): LocalScheduler {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.log(line));
  const retry = options.retry ?? SCHEDULER_RETRY;
  const store = new Map<string, StoredSchedule>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** The firing under way per schedule key: the schedule's generation, and the epoch it began in. */
  const firing = new Map<string, { generation: string; epoch: number }>();
  const deleteTokens: string[] = [];
  let loaded: Promise<void> | undefined;
  let running = false;
  /** Bumped by stop(): a firing begun before it takes no further step. */
  let epoch = 0;
  let writes: Promise<void> = Promise.resolve();
  const sleepers = new Set<() => void>();

  function load(): Promise<void> {
    loaded ??= (async () => {
      if (options.stateFile === undefined) return;
      let text: string;
      try {
        text = await readFile(options.stateFile, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const schedule of parseState(text, options.stateFile)) store.set(keyOf(schedule.GroupName, schedule.Name), schedule);
    })();
    return loaded;
  }

  /** Writes the whole state, one write at a time, through a temporary file renamed over the old one. */
  function persist(): Promise<void> {
    const file = options.stateFile;
    if (file === undefined) return Promise.resolve();
    const write = writes.then(async () => {
      const text = `${JSON.stringify({ version: STATE_VERSION, schedules: [...store.values()] }, null, 2)}\n`;
      const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
      await mkdir(dirname(file), { recursive: true });
      try {
        await writeFile(temporary, text);
        await rename(temporary, file);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
    });
    writes = write.catch((error: unknown) => log(`[scheduler] could not write ${file}: ${String(error)}`));
    return write;
  }

  /** A wait that stop() cuts short, so no retry outlives the scheduler. */
  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      sleepers.add(done);
    });
  }

  function disarm(key: string): void {
    const timer = timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(key);
  }

  function arm(key: string): void {
    disarm(key);
    const schedule = store.get(key);
    if (!running || schedule === undefined || schedule.State === 'DISABLED' || schedule.completed !== undefined) return;
    const underWay = firing.get(key);
    if (underWay?.generation === schedule.generation && underWay.epoch === epoch) return;
    const delay = Date.parse(schedule.fireAt) - now().getTime();
    if (delay <= 0) {
      void fire(key, schedule);
      return;
    }
    const timer = setTimeout(() => arm(key), Math.min(delay, MAX_TIMER_MS));
    // The endpoint keeps `npm start` alive; a pending schedule should not keep a test run alive.
    timer.unref();
    timers.set(key, timer);
  }

  /** Still the schedule this firing began for, and the scheduler still running? */
  const current = (key: string, generation: string, started: number) => running && epoch === started && store.get(key)?.generation === generation;

  async function fire(key: string, schedule: StoredSchedule): Promise<void> {
    const started = epoch;
    const mine = { generation: schedule.generation, epoch: started };
    firing.set(key, mine);
    try {
      const policy = schedule.Target.RetryPolicy as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
      const attempts = (policy?.MaximumRetryAttempts ?? retry.attempts - 1) + 1;
      const maxAgeMs = (policy?.MaximumEventAgeInSeconds ?? 86400) * 1000;
      const firstAttempt = now().getTime();
      const target = targetOf(schedule);
      let attempt = 0;
      let error: string | undefined;
      let condition = 'MaximumRetryAttempts';
      for (;;) {
        attempt++;
        try {
          await options.fire(target);
          error = undefined;
        } catch (thrown) {
          error = thrown instanceof Error ? thrown.message : String(thrown);
        }
        if (!current(key, schedule.generation, started)) {
          log(`[scheduler] ${key}: attempt ${attempt} ended after the schedule was updated or deleted, or the scheduler stopped; left as it is now`);
          return;
        }
        if (error === undefined) {
          log(`[scheduler] ${key} fired -> ${target.Arn}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
          break;
        }
        if (attempt >= attempts) break;
        const delay = backoff(retry, attempt);
        if (now().getTime() + delay - firstAttempt > maxAgeMs) {
          condition = 'MaximumEventAgeInSeconds';
          break;
        }
        log(`[scheduler] ${key} attempt ${attempt} of ${attempts} failed (${error}); retrying in ${delay} ms`);
        await pause(delay);
        if (!current(key, schedule.generation, started)) return;
      }
      const outcome = error === undefined ? 'succeeded' : 'dead-lettered';
      if (outcome === 'dead-lettered') {
        const deadLetterArn = (schedule.Target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
        const entry: DeadLetter = {
          at: now().toISOString(),
          functionId: target.Arn,
          source: 'scheduler',
          condition,
          attempts: attempt,
          error,
          schedule: schedule.Name,
          groupName: schedule.GroupName,
          scheduleArn: schedule.Arn,
          ...(deadLetterArn === undefined ? {} : { deadLetterArn }),
          target,
          record: target,
        };
        options.deadLetters.add(entry);
      }
      if (schedule.ActionAfterCompletion === 'DELETE') {
        store.delete(key);
        log(`[scheduler] ${key} deleted after completion (ActionAfterCompletion DELETE)`);
      } else {
        store.set(key, { ...schedule, completed: { at: now().toISOString(), outcome, attempts: attempt } });
      }
      await persist();
    } catch (error) {
      log(`[scheduler] ${key}: firing failed: ${String(error)}`);
    } finally {
      if (firing.get(key) === mine) firing.delete(key);
    }
  }

  async function create(name: string, body: Record<string, unknown>): Promise<unknown> {
    const schedule = toSchedule(name, body, now());
    const key = keyOf(schedule.GroupName, name);
    const existing = store.get(key);
    if (existing !== undefined) {
      // A retry of the same call (the SDK reuses its ClientToken across retries) is not a conflict.
      if (schedule.ClientToken !== undefined && existing.ClientToken === schedule.ClientToken) return { ScheduleArn: existing.Arn };
      throw new SchedulerError('ConflictException', `Schedule ${name} already exists.`);
    }
    store.set(key, schedule);
    await persist();
    arm(key);
    return { ScheduleArn: schedule.Arn };
  }

  async function update(name: string, body: Record<string, unknown>): Promise<unknown> {
    const group = body.GroupName === undefined || body.GroupName === null ? DEFAULT_GROUP : checkName(body.GroupName, 'groupName');
    const key = keyOf(group, name);
    const existing = store.get(key);
    if (existing === undefined) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    const schedule = toSchedule(name, body, now(), existing);
    store.set(key, schedule);
    await persist();
    arm(key);
    return { ScheduleArn: schedule.Arn };
  }

  function get(name: string, group: string): unknown {
    const schedule = store.get(keyOf(group, name));
    if (schedule === undefined) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return getOutput(schedule);
  }

  async function remove(name: string, group: string, clientToken: string | null): Promise<unknown> {
    const key = keyOf(group, name);
    if (!store.has(key)) {
      if (clientToken !== null && deleteTokens.includes(clientToken)) return {};
      throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    }
    store.delete(key);
    disarm(key);
    if (clientToken !== null) {
      deleteTokens.push(clientToken);
      if (deleteTokens.length > REMEMBERED_DELETE_TOKENS) deleteTokens.shift();
    }
    await persist();
    return {};
  }

  function list(query: URLSearchParams): unknown {
    const group = query.get('ScheduleGroup');
    if (group !== null) checkName(group, 'groupName');
    const prefix = query.get('NamePrefix');
    const state = query.get('State');
    if (state !== null) oneOf(state, 'state', ['ENABLED', 'DISABLED'] as const, 'ENABLED');
    const maxResults = query.get('MaxResults') === null ? 100 : optionalInteger(Number(query.get('MaxResults')), 'maxResults', 1, 100);
    const token = query.get('NextToken');
    let after: string | undefined;
    if (token !== null) {
      try {
        after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).after;
      } catch {
        after = undefined;
      }
      if (typeof after !== 'string') throw validation('Invalid NextToken.');
    }
    const matching = [...store.entries()]
      .filter(([, s]) => (group === null || s.GroupName === group) && (prefix === null || s.Name.startsWith(prefix)) && (state === null || s.State === state))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([key]) => after === undefined || key > after);
    const page = matching.slice(0, maxResults);
    const last = page.at(-1);
    return {
      Schedules: page.map(([, s]) => ({
        Arn: s.Arn,
        Name: s.Name,
        GroupName: s.GroupName,
        State: s.State,
        CreationDate: epochSeconds(s.CreationDate),
        LastModificationDate: epochSeconds(s.LastModificationDate),
        Target: { Arn: s.Target.Arn },
      })),
      ...(matching.length > page.length && last !== undefined ? { NextToken: Buffer.from(JSON.stringify({ after: last[0] })).toString('base64url') } : {}),
    };
  }

  function jsonBody(body: Buffer): Record<string, unknown> {
    if (body.length === 0) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw validation('The request body is not valid JSON.');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw validation('The request body must be a JSON object.');
    return parsed as Record<string, unknown>;
  }

  const handler: RawHandler = async (request, url, body, response) => {
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const single = /^\/schedules\/([^/]+)$/.exec(path);
    if (!(path === '/schedules' && method === 'GET') && !(single !== null && ['GET', 'POST', 'PUT', 'DELETE'].includes(method))) return false;
    try {
      await load();
      if (single === null) {
        reply(response, 200, list(url.searchParams));
        return true;
      }
      let name: string;
      try {
        name = decodeURIComponent(single[1] as string);
      } catch {
        throw validation('The schedule name in the path is not valid.');
      }
      checkName(name, 'name');
      const group = url.searchParams.get('groupName') ?? DEFAULT_GROUP;
      if (method !== 'POST' && method !== 'PUT') checkName(group, 'groupName');
      let output: unknown;
      if (method === 'POST') output = await create(name, jsonBody(body));
      else if (method === 'PUT') output = await update(name, jsonBody(body));
      else if (method === 'GET') output = get(name, group);
      else output = await remove(name, group, url.searchParams.get('clientToken'));
      reply(response, 200, output);
    } catch (error) {
      if (error instanceof SchedulerError) {
        replyError(response, error);
      } else {
        log(`[scheduler] ${method} ${path} failed: ${String(error)}`);
        replyError(response, new SchedulerError('InternalServerException', 'the local Scheduler failed; see its console'));
      }
    }
    return true;
  };

  return {
    handler,

    schedules: () =>
      [...store.entries()].map(([key, s]) => ({
        name: s.Name,
        groupName: s.GroupName,
        arn: s.Arn,
        expression: s.ScheduleExpression,
        timezone: s.ScheduleExpressionTimezone ?? 'UTC',
        state: s.State,
        fireAt: s.fireAt,
        actionAfterCompletion: s.ActionAfterCompletion,
        target: targetOf(s),
        status:
          s.completed !== undefined ? 'completed' : firing.get(key)?.generation === s.generation ? 'firing' : s.State === 'DISABLED' ? 'disabled' : 'pending',
        ...(s.completed === undefined ? {} : { completed: s.completed }),
      })),

    async start() {
      await load();
      if (running) return;
      running = true;
      const due = [...store.values()].filter((s) => s.State === 'ENABLED' && s.completed === undefined && Date.parse(s.fireAt) <= now().getTime());
      if (due.length > 0) log(`[scheduler] ${due.length} schedule(s) came due while stopped; firing them now`);
      for (const key of store.keys()) arm(key);
    },

    async stop() {
      running = false;
      epoch++;
      for (const key of [...timers.keys()]) disarm(key);
      for (const wake of [...sleepers]) wake();
      await writes;
    },
  };
}
