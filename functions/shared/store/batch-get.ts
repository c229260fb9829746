import { db, type Item, TABLE_NAME } from './db.ts';
import { BatchGetCommand } from './dynamodb.ts';

/*
 * BatchGetItem for any number of keys. DynamoDB takes at most 100 keys per request and may leave
 * some unread (UnprocessedKeys) when a partition is throttled or the answer passes 16 MB; those are
 * asked again after a growing, jittered pause, as AWS advises, rather than at once into the same
 * throttling. In the normal case this is one request per 100 keys, all in flight together.
 */

/** Keys per BatchGetItem request: DynamoDB's limit. */
export const BATCH_GET_LIMIT = 100;

export interface BatchGetOptions {
  /** Strongly consistent reads (the item as of the last acknowledged write). */
  readonly consistentRead?: boolean;
  /** Only these attributes (by name, any name allowed); `pk` and `sk` are always read, to place each item. */
  readonly attributes?: readonly string[];
  /** Requests per chunk before giving up on keys still unprocessed (the first included). */
  readonly attempts?: number;
  /** Milliseconds to wait before asking again for unprocessed keys, given the attempt that left them (1 for the first). */
  readonly backoff?: (failedAttempt: number) => number;
}

export interface TableKey {
  readonly pk: string;
  readonly sk: string;
}

const DEFAULT_ATTEMPTS = 6;

/** 50-100 ms, then 100-150, 200-250, 400-450, 800-850 ms: about 1.7 s in all before giving up. */
export const unprocessedBackoff = (failedAttempt: number): number => 50 * 2 ** (failedAttempt - 1) + Math.random() * 50;

const keyId = (key: { pk: unknown; sk: unknown }): string => `${String(key.pk)}\u0000${String(key.sk)}`;

/**
 * The items of `keys`, in the order of `keys`: `undefined` where there is none. A key may be given
 * more than once (it is read once). Throws when keys are still unprocessed after the last attempt.
 */
export async function batchGetAll(keys: readonly TableKey[], options: BatchGetOptions = {}): Promise<(Item | undefined)[]> {
  const unique = [...new Map(keys.map((key) => [keyId(key), { pk: key.pk, sk: key.sk }])).values()];
  const chunks: Item[][] = [];
  for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) chunks.push(unique.slice(start, start + BATCH_GET_LIMIT));
  const found = new Map<string, Item>();
  await Promise.all(
    chunks.map(async (chunk) => {
      for (const item of await readChunk(chunk, options)) found.set(keyId({ pk: item.pk, sk: item.sk }), item);
    }),
  );
  return keys.map((key) => found.get(keyId(key)));
}

/** The items of `keys` that exist, each once, in the order of the keys' first appearance. */
export async function batchGetExisting(keys: readonly TableKey[], options: BatchGetOptions = {}): Promise<Item[]> {
  const items = await batchGetAll(keys, options);
  return [...new Set(items.filter((item) => item !== undefined))];
}

function projection(attributes: readonly string[] | undefined): { ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> } {
  if (attributes === undefined) return {};
  const names = [...new Set(['pk', 'sk', ...attributes])];
  return {
    ProjectionExpression: names.map((_, i) => `#a${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
  };
}

async function readChunk(chunk: Item[], options: BatchGetOptions): Promise<Item[]> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const backoff = options.backoff ?? unprocessedBackoff;
  const request = { ...(options.consistentRead === true ? { ConsistentRead: true } : {}), ...projection(options.attributes) };
  const items: Item[] = [];
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const result = await db.send(new BatchGetCommand({ RequestItems: { [TABLE_NAME]: { Keys: pending, ...request } } }));
    items.push(...(result.Responses?.[TABLE_NAME] ?? []));
    pending = result.UnprocessedKeys?.[TABLE_NAME]?.Keys ?? [];
    if (pending.length === 0) return items;
    if (attempt >= attempts) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${attempts} requests`);
    await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
  }
}
