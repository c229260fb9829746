import { DescribeStreamCommand, type DynamoDBStreamsClient, GetShardIteratorCommand, type Shard } from '@aws-sdk/client-dynamodb-streams';

/** The stream's shards: listing them, which to read next (lineage order), and where to start reading one. */

export const errorName = (error: unknown) => (error as { name?: string }).name ?? '';

/**
 * The shards to start reading: not started yet, and whose parent is done or no longer listed
 * (trimmed away). Kinesis and DynamoDB Streams promise order only along this lineage.
 */
export function shardsReadyToRead(shards: readonly Shard[], started: ReadonlySet<string>, finished: ReadonlySet<string>): Shard[] {
  const listed = new Set(shards.map((s) => s.ShardId));
  return shards.filter(
    (shard) =>
      shard.ShardId !== undefined &&
      !started.has(shard.ShardId) &&
      (shard.ParentShardId === undefined || finished.has(shard.ParentShardId) || !listed.has(shard.ParentShardId)),
  );
}

export async function listShards(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let exclusiveStartShardId: string | undefined;
  do {
    const page = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ...(exclusiveStartShardId === undefined ? {} : { ExclusiveStartShardId: exclusiveStartShardId }) }),
    );
    shards.push(...(page.StreamDescription?.Shards ?? []));
    exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId !== undefined);
  return shards;
}

/** An iterator after `after` (the checkpoint), or at the oldest record without one or once it is trimmed. */
export async function iteratorFor(streams: DynamoDBStreamsClient, streamArn: string, shardId: string, after: string | undefined): Promise<string | undefined> {
  if (after !== undefined) {
    try {
      const answer = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
      );
      return answer.ShardIterator;
    } catch (error) {
      // Trimmed (older than 24 h), or not a sequence number of this shard: read what is left.
      if (!['TrimmedDataAccessException', 'ValidationException'].includes(errorName(error))) throw error;
      console.error(
        JSON.stringify({
          level: 'warn',
          message: 'stream poller: checkpoint no longer readable; reading the shard from its oldest record',
          shardId,
          sequenceNumber: after,
          error: String(error),
        }),
      );
    }
  }
  const answer = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
  return answer.ShardIterator;
}
