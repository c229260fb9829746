import { type FieldDiff, historyPut } from '../../shared/store/audit.ts';
import { db, type Item, TABLE_NAME } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
import { DEFAULT_REVIEW_INTERVAL_DAYS, MAX_REVIEW_INTERVAL_DAYS, MIN_REVIEW_INTERVAL_DAYS } from '../domain/review.ts';
import { KNOWLEDGE_CONFIG_KEY } from './keys.ts';

/*
 * The knowledge configuration is one item, `KNOWLEDGE-CONFIG` / `KNOWLEDGE-CONFIG`: how many days a
 * published article goes without review before it is due. Until an admin first writes it, the
 * defaults at version 0. Its history sits in the same partition (`HISTORY#<ulid>`, subject
 * `knowledge-config`).
 */

const SUBJECT = 'knowledge-config';

export { DEFAULT_REVIEW_INTERVAL_DAYS, MAX_REVIEW_INTERVAL_DAYS, MIN_REVIEW_INTERVAL_DAYS };

export interface KnowledgeConfig {
  /** A published article not reviewed for this many days is due for review. */
  readonly reviewIntervalDays: number;
  /** Absent until the configuration is first written. */
  readonly updatedAt?: string;
  /** The ETag; 0 until the configuration is first written. */
  readonly version: number;
}

/** The fields an admin sets; history tracks these. */
export const KNOWLEDGE_CONFIG_FIELDS = ['reviewIntervalDays'] as const;
/** The name of the configuration's own item in its write: refused when another admin changed it first. */
export const KNOWLEDGE_CONFIG_ITEM = 'knowledge-config';

/** Members in the documented order: equal configurations compare equal as JSON. */
export function canonicalKnowledgeConfig(config: {
  reviewIntervalDays: number;
  updatedAt?: string | undefined;
  version?: number | undefined;
}): KnowledgeConfig {
  return {
    reviewIntervalDays: config.reviewIntervalDays,
    ...(config.updatedAt === undefined ? {} : { updatedAt: config.updatedAt }),
    version: config.version ?? 0,
  };
}

export const DEFAULT_KNOWLEDGE_CONFIG: KnowledgeConfig = canonicalKnowledgeConfig({ reviewIntervalDays: DEFAULT_REVIEW_INTERVAL_DAYS });

/** The configuration in force: one strongly consistent GetItem; the defaults (version 0) until written. */
export async function getKnowledgeConfig(): Promise<KnowledgeConfig> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: KNOWLEDGE_CONFIG_KEY, ConsistentRead: true }));
  return result.Item === undefined ? DEFAULT_KNOWLEDGE_CONFIG : canonicalKnowledgeConfig(result.Item as Item as unknown as KnowledgeConfig);
}

/** How long an instance keeps the configuration it read: an admin's change reaches every instance within this. */
export const KNOWLEDGE_CONFIG_CACHE_MS = 60_000;
let cached: { readonly config: KnowledgeConfig; readonly at: number } | undefined;
let loading: Promise<KnowledgeConfig> | undefined;

/**
 * The configuration, cached per Lambda instance for KNOWLEDGE_CONFIG_CACHE_MS (a read of an article
 * needs only the review interval, which changes rarely): at most one GetItem a minute per instance;
 * concurrent first reads share one. An instance that writes the configuration remembers what it
 * wrote at once (rememberKnowledgeConfig); others see it within a minute.
 */
export async function cachedKnowledgeConfig(now: number = Date.now()): Promise<KnowledgeConfig> {
  if (cached !== undefined && now - cached.at < KNOWLEDGE_CONFIG_CACHE_MS) return cached.config;
  loading ??= getKnowledgeConfig()
    .then((config) => {
      cached = { config, at: Date.now() };
      return config;
    })
    .finally(() => {
      loading = undefined;
    });
  return loading;
}

/** What this instance just wrote is in force here at once. */
export function rememberKnowledgeConfig(config: KnowledgeConfig): void {
  cached = { config, at: Date.now() };
}

/** The configuration's write at `expectedVersion` (0: created) and its history record. `config` carries the new version and updatedAt. */
export function knowledgeConfigItems(config: KnowledgeConfig, expectedVersion: number, actor: string, changes: FieldDiff[]): TransactionEntry[] {
  const at = config.updatedAt ?? new Date().toISOString();
  return [
    named(KNOWLEDGE_CONFIG_ITEM, {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...KNOWLEDGE_CONFIG_KEY, entity: 'knowledge-config', ...config },
        // Version 0 is the defaults, never stored: the first write creates the item.
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    historyPut(KNOWLEDGE_CONFIG_KEY.pk, SUBJECT, { at, actor, action: expectedVersion === 0 ? 'created' : 'updated', version: config.version, changes }),
  ];
}
