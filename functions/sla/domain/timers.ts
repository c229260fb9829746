import type { ClockName, SlaTimer } from './types.ts';

/*
 * SLA timers as the outbox carries them: a record whose change moved its clocks' timers says which
 * to (re)set and which to delete, and the publisher sets them as EventBridge Scheduler schedules
 * that start the escalation workflow (functions/notify/sinks/timers.ts). Incidents and fulfilment
 * tasks have clocks, so both have timers; the schedule's input names which (timerRecordId).
 */

/** Timers to (re)set and to delete after this change: Scheduler schedules named by `timerName`. */
export interface TimerMoves {
  set: SlaTimer[];
  clear: string[];
}

/** Whose clocks a timer times: an incident's or a fulfilment task's (functions/requests). */
export const TIMER_SUBJECT_KINDS = ['incident', 'task'] as const;
export type TimerSubjectKind = (typeof TIMER_SUBJECT_KINDS)[number];
export interface TimerSubject {
  kind: TimerSubjectKind;
  id: string;
}

/**
 * The id a subject's schedules are named by (`recordId` of timerName and timerChanges). Incidents
 * came first: their schedules are named by the incident id alone, and stay so, so that schedules
 * set before tasks had timers are still found, moved and cleared. A task's are `task-<id>`.
 */
export const timerRecordId = (subject: TimerSubject): string => (subject.kind === 'incident' ? subject.id : `${subject.kind}-${subject.id}`);

/** One schedule per record, clock and threshold; moving a timer updates the same schedule. */
export const timerName = (recordId: string, clock: ClockName, threshold: number): string => `${recordId}-${clock}-${threshold}`;

/** Timers to set and clear, when a change moved them; undefined when the change left them alone. */
export function timerChanges(recordId: string, before: readonly SlaTimer[], after: readonly SlaTimer[]): TimerMoves | undefined {
  const key = (t: SlaTimer) => `${timerName(recordId, t.clock, t.threshold)}@${t.timerVersion}@${t.at}`;
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  const same = beforeKeys.size === afterKeys.size && [...afterKeys].every((k) => beforeKeys.has(k));
  if (same) return undefined;
  const kept = new Set(after.map((t) => timerName(recordId, t.clock, t.threshold)));
  return {
    set: [...after],
    clear: before.map((t) => timerName(recordId, t.clock, t.threshold)).filter((name) => !kept.has(name)),
  };
}
