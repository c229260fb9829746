import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { invokeFunction } from '../invoke.ts';
import { STREAM_RETRY } from './batches.ts';
import { Checkpoints } from './checkpoints.ts';
import { recordFilterOf, tableStreamConsumers } from './consumers.ts';
import { startReader } from './reader.ts';
import { listShards, shardsReadyToRead } from './shards.ts';
import type { PollerContext, Reader, StreamPoller, StreamPollerOptions } from './types.ts';
import { Waits } from './waits.ts';

type ClientConfig = { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };

/** The table's stream ARN, or why the table cannot be polled. */
async function latestStreamArn(clientConfig: ClientConfig, tableName: string): Promise<string> {
  const table = new DynamoDBClient(clientConfig);
  const description = await table.send(new DescribeTableCommand({ TableName: tableName }));
  table.destroy();
  const streamArn = description.Table?.LatestStreamArn;
  if (streamArn === undefined || description.Table?.StreamSpecification?.StreamEnabled !== true) {
    throw new Error(`table ${tableName} has no stream enabled`);
  }
  return streamArn;
}

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const clientConfig = { endpoint: options.endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const streamArn = await latestStreamArn(clientConfig, options.tableName);

  const streams = new DynamoDBStreamsClient(clientConfig);
  const consumers = (options.consumers ?? tableStreamConsumers()).map((consumer) => ({ consumer, matches: recordFilterOf(consumer) }));
  const readers = new Map<string, Reader>(); // `${functionId} ${shardId}`
  const waits = new Waits((since) => [...readers.values()].every((reader) => reader.finished || reader.caughtUpAt >= since));
  const context: PollerContext = {
    streams,
    streamArn,
    region,
    checkpoints: new Checkpoints(options.checkpointFile, streamArn),
    waits,
    invoke: options.invoke ?? invokeFunction,
    retry: options.retry ?? STREAM_RETRY,
    pollIntervalMs: options.pollIntervalMs ?? 50,
    onFailure: options.onFailure,
  };

  let refreshing: Promise<void> | undefined;
  /** Reads the shard list and starts a reader for each shard now ready, for each consumer. */
  function refreshShards(): Promise<void> {
    refreshing ??= (async () => {
      try {
        const shards = await listShards(streams, streamArn);
        if (waits.stopped) return;
        context.checkpoints.prune(new Set(shards.map((s) => s.ShardId as string)));
        for (const { consumer, matches } of consumers) {
          const mine = [...readers.values()].filter((r) => r.consumer === consumer);
          const started = new Set(mine.map((r) => r.shardId));
          const finished = new Set(mine.filter((r) => r.finished).map((r) => r.shardId));
          for (const shard of shardsReadyToRead(shards, started, finished)) {
            const reader: Reader = {
              consumer,
              shardId: shard.ShardId as string,
              caughtUpAt: Number.NEGATIVE_INFINITY,
              finished: false,
              done: Promise.resolve(),
            };
            readers.set(`${consumer.functionId} ${reader.shardId}`, reader);
            startReader(context, reader, matches, freshShards);
          }
        }
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  /** A shard list read after this call, not one already on its way. */
  async function freshShards(): Promise<void> {
    await refreshing?.catch(() => undefined);
    return refreshShards();
  }

  await refreshShards();
  const refreshEvery = options.shardRefreshMs ?? 5000;
  const refresher = setInterval(() => {
    refreshShards().catch((error: unknown) => {
      if (!waits.stopped) console.error(JSON.stringify({ level: 'warn', message: 'stream poller: DescribeStream failed', error: String(error) }));
    });
  }, refreshEvery);
  refresher.unref();

  return {
    streamArn,
    settled: async () => {
      if (waits.stopped) return;
      const since = performance.now();
      await freshShards();
      await waits.settle(since);
    },
    stop: async () => {
      if (waits.stopped) return;
      waits.stop();
      clearInterval(refresher);
      await refreshing?.catch(() => undefined);
      await Promise.all([...readers.values()].map((reader) => reader.done));
      waits.check();
      streams.destroy();
    },
  };
}
