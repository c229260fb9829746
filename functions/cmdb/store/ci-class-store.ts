import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type FieldDiff, historyPut } from '../../shared/store/audit.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
import { CI_CLASS_FIELD_ORDER, type CiClass } from '../domain/ci-classes.ts';
import { ciClassKey, cmdbConfigKey } from './keys.ts';

/*
 * ci-class   pk CICLASS#<name>  sk CICLASS   entity ci-class; listed through gsi1 CICLASSES (by name).
 *            Built-in classes nobody changed are not stored (domain/ci-classes.ts has them).
 * history    pk CICLASS#<name>  sk HISTORY#<ulid>
 * config     pk CONFIG#CMDB     sk CONFIG    the AWS feed's tag mapping; history beside it.
 */

const CLASS_LIST = 'CICLASSES';
export const CI_CLASS_ITEM = 'ci-class';
export const CI_CLASS_FIELDS = ['description', 'attributesSchema'] as const;

const classFromItem = (item: Item): CiClass => withoutKeys<CiClass>(item, CI_CLASS_FIELD_ORDER);

/** The stored class (an admin-defined one, or a built-in one an admin changed): one strongly consistent GetItem. */
export async function getStoredCiClass(name: string): Promise<CiClass | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: ciClassKey(name), ConsistentRead: true }));
  return item === undefined ? undefined : classFromItem(item);
}

/** Every stored class, by name: one Query of the class list (few classes: all pages). */
export async function listStoredCiClasses(): Promise<CiClass[]> {
  const classes: CiClass[] = [];
  let startKey: Item | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': CLASS_LIST },
        ExclusiveStartKey: startKey,
      }),
    );
    classes.push(...(page.Items ?? []).map(classFromItem));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return classes;
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
  ];
}

/** Holds a CI's write while its admin-defined class still exists (a class delete between the read and the write). */
export const ciClassExists = (name: string): TransactItem => ({
  ConditionCheck: { TableName: TABLE_NAME, Key: ciClassKey(name), ConditionExpression: 'attribute_exists(pk)' },
});

/** Whether any CI of the CMDB's own is of this class: one Query of the class index, one item. */
export async function classInUse(name: string): Promise<boolean> {
  const page = await db.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `CIS#CLASS#${name}` },
      Limit: 1,
    }),
  );
  return (page.Items ?? []).length > 0;
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
