/**
 * The table stream's event source mappings, locally: reads the table's DynamoDB Local stream and
 * feeds each `tableStream` consumer of CONSUMERS as Lambda does:
 *
 * - every shard is read oldest first (TRIM_HORIZON, or after the checkpoint), a child shard only
 *   once its parent is done, so the records of one item (one partition key) arrive in order;
 * - records the consumer's filter pattern rejects are skipped (and checkpointed), the others go
 *   in batches of up to `batchSize`, in the DynamoDBStreamEvent shape Lambda builds;
 * - a batch response naming failed records (ReportBatchItemFailures) retries from the failed record
 *   with the lowest sequence number, the records before it being done; a throw bisects the batch
 *   (BisectBatchOnFunctionError) down to the failing record; after `retry.attempts` failures the
 *   batch as last retried (from the failed record to the batch's end: one record after a throw,
 *   several after a partial failure) is handed to `onFailure` as Lambda writes it to an S3
 *   on-failure destination (its invocation record, with the batch as `payload`) and the shard
 *   moves past it;
 * - each consumer keeps its own position per shard (one event source mapping each), in
 *   `checkpointFile` when given, so a restart neither replays nor skips.
 *
 * DynamoDB Local 3.3.0, as found (server mode, its clock pushed forward with libfaketime):
 * - a record is readable as soon as its write has returned; GetRecords answers in ~4-8 ms and
 *   returns at most 1,000 records; records survive a restart with -dbPath, same stream and shard;
 * - a table has one shard, and keeps it: the jar has a 4-hour rollover job, but only its embedded
 *   (in-JVM) mode drives it; the lineage handling below is for AWS-like streams all the same;
 * - shard iterators expire after 15 minutes (ExpiredIteratorException: take a new one);
 * - records older than 24 hours are trimmed: reading after a checkpoint whose successor is trimmed
 *   fails with TrimmedDataAccessException, and so does TRIM_HORIZON while every record of the
 *   shard is trimmed (AWS would answer an empty page) -- what a restart of `npm start` after a
 *   weekend meets.
 */

// Where each part lives (local/stream-poller/):
// - poller.ts: startStreamPoller: finds the stream, starts a reader per consumer and ready shard, settled(), stop()
// - shards.ts: listing shards, lineage order (a child after its parent), shard iterators
// - reader.ts: one consumer reading one shard: GetRecords pages, expired iterators, trimmed records
// - batches.ts: invoking a consumer: batches, partial failures, bisecting, retries, giving up
// - consumers.ts: the `tableStream` consumers of CONSUMERS and their filters
// - records.ts: the SDK's stream record -> Lambda's DynamoDBRecord
// - failures.ts: the S3 on-failure destination's record of a batch given up on
// - checkpoints.ts: each consumer's position per shard, in memory or in `checkpointFile`
// - waits.ts: idle polls, retry pauses, and settled()'s waiters
// - types.ts: the options, the poller, the failure record, and what the readers share

export { STREAM_RETRY } from './stream-poller/batches.ts';
export { tableStreamConsumers } from './stream-poller/consumers.ts';
export { localMappingId, streamFailureOf } from './stream-poller/failures.ts';
export { startStreamPoller } from './stream-poller/poller.ts';
export { toLambdaRecord } from './stream-poller/records.ts';
export { shardsReadyToRead } from './stream-poller/shards.ts';
export type { StreamConsumer, StreamFailure, StreamFailureRecord, StreamPoller, StreamPollerOptions } from './stream-poller/types.ts';
