import { notFound, SchedulerError, validation } from './errors.ts';
import type { Firings } from './firing.ts';
import type { ScheduleStore } from './store.ts';
import { DEFAULT_GROUP, epochSeconds, keyOf, type StoredSchedule } from './types.ts';
import { checkName, oneOf, optionalInteger, toSchedule } from './validation.ts';

/** Scheduler's schedule API (Create, Update, Get, Delete, ListSchedules) on the store, arming and disarming as it changes. */

/** ClientTokens of recent deletes, so a retried DeleteSchedule succeeds instead of a 404. */
const REMEMBERED_DELETE_TOKENS = 1000;

export interface ScheduleOperations {
  create(name: string, body: Record<string, unknown>): Promise<unknown>;
  update(name: string, body: Record<string, unknown>): Promise<unknown>;
  get(name: string, group: string): unknown;
  remove(name: string, group: string, clientToken: string | null): Promise<unknown>;
  list(query: URLSearchParams): unknown;
}

export function createScheduleOperations(store: ScheduleStore, firings: Firings, now: () => Date): ScheduleOperations {
  const schedules = store.schedules;
  const deleteTokens: string[] = [];

  async function create(name: string, body: Record<string, unknown>): Promise<unknown> {
    const schedule = toSchedule(name, body, now());
    const key = keyOf(schedule.GroupName, name);
    const existing = schedules.get(key);
    if (existing !== undefined) {
      // A retry of the same call (the SDK reuses its ClientToken across retries) is not a conflict.
      if (schedule.ClientToken !== undefined && existing.ClientToken === schedule.ClientToken) return { ScheduleArn: existing.Arn };
      throw new SchedulerError('ConflictException', `Schedule ${name} already exists.`);
    }
    schedules.set(key, schedule);
    await store.persist();
    firings.arm(key);
    return { ScheduleArn: schedule.Arn };
  }

  async function update(name: string, body: Record<string, unknown>): Promise<unknown> {
    const group = body.GroupName === undefined || body.GroupName === null ? DEFAULT_GROUP : checkName(body.GroupName, 'groupName');
    const key = keyOf(group, name);
    const existing = schedules.get(key);
    if (existing === undefined) throw notFound(name);
    const schedule = toSchedule(name, body, now(), existing);
    schedules.set(key, schedule);
    await store.persist();
    firings.arm(key);
    return { ScheduleArn: schedule.Arn };
  }

  function get(name: string, group: string): unknown {
    const schedule = schedules.get(keyOf(group, name));
    if (schedule === undefined) throw notFound(name);
    return getOutput(schedule);
  }

  async function remove(name: string, group: string, clientToken: string | null): Promise<unknown> {
    const key = keyOf(group, name);
    if (!schedules.has(key)) {
      if (clientToken !== null && deleteTokens.includes(clientToken)) return {};
      throw notFound(name);
    }
    schedules.delete(key);
    firings.disarm(key);
    if (clientToken !== null) {
      deleteTokens.push(clientToken);
      if (deleteTokens.length > REMEMBERED_DELETE_TOKENS) deleteTokens.shift();
    }
    await store.persist();
    return {};
  }

  return { create, update, get, remove, list: (query) => listSchedules(schedules, query) };
}

/** ListSchedules: filtered, in key order, pages of MaxResults with an opaque NextToken (the last key). */
function listSchedules(schedules: ReadonlyMap<string, StoredSchedule>, query: URLSearchParams): unknown {
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
  const matching = [...schedules.entries()]
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

/** GetSchedule's output: dates as epoch seconds, fields not set left out. */
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
