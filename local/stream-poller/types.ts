import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { EventPattern } from '../event-pattern.ts';
import type { Invoke, RetryPolicy } from '../invoke.ts';
import type { Checkpoints } from './checkpoints.ts';
import type { Waits } from './waits.ts';

export interface StreamConsumer {
  readonly functionId: string;
  /** A Lambda event filter pattern on the stream record; none passes every record. */
  readonly filter?: EventPattern;
  readonly batchSize: number;
}

export interface StreamPollerOptions {
  /** DynamoDB Local's endpoint (it serves the Streams API too). */
  readonly endpoint: string;
  readonly tableName: string;
  /**
   * The on-failure destination: takes each batch given up on, as Lambda writes it to an S3
   * bucket. If it throws, the batch is lost, as when Lambda cannot deliver to its destination
   * (the error is printed).
   */
  readonly onFailure: (failure: StreamFailure) => Promise<void> | void;
  /** Defaults to the `tableStream` consumers of functions/routes.ts CONSUMERS. */
  readonly consumers?: readonly StreamConsumer[];
  readonly invoke?: Invoke;
  /** Where positions survive restarts; in memory without it. */
  readonly checkpointFile?: string;
  /** The region in the records (`awsRegion`); defaults to AWS_REGION. */
  readonly region?: string;
  /** How long a caught-up shard waits before asking again. */
  readonly pollIntervalMs?: number;
  /** How often the shard list is read again (new shards also show up when one closes, and on settled()). */
  readonly shardRefreshMs?: number;
  readonly retry?: RetryPolicy;
}

export interface StreamPoller {
  readonly streamArn: string;
  /**
   * Resolves once every consumer has processed (or dead-lettered) every record written to the
   * table before the call: each of its shards has been read to the end since.
   */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What Lambda writes to an S3 on-failure destination for a stream batch it gave up on: the
 * invocation record (what an SQS or SNS destination gets too) plus `payload`, the event the
 * function was invoked with, as a JSON string.
 */
export interface StreamFailureRecord {
  readonly requestContext: { readonly requestId: string; readonly functionArn: string; readonly condition: string; readonly approximateInvokeCount: number };
  readonly responseContext: { readonly statusCode: number; readonly executedVersion: string; readonly functionError?: string };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
  readonly payload: string;
}

export interface StreamFailure {
  readonly functionId: string;
  /** The object key Lambda would use: `aws/lambda/<mapping id>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`. */
  readonly key: string;
  readonly record: StreamFailureRecord;
  /** The last error the function threw, if it threw (Lambda's record says only `Unhandled`). */
  readonly error?: string;
}

/** One consumer reading one shard (one event source mapping's share of the stream). */
export interface Reader {
  readonly consumer: StreamConsumer;
  readonly shardId: string;
  /** performance.now() when the last GetRecords that found nothing new was sent. */
  caughtUpAt: number;
  finished: boolean;
  done: Promise<void>;
}

/** What the readers of one poller share. */
export interface PollerContext {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly region: string;
  readonly checkpoints: Checkpoints;
  readonly waits: Waits;
  readonly invoke: Invoke;
  readonly retry: RetryPolicy;
  /** How long a caught-up shard waits before asking again. */
  readonly pollIntervalMs: number;
  readonly onFailure: StreamPollerOptions['onFailure'];
}
