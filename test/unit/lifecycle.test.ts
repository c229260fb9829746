import { describe, expect, it } from 'vitest';
import { IncidentRuleError } from '../../functions/incidents/domain/errors.ts';
import {
  assertIncidentTransition,
  INCIDENT_STATUSES,
  INCIDENT_TRANSITIONS,
  type IncidentStatus,
  OPEN_INCIDENT_STATUSES,
} from '../../functions/incidents/domain/lifecycle.ts';

/** The product spec's lifecycle, written out independently of the code's table. */
const ALLOWED: Record<IncidentStatus, IncidentStatus[]> = {
  new: ['in_progress', 'canceled'],
  in_progress: ['on_hold', 'resolved', 'canceled'],
  on_hold: ['in_progress'],
  resolved: ['closed', 'in_progress'],
  closed: [],
  canceled: [],
};

const pairs = INCIDENT_STATUSES.flatMap((from) => INCIDENT_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));
const allowedPairs = pairs.filter(([from, to]) => ALLOWED[from].includes(to));
const refusedPairs = pairs.filter(([from, to]) => !ALLOWED[from].includes(to));

function refusal(from: IncidentStatus, to: IncidentStatus): IncidentRuleError {
  try {
    assertIncidentTransition(from, to);
  } catch (error) {
    expect(error).toBeInstanceOf(IncidentRuleError);
    return error as IncidentRuleError;
  }
  throw new Error(`${from} -> ${to} was allowed`);
}

describe('incident lifecycle', () => {
  it('has exactly the transitions of the spec', () => {
    expect(Object.fromEntries(INCIDENT_STATUSES.map((s) => [s, [...INCIDENT_TRANSITIONS[s]].sort()]))).toEqual(
      Object.fromEntries(INCIDENT_STATUSES.map((s) => [s, [...ALLOWED[s]].sort()])),
    );
    expect(allowedPairs).toHaveLength(8);
  });

  it.each(allowedPairs)('allows %s -> %s', (from, to) => {
    expect(() => assertIncidentTransition(from, to)).not.toThrow();
  });

  it.each(refusedPairs)('refuses %s -> %s, naming the allowed targets', (from, to) => {
    const error = refusal(from, to);
    expect(error.code).toBe('INVALID_TRANSITION');
    expect(error.field).toBe('status');
    expect(error.details).toEqual({ from, to, allowedTransitions: ALLOWED[from] });
    for (const target of ALLOWED[from]) expect(error.message).toContain(target);
  });

  it('says in words where an incident can go', () => {
    expect(refusal('new', 'resolved').message).toBe('An incident that is new can move to in_progress, canceled, not resolved');
    expect(refusal('on_hold', 'resolved').message).toBe('An incident that is on_hold can move to in_progress, not resolved');
  });

  it.each(['closed', 'canceled'] as const)('%s is final', (from) => {
    for (const to of INCIDENT_STATUSES.filter((s) => s !== from)) {
      const error = refusal(from, to);
      expect(error.details.allowedTransitions).toEqual([]);
      expect(error.message).toBe(`An incident that is ${from} cannot change status`);
    }
  });

  it('counts new, in_progress and on_hold as open', () => {
    expect([...OPEN_INCIDENT_STATUSES].sort()).toEqual(['in_progress', 'new', 'on_hold']);
  });
});
