import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyIncidentPatch, type Incident, type IncidentPatch, openIncident } from '../../functions/incidents/domain/incident.ts';
import { INCIDENT_TRANSITIONS, type IncidentStatus } from '../../functions/incidents/domain/lifecycle.ts';
import { DEFAULT_PRIORITY_MATRIX, type Level } from '../../functions/incidents/domain/priority.ts';
import { businessSecondsBetween } from '../../functions/sla/domain/calendar.ts';
import { recordThreshold } from '../../functions/sla/domain/clock.ts';
import { evolveSla, incidentSlaView, needsSlaConfig, slaTimers } from '../../functions/sla/domain/incident-sla.ts';
import type { Calendar, ClockTransition, SlaConfig, SlaPolicy, WorkingInterval } from '../../functions/sla/domain/types.ts';

const HOUR = 3_600;
const nineToFive: WorkingInterval[] = [{ start: '09:00', end: '17:00' }];
const twentyFourSeven: Calendar = { name: '24x7', timeZone: 'UTC' };
const businessHours: Calendar = {
  name: 'business-hours',
  timeZone: 'Europe/Berlin',
  workingHours: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive },
  holidays: [{ date: '2026-04-03' }],
};
const policy = (name: string, priority: SlaPolicy['appliesTo']['priority'], calendar: string, response: string, resolution: string): SlaPolicy => ({
  name,
  appliesTo: { priority },
  targets: { response, resolution },
  calendar,
  pauseOn: ['on_hold'],
  warnings: [50, 75],
});
const config: SlaConfig = {
  calendars: [twentyFourSeven, businessHours],
  policies: [
    policy('p1', ['P1'], '24x7', 'PT15M', 'PT4H'),
    policy('p2', ['P2'], '24x7', 'PT30M', 'PT8H'),
    policy('p3', ['P3'], 'business-hours', 'PT4H', 'PT24H'),
    policy('p4', ['P4'], 'business-hours', 'PT8H', 'PT40H'),
  ],
};

const matrix = DEFAULT_PRIORITY_MATRIX;
const agent = { userId: 'agent' };
/** Monday 2026-03-02 09:00 in Berlin (CET). */
const MONDAY_0900 = '2026-03-02T08:00:00.000Z';
const at = (iso: string) => new Date(iso);

function create(impact: Level, urgency: Level, when = MONDAY_0900, slaConfig: SlaConfig = config) {
  const fresh = openIncident({ title: 'Printer on fire', impact, urgency }, { id: 'INC-ID', sequence: 1, actor: agent, now: at(when), matrix });
  const result = evolveSla(undefined, fresh, slaConfig, at(when));
  return { incident: withSla(fresh, result.sla), ...result };
}

function change(current: Incident, patch: IncidentPatch, when: string, slaConfig: SlaConfig = config) {
  const now = at(when);
  const { next } = applyIncidentPatch(current, patch, { actor: agent, now, matrix });
  const result = evolveSla(current, next, needsSlaConfig(current, next) ? slaConfig : undefined, now);
  return { incident: withSla(next, result.sla), ...result };
}

function withSla(incident: Incident, sla: Incident['sla']): Incident {
  const { sla: _old, ...rest } = incident;
  return sla === undefined ? rest : { ...rest, sla };
}

const kinds = (transitions: ClockTransition[]) => transitions.map((t) => `${t.clock} ${t.kind} ${t.at}`);
const resolve: IncidentPatch = { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Replaced the fuser' };
const hold: IncidentPatch = { status: 'on_hold', holdReason: 'awaiting_vendor' };

describe('a P3 incident on business hours, from creation to closure', () => {
  // Times are CET (UTC+1): Monday 09:00 is 08:00Z.
  const created = create(2, 2);
  const acknowledged = change(created.incident, { status: 'in_progress' }, '2026-03-02T09:00:00.000Z'); // Mon 10:00
  const held = change(acknowledged.incident, hold, '2026-03-02T10:00:00.000Z'); // Mon 11:00
  const resumed = change(held.incident, { status: 'in_progress' }, '2026-03-03T09:00:00.000Z'); // Tue 10:00
  const resolved = change(resumed.incident, resolve, '2026-03-03T11:00:00.000Z'); // Tue 12:00
  const reopened = change(resolved.incident, { status: 'in_progress' }, '2026-03-04T08:30:00.000Z'); // Wed 09:30
  const resolvedAgain = change(reopened.incident, resolve, '2026-03-04T10:00:00.000Z'); // Wed 11:00
  const closed = change(resolvedAgain.incident, { status: 'closed' }, '2026-03-05T10:00:00.000Z');

  it('starts both clocks under the selected policy', () => {
    expect(created.incident.priority).toBe('P3');
    expect(kinds(created.transitions)).toEqual([`response started ${MONDAY_0900}`, `resolution started ${MONDAY_0900}`]);
    expect(created.changes).toEqual([
      { field: 'sla.response.state', from: null, to: 'running' },
      { field: 'sla.response.policy', from: null, to: 'p3' },
      // 4 business hours: Monday 13:00 CET.
      { field: 'sla.response.dueAt', from: null, to: '2026-03-02T12:00:00.000Z' },
      { field: 'sla.resolution.state', from: null, to: 'running' },
      { field: 'sla.resolution.policy', from: null, to: 'p3' },
      // 24 business hours: three working days, Wednesday 17:00 CET.
      { field: 'sla.resolution.dueAt', from: null, to: '2026-03-04T16:00:00.000Z' },
    ]);
    expect(created.incident.sla?.resolution?.calendar).toEqual(businessHours);
    expect(slaTimers(created.incident.sla).map((t) => `${t.clock} ${t.threshold} ${t.at}`)).toEqual([
      'response 50 2026-03-02T10:00:00.000Z',
      'response 75 2026-03-02T11:00:00.000Z',
      'response 100 2026-03-02T12:00:00.000Z',
      'resolution 50 2026-03-03T12:00:00.000Z',
      'resolution 75 2026-03-04T10:00:00.000Z',
      'resolution 100 2026-03-04T16:00:00.000Z',
    ]);
  });

  it('the first response stops the response clock, met', () => {
    expect(kinds(acknowledged.transitions)).toEqual(['response met 2026-03-02T09:00:00.000Z']);
    expect(acknowledged.changes).toEqual([
      { field: 'sla.response.state', from: 'running', to: 'met' },
      { field: 'sla.response.dueAt', from: '2026-03-02T12:00:00.000Z', to: null },
    ]);
    expect(acknowledged.incident.sla?.response).toMatchObject({ status: 'stopped', elapsedSeconds: HOUR });
    expect(slaTimers(acknowledged.incident.sla).every((t) => t.clock === 'resolution')).toBe(true);
  });

  it('on hold pauses the resolution clock; leaving it resumes', () => {
    expect(kinds(held.transitions)).toEqual(['resolution paused 2026-03-02T10:00:00.000Z']);
    expect(held.changes).toEqual([
      { field: 'sla.resolution.state', from: 'running', to: 'paused' },
      { field: 'sla.resolution.dueAt', from: '2026-03-04T16:00:00.000Z', to: null },
    ]);
    expect(slaTimers(held.incident.sla)).toEqual([]);
    expect(kinds(resumed.transitions)).toEqual(['resolution resumed 2026-03-03T09:00:00.000Z']);
    // 2 h elapsed, 7 business hours on hold (Monday 11-17, Tuesday 9-10); 22 h left: Thursday 16:00 CET.
    expect(resumed.incident.sla?.resolution).toMatchObject({ elapsedSeconds: 2 * HOUR, pausedSeconds: 7 * HOUR });
    expect(resumed.changes).toEqual([
      { field: 'sla.resolution.state', from: 'paused', to: 'running' },
      { field: 'sla.resolution.dueAt', from: null, to: '2026-03-05T15:00:00.000Z' },
    ]);
  });

  it('resolving stops the resolution clock, met', () => {
    expect(kinds(resolved.transitions)).toEqual(['resolution met 2026-03-03T11:00:00.000Z']);
    expect(resolved.incident.sla?.resolution).toMatchObject({ status: 'stopped', elapsedSeconds: 4 * HOUR });
    expect(slaTimers(resolved.incident.sla)).toEqual([]);
  });

  it('reopening runs it again, undoing the outcome and counting the resolved time as paused', () => {
    expect(reopened.transitions).toEqual([
      { clock: 'resolution', kind: 'reopened', at: '2026-03-04T08:30:00.000Z', undone: 'met', undoneAt: '2026-03-03T11:00:00.000Z' },
    ]);
    // Resolved from Tuesday 12:00 to Wednesday 09:30: 5 h + 0.5 h of business time, on top of 7 h on hold.
    expect(reopened.incident.sla?.resolution).toMatchObject({ status: 'running', elapsedSeconds: 4 * HOUR, pausedSeconds: 12.5 * HOUR });
    expect(reopened.changes).toEqual([
      { field: 'sla.resolution.state', from: 'met', to: 'running' },
      // 20 h left from Wednesday 09:30: 7.5 h, 8 h, then Friday until 13:30 CET.
      { field: 'sla.resolution.dueAt', from: null, to: '2026-03-06T12:30:00.000Z' },
    ]);
    expect(kinds(resolvedAgain.transitions)).toEqual(['resolution met 2026-03-04T10:00:00.000Z']);
    expect(resolvedAgain.incident.sla?.resolution).toMatchObject({ elapsedSeconds: 5.5 * HOUR, pausedSeconds: 12.5 * HOUR });
  });

  it('closing changes nothing', () => {
    expect(closed.transitions).toEqual([]);
    expect(closed.changes).toEqual([]);
    expect(closed.incident.sla).toBe(resolvedAgain.incident.sla);
  });

  it('shows the clocks live', () => {
    expect(incidentSlaView(closed.incident.sla, at('2026-03-09T00:00:00Z'))).toEqual({
      response: expect.objectContaining({ state: 'met', elapsed: 'PT1H', policy: 'p3', calendar: 'business-hours' }),
      resolution: expect.objectContaining({ state: 'met', elapsed: 'PT5H30M', pausedFor: 'PT12H30M', stoppedAt: '2026-03-04T10:00:00.000Z' }),
    });
    expect(incidentSlaView(undefined, new Date())).toEqual({});
  });
});

describe('reclassification', () => {
  it('P3 -> P1 retargets the resolution clock, keeping its elapsed time', () => {
    const acknowledged = change(create(2, 2).incident, { status: 'in_progress' }, '2026-03-02T09:00:00.000Z');
    // Monday 11:00 CET: 2 business hours elapsed; P1 is 4 h around the clock: due 13:00 CET.
    const escalated = change(acknowledged.incident, { impact: 1, urgency: 1 }, '2026-03-02T10:00:00.000Z');
    expect(escalated.incident.priority).toBe('P1');
    expect(kinds(escalated.transitions)).toEqual(['resolution retargeted 2026-03-02T10:00:00.000Z']);
    expect(escalated.changes).toEqual([
      { field: 'sla.resolution.policy', from: 'p3', to: 'p1' },
      { field: 'sla.resolution.dueAt', from: '2026-03-04T16:00:00.000Z', to: '2026-03-02T12:00:00.000Z' },
    ]);
    expect(escalated.incident.sla?.resolution).toMatchObject({ policy: 'p1', target: 'PT4H', elapsedSeconds: 2 * HOUR, calendar: twentyFourSeven });
    // The response clock had already stopped: its outcome stays.
    expect(escalated.incident.sla?.response).toBe(acknowledged.incident.sla?.response);
    // From now on the 24x7 calendar counts, evenings included.
    expect(incidentSlaView(escalated.incident.sla, at('2026-03-02T11:00:00Z')).resolution).toMatchObject({ elapsed: 'PT3H', percentage: 75 });
  });

  it('before the first response, retargets both clocks', () => {
    const created = create(2, 2);
    const escalated = change(created.incident, { urgency: 1 }, '2026-03-02T08:10:00.000Z');
    expect(escalated.incident.priority).toBe('P2');
    expect(kinds(escalated.transitions)).toEqual(['response retargeted 2026-03-02T08:10:00.000Z', 'resolution retargeted 2026-03-02T08:10:00.000Z']);
    // 10 minutes of a 30 minute response target.
    expect(
      slaTimers(escalated.incident.sla)
        .filter((t) => t.clock === 'response')
        .map((t) => [t.threshold, t.at, t.timerVersion]),
    ).toEqual([
      [50, '2026-03-02T08:15:00.000Z', 2],
      [75, '2026-03-02T08:22:30.000Z', 2],
      [100, '2026-03-02T08:30:00.000Z', 2],
    ]);
  });

  it('keeps the current policy when none matches any more, and restates nothing for the same policy', () => {
    const onlyP3: SlaConfig = { ...config, policies: [config.policies[2]!] };
    const created = create(2, 2, MONDAY_0900, onlyP3);
    const unmatched = change(created.incident, { impact: 1, urgency: 1 }, '2026-03-02T09:00:00.000Z', onlyP3);
    expect(unmatched.transitions).toEqual([]);
    expect(unmatched.incident.sla).toEqual(created.incident.sla);
    const samePolicy = change(created.incident, { impact: 3, urgency: 1 }, '2026-03-02T09:00:00.000Z');
    expect(samePolicy.incident.priority).toBe('P3');
    expect(samePolicy.transitions).toEqual([]);
  });

  it('needs the configuration only while a clock counts', () => {
    const created = create(2, 2).incident;
    expect(needsSlaConfig(undefined, created)).toBe(true);
    expect(needsSlaConfig(created, { ...created, title: 'Printer still on fire' })).toBe(false);
    expect(needsSlaConfig(created, { ...created, priority: 'P1' })).toBe(true);
    expect(needsSlaConfig(created, { ...created, service: 'printing' })).toBe(true);
    expect(needsSlaConfig(created, { ...created, category: 'hardware' })).toBe(true);
    const resolved = change(change(created, { status: 'in_progress' }, '2026-03-02T09:00:00Z').incident, resolve, '2026-03-02T10:00:00Z').incident;
    expect(needsSlaConfig(resolved, { ...resolved, priority: 'P1' })).toBe(false);
    expect(needsSlaConfig(resolved, { ...resolved, priority: 'P1', status: 'in_progress' })).toBe(true);
    const { sla: _none, ...withoutClocks } = created;
    expect(needsSlaConfig(withoutClocks, { ...withoutClocks, priority: 'P1' })).toBe(false);
  });

  it('refuses to guess without the configuration it needs', () => {
    const created = create(2, 2).incident;
    expect(() => evolveSla(created, { ...created, priority: 'P1' }, undefined, at('2026-03-02T09:00:00Z'))).toThrow(/needs the SLA configuration/);
    const fresh = openIncident({ title: 'x' }, { id: 'x', sequence: 2, actor: agent, now: at(MONDAY_0900), matrix });
    expect(() => evolveSla(undefined, fresh, undefined, at(MONDAY_0900))).toThrow(/needs the SLA configuration/);
  });

  it('names a missing calendar', () => {
    const broken: SlaConfig = { calendars: [], policies: config.policies };
    const fresh = openIncident({ title: 'x' }, { id: 'x', sequence: 2, actor: agent, now: at(MONDAY_0900), matrix });
    expect(() => evolveSla(undefined, fresh, broken, at(MONDAY_0900))).toThrow(/p4 names calendar business-hours, which does not exist/);
  });
});

describe('other journeys', () => {
  it('canceling a new incident cancels both clocks', () => {
    const canceled = change(create(1, 1).incident, { status: 'canceled' }, '2026-03-02T08:05:00.000Z');
    expect(kinds(canceled.transitions)).toEqual(['response canceled 2026-03-02T08:05:00.000Z', 'resolution canceled 2026-03-02T08:05:00.000Z']);
    expect(canceled.changes).toEqual([
      { field: 'sla.response.state', from: 'running', to: 'canceled' },
      { field: 'sla.response.dueAt', from: '2026-03-02T08:15:00.000Z', to: null },
      { field: 'sla.resolution.state', from: 'running', to: 'canceled' },
      { field: 'sla.resolution.dueAt', from: '2026-03-02T12:00:00.000Z', to: null },
    ]);
    expect(slaTimers(canceled.incident.sla)).toEqual([]);
  });

  it('canceling after the first response keeps the response outcome', () => {
    const acknowledged = change(create(1, 1).incident, { status: 'in_progress' }, '2026-03-02T08:20:00.000Z');
    expect(kinds(acknowledged.transitions)).toEqual(['response breached 2026-03-02T08:20:00.000Z']);
    expect(acknowledged.incident.sla?.response?.breachedAt).toBe('2026-03-02T08:15:00.000Z');
    const canceled = change(acknowledged.incident, { status: 'canceled' }, '2026-03-02T09:00:00.000Z');
    expect(kinds(canceled.transitions)).toEqual(['resolution canceled 2026-03-02T09:00:00.000Z']);
    expect(incidentSlaView(canceled.incident.sla, at('2026-03-02T10:00:00Z'))).toMatchObject({
      response: { state: 'breached' },
      resolution: { state: 'canceled' },
    });
  });

  it('reopening a breached resolution undoes the breach, and the breach instant stays', () => {
    const working = change(create(1, 1).incident, { status: 'in_progress' }, '2026-03-02T08:10:00.000Z').incident;
    const resolved = change(working, resolve, '2026-03-02T13:00:00.000Z');
    expect(kinds(resolved.transitions)).toEqual(['resolution breached 2026-03-02T13:00:00.000Z']);
    const reopened = change(resolved.incident, { status: 'in_progress' }, '2026-03-02T14:00:00.000Z');
    expect(reopened.transitions).toEqual([
      { clock: 'resolution', kind: 'reopened', at: '2026-03-02T14:00:00.000Z', undone: 'breached', undoneAt: '2026-03-02T13:00:00.000Z' },
    ]);
    expect(reopened.incident.sla?.resolution).toMatchObject({ breachedAt: '2026-03-02T12:00:00.000Z', pausedSeconds: HOUR });
    // Already breached, and no timer recorded it (none fired in this test): due at once, so the
    // breach is still told; the state does not change.
    expect(slaTimers(reopened.incident.sla).map((t) => [t.threshold, t.at])).toEqual([50, 75, 100].map((t) => [t, '2026-03-02T14:00:00.000Z']));
    expect(reopened.changes).toEqual([]);
  });

  it('starts no clock without a matching policy, and none later', () => {
    const onlyP1: SlaConfig = { ...config, policies: [config.policies[0]!] };
    const created = create(3, 3, MONDAY_0900, onlyP1);
    expect(created).toMatchObject({ sla: undefined, transitions: [], changes: [] });
    expect(created.incident.sla).toBeUndefined();
    const escalated = change(created.incident, { impact: 1, urgency: 1 }, '2026-03-02T09:00:00.000Z', onlyP1);
    expect(escalated.sla).toBeUndefined();
  });

  it('starts only the clocks a policy has a target for', () => {
    const responseOnly: SlaConfig = { ...config, policies: [{ ...config.policies[0]!, targets: { response: 'PT15M' } }] };
    const created = create(1, 1, MONDAY_0900, responseOnly);
    expect(Object.keys(created.sla!)).toEqual(['response']);
    expect(kinds(created.transitions)).toEqual([`response started ${MONDAY_0900}`]);
  });

  it('pauses by the pauseOn of the policy, and a retarget brings its own pause rules', () => {
    const neverPauses: SlaConfig = {
      ...config,
      policies: config.policies.map((candidate) => (candidate.name === 'p1' ? { ...candidate, pauseOn: [] } : candidate)),
    };
    const working = change(create(2, 1, MONDAY_0900, neverPauses).incident, { status: 'in_progress' }, '2026-03-02T08:10:00.000Z', neverPauses);
    const held = change(working.incident, hold, '2026-03-02T08:20:00.000Z', neverPauses);
    expect(held.incident.sla?.resolution?.status).toBe('paused');
    // P2 -> P1 while on hold: the P1 policy never pauses, so the clock runs again at once.
    const escalated = change(held.incident, { impact: 1 }, '2026-03-02T08:30:00.000Z', neverPauses);
    expect(kinds(escalated.transitions)).toEqual(['resolution retargeted 2026-03-02T08:30:00.000Z', 'resolution resumed 2026-03-02T08:30:00.000Z']);
    expect(escalated.incident.sla?.resolution).toMatchObject({ status: 'running', pausedSeconds: 600 });
    const heldAgain = change(
      change(escalated.incident, { status: 'in_progress' }, '2026-03-02T08:40:00.000Z', neverPauses).incident,
      hold,
      '2026-03-02T08:50:00.000Z',
      neverPauses,
    );
    expect(heldAgain.transitions).toEqual([]);
    expect(heldAgain.incident.sla?.resolution?.status).toBe('running');
  });

  it('stops the response clock at the instant of the first response, not when the change is processed', () => {
    const created = create(1, 1).incident;
    const respondedEarlier: Incident = { ...created, acknowledgedAt: '2026-03-02T08:10:00.000Z', acknowledgedBy: 'agent' };
    const evolved = evolveSla(created, respondedEarlier, undefined, at('2026-03-02T08:40:00.000Z'));
    expect(kinds(evolved.transitions)).toEqual(['response met 2026-03-02T08:10:00.000Z']);
    expect(evolved.sla?.response).toMatchObject({ elapsedSeconds: 600, stoppedAt: '2026-03-02T08:10:00.000Z' });
  });

  it('keeps a threshold a timer recorded on the incident it hands in', () => {
    const created = create(1, 1).incident;
    const result = recordThreshold(created.sla!.resolution!, { threshold: 50, timerVersion: 1 }, at('2026-03-02T10:00:00Z'));
    if (result.outcome !== 'recorded') throw new Error(result.outcome);
    const now = at('2026-03-02T10:00:00Z');
    const after: Incident = { ...created, sla: { ...created.sla, resolution: result.clock }, version: created.version + 1 };
    const evolved = evolveSla(created, after, undefined, now);
    expect(evolved.sla?.resolution?.thresholdsCrossed).toEqual([50]);
    expect(evolved.transitions).toEqual([]);
    expect(
      slaTimers(evolved.sla)
        .filter((t) => t.clock === 'resolution')
        .map((t) => t.threshold),
    ).toEqual([75, 100]);
  });
});

// ---------------------------------------------------------------------------------------------
// Random journeys through the lifecycle.

const PATCH_FOR: Partial<Record<IncidentStatus, IncidentPatch>> = {
  in_progress: { status: 'in_progress' },
  on_hold: hold,
  resolved: resolve,
  closed: { status: 'closed' },
  canceled: { status: 'canceled' },
};
const journeyArb = fc.record({
  impact: fc.constantFrom<Level>(1, 2, 3),
  urgency: fc.constantFrom<Level>(1, 2, 3),
  steps: fc.array(
    fc.record({
      choice: fc.nat(),
      after: fc.integer({ min: 1_000, max: 3 * 86_400_000 }),
      reprioritize: fc.option(fc.constantFrom<Level>(1, 2, 3), { freq: 4 }),
    }),
    { maxLength: 10 },
  ),
});

describe('journey properties', () => {
  it('the clocks follow the incident, and their time adds up', () => {
    fc.assert(
      fc.property(journeyArb, ({ impact, urgency, steps }) => {
        let { incident } = create(impact, urgency, '2026-03-02T08:00:00.500Z');
        let when = Date.parse(incident.createdAt);
        const outcomes = { response: 0, resolution: 0 };
        let retargeted = false;
        let responded = false;
        for (const step of steps) {
          const allowed = INCIDENT_TRANSITIONS[incident.status];
          if (allowed.length === 0) break;
          const target = allowed[step.choice % allowed.length]!;
          when += step.after;
          const before = incident;
          const patch = { ...PATCH_FOR[target], ...(step.reprioritize === null ? {} : { impact: step.reprioritize }) };
          const result = change(incident, patch, new Date(when).toISOString());
          incident = result.incident;
          for (const t of result.transitions) {
            if (t.kind === 'met' || t.kind === 'breached') outcomes[t.clock] += 1;
            if (t.kind === 'reopened') outcomes[t.clock] -= 1;
          }

          const { response, resolution } = incident.sla!;
          const expectedResolution =
            incident.status === 'resolved' || incident.status === 'closed'
              ? 'stopped'
              : incident.status === 'canceled'
                ? 'canceled'
                : incident.status === 'on_hold'
                  ? 'paused'
                  : 'running';
          expect(resolution!.status).toBe(expectedResolution);
          // Leaving `new` is the first response, unless it is for `canceled`.
          responded ||= incident.acknowledgedAt !== undefined && incident.status !== 'canceled';
          expect(response!.status).toBe(responded ? 'stopped' : incident.status === 'canceled' ? 'canceled' : 'running');
          expect(outcomes.response).toBe(response!.status === 'stopped' ? 1 : 0);
          expect(outcomes.resolution).toBe(resolution!.status === 'stopped' ? 1 : 0);
          retargeted ||= result.transitions.some((t) => t.kind === 'retargeted');
          // Under one calendar from the start, every business second is either elapsed or paused.
          if (!retargeted) {
            for (const clock of [response!, resolution!]) {
              const total = businessSecondsBetween(clock.calendar, new Date(clock.startedAt), new Date(clock.since));
              expect(clock.elapsedSeconds + clock.pausedSeconds).toBe(total);
            }
          }
          expect(resolution!.elapsedSeconds).toBeGreaterThanOrEqual(before.sla!.resolution!.elapsedSeconds);
          expect(slaTimers(incident.sla).every((t) => incident.sla![t.clock]!.status === 'running')).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
