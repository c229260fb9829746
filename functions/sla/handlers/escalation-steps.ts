import * as z from 'zod';
import { GROUPS, getRecord, type VersionedRecord } from '../../directory/store/records.ts';
import { incidentChange } from '../../incidents/change.ts';
import type { Incident } from '../../incidents/domain/incident.ts';
import { OPEN_INCIDENT_STATUSES } from '../../incidents/domain/lifecycle.ts';
import { getIncidentRecord, incidentExists } from '../../incidents/store/incident-store.ts';
import { assigneeAndGroup, incidentOutboxRecord, incidentOwners, type Recipients } from '../../notify/domain/events.ts';
import { incidentOutboxPut } from '../../notify/store/outbox-store.ts';
import { eventFields, log, withLogContext } from '../../shared/log.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/db.ts';
import { DEFAULT_ESCALATION_POLICY } from '../defaults.ts';
import { recordThreshold } from '../domain/clock.ts';
import { parseDuration } from '../domain/duration.ts';
import { CLOCK_NAMES, type ClockName, type EscalationLevel } from '../domain/types.ts';
import { getEscalationPolicy } from '../store/config-store.ts';

/*
 * The Task states of statemachines/incident-escalation.asl.json, one function, told apart by
 * `step`. Each step is idempotent, because Step Functions retries Tasks and Scheduler may fire a
 * timer twice: a threshold is recorded once (the clock's own list says whether it was), a level
 * is raised only from the level the caller saw (a conditional write on the incident's version),
 * and the major-incident notice has a deterministic event id.
 */

const SLA_ACTOR = 'sla';
/** Another writer changed the incident between our read and our write: read again. */
const ATTEMPTS = 4;

const clock = z.enum(CLOCK_NAMES);
const stepInput = z.discriminatedUnion('step', [
  z.object({ step: z.literal('record-threshold'), incidentId: z.string(), clock, threshold: z.number().int(), timerVersion: z.number().int() }),
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

export interface RecordOutcome {
  outcome: 'recorded' | 'already' | 'stale';
  breach: boolean;
  priority?: string;
  escalationLevel: number;
}

export interface EscalateOutcome {
  stop: boolean;
  reason?: string;
  level: number;
  steps: number;
  delaySeconds?: number;
}

export const handler = withLogContext(runEscalationStep, eventFields('step', 'incidentId', 'clock'));
async function runEscalationStep(event: unknown): Promise<unknown> {
  const input = stepInput.parse(event);
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(input);
    } catch (error) {
      if (!(error instanceof TransactionRefused) || attempt === ATTEMPTS) throw error;
    }
  }
}

function run(input: StepInput) {
  switch (input.step) {
    case 'record-threshold':
      return record(input);
    case 'notify-major-incident':
      return notifyMajorIncident(input);
    case 'escalate':
      return escalate(input);
  }
}

async function record(input: Extract<StepInput, { step: 'record-threshold' }>): Promise<RecordOutcome> {
  const { incident } = await getIncidentRecord(input.incidentId);
  const current = incident?.sla?.[input.clock];
  const breach = input.threshold >= 100;
  if (incident === undefined || current === undefined) return { outcome: 'stale', breach, escalationLevel: 0 };
  const escalationLevel = incident.escalationLevel ?? 0;
  const now = new Date();
  const result = recordThreshold(current, { threshold: input.threshold, timerVersion: input.timerVersion }, now);
  if (result.outcome === 'already') return { outcome: 'already', breach, priority: incident.priority, escalationLevel };
  if (result.outcome !== 'recorded') {
    log.info('stale SLA timer ignored', { incidentId: input.incidentId, clock: input.clock, threshold: input.threshold, outcome: result.outcome });
    return { outcome: 'stale', breach, priority: incident.priority, escalationLevel };
  }
  const at = now.toISOString();
  const after: Incident = {
    ...incident,
    sla: { ...incident.sla, [input.clock]: result.clock },
    updatedAt: at,
    updatedBy: SLA_ACTOR,
    version: incident.version + 1,
  };
  const { items } = incidentChange({
    before: incident,
    after,
    actor: SLA_ACTOR,
    changes: [
      { field: `sla.${input.clock}.thresholdsCrossed`, from: current.thresholdsCrossed, to: result.clock.thresholdsCrossed },
      ...(breach ? [{ field: `sla.${input.clock}.breachedAt`, from: current.breachedAt ?? null, to: result.clock.breachedAt ?? null }] : []),
    ],
    now,
    event: {
      type: breach ? 'SLA Breached' : 'SLA Warning',
      // A warning goes to whoever is expected to act; a breach to the assignee and the whole group.
      recipients: breach ? assigneeAndGroup(incident) : incidentOwners(incident),
      sla: { clock: input.clock, threshold: input.threshold, crossedAt: result.crossedAt, policy: current.policy, target: current.target },
    },
    ...(breach ? { aggregates: { breaches: 1 } } : {}),
  });
  await transactWrite(items);
  return { outcome: 'recorded', breach, priority: incident.priority, escalationLevel };
}

async function notifyMajorIncident(input: Extract<StepInput, { step: 'notify-major-incident' }>): Promise<{ notified: boolean }> {
  const { incident } = await getIncidentRecord(input.incidentId);
  const current = incident?.sla?.[input.clock];
  if (incident === undefined || current === undefined) return { notified: false };
  const now = new Date();
  const record = incidentOutboxRecord({
    // One notice per breach of one clock version, however often the step is retried.
    eventId: `MAJOR-${input.clock}-${input.timerVersion}`,
    type: 'Major Incident Breach',
    incident,
    actor: SLA_ACTOR,
    occurredAt: now.toISOString(),
    recipients: assigneeAndGroup(incident),
    sla: { clock: input.clock, threshold: 100, crossedAt: current.breachedAt ?? now.toISOString(), policy: current.policy, target: current.target },
  });
  try {
    await transactWrite([incidentExists(incident), incidentOutboxPut(record, now)]);
  } catch (error) {
    if (error instanceof TransactionRefused && error.failedAt(1) !== undefined) return { notified: true };
    throw error;
  }
  return { notified: true };
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

  const now = new Date();
  const at = now.toISOString();
  const after: Incident = { ...incident, escalationLevel: level, updatedAt: at, updatedBy: SLA_ACTOR, version: incident.version + 1 };
  const { items } = incidentChange({
    before: incident,
    after,
    actor: SLA_ACTOR,
    changes: [{ field: 'escalationLevel', from: input.fromLevel, to: level }],
    now,
    event: { type: 'Incident Escalated', recipients, escalation: { level, recipients } },
  });
  await transactWrite(items);
  const delaySeconds = Math.max(parseDuration(definition.delay) ?? 0, input.minimumDelaySeconds, 1);
  return { stop: false, level, steps: input.steps + 1, delaySeconds };
}
