import { createHash, randomBytes } from 'node:crypto';
import { serviceKey } from '../../directory/store/keys.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { unmarshall } from '../../shared/store/attribute-values.ts';
import { type HistoryDraft, historyPut } from '../../shared/store/audit.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { ConditionalCheckFailedException, GetCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';

/*
 * Integration keys (PagerDuty "routing keys") of a service:
 *   integration  pk INTEGRATION#<sha256 of the key>  sk INTEGRATION
 *                gsi2 INTEGRATIONS#SERVICE#<service> -> <createdAt>#<id>   (a service's keys, listed)
 *                gsi3 INTEGRATIONS#LIVE#<service> -> <createdAt>#<id>      (its live keys only: removed on revoke)
 *   by id        pk INTEGRATION#ID#<id>              sk INTEGRATION   keyHash, service
 *   live count   pk INTEGRATIONS#SERVICE#<service>   sk LIVE          liveKeys, legacyKeysChecked
 * Only a hash of the key is stored: the key is shown once, when it is created, like an API token.
 * The item also carries the key's rate-limit window (`rateWindow`, `windowCount`), so that checking
 * the key and counting the event against its limit is one conditional UpdateItem. Revoking by id
 * and asking whether a service has live keys are each one GetItem, however many keys the service
 * has had: the id item names the hash, and the live count moves in the transactions that create
 * and revoke keys.
 */
export interface Integration {
  id: string;
  service: string;
  name: string;
  /** The last 4 characters, to tell keys apart in lists. */
  keyHint: string;
  rateLimitPerMinute: number;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
  revokedBy?: string;
}

export const INTEGRATION_ORDER = ['id', 'service', 'name', 'keyHint', 'rateLimitPerMinute', 'createdAt', 'createdBy', 'revokedAt', 'revokedBy'];

const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');
const integrationKeyOfHash = (keyHash: string) => ({ pk: `INTEGRATION#${keyHash}`, sk: 'INTEGRATION' });
const integrationKey = (key: string) => integrationKeyOfHash(hashKey(key));
const integrationIdKey = (id: string) => ({ pk: `INTEGRATION#ID#${id}`, sk: 'INTEGRATION' });
const servicePartition = (service: string) => `INTEGRATIONS#SERVICE#${service}`;
const livePartition = (service: string) => `INTEGRATIONS#LIVE#${service}`;
const liveCountKey = (service: string) => ({ pk: servicePartition(service), sk: 'LIVE' });

const countLiveKeys = (service: string, delta: 1 | -1): TransactItem => ({
  Update: {
    TableName: TABLE_NAME,
    Key: liveCountKey(service),
    UpdateExpression: 'SET entity = :entity ADD liveKeys :delta',
    ExpressionAttributeValues: { ':entity': 'integration-count', ':delta': delta },
  },
});

/** 32 lowercase hex characters, the length PagerDuty's routing keys have (tools validate it). */
export const generateRoutingKey = (): string => randomBytes(16).toString('hex');

/** The name of createIntegrationItems' check that the service exists, to tell a refusal apart. */
export const SERVICE_CHECK = 'service';

export function createIntegrationItems(key: string, integration: Integration, history: HistoryDraft): TransactionEntry[] {
  return [
    {
      Put: {
        TableName: TABLE_NAME,
        Item: {
          ...integrationKey(key),
          entity: 'integration',
          gsi2pk: servicePartition(integration.service),
          gsi2sk: `${integration.createdAt}#${integration.id}`,
          gsi3pk: livePartition(integration.service),
          gsi3sk: `${integration.createdAt}#${integration.id}`,
          ...integration,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...integrationIdKey(integration.id), entity: 'integration-id', keyHash: hashKey(key), service: integration.service },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    countLiveKeys(integration.service, 1),
    // The service must exist when the key is created, not just when it was last read.
    named(SERVICE_CHECK, directoryRecordLive(serviceKey(integration.service))),
    historyPut(serviceKey(integration.service).pk, integration.service, history),
  ];
}

/*
 * Keys created by a version before the id item, the live count and the live index existed have
 * their key item only. The backfill (scripts/backfill-integration-keys.ts) writes for each what
 * creating it writes now; until it has run, findIntegration and hasActiveIntegrations find such
 * keys the old way (a Query of the service's keys) and upgrade what they find the same way, so
 * old keys can be revoked and hold their service before the migration too. The id item is created
 * only where missing and the count moves only in that same transaction, so a key is counted once
 * however often it is upgraded, and a key created with its id item (already counted) is never
 * counted again.
 */
/** The names of integrationBackfillItems' id item and key item (its live entry), to tell a refusal apart. */
const BACKFILL_ID_ITEM = 'integration-id';
const BACKFILL_KEY_ITEM = 'integration-key';

/** A live key's entry in the live index; only while it is live and not yet listed there. */
export function liveIndexEntry(item: Item): TransactItem {
  const { service, createdAt, id } = fromItem(item);
  return {
    Update: {
      TableName: TABLE_NAME,
      Key: { pk: item.pk, sk: item.sk },
      UpdateExpression: 'SET gsi3pk = :pk, gsi3sk = :sk',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt) AND attribute_not_exists(gsi3pk)',
      ExpressionAttributeValues: { ':pk': livePartition(service), ':sk': `${createdAt}#${id}` },
    },
  };
}

/** For a key item as an earlier version wrote it: its id item, and if live its live entry and count. */
export function integrationBackfillItems(item: Item): TransactionEntry[] {
  const { id, service, revokedAt } = fromItem(item);
  const keyHash = String(item.pk).slice('INTEGRATION#'.length);
  const idItem = named(BACKFILL_ID_ITEM, {
    Put: {
      TableName: TABLE_NAME,
      Item: { ...integrationIdKey(id), entity: 'integration-id', keyHash, service },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
  if (revokedAt !== undefined) return [idItem];
  return [idItem, named(BACKFILL_KEY_ITEM, liveIndexEntry(item)), countLiveKeys(service, 1)];
}

/**
 * Gives a key item an earlier version wrote what creating it writes now; whether anything was
 * written. Safe to repeat and to run concurrently (the backfill and request paths both call it).
 */
export async function upgradeLegacyKey(read: Item): Promise<boolean> {
  let item: Item | undefined = read;
  // A refusal on the key item (and not on the id item) means it changed since it was read (revoked, or deleted).
  const keyChanged = (error: unknown) => error instanceof TransactionRefused && error.has(BACKFILL_KEY_ITEM) && !error.has(BACKFILL_ID_ITEM);
  try {
    return await retryOnConflict(
      async () => {
        if (item === undefined) return false;
        const current = item;
        try {
          await transactWrite(integrationBackfillItems(current));
          return true;
        } catch (error) {
          if (error instanceof TransactionRefused && error.has(BACKFILL_ID_ITEM)) return current.revokedAt === undefined && (await indexLiveKey(current));
          if (keyChanged(error)) {
            // Read it again; nothing is left to upgrade if it went or is in the live index now.
            const key: Item = { pk: current.pk, sk: current.sk };
            const fresh: Item | undefined = (await db.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }))).Item;
            item = fresh === undefined || fresh.gsi3pk !== undefined ? undefined : fresh;
          }
          throw error;
        }
      },
      { attempts: 3, isConflict: keyChanged },
    );
  } catch (error) {
    // It kept changing under the upgrade: the next call (request path or backfill) tries again.
    if (keyChanged(error)) return false;
    throw error;
  }
}

/** A key that has its id item (and so its count): only the live index entry may be missing. */
async function indexLiveKey(item: Item): Promise<boolean> {
  try {
    await transactWrite([liveIndexEntry(item)]);
    return true;
  } catch (error) {
    if (error instanceof TransactionRefused) return false;
    throw error;
  }
}

/**
 * The first of a service's keys (gsi2) that `keep` keeps, reading every page until one does. Kept
 * here rather than by a FilterExpression: DynamoDB reads every item of a page either way, and
 * DynamoDB Local applies its 1 MB page limit only after a filter, so tests could not see the pages.
 */
async function firstServiceKey(service: string, keep: (item: Item) => boolean): Promise<Item | undefined> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': servicePartition(service) },
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    const found = page.Items?.find(keep);
    if (found !== undefined) return found;
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return undefined;
}

/** A service's keys (gsi2), oldest first. */
export async function listIntegrations(service: string, limit: number, cursor?: string): Promise<Page<Integration>> {
  const query: QueryCommandInput = {
    TableName: TABLE_NAME,
    IndexName: 'gsi2',
    KeyConditionExpression: 'gsi2pk = :pk',
    ExpressionAttributeValues: { ':pk': servicePartition(service) },
  };
  const page = await queryPage(query, limit, cursor, filterFingerprint({ kind: 'integrations', service }));
  return { ...page, items: page.items.map(fromItem) };
}

const fromItem = (item: Item): Integration => {
  const {
    rateWindow: _window,
    windowCount: _count,
    ...rest
  } = withoutKeys<Integration & { rateWindow?: number; windowCount?: number }>(item, INTEGRATION_ORDER);
  return rest;
};

/** A service's live keys (gsi3, a sparse index revoking leaves): one Query, however many were revoked. */
export async function listLiveIntegrations(service: string, limit: number, cursor?: string): Promise<Page<Integration>> {
  const query: QueryCommandInput = {
    TableName: TABLE_NAME,
    IndexName: 'gsi3',
    KeyConditionExpression: 'gsi3pk = :pk',
    ExpressionAttributeValues: { ':pk': livePartition(service) },
  };
  const page = await queryPage(query, limit, cursor, filterFingerprint({ kind: 'live-integrations', service }));
  return { ...page, items: page.items.map(fromItem) };
}

/**
 * Whether a service still has a key that is not revoked (a service with live keys cannot be
 * deleted). One GetItem of the live count, except once per service without a live counted key:
 * keys from before the count are not in it, so the service's keys are searched for a live one
 * (upgraded when found, which counts it) and, if there is none, the count item records that none
 * is left (no version writes such keys any more, so that stays true).
 */
export async function hasActiveIntegrations(service: string): Promise<boolean> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: liveCountKey(service), ConsistentRead: true }));
  if (((result.Item?.liveKeys as number | undefined) ?? 0) > 0) return true;
  if (result.Item?.legacyKeysChecked === true) return false;
  // With no live key counted, any live key is one the count does not know of.
  const uncounted = await firstServiceKey(service, (item) => item.revokedAt === undefined);
  if (uncounted !== undefined) {
    await upgradeLegacyKey(uncounted);
    return true;
  }
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: liveCountKey(service),
      UpdateExpression: 'SET entity = :entity, legacyKeysChecked = :checked ADD liveKeys :zero',
      ExpressionAttributeValues: { ':entity': 'integration-count', ':checked': true, ':zero': 0 },
    }),
  );
  return false;
}

/** A key of the service, by the id admins see (not the key): where its item is, and whether revoked. */
export interface IntegrationRef {
  id: string;
  service: string;
  keyHash: string;
  revoked: boolean;
}

/**
 * Two GetItems, whatever the number of keys: the id names the key's hash, the hash its item. An
 * id without its id item is a key from before id items (or no key): the service's keys are
 * searched for it, and a key found is upgraded, so it is searched for once.
 */
export async function findIntegration(service: string, id: string): Promise<IntegrationRef | undefined> {
  const found = await findIntegrationById(service, id);
  if (found !== 'no-id-item') return found;
  const legacy = await firstServiceKey(service, (item) => item.id === id);
  if (legacy === undefined) return undefined;
  await upgradeLegacyKey(legacy);
  const upgraded = await findIntegrationById(service, id);
  return upgraded === 'no-id-item' ? undefined : upgraded;
}

async function findIntegrationById(service: string, id: string): Promise<IntegrationRef | undefined | 'no-id-item'> {
  const byId = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: integrationIdKey(id), ConsistentRead: true }));
  if (byId.Item === undefined) return 'no-id-item';
  if (byId.Item.service !== service) return undefined;
  const keyHash = byId.Item.keyHash as string;
  const item = await db.send(
    new GetCommand({ TableName: TABLE_NAME, Key: integrationKeyOfHash(keyHash), ConsistentRead: true, ProjectionExpression: 'revokedAt' }),
  );
  return { id, service, keyHash, revoked: item.Item?.revokedAt !== undefined };
}

/** The name of the key's item in its revoke: refused when someone else revoked it first. */
export const REVOKED_KEY_ITEM = 'integration-key';

/** The key's item marked revoked (named, so a concurrent revoke is told apart), the live count, the history. */
export function revokeIntegrationItems(ref: IntegrationRef, actor: string, at: string): TransactionEntry[] {
  return [
    named(REVOKED_KEY_ITEM, {
      Update: {
        TableName: TABLE_NAME,
        Key: integrationKeyOfHash(ref.keyHash),
        UpdateExpression: 'SET revokedAt = :at, revokedBy = :actor REMOVE gsi3pk, gsi3sk',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
        ExpressionAttributeValues: { ':at': at, ':actor': actor },
      },
    }),
    countLiveKeys(ref.service, -1),
    historyPut(serviceKey(ref.service).pk, ref.service, {
      at,
      actor,
      action: 'updated',
      version: 0,
      changes: [{ field: `integrations.${ref.id}.revokedAt`, from: null, to: at }],
    }),
  ];
}

export type Admission =
  | { admitted: true; integration: Integration; window: number }
  | { admitted: false; reason: 'unknown' | 'revoked' }
  | { admitted: false; reason: 'rate-limited'; retryAfterSeconds: number };

/**
 * Checks a routing key and counts one event against its per-minute limit, in one conditional
 * UpdateItem (two at the turn of a minute). Nothing else is written for a refused key.
 */
export async function admitEvent(routingKey: string, now: Date): Promise<Admission> {
  const window = Math.floor(now.getTime() / 60_000);
  const retryAfterSeconds = Math.max(1, 60 - Math.floor((now.getTime() % 60_000) / 1000));
  const attempt = (sameWindow: boolean) =>
    db.send(
      new UpdateCommand({
        TableName: TABLE_NAME,
        Key: integrationKey(routingKey),
        UpdateExpression: sameWindow ? 'ADD windowCount :one' : 'SET rateWindow = :window, windowCount = :one',
        ConditionExpression: sameWindow
          ? 'attribute_exists(pk) AND attribute_not_exists(revokedAt) AND rateWindow = :window AND windowCount < rateLimitPerMinute'
          : 'attribute_exists(pk) AND attribute_not_exists(revokedAt) AND (attribute_not_exists(rateWindow) OR rateWindow <> :window)',
        ExpressionAttributeValues: { ':window': window, ':one': 1 },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  for (const sameWindow of [true, false, true]) {
    try {
      const result = await attempt(sameWindow);
      return { admitted: true, integration: fromItem(result.Attributes as Item), window };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The document client does not unmarshall the old item of a failed condition.
      const old = error.Item === undefined ? undefined : unmarshall(error.Item);
      if (old === undefined) return { admitted: false, reason: 'unknown' };
      if (old.revokedAt !== undefined) return { admitted: false, reason: 'revoked' };
      // Same window and at the limit: refused. Otherwise the window turned (or turned meanwhile
      // for a concurrent request): the next attempt uses the other form.
      if (old.rateWindow === window && (old.windowCount as number) >= (old.rateLimitPerMinute as number)) {
        return { admitted: false, reason: 'rate-limited', retryAfterSeconds };
      }
    }
  }
  throw new Error('Rate-limit window kept changing under concurrent requests');
}

/**
 * Gives back the slot admitEvent counted, when the event it admitted could not be recorded: a slot
 * is spent only on an event recorded. Only within the same window (a new window has its own count).
 */
export async function releaseAdmission(routingKey: string, window: number): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: TABLE_NAME,
        Key: integrationKey(routingKey),
        UpdateExpression: 'ADD windowCount :minusOne',
        ConditionExpression: 'rateWindow = :window AND windowCount > :zero',
        ExpressionAttributeValues: { ':window': window, ':minusOne': -1, ':zero': 0 },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
