import { describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { CHANGE_LIST_ATTRIBUTES } from '../../functions/changes/heads.ts';
import { CHANGE_FIELD_ORDER } from '../../functions/changes/schemas/change.ts';
import { HEADED_QUEUES } from '../../functions/platform/headed-queues.ts';
import { PROBLEM_LIST_ATTRIBUTES } from '../../functions/problems/heads.ts';
import { PROBLEM_FIELD_ORDER } from '../../functions/problems/schemas/problem.ts';
import { CONSUMERS } from '../../functions/routes.ts';
import {
  applyChange,
  decodeHeadItems,
  definitionFor,
  encodeHeadItems,
  HEAD_CAPACITY,
  type HeadItem,
  headOf,
  needsRefill,
  projected,
  type QueueHeadDefinition,
  sortSegmentOf,
  trimmed,
} from '../../functions/shared/domain/queue-heads.ts';
import { compileEventPattern } from '../../local/event-pattern.ts';

const NEWEST_FIRST: QueueHeadDefinition = {
  name: 'things by status',
  recordSortKey: 'THING',
  index: 'gsi2',
  partition: { prefix: 'THING#STATUS#' },
  descending: true,
  attributes: ['id'],
};
const thing = (id: string, sortKey: string): HeadItem => ({ pk: `THING#${id}`, sk: 'THING', id, gsi2pk: 'THING#STATUS#new', gsi2sk: sortKey });
const ids = (items: readonly HeadItem[]) => items.map((item) => item.id);

describe('which head an item is in', () => {
  it('by the index partition, exactly or by prefix, and by the sort key segment when the queue is narrowed by it', () => {
    expect(headOf(NEWEST_FIRST, thing('a', '2026#1'))).toEqual({ index: 'gsi2', partition: 'THING#STATUS#new' });
    expect(headOf(NEWEST_FIRST, { ...thing('a', '1'), gsi2pk: 'OTHER#new' })).toBeUndefined();
    expect(headOf(NEWEST_FIRST, undefined)).toBeUndefined();
    const bySegment = { ...NEWEST_FIRST, bySortSegment: true };
    expect(headOf(bySegment, thing('a', 'open#2026#1'))).toEqual({ index: 'gsi2', partition: 'THING#STATUS#new', segment: 'open#' });
    expect(sortSegmentOf('closed#x#y')).toBe('closed#');
    const exact: QueueHeadDefinition = { ...NEWEST_FIRST, partition: { exact: 'THING' } };
    expect(headOf(exact, { ...thing('a', '1'), gsi2pk: 'THING' })).toEqual({ index: 'gsi2', partition: 'THING' });
    expect(headOf(exact, thing('a', '1'))).toBeUndefined();
  });

  it('a list takes its first page from a head only when it reads what the head keeps', () => {
    const id = { index: 'gsi2', partition: 'THING#STATUS#new' };
    expect(definitionFor([NEWEST_FIRST], id, ['id'])).toBe(NEWEST_FIRST);
    expect(definitionFor([NEWEST_FIRST], id, ['id', 'body'])).toBeUndefined();
    expect(definitionFor([NEWEST_FIRST], id, undefined)).toBeUndefined();
    expect(definitionFor([NEWEST_FIRST], { ...id, segment: 'open#' }, ['id'])).toBeUndefined();
    expect(definitionFor([NEWEST_FIRST], { ...id, index: 'gsi3' }, ['id'])).toBeUndefined();
  });
});

describe('how a change moves a head', () => {
  const head = { items: [thing('c', '3'), thing('b', '2')], complete: true };

  it('puts an item in its place, moves it when its sort key changes, and takes it out when it leaves', () => {
    expect(ids(applyChange(NEWEST_FIRST, head, { key: { pk: 'THING#d', sk: 'THING' }, item: thing('d', '4') }).items)).toEqual(['d', 'c', 'b']);
    expect(ids(applyChange(NEWEST_FIRST, head, { key: { pk: 'THING#a', sk: 'THING' }, item: thing('a', '1') }).items)).toEqual(['c', 'b', 'a']);
    expect(ids(applyChange(NEWEST_FIRST, head, { key: { pk: 'THING#b', sk: 'THING' }, item: thing('b', '9') }).items)).toEqual(['b', 'c']);
    expect(ids(applyChange(NEWEST_FIRST, head, { key: { pk: 'THING#c', sk: 'THING' } }).items)).toEqual(['b']);
    const oldestFirst = { ...NEWEST_FIRST, descending: false };
    expect(
      ids(
        applyChange(oldestFirst, { items: [thing('b', '2'), thing('c', '3')], complete: true }, { key: { pk: 'THING#a', sk: 'THING' }, item: thing('a', '1') })
          .items,
      ),
    ).toEqual(['a', 'b', 'c']);
  });

  it('a head that is not the whole queue places nothing after its last item, and asks to be read again when short', () => {
    const partial = { items: head.items, complete: false };
    const after = applyChange(NEWEST_FIRST, partial, { key: { pk: 'THING#a', sk: 'THING' }, item: thing('a', '1') });
    expect(ids(after.items)).toEqual(['c', 'b']);
    expect(needsRefill(after)).toBe(true);
    expect(needsRefill(head)).toBe(false);
  });

  it('past its capacity it keeps the first items and is no longer the whole queue', () => {
    const full = { items: Array.from({ length: HEAD_CAPACITY + 2 }, (_, i) => thing(`t${i}`, String(1000 - i))), complete: true };
    const kept = trimmed(full);
    expect(kept.items).toHaveLength(HEAD_CAPACITY);
    expect(kept.complete).toBe(false);
    expect(needsRefill(kept)).toBe(false);
  });
});

describe('what a head keeps of an item', () => {
  it('the attributes the list reads and the keys, with JSON text attributes as the values they hold', () => {
    const definition = { ...NEWEST_FIRST, attributes: ['id', 'sla'], jsonAttributes: ['sla'] };
    const image = { ...thing('a', '1'), sla: JSON.stringify({ response: { state: 'running' } }), body: 'not listed' };
    expect(projected(definition, image)).toEqual({
      id: 'a',
      sla: { response: { state: 'running' } },
      pk: 'THING#a',
      sk: 'THING',
      gsi2pk: 'THING#STATUS#new',
      gsi2sk: '1',
    });
  });
});

describe("a head's JSON text", () => {
  it('gives back Sets, bigints and binaries as they were, at the top of an item or nested', () => {
    const items: HeadItem[] = [
      { id: 'a', tags: new Set(['x', 'y']), numbers: new Set([1, 2]), big: 2n ** 60n, bytes: new Uint8Array([1, 2, 3]) },
      { id: 'b', nested: { tags: new Set(['z']) } },
      { id: 'c', text: 'a \u0000 in text' },
    ];
    expect(decodeHeadItems(encodeHeadItems(items))).toEqual(items);
    expect(decodeHeadItems(encodeHeadItems([items[0] as HeadItem, items[2] as HeadItem]))).toEqual([items[0], items[2]]);
    expect(decodeHeadItems(encodeHeadItems([]))).toEqual([]);
  });
});

describe('one consumer keeps every head (keepQueues)', () => {
  it('keeps what each list reads: the attributes written out for it are the fields its schema names', () => {
    expect(CHANGE_LIST_ATTRIBUTES).toEqual(CHANGE_FIELD_ORDER);
    expect(PROBLEM_LIST_ATTRIBUTES).toEqual(PROBLEM_FIELD_ORDER);
  });

  it("keeps exactly the queues the areas declare in their queueHeads, so an area's new head is not left unkept", () => {
    const declared = AREAS.flatMap((area) => area.queueHeads ?? []);
    expect(HEADED_QUEUES.map((d) => d.name).sort()).toEqual(declared.map((d) => d.name).sort());
    for (const definition of declared) expect(HEADED_QUEUES).toContain(definition);
  });

  it("takes every change of each headed list's record item", () => {
    const consumer = CONSUMERS.find((c) => c.functionId === 'keepQueues');
    if (consumer?.source.kind !== 'tableStream') throw new Error('keepQueues reads no table stream');
    const test = compileEventPattern(consumer.source.filter);
    for (const { recordSortKey } of HEADED_QUEUES) {
      for (const eventName of ['INSERT', 'MODIFY', 'REMOVE']) {
        expect(test({ eventName, dynamodb: { Keys: { pk: { S: `${recordSortKey}#01J` }, sk: { S: recordSortKey } } } }), recordSortKey).toBe(true);
      }
    }
  });
});
