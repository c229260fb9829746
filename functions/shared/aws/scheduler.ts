import { randomUUID } from 'node:crypto';
import { AwsServiceError } from './errors.ts';
import { type RestJsonService, sendRestJson } from './rest-json.ts';
import { escapeUri } from './sigv4.ts';

/*
 * EventBridge Scheduler (REST-JSON): CreateSchedule (POST /schedules/{Name}), UpdateSchedule (PUT),
 * GetSchedule (GET ?groupName=) and DeleteSchedule (DELETE ?groupName=&clientToken=), with the
 * SDK's member names. A schedule that is there already is refused with ConflictException (409),
 * one that is not with ResourceNotFoundException (404): both are thrown as the classes below.
 */

export class ConflictException extends AwsServiceError {}
export class ResourceNotFoundException extends AwsServiceError {}

const SCHEDULER: RestJsonService = { service: 'scheduler', endpointEnv: 'SCHEDULER', errorClasses: { ConflictException, ResourceNotFoundException } };

export interface ScheduleTarget {
  readonly Arn: string;
  readonly RoleArn: string;
  /** What the target receives, JSON text for a state machine. */
  readonly Input?: string;
  readonly RetryPolicy?: { readonly MaximumRetryAttempts?: number; readonly MaximumEventAgeInSeconds?: number };
  readonly DeadLetterConfig?: { readonly Arn?: string };
}

export interface CreateScheduleInput {
  readonly Name: string;
  readonly GroupName?: string;
  /** `at(yyyy-mm-ddThh:mm:ss)`, `rate(...)` or `cron(...)`. */
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly FlexibleTimeWindow: { readonly Mode: 'OFF' | 'FLEXIBLE'; readonly MaximumWindowInMinutes?: number };
  readonly ActionAfterCompletion?: 'NONE' | 'DELETE';
  readonly Description?: string;
  readonly State?: 'ENABLED' | 'DISABLED';
  readonly Target: ScheduleTarget;
  /** Makes retries of one call one write; a fresh one per call when absent, as the SDK does. */
  readonly ClientToken?: string;
}

export type UpdateScheduleInput = CreateScheduleInput;

export interface GetScheduleOutput {
  readonly Arn?: string;
  readonly Name?: string;
  readonly GroupName?: string;
  readonly ScheduleExpression?: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly State?: string;
  readonly Description?: string;
  readonly ActionAfterCompletion?: string;
  readonly FlexibleTimeWindow?: { readonly Mode?: string; readonly MaximumWindowInMinutes?: number };
  readonly Target?: ScheduleTarget;
}

const schedulePath = (name: string) => `/schedules/${escapeUri(name)}`;

/** The body of Create and Update: every member but the name (in the path), with a client token. */
function scheduleBody({ Name: _name, ClientToken, ...body }: CreateScheduleInput): Record<string, unknown> {
  return { ...body, ClientToken: ClientToken ?? randomUUID() };
}

export async function createSchedule(input: CreateScheduleInput): Promise<{ ScheduleArn: string }> {
  return sendRestJson(SCHEDULER, { method: 'POST', path: schedulePath(input.Name), body: scheduleBody(input) });
}

/** Replaces the schedule's every member (those left out take their defaults, as in Scheduler). */
export async function updateSchedule(input: UpdateScheduleInput): Promise<{ ScheduleArn: string }> {
  return sendRestJson(SCHEDULER, { method: 'PUT', path: schedulePath(input.Name), body: scheduleBody(input) });
}

export async function getSchedule(input: { readonly Name: string; readonly GroupName?: string }): Promise<GetScheduleOutput> {
  return sendRestJson(SCHEDULER, { method: 'GET', path: schedulePath(input.Name), query: { groupName: input.GroupName } });
}

export async function deleteSchedule(input: { readonly Name: string; readonly GroupName?: string; readonly ClientToken?: string }): Promise<void> {
  await sendRestJson(SCHEDULER, {
    method: 'DELETE',
    path: schedulePath(input.Name),
    query: { groupName: input.GroupName, clientToken: input.ClientToken ?? randomUUID() },
  });
}
