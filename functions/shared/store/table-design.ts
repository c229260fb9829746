/**
 * The single table's physical shape, shared by the CDK data stack, the local runtime (which
 * creates the same table in DynamoDB Local) and the store code. Attribute names are generic on
 * purpose: each entity decides what its keys mean (see docs/data-model.md), so incidents, changes,
 * problems, SLA timers and approvals all live in this one table without new indexes per entity.
 */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const TTL_ATTRIBUTE = 'expiresAt';

export interface GlobalIndexDesign {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** Seven overloaded indexes; every one projects ALL so a list is a single Query round trip. */
export const GLOBAL_INDEXES: readonly GlobalIndexDesign[] = [1, 2, 3, 4, 5, 6, 7].map((n) => ({
  indexName: `gsi${n}`,
  partitionKey: `gsi${n}pk`,
  sortKey: `gsi${n}sk`,
}));

export type IndexName = 'gsi1' | 'gsi2' | 'gsi3' | 'gsi4' | 'gsi5' | 'gsi6' | 'gsi7';

/**
 * Partition key prefixes of the queue count items (functions/shared/store/queue-counts.ts): the
 * counters and the markers of what they counted. The counting consumers may write these and nothing
 * else (TableAccess `queueCounts`).
 */
export const QUEUE_COUNTER_PREFIX = 'COUNT#';
export const QUEUE_MARKER_PREFIX = 'COUNTED#';
/** Partition key prefix of the queue heads (functions/shared/store/queue-heads.ts), the first pages of lists the consumer keeps. */
export const QUEUE_HEAD_PREFIX = 'HEAD#';
