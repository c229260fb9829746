import { requireEnv } from '../env.ts';
import { DynamoDBDocument, QueryCommand, type TransactWriteCommandInput } from './dynamodb.ts';

/**
 * Module scope on purpose: one client per container, reused across invocations. The endpoint comes
 * from the environment, as the SDK reads it (AWS_ENDPOINT_URL_DYNAMODB locally), never from code.
 * Our own document client (dynamodb.ts), not the SDK's: loading the SDK costs 100-200 ms of every
 * cold start. It marshals as lib-dynamodb did with removeUndefinedValues and no convertEmptyValues.
 */
export const TABLE_NAME = requireEnv('TABLE_NAME');
export const db = new DynamoDBDocument();

export type Item = Record<string, unknown>;
/** One write of a transaction; transaction.ts commits them, each named if its refusal matters. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Creates an item: refused (ConditionalCheckFailed) if its key is taken. */
export const putNew = (item: Item): TransactItem => ({ Put: { TableName: TABLE_NAME, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } });

/**
 * Replaces an item if, and only if, it is still at the version the caller read: optimistic
 * locking. A refusal carries the item as it is now (ALL_OLD), so the caller can answer with the
 * current ETag.
 */
export const putAtVersion = (item: Item, expectedVersion: number): TransactItem => ({
  Put: {
    TableName: TABLE_NAME,
    Item: item,
    ConditionExpression: 'version = :expected',
    ExpressionAttributeValues: { ':expected': expectedVersion },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

/**
 * Checks, without writing it, that an item is still at the version the caller read: for a write
 * that lands beside an entity without changing it (a note), so that its ETag does not move. A
 * refusal carries the item as it is now (ALL_OLD), as putAtVersion's does.
 */
export const checkAtVersion = (key: Item, expectedVersion: number): TransactItem => ({
  ConditionCheck: {
    TableName: TABLE_NAME,
    Key: key,
    ConditionExpression: 'version = :expected',
    ExpressionAttributeValues: { ':expected': expectedVersion },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

/**
 * The item a record number names, through gsi1, where every numbered kind lists all its records
 * (partition `allOfKind`: INCIDENT, CHANGE, PROBLEM, REQUEST, TASK) sorted by number: one Query,
 * eventually consistent like every index read. Undefined when no record has that number (yet).
 */
export async function itemByNumber(allOfKind: string, number: string): Promise<Item | undefined> {
  const result = await db.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :number',
      ExpressionAttributeValues: { ':pk': allOfKind, ':number': number },
    }),
  );
  return result.Items?.[0];
}

const STORAGE_ATTRIBUTES: ReadonlySet<string> = new Set(['pk', 'sk', 'entity', 'expiresAt']);
// Index attributes are tried only for names starting `gsi`: this runs for every attribute of every item a list reads.
const isStorageAttribute = (key: string): boolean => STORAGE_ATTRIBUTES.has(key) || (key.startsWith('gsi') && /^gsi\d+(pk|sk)$/.test(key));

/**
 * Removes the table's key and index attributes: what the API shows is the entity, not its storage.
 * DynamoDB returns attributes in no particular order; `order` puts the named ones first, as documented.
 */
export function withoutKeys<T>(record: object, order: readonly string[] = []): T {
  const item = record as Item;
  const entity: Item = {};
  for (const key of order) if (item[key] !== undefined) entity[key] = item[key];
  for (const key in item) {
    if (!(key in entity) && Object.hasOwn(item, key) && !isStorageAttribute(key)) entity[key] = item[key];
  }
  return entity as T;
}
