import { describe, expect, it } from 'vitest';
import { IncidentRuleError } from '../../functions/incidents/domain/errors.ts';
import {
  applyIncidentPatch,
  creationDiffs,
  diffIncidents,
  formatIncidentNumber,
  INCIDENT_NUMBER_PATTERN,
  type Incident,
  type IncidentPatch,
  impactMoves,
  openIncident,
  recordFirstResponse,
} from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from '../../functions/incidents/domain/priority.ts';

const T0 = new Date('2026-03-01T08:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const matrix = DEFAULT_PRIORITY_MATRIX;

function fresh(overrides: Partial<Parameters<typeof openIncident>[0]> = {}): Incident {
  return openIncident(
    { title: 'VPN drops every hour', impact: 2, urgency: 2, service: 'vpn', assignmentGroup: 'network', ...overrides },
    { id: '01J00000000000000000000000', sequence: 1, actor: alice, now: T0, matrix },
  );
}

/** Applies patches in turn, a minute apart, as `actor`. */
function walk(incident: Incident, patches: IncidentPatch[], actor = alice, startMinute = 1): Incident {
  let current = incident;
  patches.forEach((patch, i) => {
    current = applyIncidentPatch(current, patch, { actor, now: at(startMinute + i), matrix }).next;
  });
  return current;
}

function ruleError(run: () => unknown): IncidentRuleError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IncidentRuleError);
    return error as IncidentRuleError;
  }
  throw new Error('expected an IncidentRuleError');
}

const RESOLVE: IncidentPatch = { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Replaced the router' };

describe('incident numbers', () => {
  it('are INC and seven digits, the first being INC0001001', () => {
    expect(formatIncidentNumber(1)).toBe('INC0001001');
    expect(formatIncidentNumber(2)).toBe('INC0001002');
    expect(formatIncidentNumber(9_998_999)).toBe('INC9999999');
    for (const n of [1, 42, 99_999]) expect(formatIncidentNumber(n)).toMatch(/^INC\d{7}$/);
  });

  it('match the number pattern, which does not match ids', () => {
    expect(INCIDENT_NUMBER_PATTERN.test(formatIncidentNumber(7))).toBe(true);
    expect(INCIDENT_NUMBER_PATTERN.test('01J00000000000000000000000')).toBe(false);
    expect(INCIDENT_NUMBER_PATTERN.test('INC123')).toBe(false);
  });
});

describe('openIncident', () => {
  it('opens a new incident at version 1 with the computed priority', () => {
    const incident = fresh();
    expect(incident).toEqual({
      id: '01J00000000000000000000000',
      number: 'INC0001001',
      title: 'VPN drops every hour',
      service: 'vpn',
      assignmentGroup: 'network',
      impact: 2,
      urgency: 2,
      priority: 'P3',
      status: 'new',
      caller: 'alice',
      createdAt: T0.toISOString(),
      createdBy: 'alice',
      updatedAt: T0.toISOString(),
      updatedBy: 'alice',
      reopenCount: 0,
      version: 1,
    });
  });

  it('defaults impact and urgency to 3 (P4) and keeps an explicit caller', () => {
    const incident = openIncident({ title: 'Printer', caller: 'carol' }, { id: 'x', sequence: 5, actor: alice, now: T0, matrix });
    expect(incident).toMatchObject({ impact: 3, urgency: 3, priority: 'P4', caller: 'carol', createdBy: 'alice', number: 'INC0001005' });
    expect('description' in incident).toBe(false);
    expect(incident.acknowledgedAt).toBeUndefined();
  });

  it('uses the matrix it is given', () => {
    const allP1 = {
      '1': { '1': 'P1', '2': 'P1', '3': 'P1' },
      '2': { '1': 'P1', '2': 'P1', '3': 'P1' },
      '3': { '1': 'P1', '2': 'P1', '3': 'P1' },
    } as PriorityMatrix;
    expect(openIncident({ title: 't' }, { id: 'x', sequence: 1, actor: alice, now: T0, matrix: allP1 }).priority).toBe('P1');
  });
});

describe('applyIncidentPatch: every allowed transition', () => {
  it('new -> in_progress acknowledges the incident', () => {
    const { next, changes } = applyIncidentPatch(fresh(), { status: 'in_progress' }, { actor: bob, now: at(5) });
    expect(next).toMatchObject({
      status: 'in_progress',
      acknowledgedAt: at(5).toISOString(),
      acknowledgedBy: 'bob',
      version: 2,
      updatedAt: at(5).toISOString(),
      updatedBy: 'bob',
    });
    expect(changes).toEqual([
      { field: 'status', from: 'new', to: 'in_progress' },
      { field: 'acknowledgedAt', from: null, to: at(5).toISOString() },
    ]);
  });

  it('new -> canceled records canceledAt', () => {
    const { next } = applyIncidentPatch(fresh(), { status: 'canceled' }, { actor: bob, now: at(5) });
    expect(next).toMatchObject({ status: 'canceled', canceledAt: at(5).toISOString(), version: 2 });
  });

  it('in_progress -> on_hold needs and stores a holdReason', () => {
    const working = walk(fresh(), [{ status: 'in_progress' }]);
    const { next, changes } = applyIncidentPatch(working, { status: 'on_hold', holdReason: 'awaiting_vendor' }, { actor: alice, now: at(10) });
    expect(next).toMatchObject({ status: 'on_hold', holdReason: 'awaiting_vendor', version: 3 });
    expect(changes).toEqual([
      { field: 'status', from: 'in_progress', to: 'on_hold' },
      { field: 'holdReason', from: null, to: 'awaiting_vendor' },
    ]);
  });

  it.each(['awaiting_caller', 'awaiting_vendor', 'awaiting_change'] as const)('accepts hold reason %s', (holdReason) => {
    expect(walk(fresh(), [{ status: 'in_progress' }, { status: 'on_hold', holdReason }]).holdReason).toBe(holdReason);
  });

  it('in_progress -> on_hold without a holdReason is refused', () => {
    const working = walk(fresh(), [{ status: 'in_progress' }]);
    const error = ruleError(() => applyIncidentPatch(working, { status: 'on_hold' }, { actor: alice, now: at(10) }));
    expect(error.code).toBe('FIELD_REQUIRED');
    expect(error.field).toBe('holdReason');
  });

  it('on_hold -> in_progress clears the holdReason', () => {
    const held = walk(fresh(), [{ status: 'in_progress' }, { status: 'on_hold', holdReason: 'awaiting_caller' }]);
    const { next, changes } = applyIncidentPatch(held, { status: 'in_progress' }, { actor: alice, now: at(30) });
    expect(next.status).toBe('in_progress');
    expect('holdReason' in next).toBe(false);
    expect(changes).toEqual([
      { field: 'status', from: 'on_hold', to: 'in_progress' },
      { field: 'holdReason', from: 'awaiting_caller', to: null },
    ]);
  });

  it('the holdReason of an incident on hold can change without leaving hold', () => {
    const held = walk(fresh(), [{ status: 'in_progress' }, { status: 'on_hold', holdReason: 'awaiting_caller' }]);
    const { next, changes } = applyIncidentPatch(held, { holdReason: 'awaiting_change' }, { actor: alice, now: at(30) });
    expect(next).toMatchObject({ status: 'on_hold', holdReason: 'awaiting_change' });
    expect(changes).toEqual([{ field: 'holdReason', from: 'awaiting_caller', to: 'awaiting_change' }]);
  });

  it('in_progress -> resolved records resolvedAt, resolvedBy, code and notes', () => {
    const working = walk(fresh(), [{ status: 'in_progress' }]);
    const { next, changes } = applyIncidentPatch(working, RESOLVE, { actor: bob, now: at(60) });
    expect(next).toMatchObject({
      status: 'resolved',
      resolutionCode: 'solved_permanently',
      resolutionNotes: 'Replaced the router',
      resolvedAt: at(60).toISOString(),
      resolvedBy: 'bob',
    });
    expect(changes.map((c) => c.field).sort()).toEqual(['resolutionCode', 'resolutionNotes', 'resolvedAt', 'status']);
  });

  it.each([
    ['resolutionCode', { status: 'resolved', resolutionNotes: 'n' }],
    ['resolutionNotes', { status: 'resolved', resolutionCode: 'duplicate' }],
  ] as const)('resolving without %s is refused', (field, patch) => {
    const working = walk(fresh(), [{ status: 'in_progress' }]);
    const error = ruleError(() => applyIncidentPatch(working, patch, { actor: alice, now: at(60) }));
    expect(error.code).toBe('FIELD_REQUIRED');
    expect(error.field).toBe(field);
  });

  it('in_progress -> canceled records canceledAt', () => {
    const next = walk(fresh(), [{ status: 'in_progress' }, { status: 'canceled' }]);
    expect(next).toMatchObject({ status: 'canceled', canceledAt: at(2).toISOString() });
  });

  it('resolved -> closed records closedAt and keeps the resolution', () => {
    const closed = walk(fresh(), [{ status: 'in_progress' }, RESOLVE, { status: 'closed' }]);
    expect(closed).toMatchObject({
      status: 'closed',
      closedAt: at(3).toISOString(),
      resolvedAt: at(2).toISOString(),
      resolutionCode: 'solved_permanently',
      version: 4,
    });
  });

  it('resolved -> in_progress reopens: counts the reopen and clears the resolution', () => {
    const resolved = walk(fresh(), [{ status: 'in_progress' }, RESOLVE]);
    const { next, changes } = applyIncidentPatch(resolved, { status: 'in_progress' }, { actor: bob, now: at(90) });
    expect(next).toMatchObject({ status: 'in_progress', reopenCount: 1, version: resolved.version + 1 });
    for (const field of ['resolutionCode', 'resolutionNotes', 'resolvedAt', 'resolvedBy'] as const) expect(field in next).toBe(false);
    // The first response happened once and for all.
    expect(next.acknowledgedAt).toBe(resolved.acknowledgedAt);
    expect(changes).toEqual(
      expect.arrayContaining([
        { field: 'status', from: 'resolved', to: 'in_progress' },
        { field: 'resolvedAt', from: at(2).toISOString(), to: null },
        { field: 'resolutionCode', from: 'solved_permanently', to: null },
        { field: 'reopenCount', from: 0, to: 1 },
      ]),
    );
    // Resolving again sets a fresh resolvedAt.
    const again = applyIncidentPatch(next, { ...RESOLVE, resolutionCode: 'solved_workaround' }, { actor: bob, now: at(120) }).next;
    expect(again).toMatchObject({ status: 'resolved', resolvedAt: at(120).toISOString(), resolutionCode: 'solved_workaround', reopenCount: 1 });
  });
});

describe('applyIncidentPatch: refused changes', () => {
  it.each([
    ['new', 'on_hold', []],
    ['new', 'resolved', []],
    ['new', 'closed', []],
    ['in_progress', 'closed', [{ status: 'in_progress' }]],
    ['on_hold', 'resolved', [{ status: 'in_progress' }, { status: 'on_hold', holdReason: 'awaiting_caller' }]],
    ['on_hold', 'canceled', [{ status: 'in_progress' }, { status: 'on_hold', holdReason: 'awaiting_caller' }]],
    ['resolved', 'canceled', [{ status: 'in_progress' }, RESOLVE]],
  ] as [string, IncidentPatch['status'], IncidentPatch[]][])('%s -> %s is an invalid transition naming the allowed ones', (from, to, path) => {
    const current = walk(fresh(), path);
    expect(current.status).toBe(from);
    const error = ruleError(() =>
      applyIncidentPatch(
        current,
        { status: to, ...(to === 'on_hold' ? { holdReason: 'awaiting_caller' } : {}), ...(to === 'resolved' ? RESOLVE : {}) },
        { actor: alice, now: at(99) },
      ),
    );
    expect(error.code).toBe('INVALID_TRANSITION');
    expect(error.details.from).toBe(from);
    expect(error.details.allowedTransitions).toEqual(expect.any(Array));
    for (const target of error.details.allowedTransitions as string[]) expect(error.message).toContain(target);
  });

  it.each([
    ['closed', [{ status: 'in_progress' }, RESOLVE, { status: 'closed' }]],
    ['canceled', [{ status: 'canceled' }]],
  ] as [string, IncidentPatch[]][])('a %s incident can no longer be changed at all', (status, path) => {
    const final = walk(fresh(), path);
    expect(final.status).toBe(status);
    for (const patch of [{ status: 'in_progress' }, { title: 'new title' }, { assignee: null }] as IncidentPatch[]) {
      const error = ruleError(() => applyIncidentPatch(final, patch, { actor: alice, now: at(99), matrix }));
      expect(error.code).toBe('INVALID_TRANSITION');
      expect(error.details).toEqual({ from: status, allowedTransitions: [] });
    }
  });

  it('an empty patch is refused', () => {
    expect(ruleError(() => applyIncidentPatch(fresh(), {}, { actor: alice, now: at(1) })).code).toBe('NOTHING_TO_CHANGE');
  });

  it('a holdReason is not allowed unless the incident is (going) on hold', () => {
    const working = walk(fresh(), [{ status: 'in_progress' }]);
    const error = ruleError(() => applyIncidentPatch(working, { holdReason: 'awaiting_vendor' }, { actor: alice, now: at(5) }));
    expect(error).toMatchObject({ code: 'FIELD_NOT_ALLOWED', field: 'holdReason' });
    const held = walk(working, [{ status: 'on_hold', holdReason: 'awaiting_caller' }], alice, 5);
    const leaving = ruleError(() => applyIncidentPatch(held, { status: 'in_progress', holdReason: 'awaiting_vendor' }, { actor: alice, now: at(9) }));
    expect(leaving).toMatchObject({ code: 'FIELD_NOT_ALLOWED', field: 'holdReason' });
  });

  it('resolution fields are not allowed unless resolving', () => {
    const working = walk(fresh(), [{ status: 'in_progress' }]);
    expect(ruleError(() => applyIncidentPatch(working, { resolutionCode: 'duplicate' }, { actor: alice, now: at(5) }))).toMatchObject({
      code: 'FIELD_NOT_ALLOWED',
      field: 'resolutionCode',
    });
    expect(ruleError(() => applyIncidentPatch(working, { resolutionNotes: 'x' }, { actor: alice, now: at(5) }))).toMatchObject({
      code: 'FIELD_NOT_ALLOWED',
      field: 'resolutionNotes',
    });
    const resolved = walk(working, [RESOLVE], alice, 5);
    expect(ruleError(() => applyIncidentPatch(resolved, { status: 'in_progress', resolutionCode: 'duplicate' }, { actor: alice, now: at(9) })).code).toBe(
      'FIELD_NOT_ALLOWED',
    );
  });

  it('never mutates the incident it was given', () => {
    const working = walk(fresh(), [{ status: 'in_progress' }]);
    const snapshot = structuredClone(working);
    applyIncidentPatch(working, RESOLVE, { actor: alice, now: at(5) });
    expect(() => applyIncidentPatch(working, { status: 'on_hold' }, { actor: alice, now: at(5) })).toThrow(IncidentRuleError);
    expect(working).toEqual(snapshot);
  });
});

describe('acknowledgedAt (first response)', () => {
  it('is set on the first move out of new and never moved later', () => {
    const first = walk(fresh(), [{ status: 'in_progress' }], bob, 7);
    expect(first).toMatchObject({ acknowledgedAt: at(7).toISOString(), acknowledgedBy: 'bob' });
    const later = walk(
      first,
      [{ status: 'on_hold', holdReason: 'awaiting_caller' }, { status: 'in_progress' }, RESOLVE, { status: 'in_progress' }, RESOLVE, { status: 'closed' }],
      alice,
      20,
    );
    expect(later).toMatchObject({ acknowledgedAt: at(7).toISOString(), acknowledgedBy: 'bob', status: 'closed' });
  });

  it("is set by an agent's first public note (recordFirstResponse) and only once", () => {
    const incident = fresh();
    const { next, changes } = recordFirstResponse(incident, { actor: bob, now: at(3) });
    expect(next).toMatchObject({ acknowledgedAt: at(3).toISOString(), acknowledgedBy: 'bob', updatedBy: 'bob', version: 2, status: 'new' });
    expect(changes).toEqual([{ field: 'acknowledgedAt', from: null, to: at(3).toISOString() }]);

    const again = recordFirstResponse(next, { actor: alice, now: at(4) });
    expect(again.changes).toEqual([]);
    expect(again.next).toBe(next);

    // Moving out of new afterwards does not move the first response either.
    const working = applyIncidentPatch(next, { status: 'in_progress' }, { actor: alice, now: at(9) });
    expect(working.next).toMatchObject({ acknowledgedAt: at(3).toISOString(), acknowledgedBy: 'bob' });
    expect(working.changes).toEqual([{ field: 'status', from: 'new', to: 'in_progress' }]);
  });

  it('is not set by changes that keep the incident new', () => {
    const { next } = applyIncidentPatch(fresh(), { title: 'VPN drops every 30 minutes', assignee: 'bob' }, { actor: alice, now: at(2) });
    expect(next.acknowledgedAt).toBeUndefined();
    expect(next.status).toBe('new');
  });
});

describe('applyIncidentPatch: fields', () => {
  it('recomputes priority with the given matrix when impact or urgency changes', () => {
    const incident = fresh(); // 2/2 -> P3
    expect(applyIncidentPatch(incident, { impact: 1 }, { actor: alice, now: at(1), matrix }).next.priority).toBe('P2');
    expect(applyIncidentPatch(incident, { urgency: 3 }, { actor: alice, now: at(1), matrix }).next.priority).toBe('P4');
    const { next, changes } = applyIncidentPatch(incident, { impact: 1, urgency: 1 }, { actor: alice, now: at(1), matrix });
    expect(next.priority).toBe('P1');
    expect(changes).toEqual([
      { field: 'impact', from: 2, to: 1 },
      { field: 'urgency', from: 2, to: 1 },
      { field: 'priority', from: 'P3', to: 'P1' },
    ]);
    const custom = { ...matrix, '1': { '1': 'P1', '2': 'P1', '3': 'P1' } } as PriorityMatrix;
    expect(applyIncidentPatch(incident, { impact: 1 }, { actor: alice, now: at(1), matrix: custom }).next.priority).toBe('P1');
  });

  it('needs no matrix when impact and urgency are restated unchanged', () => {
    const { changes, next } = applyIncidentPatch(fresh(), { impact: 2, urgency: 2 }, { actor: alice, now: at(1) });
    expect(changes).toEqual([]);
    expect(next.version).toBe(1);
  });

  it('refuses to change impact without a matrix rather than guess a priority', () => {
    expect(() => applyIncidentPatch(fresh(), { impact: 1 }, { actor: alice, now: at(1) })).toThrow(/matrix/);
  });

  it('null clears an optional field; absent leaves it', () => {
    const incident = fresh({ description: 'details', category: 'network', assignee: 'bob', configurationItem: 'rtr-1' });
    const { next, changes } = applyIncidentPatch(
      incident,
      { description: null, service: null, assignee: null, configurationItem: 'rtr-2' },
      { actor: alice, now: at(1) },
    );
    for (const field of ['description', 'service', 'assignee'] as const) expect(field in next).toBe(false);
    expect(next).toMatchObject({ category: 'network', assignmentGroup: 'network', configurationItem: 'rtr-2', title: incident.title });
    expect(changes).toEqual([
      { field: 'description', from: 'details', to: null },
      { field: 'service', from: 'vpn', to: null },
      { field: 'configurationItem', from: 'rtr-1', to: 'rtr-2' },
      { field: 'assignee', from: 'bob', to: null },
    ]);
  });

  it('clearing what is not set, or restating values, changes nothing and keeps the version', () => {
    const incident = fresh();
    const result = applyIncidentPatch(incident, { description: null, title: incident.title, status: 'new' }, { actor: bob, now: at(1) });
    expect(result.changes).toEqual([]);
    expect(result.next).toBe(incident);
  });

  it('a change bumps the version and stamps updatedAt/updatedBy', () => {
    const { next } = applyIncidentPatch(fresh(), { caller: 'dave' }, { actor: bob, now: at(4) });
    expect(next).toMatchObject({
      caller: 'dave',
      version: 2,
      updatedAt: at(4).toISOString(),
      updatedBy: 'bob',
      createdBy: 'alice',
      createdAt: T0.toISOString(),
    });
  });
});

describe('diffIncidents', () => {
  it('lists tracked fields that differ, absent as null, in a stable order', () => {
    const before = fresh({ assignee: 'bob' });
    const after: Incident = { ...before, title: 'changed', status: 'in_progress', updatedAt: 'later', version: 9 };
    delete after.assignee;
    after.category = 'network';
    expect(diffIncidents(before, after)).toEqual([
      { field: 'title', from: before.title, to: 'changed' },
      { field: 'status', from: 'new', to: 'in_progress' },
      { field: 'category', from: null, to: 'network' },
      { field: 'assignee', from: 'bob', to: null },
    ]);
  });

  it('is empty for equal incidents and ignores bookkeeping fields', () => {
    const incident = fresh();
    expect(diffIncidents(incident, { ...incident })).toEqual([]);
    expect(diffIncidents(incident, { ...incident, updatedAt: 'x', updatedBy: 'y', version: 2 })).toEqual([]);
  });
});

describe('creationDiffs', () => {
  it('records every initial tracked value as a change from null', () => {
    const incident = fresh({ description: 'details' });
    expect(creationDiffs(incident)).toEqual([
      { field: 'title', from: null, to: 'VPN drops every hour' },
      { field: 'description', from: null, to: 'details' },
      { field: 'impact', from: null, to: 2 },
      { field: 'urgency', from: null, to: 2 },
      { field: 'priority', from: null, to: 'P3' },
      { field: 'status', from: null, to: 'new' },
      { field: 'service', from: null, to: 'vpn' },
      { field: 'assignmentGroup', from: null, to: 'network' },
      { field: 'caller', from: null, to: 'alice' },
      { field: 'reopenCount', from: null, to: 0 },
    ]);
  });
});

describe('configuration items and the services they impact (issue 14)', () => {
  const TABLE = '01JTABLE000000000000000000';
  const FUNCTION = '01JFUNCTION000000000000000';

  it('an incident opened on CIs shows the services downstream and its own, each once, in name order; without CIs none', () => {
    const opened = fresh({ configurationItems: [TABLE] });
    expect(opened.impactedServices).toBeUndefined();
    const withImpact = openIncident(
      { title: 'Orders table throttled', service: 'vpn', configurationItems: [TABLE] },
      { id: '01J00000000000000000000001', sequence: 2, actor: alice, now: T0, matrix, downstream: ['payments', 'email', 'vpn'] },
    );
    expect(withImpact).toMatchObject({ configurationItems: [TABLE], impactedServices: ['email', 'payments', 'vpn'] });
    expect(creationDiffs(withImpact)).toEqual(
      expect.arrayContaining([
        { field: 'configurationItems', from: null, to: [TABLE] },
        { field: 'impactedServices', from: null, to: ['email', 'payments', 'vpn'] },
      ]),
    );
    const noCis = openIncident(
      { title: 'x', service: 'vpn', configurationItems: [] },
      { id: '01J00000000000000000000002', sequence: 3, actor: alice, now: T0, matrix, downstream: ['payments'] },
    );
    expect(noCis).not.toHaveProperty('configurationItems');
    expect(noCis).not.toHaveProperty('impactedServices');
  });

  it('impactMoves: new CIs, cleared CIs, or a new service while it names CIs; not a restated list nor a service alone', () => {
    expect(impactMoves({ service: 'vpn' }, { service: 'vpn', configurationItems: [TABLE] })).toBe(true);
    expect(impactMoves({ configurationItems: [TABLE] }, {})).toBe(true);
    expect(impactMoves({ configurationItems: [TABLE], service: 'vpn' }, { configurationItems: [TABLE], service: 'email' })).toBe(true);
    expect(impactMoves({ configurationItems: [TABLE] }, { configurationItems: [TABLE] })).toBe(false);
    expect(impactMoves({ service: 'vpn' }, { service: 'email' })).toBe(false);
    expect(impactMoves({}, { configurationItems: [] })).toBe(false);
  });

  it('a PATCH replaces the list (compared by content), recomputes what it impacts, and null or [] clears both', () => {
    const incident = openIncident(
      { title: 'x', service: 'vpn', configurationItems: [TABLE] },
      { id: '01J00000000000000000000003', sequence: 4, actor: alice, now: T0, matrix, downstream: ['payments'] },
    );
    const restated = applyIncidentPatch(incident, { configurationItems: [TABLE] }, { actor: alice, now: at(1) });
    expect(restated.changes).toEqual([]);
    const moved = applyIncidentPatch(incident, { configurationItems: [FUNCTION] }, { actor: alice, now: at(1), downstream: ['email'] });
    expect(moved.next).toMatchObject({ configurationItems: [FUNCTION], impactedServices: ['email', 'vpn'] });
    expect(moved.changes).toEqual([
      { field: 'configurationItems', from: [TABLE], to: [FUNCTION] },
      { field: 'impactedServices', from: ['payments', 'vpn'], to: ['email', 'vpn'] },
    ]);
    // The CMDB could not answer: none shown rather than the old CIs' services.
    const unanswered = applyIncidentPatch(incident, { configurationItems: [FUNCTION] }, { actor: alice, now: at(1) });
    expect(unanswered.next).not.toHaveProperty('impactedServices');
    for (const cleared of [null, []]) {
      const { next } = applyIncidentPatch(incident, { configurationItems: cleared }, { actor: alice, now: at(1) });
      expect(next).not.toHaveProperty('configurationItems');
      expect(next).not.toHaveProperty('impactedServices');
    }
    // Another field leaves them as they were.
    expect(applyIncidentPatch(incident, { title: 'y' }, { actor: alice, now: at(1) }).next.impactedServices).toEqual(['payments', 'vpn']);
  });
});
