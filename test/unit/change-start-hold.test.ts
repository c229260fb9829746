import { describe, expect, it } from 'vitest';
import { type Change, openChange, overrideStart, recordStartCheck, startBlockers } from '../../functions/changes/domain/change.ts';
import { ChangeRuleError } from '../../functions/changes/domain/errors.ts';

/* Which freezes hold a scheduled change's start, and how the hold and an admin's override are recorded. */

const T0 = new Date('2026-03-01T08:00:00.000Z');
const ctx = (minute: number, userId = 'change-approval') => ({ actor: { userId }, now: new Date(T0.getTime() + minute * 60_000) });
const WINDOW = { plannedStart: '2026-03-10T22:00:00.000Z', plannedEnd: '2026-03-11T02:00:00.000Z' };
const freeze = (name: string, services?: string[]) => ({
  name,
  start: '2026-03-10T00:00:00.000Z',
  end: '2026-03-12T00:00:00.000Z',
  ...(services === undefined ? {} : { services }),
});
const held = (name: string) => ({ kind: 'blackout' as const, name, window: { start: '2026-03-10T00:00:00.000Z', end: '2026-03-12T00:00:00.000Z' } });

function scheduled(overrides: Partial<Change> = {}): Change {
  const change = openChange(
    { type: 'normal', title: 'Core switch firmware upgrade', services: ['network'], ...WINDOW, implementationPlan: 'a', backoutPlan: 'b' },
    { id: '01J00000000000000000000000', sequence: 1, actor: { userId: 'alice' }, now: T0 },
  );
  return { ...change, status: 'scheduled', workflow: { executionArn: 'arn:x', state: 'WaitForPlannedStart', since: T0.toISOString() }, ...overrides };
}

describe('startBlockers', () => {
  it('lists the freezes overlapping the window that apply to the change', () => {
    expect(startBlockers(scheduled(), [freeze('everything'), freeze('mail-only', ['email']), freeze('network', ['network'])])).toEqual([
      held('everything'),
      held('network'),
    ]);
    expect(startBlockers(scheduled(), [{ name: 'after', start: WINDOW.plannedEnd, end: '2026-03-12T00:00:00.000Z' }])).toEqual([]);
  });

  it('never holds an emergency, nor a change an admin let start', () => {
    expect(startBlockers(scheduled({ type: 'emergency' }), [freeze('everything')])).toEqual([]);
    expect(startBlockers(scheduled({ startOverride: { by: 'ada', at: T0.toISOString(), reason: 'r' } }), [freeze('everything')])).toEqual([]);
  });

  it('lets through the freezes an admin weighed at submission, not those declared since', () => {
    const change = scheduled({ conflicts: [held('year-end')], blackoutOverride: { by: 'ada', at: T0.toISOString(), reason: 'r' } });
    expect(startBlockers(change, [freeze('year-end'), freeze('late')])).toEqual([held('late')]);
    // Without an override nobody weighed them: they hold.
    expect(startBlockers(scheduled({ conflicts: [held('year-end')] }), [freeze('year-end')])).toEqual([held('year-end')]);
  });
});

describe('recordStartCheck', () => {
  it('records a hold once, keeping when it began while the same freezes hold it, and removes it when they are lifted', () => {
    const first = recordStartCheck(scheduled(), [held('late')], 'AwaitStartOverride', ctx(1));
    expect(first.next).toMatchObject({
      status: 'scheduled',
      startBlocked: { at: ctx(1).now.toISOString(), blackouts: [held('late')] },
      workflow: { state: 'AwaitStartOverride' },
    });
    expect(first.changes.map((c) => c.field)).toEqual(['workflow', 'startBlocked']);
    expect(recordStartCheck(first.next, [held('late')], 'AwaitStartOverride', ctx(2)).changes).toEqual([]);
    const more = recordStartCheck(first.next, [held('late'), held('later')], 'AwaitStartOverride', ctx(3)).next;
    expect(more.startBlocked?.at).toBe(ctx(3).now.toISOString());
    const lifted = recordStartCheck(first.next, [], 'AwaitStartOverride', ctx(4));
    expect(lifted.next).not.toHaveProperty('startBlocked');
    expect(lifted.changes).toEqual([{ field: 'startBlocked', from: first.next.startBlocked, to: null }]);
  });

  it('keeps the hold on record beside an override, and checks only scheduled changes', () => {
    const overridden = scheduled({
      startBlocked: { at: T0.toISOString(), blackouts: [held('late')] },
      startOverride: { by: 'ada', at: T0.toISOString(), reason: 'r' },
    });
    expect(recordStartCheck(overridden, [], 'CheckStart', ctx(5)).changes).toEqual([]);
    expect(() => recordStartCheck(scheduled({ status: 'authorize' }), [], 'CheckStart', ctx(5))).toThrow(ChangeRuleError);
  });
});

describe('overrideStart', () => {
  it('records who let a held change start, when and why, once', () => {
    const blocked = recordStartCheck(scheduled(), [held('late')], 'AwaitStartOverride', ctx(1)).next;
    const { next, changes } = overrideStart(blocked, { reason: 'Agreed with the board' }, ctx(2, 'ada'));
    expect(next).toMatchObject({
      startOverride: { by: 'ada', at: ctx(2).now.toISOString(), reason: 'Agreed with the board' },
      version: blocked.version + 1,
      updatedBy: 'ada',
    });
    expect(changes.map((c) => c.field)).toEqual(['startOverride']);
    for (const change of [next, scheduled(), { ...blocked, status: 'implement' as const }]) {
      let error: unknown;
      try {
        overrideStart(change, { reason: 'again' }, ctx(3, 'ada'));
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'NOT_BLOCKED' });
    }
  });
});
