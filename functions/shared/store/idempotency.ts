import { createHash } from 'node:crypto';
import { badRequest, unprocessable } from '../errors.ts';
import type { ApiRequest, ApiResult } from '../http/handler.ts';
import { db, TABLE_NAME, type TransactItem } from './db.ts';
import { GetCommand } from './dynamodb.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from './transaction.ts';

/** The name of the stored response's item in a transaction: refused when the key was seen before. */
const IDEMPOTENCY_RECORD = 'idempotency-record';

/** How long a key protects against duplicates: a day, like Stripe's and AWS's own client tokens. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyClaim {
  readonly pk: string;
  readonly fingerprint: string;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

/**
 * Reads the Idempotency-Key header. The key is scoped to the caller, the method and the resource,
 * so two users (or two incidents' note lists) never collide on the same client-chosen key.
 * `resource` defaults to the raw path; pass the canonical one when a resource has several
 * addresses (an incident by id and by number), so a retry sent to the other address still replays.
 * `body` is the parsed request body: formatting differences do not make a different request.
 */
export function claimIdempotencyKey(request: ApiRequest, body: unknown, resource: string = request.event.rawPath): IdempotencyClaim | undefined {
  const key = request.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw badRequest('invalid-idempotency-key', 'Invalid Idempotency-Key', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
  const scope = `${request.principal.userId}\n${request.event.requestContext.http.method} ${resource}\n${key}`;
  return { pk: `IDEMPOTENCY#${sha256(scope)}`, fingerprint: sha256(canonicalJson(body)) };
}

/**
 * A claim the server makes itself, for a write that a redelivery must not repeat (an inbound
 * e-mail, keyed `email:<message id>`): the retry replays the first write's answer. `operation`
 * names what the key was used for; a retry that would do something else is refused (422) instead
 * of answered with the other write's result.
 */
export function serverIdempotencyClaim(key: string, operation: string): IdempotencyClaim {
  return { pk: `IDEMPOTENCY#${key}`, fingerprint: sha256(operation) };
}

function recordItem(claim: IdempotencyClaim, response: ApiResult, now: Date): TransactItem {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: {
        pk: claim.pk,
        sk: 'IDEMPOTENCY',
        entity: 'idempotency',
        fingerprint: claim.fingerprint,
        response: { status: response.status, headers: response.headers ?? {}, body: JSON.stringify(response.body ?? null) },
        createdAt: now.toISOString(),
        expiresAt: nowSeconds + IDEMPOTENCY_WINDOW_SECONDS,
      },
      // TTL deletes lazily, so an expired record still present must not block a new request.
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': nowSeconds },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The answer to a retry: the stored response of the first request, or 422 if the body differs. */
function replayOf(previous: Record<string, unknown>, claim: IdempotencyClaim): ApiResult {
  if (previous.fingerprint !== claim.fingerprint) {
    throw unprocessable(
      'idempotency-key-reused',
      'Idempotency-Key reused',
      'This Idempotency-Key was already used with a different request body within the last 24 hours',
    );
  }
  const stored = previous.response as StoredResponse;
  return {
    status: stored.status,
    headers: { ...stored.headers, 'idempotent-replayed': 'true' },
    body: JSON.parse(stored.body) as unknown,
  };
}

/**
 * Commits `items` and, when the request carried an Idempotency-Key, the record of its response in
 * the same transaction. A key seen before replays the stored response (same body) or is refused
 * with 422 (different body); nothing is written twice. Other refusals are rethrown for the caller.
 */
export async function commitIdempotently(
  items: readonly TransactionEntry[],
  claim: IdempotencyClaim | undefined,
  response: ApiResult,
  now: Date = new Date(),
  /** What a replay answers, when it must differ from the first answer (a secret shown only once). */
  replayed: ApiResult = response,
): Promise<ApiResult> {
  if (claim === undefined) {
    await transactWrite(items);
    return response;
  }
  try {
    await transactWrite([...items, named(IDEMPOTENCY_RECORD, recordItem(claim, replayed, now))]);
    return response;
  } catch (error) {
    const previous = error instanceof TransactionRefused ? error.item(IDEMPOTENCY_RECORD) : undefined;
    if (previous === undefined) throw error;
    return replayOf(previous, claim);
  }
}

/**
 * The stored response of a request seen before with this key and body, if any: for handlers whose
 * own checks would refuse a retry before the commit could replay it (a second vote is refused as
 * such, a retried one must answer as the first did). A different body is refused as at commit.
 */
export async function previousResponse(claim: IdempotencyClaim | undefined, now: Date = new Date()): Promise<ApiResult | undefined> {
  if (claim === undefined) return undefined;
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: claim.pk, sk: 'IDEMPOTENCY' }, ConsistentRead: true }));
  if (item === undefined || (item.expiresAt as number) < Math.floor(now.getTime() / 1000)) return undefined;
  return replayOf(item, claim);
}
