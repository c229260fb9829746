import { type CountedState, type CountStep, countedKeys, countStep, countStepFrom, isRemoved, type QueueCountDefinition } from '../domain/queue-counts.ts';
import { batchGetAll } from './batch-get.ts';
import { db, type Item, TABLE_NAME, type TransactItem } from './db.ts';
import { QueryCommand } from './dynamodb.ts';
import { QUEUE_COUNTER_PREFIX, QUEUE_MARKER_PREFIX } from './table-design.ts';
import { named, Transaction, TransactionRefused } from './transaction.ts';

/*
 * Queue count items (functions/shared/domain/queue-counts.ts has the rules):
 *   counter  pk COUNT#<counter>          sk COUNT    `total`: records counted under it
 *            (COUNT#incidents, COUNT#incidents#status=new, COUNT#incidents#assignmentGroup=database&status=new)
 *   marker   pk COUNTED#<record's pk>    sk COUNTED  `version` and `keys` (the counters, one per line) the
 *                                                    counters hold of the record; a removed record's marker
 *                                                    expires (expiresAt) once no copy of its changes can come back
 * A counter has a partition of its own, so busy queues do not share one. Counters and the marker
 * of a record move in one transaction: the counters are always the sum of the markers, and a write
 * that finds the marker other than it expected moves nothing.
 */

export const counterKey = (counter: string) => ({ pk: `${QUEUE_COUNTER_PREFIX}${counter}`, sk: 'COUNT' });
export const markerKey = (recordPk: string) => ({ pk: `${QUEUE_MARKER_PREFIX}${recordPk}`, sk: 'COUNTED' });

/** Items in one TransactWriteItems: DynamoDB's limit. */
const TRANSACTION_ITEMS = 100;
/**
 * A removed record's marker outlives every copy of its changes that could still arrive: the stream
 * keeps records 24 hours, failure buckets keep batches 30 days for a replay (infra FAILURE_RECORD_RETENTION_DAYS).
 */
const REMOVED_MARKER_SECONDS = 60 * 86_400;
/** Writes of a batch, each taking what the refusals of the one before said: a marker moved by a concurrent writer settles in two. */
const ROUNDS = 5;

/** The number of records under these counters: one BatchGetItem (eventually consistent, as the list beside it). */
export async function readTotal(counters: readonly string[]): Promise<number> {
  if (counters.length === 0) return 0;
  const items = await batchGetAll(counters.map(counterKey), { attributes: ['total'] });
  return items.reduce((sum, item) => sum + (typeof item?.total === 'number' ? item.total : 0), 0);
}

/** A record's step, by the partition key of the record it counts. */
export interface RecordCountStep {
  readonly recordPk: string;
  readonly step: CountStep;
}

function markerState(item: Item | undefined): CountedState | undefined {
  if (item === undefined) return undefined;
  const keys = typeof item.keys === 'string' && item.keys !== '' ? item.keys.split('\n') : [];
  return { version: typeof item.version === 'number' ? item.version : 0, keys };
}

function markerWrite({ recordPk, step }: RecordCountStep, now: Date): TransactItem {
  const removed = isRemoved(step.to);
  const item: Item = {
    ...markerKey(recordPk),
    entity: 'counted-record',
    version: step.to.version,
    ...(step.to.keys.length === 0 ? {} : { keys: step.to.keys.join('\n') }),
    ...(removed ? { expiresAt: Math.floor(now.getTime() / 1000) + REMOVED_MARKER_SECONDS } : {}),
  };
  const condition = step.before.counted
    ? {
        ConditionExpression: '#version < :to AND #keys = :from',
        ExpressionAttributeNames: { '#version': 'version', '#keys': 'keys' },
        ExpressionAttributeValues: { ':to': step.to.version, ':from': step.before.keys.join('\n') },
      }
    : { ConditionExpression: 'attribute_not_exists(pk)' };
  return { Put: { TableName: TABLE_NAME, Item: item, ...condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
}

const counterWrite = (counter: string, delta: number): TransactItem => ({
  Update: {
    TableName: TABLE_NAME,
    Key: counterKey(counter),
    UpdateExpression: 'ADD #total :delta SET entity = :entity',
    ExpressionAttributeNames: { '#total': 'total' },
    ExpressionAttributeValues: { ':delta': delta, ':entity': 'queue-count' },
  },
});

/** Steps in transactions of at most TRANSACTION_ITEMS items: a marker each, and each counter once with the steps' deltas summed. */
function packed(steps: readonly RecordCountStep[]): RecordCountStep[][] {
  const packs: { steps: RecordCountStep[]; counters: Set<string> }[] = [];
  for (const step of steps) {
    const current = packs.at(-1);
    const added = [...step.step.deltas.keys()].filter((counter) => !current?.counters.has(counter)).length;
    if (current === undefined || current.steps.length + current.counters.size + 1 + added > TRANSACTION_ITEMS) {
      packs.push({ steps: [step], counters: new Set(step.step.deltas.keys()) });
    } else {
      current.steps.push(step);
      for (const counter of step.step.deltas.keys()) current.counters.add(counter);
    }
  }
  return packs.map((pack) => pack.steps);
}

function transactionOf(steps: readonly RecordCountStep[], now: Date): Transaction {
  const totals = new Map<string, number>();
  for (const { step } of steps) for (const [counter, delta] of step.deltas) totals.set(counter, (totals.get(counter) ?? 0) + delta);
  const transaction = new Transaction(steps.map((step) => named(step.recordPk, markerWrite(step, now))));
  for (const [counter, delta] of totals) if (delta !== 0) transaction.add(counterWrite(counter, delta));
  return transaction;
}

export interface CountOutcome {
  /** Records whose steps were written, or found written already. */
  readonly done: readonly string[];
  /** Of those, the ones found written already (the counters held their version, or a later one). */
  readonly found: readonly string[];
  /** Records not brought to their step's state; `error` says why. */
  readonly unfinished: readonly string[];
  readonly error?: unknown;
}

/**
 * Brings the counters to each step's state: transactions of several records at once, one after the
 * other (they share counters). A record whose marker is not what its step expected (a copy of a
 * change already counted, a record counted by a recount or never counted) takes the marker the
 * refusal carries and is written again from there, or is done when the counters hold its version
 * already. Never throws: what could not be written is reported, for the stream to retry.
 */
export async function applyCountSteps(steps: readonly RecordCountStep[], now = new Date()): Promise<CountOutcome> {
  const done: string[] = [];
  const found: string[] = [];
  let pending = [...steps];
  for (let round = 1; round <= ROUNDS && pending.length > 0; round++) {
    const next: RecordCountStep[] = [];
    const packs = packed(pending);
    for (const [i, pack] of packs.entries()) {
      try {
        await transactionOf(pack, now).commit();
        done.push(...pack.map((step) => step.recordPk));
      } catch (error) {
        if (!(error instanceof TransactionRefused) || !error.conditionFailed) {
          // Throttled, or still colliding after the commit's own retries: the stream retries.
          const unfinished = [...next, ...packs.slice(i).flat()].map((step) => step.recordPk);
          return { done, found, unfinished, error };
        }
        for (const step of pack) {
          if (!error.has(step.recordPk)) {
            next.push(step); // all or nothing: not written, still as expected
            continue;
          }
          const retry = countStepFrom(markerState(error.item(step.recordPk)), step.step.to);
          if (retry === undefined) {
            done.push(step.recordPk);
            found.push(step.recordPk);
          } else next.push({ recordPk: step.recordPk, step: retry });
        }
      }
    }
    pending = next;
  }
  return pending.length === 0
    ? { done, found, unfinished: [] }
    : {
        done,
        found,
        unfinished: pending.map((step) => step.recordPk),
        error: new Error(`counters of ${pending.length} records still contended after ${ROUNDS} rounds`),
      };
}

/** Records read per page of a recount: a page's steps go in a few transactions before the next page is read. */
const RECOUNT_PAGE = 100;

/**
 * Counts the records of a kind that are not counted yet, from its gsi1 partition (every record of
 * the kind): for a table whose records were written before their counters existed. Safe to repeat
 * and to run beside the stream consumer: a record counted already, by either, is left as it is (or
 * brought to the version read, when that is newer than its marker's). Operator credentials (a
 * migration), never a request path: it reads every record of the kind.
 */
export async function countUncounted(definition: QueueCountDefinition): Promise<{ examined: number; counted: number }> {
  let examined = 0;
  let counted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :kind',
        ExpressionAttributeValues: { ':kind': definition.allOfKind },
        Limit: RECOUNT_PAGE,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    startKey = page.LastEvaluatedKey;
    const records = (page.Items ?? []).filter((item) => item.entity === definition.entity);
    examined += records.length;
    const steps = records.flatMap((record): RecordCountStep[] => {
      const step = countStep({ counted: false }, { version: typeof record.version === 'number' ? record.version : 0, keys: countedKeys(definition, record) });
      return step === undefined ? [] : [{ recordPk: String(record.pk), step }];
    });
    const outcome = await applyCountSteps(steps);
    if (outcome.unfinished.length > 0) throw outcome.error;
    counted += outcome.done.length - outcome.found.length;
  } while (startKey !== undefined);
  return { examined, counted };
}
