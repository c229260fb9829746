import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { HEAD_CAPACITY, type HeadId, type QueueHeadDefinition } from '../../functions/shared/domain/queue-heads.ts';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const { keepQueueHeads } = await import('../../functions/shared/stream/queue-heads-handler.ts');
const { headPage, headKey } = await import('../../functions/shared/store/queue-heads.ts');
const { queryPage } = await import('../../functions/shared/store/pagination.ts');
afterAll(() => table.stop());

/*
 * Queues of this file's own (a table of its own, no stream consumer running): the handler is given
 * the stream records of the writes made here, as Lambda builds them, in batches the test chooses;
 * each head must then be the first page the list's Query reads from the index.
 */
const ATTRIBUTES = ['id', 'status', 'group', 'title', 'tags', 'n'];
const BY_STATUS: QueueHeadDefinition = {
  name: 'widgets by status',
  recordSortKey: 'WIDGET',
  index: 'gsi2',
  partition: { prefix: 'WIDGET#STATUS#' },
  descending: true,
  attributes: ATTRIBUTES,
};
const BY_GROUP_AND_STATUS: QueueHeadDefinition = {
  name: "a group's widgets by status",
  recordSortKey: 'WIDGET',
  index: 'gsi3',
  partition: { prefix: 'WIDGET#GROUP#' },
  bySortSegment: true,
  descending: false,
  attributes: ATTRIBUTES,
};
const DEFINITIONS = [BY_STATUS, BY_GROUP_AND_STATUS];

interface Widget {
  id: string;
  status: string;
  group: string;
  title: string;
  n: number;
  tags?: Set<string>;
}
const STATUSES = ['new', 'open', 'done'];
const GROUPS = ['db', 'net'];
const itemOf = (w: Widget) => ({
  pk: `WIDGET#${w.id}`,
  sk: 'WIDGET',
  entity: 'widget',
  ...w,
  gsi2pk: `WIDGET#STATUS#${w.status}`,
  gsi2sk: `${String(w.n).padStart(6, '0')}#${w.id}`,
  gsi3pk: `WIDGET#GROUP#${w.group}`,
  gsi3sk: `${w.status}#${String(w.n).padStart(6, '0')}#${w.id}`,
});

let sequence = 1000;
function record(before: Widget | undefined, after: Widget | undefined): DynamoDBRecord {
  const id = (after ?? before)?.id as string;
  const eventName = before === undefined ? 'INSERT' : after === undefined ? 'REMOVE' : 'MODIFY';
  return {
    eventName,
    dynamodb: {
      Keys: marshall({ pk: `WIDGET#${id}`, sk: 'WIDGET' }) as never,
      SequenceNumber: String(++sequence),
      ...(before === undefined ? {} : { OldImage: marshall(itemOf(before), { removeUndefinedValues: true }) as never }),
      ...(after === undefined ? {} : { NewImage: marshall(itemOf(after), { removeUndefinedValues: true }) as never }),
    },
  };
}

/** Writes (or deletes) a widget and answers its stream record. */
async function write(before: Widget | undefined, after: Widget | undefined): Promise<DynamoDBRecord> {
  if (after === undefined) await table.raw.send(new DeleteCommand({ TableName: table.tableName, Key: { pk: `WIDGET#${before?.id}`, sk: 'WIDGET' } }));
  else await table.raw.send(new PutCommand({ TableName: table.tableName, Item: itemOf(after) }));
  return record(before, after);
}

const apply = (records: DynamoDBRecord[]) => keepQueueHeads(DEFINITIONS, { Records: records } as DynamoDBStreamEvent);

/** The first page as the list's Query reads it, without heads. */
async function queried(id: HeadId, definition: QueueHeadDefinition, limit: number) {
  const names: Record<string, string> = {};
  const page = await queryPage(
    {
      TableName: table.tableName,
      IndexName: id.index,
      KeyConditionExpression: id.segment === undefined ? `${id.index}pk = :pk` : `${id.index}pk = :pk AND begins_with(${id.index}sk, :s)`,
      ExpressionAttributeValues: { ':pk': id.partition, ...(id.segment === undefined ? {} : { ':s': id.segment }) },
      ...(Object.keys(names).length === 0 ? {} : { ExpressionAttributeNames: names }),
      ScanIndexForward: !definition.descending,
    },
    limit,
    undefined,
    'test',
    { projection: ATTRIBUTES },
  );
  return { ids: page.items.map((item) => item.id), items: page.items, more: page.nextCursor !== undefined };
}

async function expectHeadsEqualQueries(limit: number) {
  for (const status of STATUSES) {
    const id = { index: 'gsi2', partition: `WIDGET#STATUS#${status}` };
    const head = await headPage(id, limit);
    const query = await queried(id, BY_STATUS, limit);
    if (head === undefined) {
      // No head kept: only a queue no change was ever seen in.
      expect(query.ids, status).toEqual([]);
      continue;
    }
    expect(
      head.items.map((item) => item.id),
      status,
    ).toEqual(query.ids);
    expect(head.items, status).toEqual(query.items);
    expect(head.more, status).toBe(query.more);
  }
  for (const group of GROUPS) {
    for (const status of STATUSES) {
      const id = { index: 'gsi3', partition: `WIDGET#GROUP#${group}`, segment: `${status}#` };
      const head = await headPage(id, limit);
      const query = await queried(id, BY_GROUP_AND_STATUS, limit);
      if (head === undefined) expect(query.ids, `${group} ${status}`).toEqual([]);
      else expect([head.items.map((item) => item.id), head.more], `${group} ${status}`).toEqual([query.ids, query.more]);
    }
  }
}

/** A seeded pseudo-random sequence, so a failure is repeatable. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('queue heads kept from the table stream', () => {
  it('after any mix of creates, moves, edits and removals in batches of any size, each head is the first page its Query reads', async () => {
    const next = random(17);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    const widgets = new Map<string, Widget>();
    let n = 0;
    let pending: DynamoDBRecord[] = [];
    for (let step = 0; step < 400; step++) {
      const roll = next();
      const existing = [...widgets.values()];
      let recordOf: DynamoDBRecord;
      if (roll < 0.45 || existing.length < 5) {
        const widget: Widget = {
          id: `w${++n}`,
          status: pick(STATUSES),
          group: pick(GROUPS),
          title: `widget ${n}`,
          n,
          ...(n % 7 === 0 ? { tags: new Set(['a', `t${n}`]) } : {}),
        };
        widgets.set(widget.id, widget);
        recordOf = await write(undefined, widget);
      } else if (roll < 0.85) {
        const before = pick(existing);
        const after = { ...before, ...(next() < 0.6 ? { status: pick(STATUSES) } : { title: `${before.title}!` }), ...(next() < 0.2 ? { n: ++n } : {}) };
        widgets.set(after.id, after);
        recordOf = await write(before, after);
      } else {
        const before = pick(existing);
        widgets.delete(before.id);
        recordOf = await write(before, undefined);
      }
      pending.push(recordOf);
      if (next() < 0.25) {
        expect(await apply(pending)).toEqual({ batchItemFailures: [] });
        pending = [];
      }
    }
    expect(await apply(pending)).toEqual({ batchItemFailures: [] });
    await expectHeadsEqualQueries(20);
    await expectHeadsEqualQueries(HEAD_CAPACITY);
    await expectHeadsEqualQueries(3);
  }, 120_000);

  it('batches delivered again, and consumers of different shards moving one head at once, leave it as its Query reads it', async () => {
    // The stream delivers an item's changes in order, in one shard; two shards' consumers may move
    // one head at once, each with other items' changes, and a batch may come again.
    const a = { id: 'x1', status: 'new', group: 'db', title: 'one', n: 900_001 };
    const b = { id: 'x2', status: 'new', group: 'db', title: 'two', n: 900_002 };
    const ofA = [await write(undefined, a), await write(a, { ...a, status: 'open' })];
    const ofB = [await write(undefined, b), await write(b, { ...b, title: 'two!' })];
    const outcomes = await Promise.all([apply(ofA), apply(ofB), apply(ofB), apply(ofA)]);
    for (const outcome of outcomes) expect(outcome).toEqual({ batchItemFailures: [] });
    await expectHeadsEqualQueries(20);
    // The head is written only when it moves: applying it all once more writes nothing.
    const before = await table.partition(headKey({ index: 'gsi2', partition: 'WIDGET#STATUS#new' }).pk);
    await apply([...ofA, ...ofB]);
    expect(await table.partition(headKey({ index: 'gsi2', partition: 'WIDGET#STATUS#new' }).pk)).toEqual(before);
  });

  it('a page wider than a head keeps, or a head that knows fewer items than asked, is left to the index', async () => {
    expect(await headPage({ index: 'gsi2', partition: 'WIDGET#STATUS#new' }, HEAD_CAPACITY + 1)).toBeUndefined();
    expect(await headPage({ index: 'gsi2', partition: 'WIDGET#STATUS#never' }, 5)).toBeUndefined();
  });
});
