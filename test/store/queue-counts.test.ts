import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import type { QueueCountDefinition } from '../../functions/shared/domain/queue-counts.ts';
import { QUEUE_COUNT_WRITE } from '../../local/request-counter.ts';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const { queueCountsHandler } = await import('../../functions/shared/stream/queue-counts-handler.ts');
const { countUncounted, readTotal } = await import('../../functions/shared/store/queue-counts.ts');
afterAll(() => table.stop());

/**
 * A kind of this file's own (a table of its own, no stream consumer running): the handler is
 * called here with stream records built as Lambda builds them, so that each delivery, redelivery
 * and race is one the test chose.
 */
const GADGETS: QueueCountDefinition = {
  kind: 'gadgets',
  entity: 'gadget',
  allOfKind: 'GADGET',
  recordSortKey: 'GADGET',
  dimensions: { status: 'status', group: 'assignmentGroup' },
  combinations: [[], ['status'], ['group'], ['group', 'status']],
};
const handler = queueCountsHandler([GADGETS]);
const invoke = (records: DynamoDBRecord[]) => handler({ Records: records } as DynamoDBStreamEvent, {} as never);

interface Gadget {
  id: string;
  version: number;
  status: string;
  assignmentGroup?: string;
}
const item = (gadget: Gadget) => ({ pk: `GADGET#${gadget.id}`, sk: 'GADGET', entity: 'gadget', gsi1pk: 'GADGET', gsi1sk: gadget.id, ...gadget });

let sequence = 1000;
function streamRecord(event: 'INSERT' | 'MODIFY' | 'REMOVE', before: Gadget | undefined, after: Gadget | undefined): DynamoDBRecord {
  const id = (after ?? before)?.id as string;
  return {
    eventName: event,
    dynamodb: {
      Keys: marshall({ pk: `GADGET#${id}`, sk: 'GADGET' }) as never,
      SequenceNumber: String(++sequence),
      ...(before === undefined ? {} : { OldImage: marshall(item(before), { removeUndefinedValues: true }) as never }),
      ...(after === undefined ? {} : { NewImage: marshall(item(after), { removeUndefinedValues: true }) as never }),
    },
  };
}
const inserted = (gadget: Gadget) => streamRecord('INSERT', undefined, gadget);
const modified = (before: Gadget, after: Gadget) => streamRecord('MODIFY', before, after);
const removed = (gadget: Gadget) => streamRecord('REMOVE', gadget, undefined);

const total = (...counters: string[]) => readTotal(counters);

describe('the counting consumer', () => {
  it('counts new records, follows status and group changes, and takes a redelivered batch as done', async () => {
    const a1 = { id: 'A', version: 1, status: 'new', assignmentGroup: 'db' };
    const b1 = { id: 'B', version: 1, status: 'new' };
    const first = [inserted(a1), inserted(b1)];
    expect(await invoke(first)).toEqual({ batchItemFailures: [] });
    expect(await invoke(first)).toEqual({ batchItemFailures: [] }); // at least once: the same batch again
    expect(await total('gadgets')).toBe(2);
    expect(await total('gadgets#status=new')).toBe(2);
    expect(await total('gadgets#group=db&status=new')).toBe(1);

    const a2 = { ...a1, version: 2, status: 'open' };
    const b2 = { ...b1, version: 2, assignmentGroup: 'network' };
    const second = [modified(a1, a2), modified(b1, b2)];
    await invoke(second);
    await invoke(second);
    await invoke(first); // a late copy of the creations
    expect(await total('gadgets')).toBe(2);
    expect(await total('gadgets#status=new')).toBe(1);
    expect(await total('gadgets#status=open')).toBe(1);
    expect(await total('gadgets#group=db&status=new', 'gadgets#group=db&status=open')).toBe(1);
    expect(await total('gadgets#group=network')).toBe(1);
  });

  it('folds a record’s changes within a batch into one write, and writes nothing for a change that moves no counter', async () => {
    const c1 = { id: 'C', version: 1, status: 'new' };
    const c2 = { ...c1, version: 2, status: 'open' };
    const c3 = { ...c2, version: 3, status: 'closed' };
    table.counter.reset();
    await invoke([inserted(c1), modified(c1, c2), modified(c2, c3)]);
    expect(table.counter.operations()).toEqual([QUEUE_COUNT_WRITE]);
    expect(await total('gadgets#status=closed')).toBe(1);
    expect(await total('gadgets#status=open')).toBe(1); // A's, not C's

    table.counter.reset();
    await invoke([modified(c3, { ...c3, version: 4 })]);
    expect(table.counter.operations()).toEqual([]);
    // The marker stayed at version 3; the next move still finds the counters it expects.
    await invoke([modified({ ...c3, version: 4 }, { ...c3, version: 5, status: 'open' })]);
    expect(await total('gadgets#status=closed')).toBe(0);
    expect(await total('gadgets#status=open')).toBe(2);
  });

  it('a record removed is uncounted once, and an older change arriving after its removal does not count it again', async () => {
    const d1 = { id: 'D', version: 1, status: 'new', assignmentGroup: 'db' };
    await invoke([inserted(d1)]);
    const before = await total('gadgets');
    await invoke([removed(d1)]);
    await invoke([removed(d1)]);
    await invoke([inserted(d1), modified(d1, { ...d1, version: 2, status: 'open' })]);
    expect(await total('gadgets')).toBe(before - 1);
    expect(await total('gadgets#group=db&status=new', 'gadgets#group=db&status=open')).toBe(1); // A only
  });

  it('a change of a record counted nowhere yet (written before the counters) counts it as it is now', async () => {
    const e1 = { id: 'E', version: 1, status: 'new' };
    const e2 = { ...e1, version: 2, status: 'open' };
    const [open, fresh, all] = await Promise.all([total('gadgets#status=open'), total('gadgets#status=new'), total('gadgets')]);
    await invoke([modified(e1, e2)]);
    expect(await total('gadgets#status=open')).toBe(open + 1);
    expect(await total('gadgets#status=new')).toBe(fresh); // nothing taken from `new`: it was never counted there
    expect(await total('gadgets')).toBe(all + 1);
  });

  it('writes a batch of many records in transactions of at most 100 items', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ id: `M${String(i).padStart(2, '0')}`, version: 1, status: 'new', assignmentGroup: `g${i % 30}` }));
    const all = await total('gadgets');
    table.counter.reset();
    expect(await invoke(many.map(inserted))).toEqual({ batchItemFailures: [] });
    // 60 markers and 30 groups x 2 counters + 2 shared counters: two transactions.
    expect(table.counter.operations()).toEqual([QUEUE_COUNT_WRITE, QUEUE_COUNT_WRITE]);
    expect(await total('gadgets')).toBe(all + 60);
    expect(await total(...Array.from({ length: 30 }, (_, i) => `gadgets#group=g${i}&status=new`))).toBe(60);
  });
});

describe('the recount of records written before their counters', () => {
  const putRecord = (gadget: Gadget) => table.raw.send(new PutCommand({ TableName: table.tableName, Item: item(gadget) }));

  it('counts what no counter holds, leaves what the stream counted, and is safe to repeat', async () => {
    const counted = { id: 'R1', version: 1, status: 'review' };
    await putRecord(counted);
    await invoke([inserted(counted)]);
    const unseen = { id: 'R2', version: 3, status: 'review', assignmentGroup: 'db' };
    await putRecord(unseen);
    const all = await total('gadgets');
    const first = await countUncounted(GADGETS);
    expect(first.counted).toBe(1);
    expect(first.examined).toBe(2);
    expect(await total('gadgets#status=review')).toBe(2);
    expect(await total('gadgets')).toBe(all + 1);
    expect(await countUncounted(GADGETS)).toEqual({ examined: 2, counted: 0 });
    expect(await total('gadgets#status=review')).toBe(2);

    // The stream catches up after the recount: an older change of R2 moves nothing, its next one moves it.
    await invoke([modified({ ...unseen, version: 2, status: 'new' }, unseen)]);
    expect(await total('gadgets#status=review')).toBe(2);
    await invoke([modified(unseen, { ...unseen, version: 4, status: 'closed' })]);
    expect(await total('gadgets#status=review')).toBe(1);
    expect(await total('gadgets#group=db&status=closed')).toBe(1);
  });
});
