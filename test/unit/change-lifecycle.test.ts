import { describe, expect, it } from 'vitest';
import {
  applyChangePatch,
  CHANGE_NUMBER_PATTERN,
  type Change,
  cancelChange,
  closeChange,
  creationDiffs,
  fieldDiffs,
  formatChangeNumber,
  moveChangeTo,
  type NewChange,
  openChange,
  recordImplementation,
  submitChange,
} from '../../functions/changes/domain/change.ts';
import { ChangeRuleError } from '../../functions/changes/domain/errors.ts';
import {
  assertChangeTransition,
  CHANGE_STATUSES,
  CHANGE_TRANSITIONS,
  CHANGE_TYPES,
  type ChangeStatus,
  FINAL_CHANGE_STATUSES,
  IMPLEMENTATION_OUTCOMES,
} from '../../functions/changes/domain/lifecycle.ts';

/** The product spec's lifecycle, written out independently of the code's table. */
const ALLOWED: Record<ChangeStatus, ChangeStatus[]> = {
  draft: ['assess', 'canceled'],
  assess: ['draft', 'authorize', 'rejected', 'canceled'],
  authorize: ['scheduled', 'rejected', 'canceled'],
  scheduled: ['implement', 'canceled'],
  implement: ['review'],
  review: ['closed'],
  closed: [],
  rejected: [],
  canceled: [],
};

const pairs = CHANGE_STATUSES.flatMap((from) => CHANGE_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));
const allowedPairs = pairs.filter(([from, to]) => ALLOWED[from].includes(to));
const refusedPairs = pairs.filter(([from, to]) => !ALLOWED[from].includes(to));

const T0 = new Date('2026-03-01T08:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const ctx = (minute: number, actor = alice) => ({ actor, now: at(minute) });

const PLANNED = { plannedStart: '2026-03-10T22:00:00.000Z', plannedEnd: '2026-03-11T02:00:00.000Z' };
const PLANS = { implementationPlan: 'Upgrade the core switch firmware', backoutPlan: 'Boot the previous image' };

function fresh(overrides: Partial<NewChange> = {}): Change {
  return openChange(
    { type: 'normal', title: 'Core switch firmware upgrade', services: ['network'], ...PLANNED, ...PLANS, ...overrides },
    { id: '01J00000000000000000000000', sequence: 1, actor: alice, now: T0 },
  );
}

/** Drives a fresh change to `status` along the happy path, one minute per step. */
function reach(status: ChangeStatus, overrides: Partial<NewChange> = {}): Change {
  let change = fresh(overrides);
  const path: Record<ChangeStatus, ChangeStatus[]> = {
    draft: [],
    assess: ['assess'],
    authorize: ['assess', 'authorize'],
    scheduled: ['assess', 'authorize', 'scheduled'],
    implement: ['assess', 'authorize', 'scheduled', 'implement'],
    review: ['assess', 'authorize', 'scheduled', 'implement', 'review'],
    closed: ['assess', 'authorize', 'scheduled', 'implement', 'review', 'closed'],
    rejected: ['assess', 'rejected'],
    canceled: ['canceled'],
  };
  path[status].forEach((step, i) => {
    change =
      step === 'review' ? recordImplementation(change, { outcome: 'successful', notes: 'Done' }, ctx(i + 1)).next : moveChangeTo(change, step, ctx(i + 1)).next;
  });
  expect(change.status).toBe(status);
  return change;
}

function ruleError(run: () => unknown): ChangeRuleError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ChangeRuleError);
    return error as ChangeRuleError;
  }
  throw new Error('expected a ChangeRuleError');
}

describe('change lifecycle', () => {
  it('has exactly the transitions of the spec', () => {
    expect(Object.fromEntries(CHANGE_STATUSES.map((s) => [s, [...CHANGE_TRANSITIONS[s]].sort()]))).toEqual(
      Object.fromEntries(CHANGE_STATUSES.map((s) => [s, [...ALLOWED[s]].sort()])),
    );
    expect(allowedPairs).toHaveLength(13);
    expect([...FINAL_CHANGE_STATUSES].sort()).toEqual(['canceled', 'closed', 'rejected']);
  });

  it('knows the types and outcomes', () => {
    expect(CHANGE_TYPES).toEqual(['standard', 'normal', 'emergency']);
    expect(IMPLEMENTATION_OUTCOMES).toEqual(['successful', 'failed', 'backed_out']);
  });

  it.each(allowedPairs)('allows %s -> %s', (from, to) => {
    expect(() => assertChangeTransition(from, to)).not.toThrow();
  });

  it.each(refusedPairs)('refuses %s -> %s, naming the allowed targets', (from, to) => {
    const error = ruleError(() => assertChangeTransition(from, to));
    expect(error.code).toBe('INVALID_TRANSITION');
    expect(error.field).toBe('status');
    expect(error.details).toEqual({ from, to, allowedTransitions: ALLOWED[from] });
    for (const target of ALLOWED[from]) expect(error.message).toContain(target);
  });

  it('says in words where a change can go', () => {
    expect(ruleError(() => assertChangeTransition('draft', 'implement')).message).toBe('A change that is draft can move to assess, canceled, not implement');
    expect(ruleError(() => assertChangeTransition('closed', 'draft')).message).toBe('A change that is closed cannot change status');
  });

  it.each(allowedPairs.filter(([, to]) => to !== 'review'))('moveChangeTo takes %s -> %s', (from, to) => {
    const current = reach(from);
    const { next, changes } = moveChangeTo(current, to, ctx(30, bob));
    expect(next.status).toBe(to);
    expect(changes).toContainEqual({ field: 'status', from, to });
    expect(next.version).toBe(current.version + 1);
    expect(next.updatedAt).toBe(at(30).toISOString());
    expect(next.updatedBy).toBe('bob');
  });

  it.each(refusedPairs)('moveChangeTo refuses %s -> %s and leaves the change alone', (from, to) => {
    const current = reach(from);
    const snapshot = structuredClone(current);
    expect(ruleError(() => moveChangeTo(current, to, ctx(30))).code).toBe('INVALID_TRANSITION');
    expect(current).toEqual(snapshot);
  });

  it('refuses to move to the status a change is already in', () => {
    expect(ruleError(() => moveChangeTo(reach('assess'), 'assess', ctx(30))).code).toBe('INVALID_TRANSITION');
  });
});

describe('change numbers', () => {
  it('are CHG and seven digits, the first being CHG0001001', () => {
    expect(formatChangeNumber(1)).toBe('CHG0001001');
    expect(formatChangeNumber(2)).toBe('CHG0001002');
    expect(formatChangeNumber(9_998_999)).toBe('CHG9999999');
    expect(fresh().number).toBe('CHG0001001');
  });

  it('match the number pattern, which does not match ids or incident numbers', () => {
    expect(CHANGE_NUMBER_PATTERN.test(formatChangeNumber(7))).toBe(true);
    expect(CHANGE_NUMBER_PATTERN.test('01J00000000000000000000000')).toBe(false);
    expect(CHANGE_NUMBER_PATTERN.test('INC0001001')).toBe(false);
  });
});

describe('opening a change', () => {
  it('starts as a draft at version 1, with defaults filled in', () => {
    const change = openChange({ type: 'normal', title: 'Rotate certificates', ...PLANNED }, { id: 'id-1', sequence: 5, actor: bob, now: T0 });
    expect(change).toEqual({
      id: 'id-1',
      number: 'CHG0001005',
      type: 'normal',
      title: 'Rotate certificates',
      services: [],
      configurationItems: [],
      ...PLANNED,
      outageRequired: false,
      status: 'draft',
      submissions: 0,
      reviewRequired: false,
      createdAt: T0.toISOString(),
      createdBy: 'bob',
      updatedAt: T0.toISOString(),
      updatedBy: 'bob',
      version: 1,
    });
  });

  it('owes a review for every emergency change, and only those, from the start', () => {
    expect(fresh({ type: 'emergency' }).reviewRequired).toBe(true);
    expect(fresh({ type: 'normal' }).reviewRequired).toBe(false);
    expect(fresh({ type: 'standard', template: 'tpl-patch' }).reviewRequired).toBe(false);
  });

  it.each([
    ['ends before it starts', '2026-03-11T02:00:00.000Z', '2026-03-10T22:00:00.000Z'],
    ['ends as it starts', '2026-03-10T22:00:00.000Z', '2026-03-10T22:00:00.000Z'],
    ['has an unreadable end', '2026-03-10T22:00:00.000Z', 'tomorrow'],
  ])('refuses a window that %s', (_, plannedStart, plannedEnd) => {
    const error = ruleError(() => fresh({ plannedStart, plannedEnd }));
    expect(error.code).toBe('INVALID_WINDOW');
    expect(error.field).toBe('plannedEnd');
  });

  it('compares window ends as instants, not as text', () => {
    expect(() => fresh({ plannedStart: '2026-03-10T23:00:00+02:00', plannedEnd: '2026-03-10T22:00:00Z' })).not.toThrow();
  });

  it('takes a template only for a standard change', () => {
    expect(fresh({ type: 'standard', template: 'tpl-patch' }).template).toBe('tpl-patch');
    const error = ruleError(() => fresh({ type: 'normal', template: 'tpl-patch' }));
    expect(error.code).toBe('FIELD_NOT_ALLOWED');
    expect(error.field).toBe('template');
  });

  it('records every field it starts with as the first history', () => {
    const fields = creationDiffs(fresh()).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['type', 'title', 'status', 'plannedStart', 'services', 'backoutPlan']));
    expect(fields).not.toContain('risk');
  });
});

describe('submitting a change', () => {
  it.each(['normal', 'emergency'] as const)('a %s change needs both plans', (type) => {
    for (const field of ['implementationPlan', 'backoutPlan'] as const) {
      const error = ruleError(() => submitChange(fresh({ type, [field]: undefined }), ctx(1)));
      expect(error.code).toBe('FIELD_REQUIRED');
      expect(error.field).toBe(field);
    }
    const { next, changes } = submitChange(fresh({ type }), ctx(1));
    expect(next.status).toBe('assess');
    expect(changes).toEqual([{ field: 'status', from: 'draft', to: 'assess' }]);
  });

  it('a standard change follows its template and needs no plans of its own', () => {
    const draft = fresh({ type: 'standard', template: 'tpl-patch', implementationPlan: undefined, backoutPlan: undefined });
    expect(submitChange(draft, ctx(1)).next.status).toBe('assess');
  });

  it('cannot sneak past the plans through moveChangeTo', () => {
    expect(ruleError(() => moveChangeTo(fresh({ backoutPlan: undefined }), 'assess', ctx(1))).field).toBe('backoutPlan');
  });

  it('cannot submit twice', () => {
    expect(ruleError(() => submitChange(reach('assess'), ctx(9))).code).toBe('INVALID_TRANSITION');
  });
});

describe('editing a change', () => {
  it('changes the plan while a draft, bumping the version and saying what changed', () => {
    const draft = fresh();
    const { next, changes } = applyChangePatch(
      draft,
      { title: 'Core switch upgrade', services: ['network', 'voip'], testPlan: 'Ping every floor', description: null },
      ctx(5, bob),
    );
    expect(next).toMatchObject({ title: 'Core switch upgrade', services: ['network', 'voip'], testPlan: 'Ping every floor' });
    expect(changes).toEqual([
      { field: 'title', from: 'Core switch firmware upgrade', to: 'Core switch upgrade' },
      { field: 'services', from: ['network'], to: ['network', 'voip'] },
      { field: 'testPlan', from: null, to: 'Ping every floor' },
    ]);
    expect(next.version).toBe(2);
    expect(next.updatedBy).toBe('bob');
    expect(next.updatedAt).toBe(at(5).toISOString());
    expect(draft.version).toBe(1);
  });

  it('clears an optional field with null', () => {
    const { next, changes } = applyChangePatch(fresh({ justification: 'End of support' }), { justification: null }, ctx(1));
    expect(next).not.toHaveProperty('justification');
    expect(changes).toEqual([{ field: 'justification', from: 'End of support', to: null }]);
  });

  it('writes nothing when a patch restates the current values', () => {
    const draft = fresh();
    const result = applyChangePatch(draft, { title: draft.title, services: ['network'] }, ctx(1));
    expect(result.changes).toEqual([]);
    expect(result.next).toBe(draft);
  });

  it('refuses an empty patch', () => {
    expect(ruleError(() => applyChangePatch(fresh(), {}, ctx(1))).code).toBe('NOTHING_TO_CHANGE');
  });

  it('checks the window against the other, unchanged end', () => {
    const error = ruleError(() => applyChangePatch(fresh(), { plannedStart: '2026-03-11T03:00:00.000Z' }, ctx(1)));
    expect(error.code).toBe('INVALID_WINDOW');
    expect(applyChangePatch(fresh(), { plannedEnd: '2026-03-11T04:00:00.000Z' }, ctx(1)).next.plannedEnd).toBe('2026-03-11T04:00:00.000Z');
  });

  it('goes back to draft when edited under assessment, without what assessment found', () => {
    const assessing: Change = {
      ...reach('assess'),
      risk: { level: 'medium', score: 3, reasons: ['x'] },
      conflicts: [],
      blackoutOverride: { by: 'ada', at: T0.toISOString(), reason: 'y' },
    };
    const { next, changes } = applyChangePatch(assessing, { outageRequired: true }, ctx(9));
    expect(next).toMatchObject({ status: 'draft', outageRequired: true, version: assessing.version + 1 });
    for (const field of ['risk', 'conflicts', 'blackoutOverride']) expect(next).not.toHaveProperty(field);
    expect(changes.map((c) => c.field)).toEqual(['outageRequired', 'status', 'risk', 'conflicts', 'blackoutOverride']);
    // As a draft again it may lose a plan; submitting it again asks for one.
    expect(applyChangePatch(assessing, { backoutPlan: null }, ctx(9)).next).toMatchObject({ status: 'draft' });
    expect(applyChangePatch(fresh(), { backoutPlan: null }, ctx(9)).next).not.toHaveProperty('backoutPlan');
    // Restating the current values changes nothing, not even the status.
    expect(applyChangePatch(assessing, { outageRequired: false }, ctx(9)).changes).toEqual([]);
  });

  it.each(CHANGE_STATUSES.filter((s) => s !== 'draft' && s !== 'assess'))('cannot be edited once %s', (status) => {
    const error = ruleError(() => applyChangePatch(reach(status), { title: 'Something else' }, ctx(30)));
    expect(error.code).toBe('NOT_EDITABLE');
    expect(error.details).toMatchObject({ status });
  });
});

describe('implementing a change', () => {
  it.each([
    ['successful', false],
    ['failed', true],
    ['backed_out', true],
  ] as const)('records a %s implementation and moves to review (review owed: %s)', (outcome, owed) => {
    const implementing = reach('implement');
    const { next, changes } = recordImplementation(implementing, { outcome, notes: 'See the log' }, ctx(20, bob));
    expect(next.status).toBe('review');
    expect(next.implementation).toEqual({ outcome, notes: 'See the log', at: at(20).toISOString(), by: 'bob' });
    expect(next.reviewRequired).toBe(owed);
    expect(next.version).toBe(implementing.version + 1);
    expect(changes.map((c) => c.field)).toEqual(owed ? ['status', 'implementation', 'reviewRequired'] : ['status', 'implementation']);
  });

  it('keeps the review an emergency change owes, even when it went well', () => {
    const implementing = reach('implement', { type: 'emergency' });
    expect(recordImplementation(implementing, { outcome: 'successful', notes: 'Fine' }, ctx(20)).next.reviewRequired).toBe(true);
  });

  it.each(CHANGE_STATUSES.filter((s) => s !== 'implement'))('cannot be recorded on a change that is %s', (status) => {
    const error = ruleError(() => recordImplementation(reach(status), { outcome: 'successful', notes: 'x' }, ctx(30)));
    expect(error.code).toBe('INVALID_TRANSITION');
  });

  it('cannot reach review without an outcome', () => {
    const error = ruleError(() => moveChangeTo(reach('implement'), 'review', ctx(20)));
    expect(error.code).toBe('FIELD_REQUIRED');
    expect(error.field).toBe('implementation');
  });
});

describe('closing and canceling', () => {
  it('closes a reviewed change, stamping when', () => {
    const { next, changes } = closeChange(reach('review'), ctx(40));
    expect(next.status).toBe('closed');
    expect(next.closedAt).toBe(at(40).toISOString());
    expect(changes).toEqual([
      { field: 'status', from: 'review', to: 'closed' },
      { field: 'closedAt', from: null, to: at(40).toISOString() },
    ]);
  });

  it.each(['draft', 'assess', 'authorize', 'scheduled'] as const)('cancels a change that is %s', (status) => {
    const { next } = cancelChange(reach(status), ctx(40));
    expect(next.status).toBe('canceled');
    expect(next.canceledAt).toBe(at(40).toISOString());
  });

  it.each(['implement', 'review'] as const)('cannot cancel a change that is %s: the work must be accounted for', (status) => {
    expect(ruleError(() => cancelChange(reach(status), ctx(40))).code).toBe('INVALID_TRANSITION');
  });

  it('cannot close before review', () => {
    expect(ruleError(() => closeChange(reach('implement'), ctx(40))).code).toBe('INVALID_TRANSITION');
  });
});

describe('final states', () => {
  it.each(FINAL_CHANGE_STATUSES)('a %s change refuses every move and every edit', (status) => {
    const final = reach(status);
    for (const to of CHANGE_STATUSES) {
      const error = ruleError(() => moveChangeTo(final, to, ctx(50)));
      expect(error.code).toBe('INVALID_TRANSITION');
      expect(error.details.allowedTransitions).toEqual([]);
    }
    expect(ruleError(() => submitChange(final, ctx(50))).code).toBe('INVALID_TRANSITION');
    expect(ruleError(() => closeChange(final, ctx(50))).code).toBe('INVALID_TRANSITION');
    expect(ruleError(() => cancelChange(final, ctx(50))).code).toBe('INVALID_TRANSITION');
    expect(ruleError(() => recordImplementation(final, { outcome: 'failed', notes: 'x' }, ctx(50))).code).toBe('INVALID_TRANSITION');
    expect(ruleError(() => applyChangePatch(final, { title: 'x' }, ctx(50))).code).toBe('NOT_EDITABLE');
  });
});

describe('versions', () => {
  it('go up by one with every step of the happy path', () => {
    expect(reach('draft').version).toBe(1);
    expect(reach('closed').version).toBe(1 + 6);
  });
});

describe('fieldDiffs', () => {
  it('compares lists and records by content', () => {
    const a = fresh();
    expect(fieldDiffs(a, { ...a, services: [...a.services] })).toEqual([]);
    const b = { ...a, risk: { level: 'high' as const, score: 80, reasons: ['outage'] } };
    expect(fieldDiffs(a, b)).toEqual([{ field: 'risk', from: null, to: b.risk }]);
    expect(fieldDiffs(b, { ...b, risk: { ...b.risk, reasons: ['outage'] } })).toEqual([]);
    expect(fieldDiffs(a, { ...a, conflicts: [{ changeId: 'x' }] })).toEqual([{ field: 'conflicts', from: null, to: [{ changeId: 'x' }] }]);
  });

  it('ignores the bookkeeping fields', () => {
    const a = fresh();
    expect(fieldDiffs(a, { ...a, version: 9, updatedAt: 'later', updatedBy: 'bob' })).toEqual([]);
  });
});
