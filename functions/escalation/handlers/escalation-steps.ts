import * as z from 'zod';
import { GROUPS, getRecord, type VersionedRecord } from '../../directory/store/records.ts';
import type { Incident } from '../../incidents/domain/incident.ts';
import { OPEN_INCIDENT_STATUSES } from '../../incidents/domain/lifecycle.ts';
import { announceMajorIncidentBreach, escalateIncident, recordSlaThreshold, type ThresholdOutcome } from '../../incidents/operations.ts';
import { getIncidentRecord } from '../../incidents/store/incident-store.ts';
import { recordTaskSlaThreshold, type TaskThresholdOutcome } from '../../requests/task-sla-threshold.ts';
import type { Recipients } from '../../shared/domain/outbox.ts';
import { eventFields, withLogContext } from '../../shared/log.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { DEFAULT_ESCALATION_POLICY } from '../../sla/defaults.ts';
import { parseDuration } from '../../sla/domain/duration.ts';
import { CLOCK_NAMES, type ClockName, type EscalationLevel } from '../../sla/domain/types.ts';
import { getEscalationPolicy } from '../../sla/store/config-store.ts';

/*
 * The Task states of statemachines/incident-escalation.asl.json, one function, told apart by
 * `step`: the escalation area reacts to SLA timers (set by the publisher from incidents' and
 * fulfilment tasks' outbox records) and changes incidents only through the operations they export
 * (incidents/operations.ts), tasks through requests/task-sla-threshold.ts. A task's timer only
 * records its threshold (Task SLA Warning / Breached, notified to its assignee and group): tasks
 * have no escalation level, so their breaches do not walk the group's escalation policy.
 * Each step is idempotent, because Step Functions retries Tasks and Scheduler may fire a timer
 * twice: a threshold is recorded once (the clock's own list says whether it was), a level is raised
 * only from the level the caller saw (a conditional write on the incident's version), and the
 * major-incident notice has a deterministic event id.
 */

/** Another writer changed the incident between our read and our write: read again. */
const ATTEMPTS = 4;

const clock = z.enum(CLOCK_NAMES);
const stepInput = z.discriminatedUnion('step', [
  z.object({ step: z.literal('record-threshold'), incidentId: z.string(), clock, threshold: z.number().int(), timerVersion: z.number().int() }),
  z.object({ step: z.literal('record-task-threshold'), taskId: z.string(), clock, threshold: z.number().int(), timerVersion: z.number().int() }),
  z.object({ step: z.literal('notify-major-incident'), incidentId: z.string(), clock, timerVersion: z.number().int() }),
  z.object({
    step: z.literal('escalate'),
    incidentId: z.string(),
    clock,
    fromLevel: z.number().int().min(0),
    steps: z.number().int().min(0),
    maxSteps: z.number().int().min(0),
    minimumDelaySeconds: z.number().int().min(0).default(0),
  }),
]);
type StepInput = z.output<typeof stepInput>;

/** What the workflow's Choice states read after record-threshold. */
export type RecordOutcome = ThresholdOutcome;

export interface EscalateOutcome {
  stop: boolean;
  reason?: string;
  level: number;
  steps: number;
  delaySeconds?: number;
}

export const handler = withLogContext(runEscalationStep, eventFields('step', 'incidentId', 'taskId', 'clock'));
async function runEscalationStep(event: unknown): Promise<unknown> {
  const input = stepInput.parse(event);
  return retryOnConflict(() => run(input), { attempts: ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused });
}

function run(input: StepInput): Promise<unknown> {
  switch (input.step) {
    case 'record-threshold':
      return record(input);
    case 'record-task-threshold':
      return recordTask(input);
    case 'notify-major-incident':
      return notifyMajorIncident(input);
    case 'escalate':
      return escalate(input);
  }
}

function record(input: Extract<StepInput, { step: 'record-threshold' }>): Promise<RecordOutcome> {
  return recordSlaThreshold(input);
}

function recordTask(input: Extract<StepInput, { step: 'record-task-threshold' }>): Promise<TaskThresholdOutcome> {
  return recordTaskSlaThreshold(input);
}

function notifyMajorIncident(input: Extract<StepInput, { step: 'notify-major-incident' }>): Promise<{ notified: boolean }> {
  return announceMajorIncidentBreach(input);
}

/** Why escalation of this clock's breach is over, or undefined while it should go on. */
function stopReason(incident: Incident, clock: ClockName): string | undefined {
  if (!OPEN_INCIDENT_STATUSES.includes(incident.status)) return `incident ${incident.status}`;
  if (clock === 'response' && incident.acknowledgedAt !== undefined) return 'incident acknowledged';
  const state = incident.sla?.[clock]?.status;
  if (state === 'canceled') return 'clock canceled';
  return undefined;
}

async function recipientsOf(level: EscalationLevel, incident: Incident): Promise<Recipients> {
  const users = new Set(level.notify.users ?? []);
  const groups = new Set<string>();
  if (level.notify.assignee === true && incident.assignee !== undefined) users.add(incident.assignee);
  if (level.notify.group === true && incident.assignmentGroup !== undefined) groups.add(incident.assignmentGroup);
  if (level.notify.manager === true && incident.assignmentGroup !== undefined) {
    const group = await getRecord<VersionedRecord & { manager?: string }>(GROUPS, incident.assignmentGroup);
    if (group?.manager !== undefined) users.add(group.manager);
  }
  return { users: [...users], groups: [...groups] };
}

async function escalate(input: Extract<StepInput, { step: 'escalate' }>): Promise<EscalateOutcome> {
  const stop = (reason: string): EscalateOutcome => ({ stop: true, reason, level: input.fromLevel, steps: input.steps });
  const { incident } = await getIncidentRecord(input.incidentId);
  if (incident === undefined) return stop('incident gone');
  const reason = stopReason(incident, input.clock);
  if (reason !== undefined) return stop(reason);
  if ((incident.escalationLevel ?? 0) !== input.fromLevel) return stop('escalated by another breach');
  if (input.steps >= input.maxSteps) return stop('maxEscalationSteps reached');

  const policy = (incident.assignmentGroup === undefined ? undefined : await getEscalationPolicy(incident.assignmentGroup)) ?? DEFAULT_ESCALATION_POLICY;
  const levels = policy.levels;
  if (levels.length === 0 || input.fromLevel >= levels.length * (policy.repeat + 1)) return stop('escalation policy exhausted');
  const level = input.fromLevel + 1;
  const definition = levels[(level - 1) % levels.length] as EscalationLevel;
  const recipients = await recipientsOf(definition, incident);

  await escalateIncident(incident, recipients);
  const delaySeconds = Math.max(parseDuration(definition.delay) ?? 0, input.minimumDelaySeconds, 1);
  return { stop: false, level, steps: input.steps + 1, delaySeconds };
}
