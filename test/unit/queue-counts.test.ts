import { describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { INCIDENT_COUNTS } from '../../functions/incidents/counts.ts';
import { COUNTED_KINDS } from '../../functions/platform/counted-kinds.ts';
import { CONSUMERS, FUNCTIONS } from '../../functions/routes.ts';
import { queueViewsSource } from '../../functions/shared/area.ts';
import {
  countDeltas,
  countedKeys,
  countPlan,
  countStep,
  countStepFrom,
  foldChanges,
  type QueueCountDefinition,
  REMOVED,
} from '../../functions/shared/domain/queue-counts.ts';
import { compileEventPattern } from '../../local/event-pattern.ts';

const WIDGETS: QueueCountDefinition = {
  kind: 'widgets',
  entity: 'widget',
  allOfKind: 'WIDGET',
  recordSortKey: 'WIDGET',
  dimensions: { status: 'status', group: 'assignmentGroup', item: 'item.id', service: { paths: ['services'], severalPerRecord: true } },
  combinations: [[], ['status'], ['status', 'group'], ['item'], ['service'], ['service', 'status']],
};

const widget = (fields: Record<string, unknown>) => ({ entity: 'widget', version: 1, ...fields });

describe('countedKeys', () => {
  it('names one counter per kept combination, dimensions in name order, values URI-encoded', () => {
    expect(countedKeys(WIDGETS, widget({ status: 'new', assignmentGroup: 'db team', item: { id: 'laptop' }, services: ['vpn'] }))).toEqual([
      'widgets',
      'widgets#group=db%20team&status=new',
      'widgets#item=laptop',
      'widgets#service=vpn',
      'widgets#service=vpn&status=new',
      'widgets#status=new',
    ]);
  });

  it('leaves out the combinations a record has no value for, and counts every value of a dimension it holds several of', () => {
    expect(countedKeys(WIDGETS, widget({ status: 'new', services: ['vpn', 'email'] }))).toEqual([
      'widgets',
      'widgets#service=email',
      'widgets#service=email&status=new',
      'widgets#service=vpn',
      'widgets#service=vpn&status=new',
      'widgets#status=new',
    ]);
  });

  it('counts an incident under every filter and the status queues', () => {
    const keys = countedKeys(INCIDENT_COUNTS, {
      status: 'new',
      priority: 'P2',
      assignmentGroup: 'database',
      service: 'payments',
      caller: 'carol',
    });
    expect(keys).toContain('incidents#assignmentGroup=database&priority=P2&status=new');
    expect(keys).toContain('incidents#caller=carol&status=new');
    expect(keys.some((key) => key.includes('assignee'))).toBe(false); // unassigned: in no assignee queue
  });
});

describe('countDeltas', () => {
  it('moves only the counters that differ', () => {
    expect(countDeltas(['a', 'b', 'c'], ['a', 'c', 'd'])).toEqual(
      new Map([
        ['b', -1],
        ['d', 1],
      ]),
    );
    expect(countDeltas(['a'], ['a']).size).toBe(0);
  });
});

describe('countPlan', () => {
  it('sums one counter per choice of values, for a kept combination', () => {
    expect(countPlan(WIDGETS, { status: ['new', 'open'], group: 'db' })).toEqual({
      countable: true,
      keys: ['widgets#group=db&status=new', 'widgets#group=db&status=open'],
    });
    expect(countPlan(WIDGETS, {})).toEqual({ countable: true, keys: ['widgets'] });
    expect(countPlan(WIDGETS, { status: undefined, item: 'laptop' })).toEqual({ countable: true, keys: ['widgets#item=laptop'] });
  });

  it('refuses filters no counter is kept for, saying what can be counted', () => {
    const plan = countPlan(WIDGETS, { group: 'db' });
    expect(plan).toEqual({
      countable: false,
      reason: 'No count is kept of widgets by group. Counted: no filter; status; group + status; item; service; service + status',
    });
    expect(countPlan(WIDGETS, { status: 'new', openedAfter: '2026-01-01T00:00:00Z' })).toMatchObject({
      countable: false,
      reason: expect.stringMatching(/^openedAfter cannot be counted\. Counted: /),
    });
  });

  it('refuses several values of a dimension a record may hold several of (it would count a record twice)', () => {
    expect(countPlan(WIDGETS, { service: ['vpn'] })).toEqual({ countable: true, keys: ['widgets#service=vpn'] });
    expect(countPlan(WIDGETS, { service: ['vpn', 'email'] })).toMatchObject({ countable: false, reason: expect.stringContaining('only one service value') });
  });

  it('refuses more combinations than one BatchGetItem reads', () => {
    const values = Array.from({ length: 11 }, (_, i) => `v${i}`);
    expect(countPlan(WIDGETS, { status: values, group: values })).toMatchObject({ countable: false, reason: expect.stringContaining('121 combinations') });
  });
});

describe('counting steps', () => {
  const v = (version: number, status: string) => widget({ version, status });

  it('a new record is counted from nothing; a change moves its counters from the old image; a removal empties them', () => {
    expect(foldChanges(WIDGETS, [{ event: 'INSERT', newImage: v(1, 'new') }])).toEqual({
      before: { counted: false },
      to: { version: 1, keys: ['widgets', 'widgets#status=new'] },
      deltas: new Map([
        ['widgets', 1],
        ['widgets#status=new', 1],
      ]),
    });
    expect(foldChanges(WIDGETS, [{ event: 'MODIFY', oldImage: v(1, 'new'), newImage: v(2, 'open') }])?.deltas).toEqual(
      new Map([
        ['widgets#status=new', -1],
        ['widgets#status=open', 1],
      ]),
    );
    const removal = foldChanges(WIDGETS, [{ event: 'REMOVE', oldImage: v(2, 'open') }]);
    expect(removal?.to).toBe(REMOVED);
    expect(removal?.deltas).toEqual(
      new Map([
        ['widgets', -1],
        ['widgets#status=open', -1],
      ]),
    );
  });

  it('writes nothing for a change that moves no counter', () => {
    expect(foldChanges(WIDGETS, [{ event: 'MODIFY', oldImage: v(1, 'new'), newImage: { ...v(2, 'new'), title: 'edited' } }])).toBeUndefined();
  });

  it("folds a record's changes in a batch into one step, from the first one's old image to the last one's new image", () => {
    const step = foldChanges(WIDGETS, [
      { event: 'INSERT', newImage: v(1, 'new') },
      { event: 'MODIFY', oldImage: v(1, 'new'), newImage: v(2, 'open') },
      { event: 'MODIFY', oldImage: v(2, 'open'), newImage: v(3, 'closed') },
    ]);
    expect(step?.before).toEqual({ counted: false });
    expect(step?.to).toEqual({ version: 3, keys: ['widgets', 'widgets#status=closed'] });
    // new -> open -> new: the counters end where they began.
    expect(
      foldChanges(WIDGETS, [
        { event: 'MODIFY', oldImage: v(1, 'new'), newImage: v(2, 'open') },
        { event: 'MODIFY', oldImage: v(2, 'open'), newImage: v(3, 'new') },
      ]),
    ).toBeUndefined();
  });

  it('once the marker is known: nothing when it holds the version or a later one, else a move from its counters', () => {
    const to = { version: 3, keys: ['widgets', 'widgets#status=closed'] };
    expect(countStepFrom({ version: 3, keys: to.keys }, to)).toBeUndefined();
    expect(countStepFrom(REMOVED, to)).toBeUndefined();
    expect(countStepFrom(undefined, to)?.deltas).toEqual(
      new Map([
        ['widgets', 1],
        ['widgets#status=closed', 1],
      ]),
    );
    expect(countStepFrom({ version: 1, keys: ['widgets', 'widgets#status=new'] }, to)).toEqual({
      before: { counted: true, keys: ['widgets', 'widgets#status=new'] },
      to,
      deltas: new Map([
        ['widgets#status=new', -1],
        ['widgets#status=closed', 1],
      ]),
    });
  });

  it('always writes a removal, even of a record never counted: its marker stops older copies of its changes', () => {
    expect(countStep({ counted: false }, REMOVED)).toEqual({ before: { counted: false }, to: REMOVED, deltas: new Map() });
  });
});

describe('the counting consumer’s stream filter', () => {
  it('takes every change of an incident item, its removal included, and nothing else', () => {
    const { filter } = queueViewsSource([INCIDENT_COUNTS], [], { group: 'counts', what: 'x' }) as { filter: Record<string, unknown> };
    const test = compileEventPattern(filter);
    const record = (eventName: string, sk: string) => ({ eventName, dynamodb: { Keys: { pk: { S: 'INCIDENT#01J' }, sk: { S: sk } } } });
    expect(['INSERT', 'MODIFY', 'REMOVE'].map((event) => test(record(event, 'INCIDENT')))).toEqual([true, true, true]);
    expect(test(record('INSERT', 'NOTE#01J'))).toBe(false);
    expect(test(record('INSERT', 'INCIDENT#ALERT'))).toBe(false);
  });
});

describe('one counting consumer for every counted kind (keepQueues)', () => {
  const streamFilterOf = (functionId: string) => {
    const consumer = CONSUMERS.find((c) => c.functionId === functionId);
    if (consumer?.source.kind !== 'tableStream') throw new Error(`${functionId} reads no table stream`);
    return consumer.source.filter;
  };

  it("keeps exactly the kinds the areas declare in their queueCounts, so an area's new counted kind is not left uncounted", () => {
    const declared = AREAS.flatMap((area) => area.queueCounts ?? []);
    expect(COUNTED_KINDS.map((d) => d.kind).sort()).toEqual(declared.map((d) => d.kind).sort());
    for (const definition of declared) expect(COUNTED_KINDS).toContain(definition);
  });

  it('is the only function that writes queue counts, and the only consumer that keeps them: one more reader of the stream, not one per area', () => {
    const counters = Object.entries(FUNCTIONS).filter(([, definition]) => definition.tableAccess === 'queueViews');
    expect(counters.map(([functionId]) => functionId)).toEqual(['keepQueues']);
    expect(CONSUMERS.filter((c) => c.functionId === 'keepQueues')).toHaveLength(1);
  });

  it("takes every change of each counted kind's record item, and no other item", () => {
    const test = compileEventPattern(streamFilterOf('keepQueues'));
    const record = (eventName: string, sk: string) => ({ eventName, dynamodb: { Keys: { pk: { S: `${sk}#01J` }, sk: { S: sk } } } });
    for (const { recordSortKey } of COUNTED_KINDS) {
      expect(
        ['INSERT', 'MODIFY', 'REMOVE'].map((event) => test(record(event, recordSortKey))),
        recordSortKey,
      ).toEqual([true, true, true]);
    }
    for (const sk of ['OUTBOX#01J', 'NOTE#01J', 'HISTORY#01J', 'COUNT', 'COUNTED', 'HEAD', 'HEAD#open#']) expect(test(record('MODIFY', sk)), sk).toBe(false);
  });
});
