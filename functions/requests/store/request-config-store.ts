import { type FieldDiff, historyPut } from '../../shared/store/audit.ts';
import { db, type Item, TABLE_NAME } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
import { REQUEST_CONFIG_DEFAULTS } from '../domain/config-defaults.ts';
import { catalogItemKey, REQUEST_CONFIG_KEY } from './keys.ts';

/*
 * The request configuration is one item, `REQUEST-CONFIG` / `REQUEST-CONFIG`: how long each
 * approval stage waits before a reminder (then expiry), how many reminders, and the catalog item a
 * mail to the desk opens. Every submission reads it with one GetItem (its timing goes into the
 * workflow's input). Until an admin first writes it, the defaults at version 0. Its history sits in
 * the same partition (`HISTORY#<ulid>`, subject `request-config`).
 */

const SUBJECT = 'request-config';

export interface RequestConfig {
  /** Each wait for a stage's approvers before a reminder (then, reminders used up, expiry). */
  approvalTimeoutSeconds: number;
  /** Reminders to the approvers who have not voted, before the stage expires and the request is rejected. */
  reminders: number;
  /** The catalog item an e-mail that opens a request orders (answers: summary, details). */
  emailDefaultItem: string;
  /** Absent until the configuration is first written. */
  updatedAt?: string;
  /** The ETag; 0 until the configuration is first written. */
  version: number;
}

/** The fields an admin sets; history tracks these. */
export const REQUEST_CONFIG_FIELDS = ['approvalTimeoutSeconds', 'reminders', 'emailDefaultItem'] as const;

/** The name of the configuration's own item in its write: refused when another admin changed it first. */
export const REQUEST_CONFIG_ITEM = 'request-config';
/** The check, in the same write, that the e-mail item exists. */
export const EMAIL_DEFAULT_ITEM_CHECK = 'email-default-item';

/** Members in the documented order: equal configurations compare equal as JSON (history diffs rely on it). */
export function canonicalRequestConfig(
  config: Omit<RequestConfig, 'version' | 'updatedAt'> & { version?: number; updatedAt?: string | undefined },
): RequestConfig {
  return {
    approvalTimeoutSeconds: config.approvalTimeoutSeconds,
    reminders: config.reminders,
    emailDefaultItem: config.emailDefaultItem,
    ...(config.updatedAt === undefined ? {} : { updatedAt: config.updatedAt }),
    version: config.version ?? 0,
  };
}

export const DEFAULT_REQUEST_CONFIG: RequestConfig = canonicalRequestConfig({ ...REQUEST_CONFIG_DEFAULTS, version: 0 });

/** The configuration in force: one strongly consistent GetItem (an admin's change applies to the next submission); the defaults (version 0) until written. */
export async function getRequestConfig(): Promise<RequestConfig> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: REQUEST_CONFIG_KEY, ConsistentRead: true }));
  return result.Item === undefined ? DEFAULT_REQUEST_CONFIG : canonicalRequestConfig(result.Item as Item as unknown as RequestConfig);
}

/** The configuration's write at `expectedVersion` (0: created) and its history record. `config` carries the new version and updatedAt. */
export function requestConfigItems(config: RequestConfig, expectedVersion: number, actor: string, changes: FieldDiff[]): TransactionEntry[] {
  const at = config.updatedAt ?? new Date().toISOString();
  return [
    named(REQUEST_CONFIG_ITEM, {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...REQUEST_CONFIG_KEY, entity: 'request-config', ...config },
        // Version 0 is the defaults, never stored: the first write creates the item.
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    historyPut(REQUEST_CONFIG_KEY.pk, SUBJECT, { at, actor, action: expectedVersion === 0 ? 'created' : 'updated', version: config.version, changes }),
  ];
}

/** The e-mail item exists at the instant of the write (named EMAIL_DEFAULT_ITEM_CHECK). */
export const emailDefaultItemCheck = (itemId: string): TransactionEntry =>
  named(EMAIL_DEFAULT_ITEM_CHECK, {
    ConditionCheck: { TableName: TABLE_NAME, Key: catalogItemKey(itemId), ConditionExpression: 'attribute_exists(pk)' },
  });
