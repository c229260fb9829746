import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { requireEnv } from '../env.ts';

/**
 * Module scope on purpose: one client per container, reused across invocations. The endpoint comes
 * from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally), never from code.
 */
export const TABLE_NAME = requireEnv('TABLE_NAME');
export const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
});

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface CancellationReason {
  readonly code: string;
  /** The item as it was, when the write asked for ReturnValuesOnConditionCheckFailure ALL_OLD. */
  readonly item?: Item;
}

/** A transaction that DynamoDB refused; `reasons` lines up with the items that were sent. */
export class TransactionRefused extends Error {
  constructor(readonly reasons: CancellationReason[]) {
    super(`Transaction canceled: ${reasons.map((r) => r.code).join(', ')}`);
    this.name = 'TransactionRefused';
  }

  failedAt(index: number): CancellationReason | undefined {
    const reason = this.reasons[index];
    return reason !== undefined && reason.code === 'ConditionalCheckFailed' ? reason : undefined;
  }
}

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

const MAX_CONFLICT_RETRIES = 4;

/**
 * All-or-nothing write. Conflicts with another in-flight transaction on the same items are retried
 * with jitter (the SDK does not retry those); condition failures surface as TransactionRefused.
 */
export async function transactWrite(items: TransactItem[], clientRequestToken?: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: clientRequestToken }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons: CancellationReason[] = (error.CancellationReasons ?? []).map((r) => ({
        code: r.Code ?? 'None',
        ...(r.Item === undefined ? {} : { item: unmarshall(r.Item) }),
      }));
      const conflicted = reasons.some((r) => r.code === 'TransactionConflict');
      const conditionFailed = reasons.some((r) => r.code === 'ConditionalCheckFailed');
      if (conflicted && !conditionFailed && attempt < MAX_CONFLICT_RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt + Math.random() * 20));
        continue;
      }
      throw new TransactionRefused(reasons);
    }
  }
}

const isStorageAttribute = (key: string): boolean => key === 'pk' || key === 'sk' || key === 'entity' || key === 'expiresAt' || /^gsi\d+(pk|sk)$/.test(key);

/**
 * Removes the table's key and index attributes: what the API shows is the entity, not its storage.
 * DynamoDB returns attributes in no particular order; `order` puts the named ones first, as documented.
 */
export function withoutKeys<T>(item: Item, order: readonly string[] = []): T {
  const entity: Item = {};
  for (const key of order) if (item[key] !== undefined) entity[key] = item[key];
  for (const [key, value] of Object.entries(item)) {
    if (!isStorageAttribute(key) && !(key in entity)) entity[key] = value;
  }
  return entity as T;
}
