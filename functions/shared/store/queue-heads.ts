import {
  applyChange,
  decodeHeadItems,
  encodeHeadItems,
  HEAD_CAPACITY,
  HEAD_MAX_BYTES,
  type HeadChange,
  type HeadId,
  type HeadItem,
  type HeadState,
  keptAttributes,
  needsRefill,
  type QueueHeadDefinition,
  trimmed,
  withJsonValues,
} from '../domain/queue-heads.ts';
import { batchGetAll } from './batch-get.ts';
import { db, type Item, TABLE_NAME } from './db.ts';
import { ConditionalCheckFailedException, GetCommand, PutCommand, QueryCommand } from './dynamodb.ts';
import { projectionOf } from './projection.ts';
import { QUEUE_HEAD_PREFIX } from './table-design.ts';

/*
 * Queue head items (functions/shared/domain/queue-heads.ts has the rules):
 *   pk HEAD#<index>#<index partition>   sk HEAD, or HEAD#<sort key segment>
 *   `items`: JSON text of the queue's first items, in the list's order, as its Query returns them;
 *   `complete`: whether they are the whole queue; `revision`: moved by each write, which is
 *   conditioned on it (two consumers of different stream shards may move one head).
 * Written by the stream consumer only (TableAccess `queueViews`); read by lists (their first page).
 */

/** A head's item key. */
export const headKey = (id: HeadId) => ({
  pk: `${QUEUE_HEAD_PREFIX}${id.index}#${id.partition}`,
  sk: id.segment === undefined ? 'HEAD' : `HEAD#${id.segment}`,
});

interface StoredHead extends HeadState {
  readonly revision: number;
  readonly text: string;
}

function storedHead(item: Item): StoredHead {
  const text = typeof item.items === 'string' ? item.items : '{"items":[]}';
  return { items: decodeHeadItems(text), complete: item.complete === true, revision: typeof item.revision === 'number' ? item.revision : 0, text };
}

/**
 * The items of the heads this instance read last, by head and revision. A head's text never
 * changes under one revision, and a queue is read again and again between its changes (every agent
 * watching it): its items are parsed once per revision, not once per read (a page of tasks with
 * their SLA clocks is some 60 KB of JSON). They are frozen, as the requests share them.
 */
const parsedHeads = new Map<string, { readonly revision: number; readonly items: readonly HeadItem[] }>();
const PARSED_HEADS = 64;

function deepFrozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    for (const member of value instanceof Set ? value : Object.values(value)) deepFrozen(member);
    Object.freeze(value);
  }
  return value;
}

function itemsOf(key: string, item: Item): { items: readonly HeadItem[]; complete: boolean } {
  const revision = typeof item.revision === 'number' ? item.revision : 0;
  const complete = item.complete === true;
  const parsed = parsedHeads.get(key);
  if (parsed !== undefined && parsed.revision === revision) return { items: parsed.items, complete };
  const items = deepFrozen(decodeHeadItems(typeof item.items === 'string' ? item.items : '{"items":[]}'));
  parsedHeads.delete(key);
  if (parsedHeads.size >= PARSED_HEADS) parsedHeads.delete(parsedHeads.keys().next().value as string);
  parsedHeads.set(key, { revision, items });
  return { items, complete };
}

/**
 * A list's first page from the queue's head: its first `limit` items and whether more follow. One
 * GetItem, eventually consistent as the index the head stands for. Undefined when the head cannot
 * answer: none is kept yet (no change of the queue was seen since heads were kept), or it knows
 * fewer items than asked while more follow; the list then reads the index. The items are frozen
 * (shared with other reads of the same head): a list maps them to new objects.
 */
export async function headPage(id: HeadId, limit: number): Promise<{ items: Item[]; more: boolean } | undefined> {
  if (limit > HEAD_CAPACITY) return undefined;
  const key = headKey(id);
  const { Item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: key }));
  if (Item === undefined) return undefined;
  const head = itemsOf(`${TABLE_NAME}\u0000${key.pk}\u0000${key.sk}`, Item);
  if (!head.complete && head.items.length < limit) return undefined;
  return { items: head.items.slice(0, limit) as Item[], more: head.items.length > limit || !head.complete };
}

/** The queue's first items read from its index, as its list reads them: the head's capacity and `extra` more. */
async function readQueue(definition: QueueHeadDefinition, id: HeadId, extra: number): Promise<HeadState> {
  const kept = keptAttributes(definition);
  const projection = kept === undefined ? undefined : projectionOf(kept);
  const result = await db.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      IndexName: id.index,
      KeyConditionExpression: id.segment === undefined ? '#hpk = :hpk' : '#hpk = :hpk AND begins_with(#hsk, :hsegment)',
      ExpressionAttributeNames: { '#hpk': `${id.index}pk`, ...(id.segment === undefined ? {} : { '#hsk': `${id.index}sk` }), ...projection?.names },
      ExpressionAttributeValues: { ':hpk': id.partition, ...(id.segment === undefined ? {} : { ':hsegment': id.segment }) },
      ...(projection === undefined ? {} : { ProjectionExpression: projection.expression }),
      ScanIndexForward: !definition.descending,
      Limit: HEAD_CAPACITY + extra + 1,
    }),
  );
  const items = (result.Items ?? []).map((item) => withJsonValues(definition, item));
  return { items: items.slice(0, HEAD_CAPACITY + extra), complete: items.length <= HEAD_CAPACITY + extra };
}

/** The changes of one head within a stream batch, in stream order, and where they start in it. */
export interface HeadChanges {
  readonly definition: QueueHeadDefinition;
  readonly id: HeadId;
  readonly changes: readonly HeadChange[];
  readonly firstSequenceNumber: string;
}

const replay = (head: HeadChanges, from: HeadState): HeadState => head.changes.reduce((state, change) => applyChange(head.definition, state, change), from);

/**
 * The head after its changes. A head not kept yet starts from its queue as the index holds it; a
 * head left with fewer items than it keeps while more follow reads its queue again. Either way the
 * batch's changes go over what was read: an index in AWS may not show them yet (it is eventually
 * consistent), and one that does is not moved by them twice (a change puts the item in its place).
 * The read takes one item more per change, which the changes may take out again.
 */
async function nextState(head: HeadChanges, current: StoredHead | undefined): Promise<HeadState> {
  const extra = head.changes.length;
  const state = trimmed(replay(head, current ?? (await readQueue(head.definition, head.id, extra))));
  return needsRefill(state) ? trimmed(replay(head, await readQueue(head.definition, head.id, extra))) : state;
}

/** Writes the head unless another writer moved it since it was read; false then. */
async function write(id: HeadId, state: HeadState, text: string, current: StoredHead | undefined, now: Date): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: {
          ...headKey(id),
          entity: 'queue-head',
          items: text,
          complete: state.complete,
          revision: (current?.revision ?? 0) + 1,
          updatedAt: now.toISOString(),
        },
        ...(current === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#revision = :revision',
              ExpressionAttributeNames: { '#revision': 'revision' },
              ExpressionAttributeValues: { ':revision': current.revision },
            }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The head's text, with fewer items (and no longer complete) when its items would pass HEAD_MAX_BYTES. */
function fitted(state: HeadState): { state: HeadState; text: string } {
  let fitting = state;
  let text = encodeHeadItems(fitting.items);
  while (text.length > HEAD_MAX_BYTES && fitting.items.length > 0) {
    fitting = { items: fitting.items.slice(0, Math.floor(fitting.items.length / 2)), complete: false };
    text = encodeHeadItems(fitting.items);
  }
  return { state: fitting, text };
}

/** Writes of a head moved by a concurrent writer, each from what it then holds. */
const ROUNDS = 5;

export interface HeadOutcome {
  /** Heads not brought up to their changes; `error` says why. */
  readonly unfinished: readonly HeadChanges[];
  readonly error?: unknown;
}

/**
 * Brings each head up to its changes: the heads read together (BatchGetItem), each moved and
 * written (unless unmoved) on the condition that no one wrote it since; one that someone did is
 * read and moved again. Never throws: what could not be written is reported, for the stream to
 * retry (a change applied twice moves a head once: it puts an item in its place).
 */
export async function applyHeadChanges(heads: readonly HeadChanges[], now = new Date()): Promise<HeadOutcome> {
  let pending = [...heads];
  try {
    for (let round = 1; round <= ROUNDS && pending.length > 0; round++) {
      const stored = await batchGetAll(
        pending.map((head) => headKey(head.id)),
        { consistentRead: true },
      );
      const moved = await Promise.all(
        pending.map(async (head, i) => {
          const item = stored[i];
          const current = item === undefined ? undefined : storedHead(item);
          const { state, text } = fitted(await nextState(head, current));
          if (current !== undefined && text === current.text && state.complete === current.complete) return true;
          return write(head.id, state, text, current, now);
        }),
      );
      pending = pending.filter((_, i) => !moved[i]);
    }
  } catch (error) {
    return { unfinished: pending, error };
  }
  return pending.length === 0
    ? { unfinished: [] }
    : { unfinished: pending, error: new Error(`${pending.length} queue heads still contended after ${ROUNDS} rounds`) };
}
