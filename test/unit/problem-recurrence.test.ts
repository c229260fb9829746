import { describe, expect, it } from 'vitest';
import {
  type CountedIncident,
  countIncident,
  normalCategory,
  type RecurrenceCounter,
  recurrenceKeys,
  ruleFor,
} from '../../functions/problems/domain/recurrence.ts';

const rule = { threshold: 3, windowDays: 7 };
const day = (n: number, hour = 0) => new Date(Date.UTC(2026, 2, 1 + n, hour)).toISOString();
const incident = (n: number, at: string): CountedIncident => ({ id: `I${n}`, number: `INC000${1000 + n}`, createdAt: at });

/** Counts the incidents one after the other; answers the candidates' incident numbers. */
function run(incidents: CountedIncident[], r = rule): { candidates: string[][]; counter: RecurrenceCounter } {
  let counter: RecurrenceCounter = { incidents: [] };
  const candidates: string[][] = [];
  for (const i of incidents) {
    const outcome = countIncident(counter, i, r);
    counter = outcome.counter;
    if (outcome.candidate !== undefined) candidates.push(outcome.candidate.incidents.map((c) => c.number));
  }
  return { candidates, counter };
}

describe('countIncident (sliding window)', () => {
  it('makes one candidate from the third incident within 7 days, and none from a fourth in its window', () => {
    const { candidates } = run([incident(1, day(0)), incident(2, day(2)), incident(3, day(5)), incident(4, day(6))]);
    expect(candidates).toEqual([['INC0001001', 'INC0001002', 'INC0001003']]);
  });

  it('counts across calendar boundaries: what matters is the distance between incidents', () => {
    expect(run([incident(1, day(5)), incident(2, day(8)), incident(3, day(11, 23))]).candidates).toHaveLength(1);
    // 7 days apart exactly is outside the window.
    expect(run([incident(1, day(0)), incident(2, day(3)), incident(3, day(7))]).candidates).toEqual([]);
  });

  it('starts counting again after the window of the recorded candidate ends', () => {
    const { candidates } = run([
      incident(1, day(0)),
      incident(2, day(1)),
      incident(3, day(2)),
      incident(4, day(6)), // in the candidate's window: part of it, not a new start
      incident(5, day(7)),
      incident(6, day(8)),
      incident(7, day(9)),
    ]);
    expect(candidates).toEqual([
      ['INC0001001', 'INC0001002', 'INC0001003'],
      ['INC0001005', 'INC0001006', 'INC0001007'],
    ]);
  });

  it('places a late arrival by its own creation instant', () => {
    const { candidates } = run([incident(1, day(0)), incident(3, day(4)), incident(2, day(2))]);
    expect(candidates).toEqual([['INC0001001', 'INC0001002', 'INC0001003']]);
  });

  it('keeps only what a later incident could still join', () => {
    const { counter } = run([incident(1, day(0)), incident(2, day(10))]);
    expect(counter.incidents.map((i) => i.id)).toEqual(['I2']);
  });

  it('counts an incident seen again only once', () => {
    const first = incident(1, day(0));
    expect(run([first, first, first, incident(2, day(1))]).candidates).toEqual([]);
  });

  it('follows the rule given: a threshold of 2 within 1 day', () => {
    expect(run([incident(1, day(0)), incident(2, day(0, 20))], { threshold: 2, windowDays: 1 }).candidates).toHaveLength(1);
    expect(run([incident(1, day(0)), incident(2, day(1, 1))], { threshold: 2, windowDays: 1 }).candidates).toEqual([]);
  });
});

describe('recurrence keys and rules', () => {
  it('counts service+category (category without case or extra blanks) and the dedup key', () => {
    expect(
      recurrenceKeys({
        id: 'a',
        number: 'n',
        createdAt: day(0),
        service: 'payments',
        category: '  Network  Outage',
        dedupKey: 'disk-full',
        dedupScope: 'payments',
      }),
    ).toEqual([
      { kind: 'service_category', service: 'payments', category: 'network outage' },
      { kind: 'dedup_key', dedupScope: 'payments', dedupKey: 'disk-full', service: 'payments' },
    ]);
    expect(recurrenceKeys({ id: 'a', number: 'n', createdAt: day(0), category: 'network' })).toEqual([]);
    expect(normalCategory('Network')).toBe(normalCategory('network '));
  });

  it("takes the service's own rule, else the default", () => {
    const config = { threshold: 3, windowDays: 7, services: { payments: { threshold: 2, windowDays: 3 } } };
    expect(ruleFor(config, 'payments')).toEqual({ threshold: 2, windowDays: 3 });
    expect(ruleFor(config, 'email')).toEqual({ threshold: 3, windowDays: 7 });
    expect(ruleFor(config, undefined)).toEqual({ threshold: 3, windowDays: 7 });
  });
});
