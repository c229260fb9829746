import { type FieldDiff, historyPut } from '../../shared/store/audit.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { queryAll } from '../../shared/store/pagination.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
import { CI_CLASS_FIELD_ORDER, type CiClass } from '../domain/ci-classes.ts';
import { ciClassKey, cmdbConfigKey } from './keys.ts';

/*
 * ci-class   pk CICLASS#<name>  sk CICLASS   entity ci-class; listed through gsi1 CICLASSES (by name).
 *            Built-in classes nobody changed are not stored (domain/ci-classes.ts has them).
 * history    pk CICLASS#<name>  sk HISTORY#<ulid>
 * count      pk CICLASS#<name>  sk CICOUNT   ciCount: how many CIs are of this admin-defined class.
 * config     pk CONFIG#CMDB     sk CONFIG    the AWS feed's tag mapping; history beside it.
 */

const CLASS_LIST = 'CICLASSES';
export const CI_CLASS_ITEM = 'ci-class';
export const CI_CLASS_FIELDS = ['description', 'attributesSchema'] as const;

const classFromItem = (item: Item): CiClass => withoutKeys<CiClass>(item, CI_CLASS_FIELD_ORDER);

/*
 * Why a count: a class may only be deleted while no CI is of it, and the class index (gsi2) lags
 * the writes, so a CI created a moment before the delete may not be listed yet. Every CI write that
 * makes a CI of an admin-defined class (a create, a change of class) adds one to the class's count
 * in its own transaction, on condition that the class exists; every write that unmakes one (a
 * deletion, a change of class) takes one off; the class's deletion removes the count on condition
 * that it is 0. Both touch the class's items in one transaction each, so DynamoDB orders them:
 * either the CI is counted before the delete looks (409 class-in-use), or the class is gone before
 * the CI's write (400 on class). No Query, no lag. The count is an item of its own beside the class
 * so that PUT /ci-classes/{name} (a Put of the class at its version) neither resets it nor is
 * refused for it. Built-in classes are never deleted (DELETE restores their default schema): no count.
 */
export const ciClassCountKey = (name: string) => ({ pk: ciClassKey(name).pk, sk: 'CICOUNT' });
/** The name of a class-count item in a CI write's transaction: refused, the class does not exist (any more). */
export const CI_CLASS_COUNT_ITEM = 'ci-class-count';

/** One more CI of an admin-defined class, while the class exists (refused under CI_CLASS_COUNT_ITEM otherwise). */
export function ciClassCounted(name: string): TransactionEntry {
  return named(CI_CLASS_COUNT_ITEM, {
    ConditionCheck: { TableName: TABLE_NAME, Key: ciClassKey(name), ConditionExpression: 'attribute_exists(pk)' },
  });
}

/** The count's own change, beside ciClassCounted's check of the class (two items: a transaction cannot check and update one key). */
export const ciClassCountAdd = (name: string, delta: 1 | -1): TransactItem => ({
  Update: {
    TableName: TABLE_NAME,
    Key: ciClassCountKey(name),
    UpdateExpression: 'SET entity = :entity ADD ciCount :delta',
    ExpressionAttributeValues: { ':entity': 'ci-class-count', ':delta': delta },
  },
});

/** The stored class (an admin-defined one, or a built-in one an admin changed): one strongly consistent GetItem. */
export async function getStoredCiClass(name: string): Promise<CiClass | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: ciClassKey(name), ConsistentRead: true }));
  return item === undefined ? undefined : classFromItem(item);
}

/** Every stored class, by name: one Query of the class list (few classes: all pages). */
export async function listStoredCiClasses(): Promise<CiClass[]> {
  const items = await queryAll({
    TableName: TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': CLASS_LIST },
  });
  return items.map(classFromItem);
}

/** The class's write at `expectedVersion` (0: the first write) and its history record. */
export function ciClassWriteItems(ciClass: CiClass, expectedVersion: number, actor: string, changes: FieldDiff[]): TransactionEntry[] {
  const key = ciClassKey(ciClass.name);
  return [
    named(CI_CLASS_ITEM, {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...key, entity: 'ci-class', gsi1pk: CLASS_LIST, gsi1sk: ciClass.name, ...ciClass },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    historyPut(key.pk, ciClass.name, {
      at: ciClass.updatedAt ?? new Date().toISOString(),
      actor,
      action: expectedVersion === 0 ? 'created' : 'updated',
      version: ciClass.version,
      changes,
    }),
  ];
}

/** Removes the stored class at `expectedVersion` (a built-in one goes back to its default), with its history record. */
export function ciClassDeleteItems(ciClass: CiClass, actor: string): TransactionEntry[] {
  const key = ciClassKey(ciClass.name);
  return [
    named(CI_CLASS_ITEM, {
      Delete: {
        TableName: TABLE_NAME,
        Key: key,
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': ciClass.version },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    historyPut(key.pk, ciClass.name, { at: new Date().toISOString(), actor, action: 'deleted', version: ciClass.version, changes: [] }),
    // No CI of it (see ciClassCountKey): refused under CI_CLASS_COUNT_ITEM while any is.
    named(CI_CLASS_COUNT_ITEM, {
      Delete: {
        TableName: TABLE_NAME,
        Key: ciClassCountKey(ciClass.name),
        ConditionExpression: 'attribute_not_exists(pk) OR ciCount <= :none',
        ExpressionAttributeValues: { ':none': 0 },
      },
    }),
  ];
}

// ---- The CMDB configuration: the AWS feed's tag mapping ----

export interface CmdbConfig {
  /** The resource tag whose value is a CI's owner group. */
  ownerGroupTag: string;
  /** The resource tag whose value is a CI's environment. */
  environmentTag: string;
  updatedAt?: string;
  version: number;
}

export const CMDB_CONFIG_FIELDS = ['ownerGroupTag', 'environmentTag'] as const;
export const CMDB_CONFIG_ITEM = 'cmdb-config';
export const DEFAULT_CMDB_CONFIG: CmdbConfig = { ownerGroupTag: 'itsm:owner-group', environmentTag: 'itsm:environment', version: 0 };

/** The configuration in force: one strongly consistent GetItem; the defaults (version 0) until written. */
export async function loadCmdbConfig(): Promise<CmdbConfig> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: cmdbConfigKey(), ConsistentRead: true }));
  if (item === undefined) return DEFAULT_CMDB_CONFIG;
  return withoutKeys<CmdbConfig>(item, ['ownerGroupTag', 'environmentTag', 'updatedAt', 'version']);
}

export function cmdbConfigItems(config: CmdbConfig, expectedVersion: number, actor: string, changes: FieldDiff[]): TransactionEntry[] {
  const key = cmdbConfigKey();
  return [
    named(CMDB_CONFIG_ITEM, {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...key, entity: 'cmdb-config', ...config },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    historyPut(key.pk, 'cmdb-config', {
      at: config.updatedAt ?? new Date().toISOString(),
      actor,
      action: expectedVersion === 0 ? 'created' : 'updated',
      version: config.version,
      changes,
    }),
  ];
}
