import { db, type Item, putNew, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
import { suggestionKey } from './keys.ts';
import { deflectionCounterUpdates } from './stats-store.ts';

/*
 * A suggestion (pk SUGGESTION#<id>, sk SUGGESTION): who asked, when, what for, the articles it
 * offered, and, once one answered the need, which and when. Kept 30 days (the table's TTL), which
 * is how long its deflection can be reported. Written once by POST /suggestions; its deflection is
 * the one update, conditional, so a need answered is counted once however often it is said.
 */

export const SUGGESTION_TTL_DAYS = 30;

export interface OfferedArticle {
  readonly id: string;
  readonly number: string;
  readonly title: string;
}

export interface Suggestion {
  readonly id: string;
  readonly by: string;
  readonly at: string;
  readonly title: string;
  readonly service?: string;
  /** The ids of the articles offered, best first. */
  readonly articles: readonly string[];
  /** The same articles with the label the counters repeat (number, title, as they were offered). */
  readonly offered: readonly OfferedArticle[];
  readonly deflectedBy?: string;
  readonly deflectedAt?: string;
  /** Epoch seconds, the table's TTL attribute: TTL deletes the item some time after; reads treat it as gone from then on. */
  readonly expiresAt: number;
}

/** The name of the suggestion's update in the deflection's transaction. */
export const SUGGESTION_ITEM = 'suggestion';

export const suggestionExpiry = (now: Date): number => Math.floor(now.getTime() / 1000) + SUGGESTION_TTL_DAYS * 24 * 60 * 60;

/** The suggestion's item, written once (a transaction entry: the Idempotency-Key's record may go with it). */
export const suggestionPut = (suggestion: Suggestion): TransactItem => putNew({ ...suggestionKey(suggestion.id), entity: 'suggestion', ...suggestion });

const fromItem = (item: Item): Suggestion => {
  const { pk: _pk, sk: _sk, entity: _entity, ...suggestion } = item;
  return suggestion as unknown as Suggestion;
};

/** The suggestion, unless it never existed or has expired (TTL deletes lazily). Strongly consistent. */
export async function getSuggestion(id: string, now: Date): Promise<Suggestion | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: suggestionKey(id), ConsistentRead: true }));
  if (item === undefined) return undefined;
  const suggestion = fromItem(item);
  return suggestion.expiresAt <= Math.floor(now.getTime() / 1000) ? undefined : suggestion;
}

/**
 * The deflection's transaction: the suggestion marked answered by `article` (only if it is still
 * the caller's and not answered yet: refused as SUGGESTION_ITEM, with the item as it was), the
 * article's deflections counter and the day's (stats-store.ts). `day` is yyyy-mm-dd, UTC.
 */
export function deflectionItems(suggestion: Suggestion, article: OfferedArticle, now: Date): TransactionEntry[] {
  const update: TransactItem = {
    Update: {
      TableName: TABLE_NAME,
      Key: suggestionKey(suggestion.id),
      UpdateExpression: 'SET deflectedBy = :article, deflectedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND #by = :caller AND attribute_not_exists(deflectedAt)',
      ExpressionAttributeNames: { '#by': 'by' },
      ExpressionAttributeValues: { ':article': article.id, ':at': now.toISOString(), ':caller': suggestion.by },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
  const day = now.toISOString().slice(0, 10);
  return [named(SUGGESTION_ITEM, update), ...deflectionCounterUpdates(article.id, day, { number: article.number, title: article.title })];
}
