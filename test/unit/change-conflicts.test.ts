import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Blackout, ciNeighbourhood, findConflicts, overlaps, type ScheduledChange } from '../../functions/changes/domain/conflicts.ts';

const at = (hour: number) => new Date(Date.UTC(2025, 5, 1, hour)).toISOString();

const change = {
  id: 'c-new',
  services: ['payments', 'web'],
  configurationItems: ['db-1', 'lb-1'],
  plannedStart: at(2),
  plannedEnd: at(4),
};

const scheduled = (over: Partial<ScheduledChange> & { id: string }): ScheduledChange => ({
  number: `CHG-${over.id}`,
  services: [],
  configurationItems: [],
  plannedStart: at(2),
  plannedEnd: at(4),
  ...over,
});

describe('overlaps', () => {
  it('is true for windows sharing any instant and false for touching ones', () => {
    expect(overlaps({ start: at(1), end: at(3) }, { start: at(2), end: at(4) })).toBe(true);
    expect(overlaps({ start: at(1), end: at(5) }, { start: at(2), end: at(3) })).toBe(true);
    expect(overlaps({ start: at(1), end: at(2) }, { start: at(2), end: at(3) })).toBe(false);
    expect(overlaps({ start: at(1), end: at(2) }, { start: at(3), end: at(4) })).toBe(false);
  });

  it('compares instants, not texts', () => {
    expect(
      overlaps({ start: '2025-06-01T02:00:00+02:00', end: '2025-06-01T03:00:00+02:00' }, { start: '2025-06-01T00:30:00Z', end: '2025-06-01T00:45:00Z' }),
    ).toBe(true);
    expect(
      overlaps({ start: '2025-06-01T01:00:00.000Z', end: '2025-06-01T02:00:00Z' }, { start: '2025-06-01T02:00:00.000+00:00', end: '2025-06-01T03:00:00Z' }),
    ).toBe(false);
  });

  it('an empty or inverted window overlaps nothing', () => {
    expect(overlaps({ start: at(2), end: at(2) }, { start: at(1), end: at(3) })).toBe(false);
    expect(overlaps({ start: at(3), end: at(1) }, { start: at(0), end: at(5) })).toBe(false);
  });

  it('throws on a text that is not an instant', () => {
    expect(() => overlaps({ start: 'soon', end: at(3) }, { start: at(1), end: at(3) })).toThrow(RangeError);
  });
});

describe('findConflicts', () => {
  it('finds an overlapping change sharing a service or item, and says what is shared', () => {
    const result = findConflicts(
      change,
      [
        scheduled({ id: 'a', services: ['web', 'payments', 'web'], configurationItems: ['db-1'] }),
        scheduled({ id: 'b', configurationItems: ['lb-1'], plannedStart: at(3), plannedEnd: at(6) }),
      ],
      [],
    );
    expect(result).toEqual([
      {
        kind: 'change',
        changeId: 'a',
        number: 'CHG-a',
        on: { services: ['payments', 'web'], configurationItems: ['db-1'] },
        window: { start: at(2), end: at(4) },
      },
      { kind: 'change', changeId: 'b', number: 'CHG-b', on: { services: [], configurationItems: ['lb-1'] }, window: { start: at(3), end: at(6) } },
    ]);
  });

  it('ignores changes sharing nothing, not overlapping, or being the change itself', () => {
    const result = findConflicts(
      change,
      [
        scheduled({ id: 'c-new', services: ['payments'] }),
        scheduled({ id: 'other-service', services: ['email'], configurationItems: ['mx-1'] }),
        scheduled({ id: 'after', services: ['payments'], plannedStart: at(4), plannedEnd: at(5) }),
        scheduled({ id: 'before', services: ['payments'], plannedStart: at(0), plannedEnd: at(2) }),
      ],
      [],
    );
    expect(result).toEqual([]);
  });

  it('applies blackouts without services to every change and scoped ones only to their services', () => {
    const blackouts: Blackout[] = [
      { name: 'year-end freeze', start: at(0), end: at(23) },
      { name: 'empty scope', start: at(3), end: at(5), services: [] },
      { name: 'payments window', start: at(1), end: at(3), services: ['payments'] },
      { name: 'email window', start: at(1), end: at(3), services: ['email'] },
      { name: 'later', start: at(4), end: at(6) },
    ];
    expect(findConflicts(change, [], blackouts)).toEqual([
      { kind: 'blackout', name: 'year-end freeze', window: { start: at(0), end: at(23) } },
      { kind: 'blackout', name: 'payments window', window: { start: at(1), end: at(3) } },
      { kind: 'blackout', name: 'empty scope', window: { start: at(3), end: at(5) } },
    ]);
  });

  it('sorts by window start, then kind, then id or name', () => {
    const result = findConflicts(
      change,
      [scheduled({ id: 'z', services: ['web'], plannedStart: at(1) }), scheduled({ id: 'b', services: ['web'] }), scheduled({ id: 'a', services: ['web'] })],
      [
        { name: 'x', start: at(2), end: at(3) },
        { name: 'w', start: at(2), end: at(3) },
      ],
    );
    expect(result.map((c) => (c.kind === 'change' ? c.changeId : c.name))).toEqual(['z', 'w', 'x', 'a', 'b']);
  });
});

describe('findConflicts: configuration items that depend on each other (CMDB neighbourhood)', () => {
  // db-1 is used by fn-1 (downstream of db-1); lb-1 sits in front of app-1 (upstream: lb-1 relies on app-1).
  const neighbourhood = ciNeighbourhood({
    downstream: [{ id: 'fn-1', path: [{ id: 'db-1', relationship: 'used_by' }] }],
    upstream: [
      { id: 'app-1', path: [{ id: 'lb-1', relationship: 'depends_on' }] },
      {
        id: 'host-1',
        path: [
          { id: 'lb-1', relationship: 'depends_on' },
          { id: 'app-1', relationship: 'runs_on' },
        ],
      },
    ],
  });

  it('flags an overlapping change on a CI downstream or upstream of one of this change, saying which, which way and by what path', () => {
    const result = findConflicts(
      change,
      [scheduled({ id: 'a', configurationItems: ['host-1', 'fn-1', 'unrelated'] }), scheduled({ id: 'b', configurationItems: ['unrelated'] })],
      [],
      neighbourhood,
    );
    expect(result).toEqual([
      {
        kind: 'change',
        changeId: 'a',
        number: 'CHG-a',
        on: {
          services: [],
          configurationItems: [],
          dependentConfigurationItems: [
            { ci: 'fn-1', of: 'db-1', direction: 'downstream', path: [{ id: 'db-1', relationship: 'used_by' }] },
            {
              ci: 'host-1',
              of: 'lb-1',
              direction: 'upstream',
              path: [
                { id: 'lb-1', relationship: 'depends_on' },
                { id: 'app-1', relationship: 'runs_on' },
              ],
            },
          ],
        },
        window: { start: at(2), end: at(4) },
      },
    ]);
  });

  it('not outside the window, not for an item both name (listed as shared), and without a neighbourhood not at all', () => {
    expect(findConflicts(change, [scheduled({ id: 'a', configurationItems: ['fn-1'], plannedStart: at(4), plannedEnd: at(6) })], [], neighbourhood)).toEqual(
      [],
    );
    const shared = findConflicts(
      { ...change, configurationItems: ['db-1', 'fn-1'] },
      [scheduled({ id: 'a', configurationItems: ['fn-1'] })],
      [],
      neighbourhood,
    );
    expect(shared.map((c) => (c.kind === 'change' ? c.on : undefined))).toEqual([{ services: [], configurationItems: ['fn-1'] }]);
    expect(findConflicts(change, [scheduled({ id: 'a', configurationItems: ['fn-1'] })], [])).toEqual([]);
  });

  it('ciNeighbourhood keeps the shorter path of a CI reached both ways, downstream on a tie', () => {
    const both = ciNeighbourhood({
      downstream: [
        { id: 'peer', path: [{ id: 'a', relationship: 'connects_to' }] },
        {
          id: 'far',
          path: [
            { id: 'a', relationship: 'used_by' },
            { id: 'x', relationship: 'used_by' },
          ],
        },
      ],
      upstream: [
        { id: 'peer', path: [{ id: 'a', relationship: 'connects_to' }] },
        { id: 'far', path: [{ id: 'b', relationship: 'depends_on' }] },
      ],
    });
    expect(both.get('peer')).toEqual({ of: 'a', direction: 'downstream', path: [{ id: 'a', relationship: 'connects_to' }] });
    expect(both.get('far')).toEqual({ of: 'b', direction: 'upstream', path: [{ id: 'b', relationship: 'depends_on' }] });
  });
});

describe('properties', () => {
  const base = Date.UTC(2025, 0, 1);
  const window = fc
    .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 200 }))
    .map(([start, length]) => ({ start: new Date(base + start * 60_000).toISOString(), end: new Date(base + (start + length) * 60_000).toISOString() }));
  const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 3 });

  it('overlap is symmetric', () => {
    fc.assert(
      fc.property(window, window, (a, b) => overlaps(a, b) === overlaps(b, a)),
      { numRuns: 200 },
    );
  });

  it('adjacent windows never overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), (a, ab, bc) => {
        const t = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
        return !overlaps({ start: t(a), end: t(a + ab) }, { start: t(a + ab), end: t(a + ab + bc) });
      }),
      { numRuns: 200 },
    );
  });

  it('a change never conflicts with itself, and the result is independent of input order', () => {
    const entry = fc.record({ id: fc.constantFrom('self', 'x', 'y', 'z'), services: names, configurationItems: names, window });
    fc.assert(
      fc.property(
        entry,
        fc.array(entry, { maxLength: 6 }),
        fc.array(fc.record({ name: fc.constantFrom('p', 'q'), window, services: fc.option(names, { nil: undefined }) }), { maxLength: 3 }),
        (self, others, rawBlackouts) => {
          const me = {
            id: 'self',
            services: self.services,
            configurationItems: self.configurationItems,
            plannedStart: self.window.start,
            plannedEnd: self.window.end,
          };
          const schedule = [me, ...others.map((o) => ({ ...o, plannedStart: o.window.start, plannedEnd: o.window.end }))].map((o) => ({
            id: o.id,
            number: `CHG-${o.id}`,
            services: o.services,
            configurationItems: o.configurationItems,
            plannedStart: o.plannedStart,
            plannedEnd: o.plannedEnd,
          }));
          const blackouts = rawBlackouts.map((b) => ({
            name: b.name,
            start: b.window.start,
            end: b.window.end,
            ...(b.services ? { services: b.services } : {}),
          }));
          const result = findConflicts(me, schedule, blackouts);
          expect(result.some((c) => c.kind === 'change' && c.changeId === 'self')).toBe(false);
          expect(findConflicts(me, [...schedule].reverse(), [...blackouts].reverse())).toEqual(result);
        },
      ),
      { numRuns: 200 },
    );
  });
});
