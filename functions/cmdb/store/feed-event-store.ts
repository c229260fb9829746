import { optionalEnv } from '../../shared/env.ts';
import { unmarshall } from '../../shared/store/attribute-values.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { ConditionalCheckFailedException, GetCommand, PutCommand, UpdateCommand } from '../../shared/store/dynamodb.ts';
import { type NamedItem, named, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import type { StoredRelationship } from '../domain/relationship-types.ts';
import { awsReportedRelationshipsKey, ciKey, cloudFormationOrderKey, feedEventKey } from './keys.ts';

/*
 * feed event   pk CIEVENT#<eventId>  sk CIEVENT   entity ci-feed-event: an AWS Config or
 *              CloudFormation event as received, recorded (attribute_not_exists) BEFORE it is
 *              applied, then its outcome. Kept EVENT_RETENTION_DAYS (the table's TTL), like the raw
 *              events of ingestion: at least the queue's retention, so a redelivery is recognised.
 * reported     pk CI#<id>  sk AWSCONFIG#RELATIONSHIPS   the relationships AWS Config last reported
 *              for the CI (keys.ts awsReportedRelationshipsKey).
 * cfn order    pk CI#<id>  sk CLOUDFORMATION#LAST-EVENT   the time of the last CloudFormation event
 *              applied to the CI (keys.ts cloudFormationOrderKey).
 */

const RETENTION_DAYS = Number(optionalEnv('EVENT_RETENTION_DAYS', '30'));
const FEED_EVENT_ENTITY = 'ci-feed-event';

/**
 * What became of an event: `received` (recorded, not yet applied, or its application threw and the
 * queue will deliver it again), `applied`, `stale` (older than what its CI reflects: recorded, not
 * applied), `ignored` (nothing for the CMDB: a status in progress, a malformed detail; with the
 * reason), `failed` (its last attempt threw; with the reason: the queue retries it).
 */
export const FEED_OUTCOMES = ['received', 'applied', 'stale', 'ignored', 'failed'] as const;
export type FeedOutcome = (typeof FEED_OUTCOMES)[number];
/** Outcomes after which a redelivery is a duplicate and is not applied again. */
const SETTLED: readonly FeedOutcome[] = ['applied', 'stale', 'ignored'];

export interface FeedEventRecord {
  eventId: string;
  source: string;
  detailType: string;
  /** The event's own time (EventBridge `time`). */
  time?: string;
  receivedAt: string;
  /** account/region/type/resourceId of the resource it is about, when it names one. */
  resourceKey?: string;
  outcome: FeedOutcome;
  reason?: string;
  /** The CI it was applied to. */
  ciId?: string;
  appliedAt?: string;
  /** Deliveries after it was settled, not applied again. */
  duplicates?: number;
  /** The event's JSON as received, when at most RAW_MAX_CHARS. */
  rawJson?: string;
}

const FIELD_ORDER = ['eventId', 'source', 'detailType', 'time', 'receivedAt', 'resourceKey', 'outcome', 'reason', 'ciId', 'appliedAt', 'duplicates', 'rawJson'];
/** Config items can near 256 KB (beyond, AWS sends the oversized summary); the record keeps the text when it is small. */
const RAW_MAX_CHARS = 64 * 1024;

export type Recorded = { fresh: true } | { fresh: false; settled: boolean; record: FeedEventRecord };

/**
 * Records the event before anything is applied: one conditional Put. A redelivery finds it:
 * `settled` when its outcome is final (the caller counts a duplicate and applies nothing), not
 * settled when an earlier attempt threw (the caller applies it again: every step is idempotent).
 */
export async function recordFeedEvent(record: Omit<FeedEventRecord, 'outcome'>): Promise<Recorded> {
  const expiresAt = Math.floor(Date.parse(record.receivedAt) / 1000) + RETENTION_DAYS * 24 * 60 * 60;
  const { rawJson, ...rest } = record;
  const item: Item = {
    ...feedEventKey(record.eventId),
    entity: FEED_EVENT_ENTITY,
    ...rest,
    ...(rawJson !== undefined && rawJson.length <= RAW_MAX_CHARS ? { rawJson } : {}),
    outcome: 'received',
    expiresAt,
  };
  try {
    await db.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { fresh: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const old = error.Item === undefined ? await readFeedEventItem(record.eventId) : unmarshall(error.Item);
    if (old === undefined) throw error;
    const existing = withoutKeys<FeedEventRecord>(old, FIELD_ORDER);
    return { fresh: false, settled: SETTLED.includes(existing.outcome), record: existing };
  }
}

async function readFeedEventItem(eventId: string): Promise<Item | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: feedEventKey(eventId), ConsistentRead: true }));
  return item;
}

export async function getFeedEvent(eventId: string): Promise<FeedEventRecord | undefined> {
  const item = await readFeedEventItem(eventId);
  return item === undefined ? undefined : withoutKeys<FeedEventRecord>(item, FIELD_ORDER);
}

/** Writes what became of the event. */
export async function settleFeedEvent(eventId: string, outcome: { outcome: FeedOutcome; reason?: string; ciId?: string; resourceKey?: string }): Promise<void> {
  const names: Record<string, string> = { '#outcome': 'outcome', '#appliedAt': 'appliedAt' };
  const values: Record<string, unknown> = { ':outcome': outcome.outcome, ':at': new Date().toISOString() };
  const sets = ['#outcome = :outcome', '#appliedAt = :at'];
  const removes: string[] = [];
  for (const field of ['reason', 'ciId', 'resourceKey'] as const) {
    names[`#${field}`] = field;
    const value = outcome[field];
    if (value === undefined) {
      if (field === 'reason') removes.push(`#${field}`);
      else delete names[`#${field}`];
    } else {
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
  }
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: feedEventKey(eventId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length === 0 ? '' : ` REMOVE ${removes.join(', ')}`}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/** Counts a delivery of a settled event (not applied again). */
export async function countDuplicateDelivery(eventId: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: feedEventKey(eventId),
      UpdateExpression: 'ADD #duplicates :one',
      ExpressionAttributeNames: { '#duplicates': 'duplicates' },
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/** The relationships AWS Config last reported for the CI (none recorded: empty). */
export async function getReportedRelationships(ciId: string): Promise<StoredRelationship[]> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: awsReportedRelationshipsKey(ciId), ConsistentRead: true }));
  return Array.isArray(item?.relationships) ? (item.relationships as StoredRelationship[]) : [];
}

/** The name of the CI's capture-time check in the feed's own transactions. */
export const CONFIG_ORDER_ITEM = 'ci-capture-time';

/**
 * "The CI still reflects the configuration item captured at `captureTime`": checked in every
 * transaction that writes what that item reported (its relationships, the record of them), so
 * that once a later item's CI write commits, nothing of an earlier one lands after it.
 * `active`: the CI must not be retired either (a retired CI takes no new relationship). A refusal
 * carries the CI's item as it is (ALL_OLD).
 */
export function configOrderCheck(ciId: string, captureTime: string, options: { active?: boolean } = {}): NamedItem {
  const active = options.active === true;
  return named(CONFIG_ORDER_ITEM, {
    ConditionCheck: {
      TableName: TABLE_NAME,
      Key: ciKey(ciId),
      ConditionExpression: `attribute_exists(pk) AND #aws.#captureTime = :captureTime${active ? ' AND #status <> :retired' : ''}`,
      ExpressionAttributeNames: { '#aws': 'aws', '#captureTime': 'captureTime', ...(active ? { '#status': 'status' } : {}) },
      ExpressionAttributeValues: { ':captureTime': captureTime, ...(active ? { ':retired': 'retired' } : {}) },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  });
}

/**
 * Records what the item captured at `captureTime` reported, while the CI still reflects that
 * capture (configOrderCheck) and no later item's report is recorded. False when the CI moved on
 * (a later item was applied, or the CI is gone): nothing written.
 */
export async function putReportedRelationships(ciId: string, relationships: readonly StoredRelationship[], captureTime: string): Promise<boolean> {
  try {
    await transactWrite([
      configOrderCheck(ciId, captureTime),
      {
        Put: {
          TableName: TABLE_NAME,
          Item: {
            ...awsReportedRelationshipsKey(ciId),
            entity: 'ci-aws-reported-relationships',
            relationships: relationships.map(({ source, type, target }) => ({ source, type, target })),
            captureTime,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR captureTime <= :captureTime',
          ExpressionAttributeValues: { ':captureTime': captureTime },
        },
      },
    ]);
    return true;
  } catch (error) {
    if (error instanceof TransactionRefused && error.conditionFailed) return false;
    throw error;
  }
}

/**
 * The feed's items in a CI's partition (what AWS Config last reported, CloudFormation's order), as
 * deletions: ci-write.ts deleteCi removes them with the CI.
 */
export const feedItemDeletesOf = (ciId: string): TransactItem[] =>
  [awsReportedRelationshipsKey(ciId), cloudFormationOrderKey(ciId)].map((key) => ({ Delete: { TableName: TABLE_NAME, Key: key } }));

/** The name of the CloudFormation order check in the feed's own transactions. */
export const CLOUDFORMATION_ORDER_ITEM = 'ci-cloudformation-order';

/**
 * "The last CloudFormation event claimed for the CI is still the one of `time`": checked in every
 * write of that event (the CI, its stack membership), so an event another one overtook after it
 * claimed its place writes nothing more.
 */
export const cloudFormationOrderCheck = (ciId: string, time: string): NamedItem =>
  named(CLOUDFORMATION_ORDER_ITEM, {
    ConditionCheck: {
      TableName: TABLE_NAME,
      Key: cloudFormationOrderKey(ciId),
      ConditionExpression: '#time = :time',
      ExpressionAttributeNames: { '#time': 'time' },
      ExpressionAttributeValues: { ':time': time },
    },
  });

/**
 * Takes the CI's place in CloudFormation's order for an event of `time`: false when an event of a
 * later time was applied to it already (this one is then stale). Taken before the event is
 * applied, so that of two events racing, the older one yields.
 */
export async function claimCloudFormationOrder(ciId: string, time: string): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: { ...cloudFormationOrderKey(ciId), entity: 'ci-cloudformation-order', time },
        ConditionExpression: 'attribute_not_exists(pk) OR #time <= :time',
        ExpressionAttributeNames: { '#time': 'time' },
        ExpressionAttributeValues: { ':time': time },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
