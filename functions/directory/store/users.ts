import type { RecordStore } from '../../shared/crud/crud.ts';
import type { FieldDiff } from '../../shared/store/audit.ts';
import { batchGetAll } from '../../shared/store/batch-get.ts';
import { db, type Item, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { userEmailKey, userKey } from './keys.ts';
import { directoryRecordStore, getRecord, recordFromItem, USERS, type VersionedRecord } from './records.ts';

/** A user as the API shows it (functions/directory/schemas/directory.ts userSchema). */
export interface User extends VersionedRecord {
  id: string;
  displayName: string;
  email?: string;
  /** The user id of their manager (approvals that ask "the requester's manager"). */
  manager?: string;
  active: boolean;
}

/** One strongly consistent GetItem; undefined when there is no such user. Inactive users are returned (active false): the caller decides. */
export const getUser = (id: string): Promise<User | undefined> => getRecord<User>(USERS, id);

/**
 * Users by id, in the order of `ids` (undefined where there is none): one BatchGetItem per 100
 * ids, eventually consistent (a read for display or addressing, not for a write's check).
 */
export async function getUsers(ids: readonly string[]): Promise<(User | undefined)[]> {
  const items = await batchGetAll(ids.map(userKey));
  return items.map((item) => (item === undefined ? undefined : recordFromItem<User>(USERS, item)));
}

/**
 * The user whose e-mail is `email`, compared case-insensitively: one GetItem of the e-mail index
 * item, then the user's GetItem. An inactive user is returned (active false): the caller decides.
 * The user is checked to hold the address still, so an index item left behind answers nothing.
 */
export async function findUserByEmail(email: string): Promise<User | undefined> {
  const userId = await emailHolder(email);
  if (userId === undefined) return undefined;
  const user = await getUser(userId);
  return user?.email?.toLowerCase() === email.toLowerCase() ? user : undefined;
}

/** The name of the e-mail index item in a user's write: refused when another user holds the address (409 email-in-use). */
export const USER_EMAIL_ITEM = 'user-email';
/**
 * The name of the old address's release in a replace: refused only when another user holds the
 * old address, which happens to a user written before the index who shared it (migration
 * `user-email-index` gave it to the other): the write is made again without the release.
 */
export const USER_EMAIL_RELEASE = 'user-email-release';

/** The user the index says holds `email`, if any: one GetItem. */
export async function emailHolder(email: string): Promise<string | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: userEmailKey(email), ConsistentRead: true }));
  return typeof Item?.userId === 'string' ? Item.userId : undefined;
}

/** Claims `email` for `userId`: refused if another user holds it. */
function claimEmail(userId: string, email: string): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { ...userEmailKey(email), entity: 'user-email', userId },
      ConditionExpression: 'attribute_not_exists(pk) OR userId = :user',
      ExpressionAttributeValues: { ':user': userId },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Gives `email` up, if `userId` holds it or nobody does (a user written before the index has no item: nothing to do). */
export function releaseEmail(userId: string, email: string): TransactItem {
  return {
    Delete: {
      TableName: TABLE_NAME,
      Key: userEmailKey(email),
      ConditionExpression: 'attribute_not_exists(pk) OR userId = :user',
      ExpressionAttributeValues: { ':user': userId },
    },
  };
}

const sameAddress = (a: unknown, b: unknown): boolean => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

/**
 * The e-mail index writes of a user's replace, read off the e-mail's change: the old address is
 * given up and the new one claimed, in the user's own transaction. A change of case only moves
 * nothing (the index is lowercased).
 */
function emailMove(userId: string, changes: readonly FieldDiff[], releaseOld: boolean): TransactionEntry[] {
  const change = changes.find((diff) => diff.field === 'email');
  if (change === undefined || sameAddress(change.from, change.to)) return [];
  return [
    ...(releaseOld && typeof change.from === 'string' ? [named(USER_EMAIL_RELEASE, releaseEmail(userId, change.from))] : []),
    ...(typeof change.to === 'string' ? [named(USER_EMAIL_ITEM, claimEmail(userId, change.to))] : []),
  ];
}

/**
 * Users are directory records (records.ts) whose writes also keep the e-mail index: a user's
 * create claims their address, a replace moves it. A delete gives it up through the user
 * resource's beforeDelete (it reads the user; the store's delete knows only the id).
 * `releaseOldEmail: false` leaves the old address's item alone: for the user whose old address
 * another user holds (USER_EMAIL_RELEASE).
 */
export function userRecordStore({ releaseOldEmail = true } = {}): RecordStore {
  const records = directoryRecordStore(USERS);
  return {
    ...records,
    createItems: (id, record, changes, context) => [
      ...records.createItems(id, record, changes, context),
      ...(typeof record.email === 'string' ? [named(USER_EMAIL_ITEM, claimEmail(id, record.email))] : []),
    ],
    replaceItems: (id, record, expectedVersion, changes, context) => [
      ...records.replaceItems(id, record, expectedVersion, changes, context),
      ...emailMove(id, changes, releaseOldEmail),
    ],
  };
}

/**
 * Upgrade step for users written before the e-mail index (scripts/migrations.ts): writes the index
 * item of one stored user, unless it is there, while the user is still at the version read (a
 * user written since claimed their address in that write). An address another user already holds
 * is left to that user (two users written before the index with one address: the first one
 * indexed keeps it) and reported. Safe to repeat.
 */
export async function indexUserEmail(user: Item): Promise<'indexed' | 'already' | 'held-by-another' | 'changed' | 'no-email'> {
  const email = user.email;
  const userId = String(user.id);
  if (typeof email !== 'string') return 'no-email';
  try {
    await transactWrite([
      named(USER_EMAIL_ITEM, {
        Put: {
          TableName: TABLE_NAME,
          Item: { ...userEmailKey(email), entity: 'user-email', userId },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      }),
      named('user', {
        ConditionCheck: {
          TableName: TABLE_NAME,
          Key: userKey(userId),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': user.version },
        },
      }),
    ]);
    return 'indexed';
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    if (error.has('user')) return 'changed';
    if (error.has(USER_EMAIL_ITEM)) return error.item(USER_EMAIL_ITEM)?.userId === userId ? 'already' : 'held-by-another';
    throw error;
  }
}
