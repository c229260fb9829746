import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { CompiledPattern } from '../event-pattern.ts';
import { backoff, type RetryPolicy } from '../invoke.ts';
import { streamFailureOf } from './failures.ts';
import { toLambdaRecord } from './records.ts';
import type { PollerContext, StreamConsumer } from './types.ts';

/**
 * Invoking a consumer, as an event source mapping does: the records its filter passes, in batches
 * of up to `batchSize`; ReportBatchItemFailures retries from the first failed record, a throw
 * bisects the batch, and after `retry.attempts` failures the batch goes to the on-failure destination.
 */

export const STREAM_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

/** One GetRecords page through the consumer; false if stopped before its end. */
export async function processRecords(
  context: PollerContext,
  consumer: StreamConsumer,
  matches: CompiledPattern,
  shardId: string,
  records: _Record[],
): Promise<boolean> {
  const { checkpoints, waits, retry } = context;
  const done = (record: DynamoDBRecord | _Record) =>
    checkpoints.set(consumer.functionId, shardId, { sequenceNumber: record.dynamodb?.SequenceNumber as string });
  const selected = records.map((record) => toLambdaRecord(record, context.streamArn, context.region)).filter((record) => matches(record));
  let next = 0;
  let limit = consumer.batchSize;
  let head = -1; // the record the failures are counted for
  let attempts = 0;
  let lastError: string | undefined;
  while (next < selected.length) {
    if (waits.stopped) return false;
    const batch = selected.slice(next, next + limit);
    let failedAt: number; // index in the batch of the first record not done
    let threw = false;
    try {
      failedAt = firstFailure(await context.invoke(consumer.functionId, { Records: batch } satisfies DynamoDBStreamEvent), batch);
    } catch (error) {
      threw = true;
      lastError = String(error);
      console.error(JSON.stringify({ level: 'error', message: 'function failed', functionId: consumer.functionId, error: lastError }));
      failedAt = 0;
    }
    if (failedAt >= batch.length) {
      next += batch.length;
      done(batch.at(-1) as DynamoDBRecord);
      limit = consumer.batchSize;
      continue;
    }
    if (failedAt > 0) {
      next += failedAt;
      done(batch[failedAt - 1] as DynamoDBRecord);
      limit = consumer.batchSize;
    }
    if (threw && batch.length > 1) {
      // BisectBatchOnFunctionError: halve the batch; a split does not count as a retry.
      limit = Math.ceil(batch.length / 2);
      continue;
    }
    if (head !== next) {
      head = next;
      attempts = 0;
      if (!threw) lastError = undefined;
    }
    attempts++;
    if (attempts >= retry.attempts) {
      // The batch as last retried goes to the destination whole, and the shard moves past it.
      const givenUp = batch.slice(failedAt);
      await giveUp(context, consumer, shardId, givenUp, attempts, lastError);
      done(givenUp.at(-1) as DynamoDBRecord);
      next += givenUp.length;
      head = -1;
      attempts = 0;
      limit = consumer.batchSize;
      continue;
    }
    await waits.pause(backoff(retry, attempts));
  }
  if (waits.stopped) return false;
  // Records the filter skipped after the last batch are done too.
  done(records.at(-1) as _Record);
  return true;
}

/**
 * Where Lambda restarts a batch, from its response: after the end if all went well; at the
 * failed record with the lowest sequence number; at the start if a failure names no record of
 * the batch (Lambda then retries the whole batch).
 */
export function firstFailure(response: unknown, batch: readonly DynamoDBRecord[]): number {
  const failures = (response as DynamoDBBatchResponse | undefined | null)?.batchItemFailures;
  if (failures === undefined || failures === null || failures.length === 0) return batch.length;
  let first = batch.length;
  for (const failure of failures) {
    const index = batch.findIndex((record) => record.dynamodb?.SequenceNumber === failure?.itemIdentifier);
    if (typeof failure?.itemIdentifier !== 'string' || failure.itemIdentifier === '' || index < 0) return 0;
    first = Math.min(first, index);
  }
  return first;
}

/** Hands a batch given up on to the on-failure destination; if that throws, the records are lost (and the error printed). */
async function giveUp(
  context: PollerContext,
  consumer: StreamConsumer,
  shardId: string,
  records: DynamoDBRecord[],
  attempts: number,
  lastError: string | undefined,
): Promise<void> {
  const failure = streamFailureOf({
    functionId: consumer.functionId,
    shardId,
    streamArn: context.streamArn,
    region: context.region,
    records,
    attempts,
    ...(lastError === undefined ? {} : { error: lastError }),
  });
  try {
    await context.onFailure(failure);
  } catch (error) {
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'stream poller: the failure record could not be written; its records are lost',
        functionId: consumer.functionId,
        key: failure.key,
        error: String(error),
      }),
    );
  }
}
