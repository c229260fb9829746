import { randomUUID } from 'node:crypto';
import { notNull, validation } from './errors.ts';
import { checkTimezone, parseScheduleExpression } from './schedule-expressions.ts';
import { arnOf, DEFAULT_GROUP, type StoredSchedule } from './types.ts';

/** Create/UpdateSchedule bodies checked as Scheduler checks them, with its error messages. */

const NAME = /^[0-9a-zA-Z\-_.]+$/;
const MAX_NAME_LENGTH = 64;
const MAX_INPUT_BYTES = 256 * 1024;
const MAX_DESCRIPTION_LENGTH = 512;
const MAX_EXPRESSION_LENGTH = 256;
const MAX_TIMEZONE_LENGTH = 50;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;

export function checkName(value: unknown, path: string): string {
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

export function optionalInteger(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must be an integer between ${min} and ${max}`,
    );
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback: T): T {
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
export function toSchedule(name: string, body: Record<string, unknown>, now: Date, previous?: StoredSchedule): StoredSchedule {
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
