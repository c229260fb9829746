import { unmarshall } from './attribute-values.ts';
import { db, type Item, putAtVersion, putNew, TABLE_NAME, type TransactItem } from './db.ts';
import { TransactionCanceledException, TransactWriteCommand } from './dynamodb.ts';
import { conflictBackoff, retryOnConflict } from './retry.ts';

/*
 * One way to write several items all or nothing. Each item whose condition a caller cares about
 * carries a name ('incident', 'record', 'group:ops', ...); a refusal says which named conditions
 * failed, so callers map it to their error by name and never by where an item sat in the list.
 * Store functions return named items (`named(...)`) inside their lists, so the name travels with
 * the item however the caller assembles the transaction.
 */

/** An item and the name a refusal of its condition is reported under. */
export interface NamedItem {
  readonly name: string;
  readonly item: TransactItem;
}

/** What a transaction is built from: items whose refusal nobody asks about, and named ones. */
export type TransactionEntry = TransactItem | NamedItem;

export const named = (name: string, item: TransactItem): NamedItem => ({ name, item });

const isNamed = (entry: TransactionEntry): entry is NamedItem => 'name' in entry && 'item' in entry;

/** A condition on a written item, as DynamoDB takes it. */
export interface Condition {
  readonly expression: string;
  readonly values?: Record<string, unknown>;
  readonly names?: Record<string, string>;
  /** Report the item as it was (ALL_OLD) when the condition fails: `refused.item(name)`. */
  readonly returnOld?: boolean;
}

const conditionFields = (condition: Condition) => ({
  ConditionExpression: condition.expression,
  ...(condition.values === undefined ? {} : { ExpressionAttributeValues: condition.values }),
  ...(condition.names === undefined ? {} : { ExpressionAttributeNames: condition.names }),
  ...(condition.returnOld === true ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
});

/** A transaction DynamoDB refused: which named conditions failed, and the items as they were. */
export class TransactionRefused extends Error {
  readonly #refused: ReadonlyMap<string, Item | undefined>;

  constructor(
    refused: ReadonlyMap<string, Item | undefined>,
    /** Some condition failed, named or not. */
    readonly conditionFailed: boolean,
    /** It collided with another in-flight transaction on the same items (and no condition failed). */
    readonly conflicted: boolean,
    codes: readonly string[],
  ) {
    super(`Transaction canceled: ${codes.join(', ')}`);
    this.name = 'TransactionRefused';
    this.#refused = refused;
  }

  /** Whether the condition of the item named `name` failed. */
  has(name: string): boolean {
    return this.#refused.has(name);
  }

  /** The named item as it was when its condition failed (ALL_OLD); undefined if it did not exist or was not asked for. */
  item(name: string): Item | undefined {
    return this.#refused.get(name);
  }

  /** The names whose conditions failed, in the order they were added. */
  get refused(): string[] {
    return [...this.#refused.keys()];
  }
}

/** Conflicts are retried this many times in all, with conflictBackoff: the SDK does not retry them. */
const COMMIT_ATTEMPTS = 5;

export class Transaction {
  readonly #items: TransactItem[] = [];
  readonly #names: (string | undefined)[] = [];

  constructor(entries: Iterable<TransactionEntry> = []) {
    this.add(...entries);
  }

  /**
   * Adds items as they are; a named one's refusal is reported under its name. Names are unique in
   * a transaction: two items under one name could not be told apart, so that is a bug, thrown here.
   */
  add(...entries: TransactionEntry[]): this {
    for (const entry of entries) {
      if (isNamed(entry)) {
        if (this.#names.includes(entry.name)) throw new Error(`Two items of one transaction are named '${entry.name}'`);
        this.#items.push(entry.item);
        this.#names.push(entry.name);
      } else {
        this.#items.push(entry);
        this.#names.push(undefined);
      }
    }
    return this;
  }

  /** Puts `item`, if `condition` holds. */
  put(name: string, item: Item, condition?: Condition): this {
    return this.add(named(name, { Put: { TableName: TABLE_NAME, Item: item, ...(condition === undefined ? {} : conditionFields(condition)) } }));
  }

  /** Creates `item`: refused under `name` if its key is taken (db.ts putNew). */
  putNew(name: string, item: Item): this {
    return this.add(named(name, putNew(item)));
  }

  /** Replaces `item` if it is still at `expectedVersion`; a refusal carries it as it is now (db.ts putAtVersion). */
  putAtVersion(name: string, item: Item, expectedVersion: number): this {
    return this.add(named(name, putAtVersion(item, expectedVersion)));
  }

  /** Writes nothing: the transaction holds only while `condition` holds on the item at `key`. */
  check(name: string, key: { pk: string; sk: string }, condition: Condition | string): this {
    const fields = conditionFields(typeof condition === 'string' ? { expression: condition } : condition);
    return this.add(named(name, { ConditionCheck: { TableName: TABLE_NAME, Key: key, ...fields } }));
  }

  get size(): number {
    return this.#items.length;
  }

  /**
   * All or nothing: one TransactWriteItems, sent again (conflictBackoff) while it only collides
   * with another in-flight transaction. A failed condition throws TransactionRefused at once.
   */
  async commit(): Promise<void> {
    const command = new TransactWriteCommand({ TransactItems: this.#items });
    await retryOnConflict(
      async () => {
        try {
          await db.send(command);
        } catch (error) {
          throw error instanceof TransactionCanceledException ? this.#refusal(error) : error;
        }
      },
      { attempts: COMMIT_ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused && error.conflicted, backoff: conflictBackoff },
    );
  }

  #refusal(error: TransactionCanceledException): TransactionRefused {
    const reasons = error.CancellationReasons ?? [];
    const refused = new Map<string, Item | undefined>();
    const codes: string[] = [];
    reasons.forEach((reason, i) => {
      const code = reason.Code ?? 'None';
      const name = this.#names[i];
      codes.push(name === undefined ? code : `${name}: ${code}`);
      if (code === 'ConditionalCheckFailed' && name !== undefined) refused.set(name, reason.Item === undefined ? undefined : unmarshall(reason.Item));
    });
    const conditionFailed = reasons.some((r) => r.Code === 'ConditionalCheckFailed');
    const conflicted = !conditionFailed && reasons.some((r) => r.Code === 'TransactionConflict');
    return new TransactionRefused(refused, conditionFailed, conflicted, codes);
  }
}

/** Shorthand for `new Transaction(entries).commit()`. */
export const transactWrite = (entries: Iterable<TransactionEntry>): Promise<void> => new Transaction(entries).commit();
