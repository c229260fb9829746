import { GetRecordsCommand, type GetRecordsCommandOutput } from '@aws-sdk/client-dynamodb-streams';
import type { CompiledPattern } from '../event-pattern.ts';
import { processRecords } from './batches.ts';
import { errorName, iteratorFor } from './shards.ts';
import type { PollerContext, Reader } from './types.ts';

/**
 * One consumer reading one shard: GetRecords pages from its checkpoint on, through the consumer,
 * until the shard closes (or the poller stops), riding out expired iterators, trimmed records and
 * failed reads.
 */

const GET_RECORDS_LIMIT = 1000;
/** The longest wait between polls of an idle shard: AWS Lambda polls a shard four times a second. */
const IDLE_POLL_MAX_MS = 250;

/**
 * Starts a reader already registered (settled() counts it from now on); an unexpected failure
 * restarts it from its checkpoint. `freshShards` reads the shard list again once the shard is read
 * to its end (its children may start then).
 */
export function startReader(context: PollerContext, reader: Reader, matches: CompiledPattern, freshShards: () => Promise<void>): void {
  const { consumer, shardId } = reader;
  const run = (): Promise<void> =>
    readShard(context, reader, matches, freshShards).catch(async (error: unknown) => {
      // Unexpected (the checkpoint file unwritable, ...): say so, and carry on from the checkpoint.
      console.error(
        JSON.stringify({
          level: 'error',
          message: 'stream poller: shard reader failed; restarting it',
          functionId: consumer.functionId,
          shardId,
          error: String(error),
        }),
      );
      await context.waits.pause(1000);
      if (!context.waits.stopped) return run();
    });
  reader.done = run();
}

async function finish(context: PollerContext, reader: Reader, freshShards: () => Promise<void>): Promise<void> {
  const { checkpoints } = context;
  checkpoints.set(reader.consumer.functionId, reader.shardId, { ...checkpoints.get(reader.consumer.functionId, reader.shardId), finished: true });
  reader.finished = true;
  // Its children may start now; look (afresh) before telling waiters all is read.
  await freshShards().catch(() => undefined);
  context.waits.check();
}

async function readShard(context: PollerContext, reader: Reader, matches: CompiledPattern, freshShards: () => Promise<void>): Promise<void> {
  const { checkpoints, waits, streams } = context;
  const { consumer, shardId } = reader;
  const position = () => checkpoints.get(consumer.functionId, shardId);
  if (position()?.finished === true) {
    reader.finished = true;
    waits.check();
    return;
  }
  /**
   * Nothing to read here yet: say so to settled(), and wait a poll unless someone is waiting. An
   * idle shard is polled less and less often (up to IDLE_POLL_MAX_MS, AWS's own pace of four polls
   * a second), because five consumers polling every 50 ms cost the server and DynamoDB Local about
   * 150 ms of CPU a second each with nothing happening (issue 17's profile). New records reset the
   * pace, and settled() and stop() still wake an idle reader at once.
   */
  let idleMs = context.pollIntervalMs;
  const caughtUp = async (sentAt: number) => {
    reader.caughtUpAt = sentAt;
    waits.check();
    if (waits.awaitedSince(sentAt)) return;
    await waits.idle(idleMs);
    idleMs = Math.min(idleMs * 2, Math.max(IDLE_POLL_MAX_MS, context.pollIntervalMs));
  };
  // After the checkpoint, normally; from the oldest record once the checkpoint's successors are trimmed.
  let fromOldest = false;
  let iterator: string | undefined | null = null; // null: take one at the position
  while (!waits.stopped) {
    const sentAt = performance.now();
    let page: GetRecordsCommandOutput;
    try {
      if (iterator === null) iterator = await iteratorFor(streams, context.streamArn, shardId, fromOldest ? undefined : position()?.sequenceNumber);
      if (iterator === undefined) return finish(context, reader, freshShards);
      page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
    } catch (error) {
      if (waits.stopped) return;
      iterator = null;
      switch (errorName(error)) {
        case 'ExpiredIteratorException': // 15 minutes old (a long retry, a suspended laptop)
          continue;
        case 'ResourceNotFoundException': // the shard was trimmed away
          return finish(context, reader, freshShards);
        case 'TrimmedDataAccessException':
          if (!fromOldest) {
            // Records after the checkpoint aged out (24 h) before they were read: they are lost,
            // as in AWS. Go on from the oldest record still there.
            console.error(
              JSON.stringify({
                level: 'warn',
                message: 'stream poller: records after the checkpoint were trimmed (older than 24 h) unread; going on from the oldest record left',
                functionId: consumer.functionId,
                shardId,
                sequenceNumber: position()?.sequenceNumber,
              }),
            );
            fromOldest = true;
            continue;
          }
          // DynamoDB Local refuses even TRIM_HORIZON while every record of the shard is trimmed
          // (AWS would answer an empty page): nothing to read until a new record arrives.
          await caughtUp(sentAt);
          continue;
        default:
          console.error(
            JSON.stringify({
              level: 'warn',
              message: 'stream poller: reading the stream failed; retrying',
              functionId: consumer.functionId,
              shardId,
              error: String(error),
            }),
          );
          await waits.pause(1000);
          continue;
      }
    }
    const records = page.Records ?? [];
    if (records.length > 0) {
      idleMs = context.pollIntervalMs;
      const complete = await processRecords(context, consumer, matches, shardId, records);
      if (!complete) return; // stopped midway; the checkpoint says where
      fromOldest = false;
    }
    iterator = page.NextShardIterator;
    if (iterator === undefined) return finish(context, reader, freshShards); // a closed shard, read to its end
    if (records.length === 0) await caughtUp(sentAt);
  }
}
