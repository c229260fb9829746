import { type FieldDiff, historyPut } from '../../shared/store/audit.ts';
import { db, type Item, TABLE_NAME } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
import { DEFAULT_RECURRENCE_RULE, type ProblemConfig, type RecurrenceRule } from '../domain/recurrence.ts';

/*
 * The problem configuration (when recurring incidents make a candidate) is one item,
 * `CONFIG#PROBLEMS` / `RECURRENCE`, beside the problem number sequence: the detection reads it with
 * one GetItem per stream batch. Until an admin first writes it, the default rule at version 0.
 * Its history sits in the same partition (`HISTORY#<ulid>`, subject `problem-config`).
 */

const CONFIG_PK = 'CONFIG#PROBLEMS';
export const problemConfigKey = { pk: CONFIG_PK, sk: 'RECURRENCE' } as const;
const SUBJECT = 'problem-config';

/** The fields an admin sets; history tracks these. */
export const PROBLEM_CONFIG_FIELDS = ['threshold', 'windowDays', 'services'] as const;

/** The name of the configuration's own item in its write: refused when another admin changed it first. */
export const PROBLEM_CONFIG_ITEM = 'problem-config';

const canonicalRule = (rule: RecurrenceRule): RecurrenceRule => ({ threshold: rule.threshold, windowDays: rule.windowDays });

/** Members in the documented order and services sorted by name: equal configurations compare equal as JSON. */
export function canonicalProblemConfig(config: Omit<ProblemConfig, 'version'> & { version?: number }): ProblemConfig {
  const services = Object.fromEntries(
    Object.keys(config.services)
      .sort()
      .map((name) => [name, canonicalRule(config.services[name] as RecurrenceRule)]),
  );
  return {
    threshold: config.threshold,
    windowDays: config.windowDays,
    services,
    ...(config.updatedAt === undefined ? {} : { updatedAt: config.updatedAt }),
    version: config.version ?? 0,
  };
}

export const DEFAULT_PROBLEM_CONFIG: ProblemConfig = canonicalProblemConfig({ ...DEFAULT_RECURRENCE_RULE, services: {}, version: 0 });

/** The configuration in force: one strongly consistent GetItem; the defaults (version 0) until written. */
export async function loadProblemConfig(): Promise<ProblemConfig> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: problemConfigKey, ConsistentRead: true }));
  return result.Item === undefined ? DEFAULT_PROBLEM_CONFIG : canonicalProblemConfig(result.Item as Item as unknown as ProblemConfig);
}

/** The configuration's write at `expectedVersion` (0: created) and its history record. */
export function problemConfigItems(config: ProblemConfig, expectedVersion: number, actor: string, changes: FieldDiff[]): TransactionEntry[] {
  const at = config.updatedAt ?? new Date().toISOString();
  return [
    named(PROBLEM_CONFIG_ITEM, {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...problemConfigKey, entity: 'problem-config', ...config },
        // Version 0 is the defaults, never stored: the first write creates the item.
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    historyPut(CONFIG_PK, SUBJECT, { at, actor, action: expectedVersion === 0 ? 'created' : 'updated', version: config.version, changes }),
  ];
}
