import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, AttributeValue as LambdaAttributeValue } from 'aws-lambda';
import { CONSUMERS } from '../functions/routes.ts';
import { type CompiledPattern, compileEventPattern, type EventPattern } from './event-pattern.ts';
import { backoff, type Invoke, invokeFunction, type RetryPolicy } from './invoke.ts';

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

/** A stable stand-in for the event source mapping's UUID, one per consumer. */
export function localMappingId(functionId: string): string {
  const hex = createHash('md5').update(`event-source-mapping ${functionId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function streamFailureOf(options: {
  functionId: string;
  shardId: string;
  streamArn: string;
  region: string;
  records: readonly DynamoDBRecord[];
  attempts: number;
  error?: string;
  now?: Date;
}): StreamFailure {
  const now = options.now ?? new Date();
  const first = options.records[0];
  const last = options.records.at(-1);
  const arrival = (record: DynamoDBRecord | undefined) =>
    new Date((record?.dynamodb?.ApproximateCreationDateTime ?? Math.floor(now.getTime() / 1000)) * 1000).toISOString().replace('.000Z', 'Z');
  const stamp = now.toISOString();
  return {
    functionId: options.functionId,
    key: `aws/lambda/${localMappingId(options.functionId)}/${options.shardId}/${stamp.slice(0, 10).replaceAll('-', '/')}/${stamp.slice(0, 19).replaceAll(':', '.')}-${randomUUID()}`,
    record: {
      requestContext: {
        requestId: randomUUID(),
        functionArn: `arn:aws:lambda:${options.region}:000000000000:function:${options.functionId}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: options.attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(options.error === undefined ? {} : { functionError: 'Unhandled' }) },
      version: '1.0',
      timestamp: stamp,
      DDBStreamBatchInfo: {
        shardId: options.shardId,
        startSequenceNumber: first?.dynamodb?.SequenceNumber ?? '',
        endSequenceNumber: last?.dynamodb?.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: options.records.length,
        streamArn: options.streamArn,
      },
      payload: JSON.stringify({ Records: options.records }),
    },
    ...(options.error === undefined ? {} : { error: options.error }),
  };
}

export const STREAM_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
const GET_RECORDS_LIMIT = 1000;

export function tableStreamConsumers(): StreamConsumer[] {
  return CONSUMERS.flatMap((consumer) =>
    consumer.source.kind === 'tableStream' ? [{ functionId: consumer.functionId, filter: consumer.source.filter, batchSize: consumer.source.batchSize }] : [],
  );
}

/** Lambda's record: the wire shape, so binary values as base64 (the SDK hands over bytes). */
function wireValue(value: AttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: wireMap(value.M) };
  if (value.L !== undefined) return { L: value.L.map(wireValue) };
  return value as LambdaAttributeValue;
}

function wireMap(map: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  const out: Record<string, LambdaAttributeValue> = {};
  for (const [name, value] of Object.entries(map)) out[name] = wireValue(value);
  return out;
}

export function toLambdaRecord(record: _Record, streamArn: string, region: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {};
  if (d.ApproximateCreationDateTime !== undefined) dynamodb.ApproximateCreationDateTime = Math.floor(d.ApproximateCreationDateTime.getTime() / 1000);
  if (d.Keys !== undefined) dynamodb.Keys = wireMap(d.Keys);
  if (d.NewImage !== undefined) dynamodb.NewImage = wireMap(d.NewImage);
  if (d.OldImage !== undefined) dynamodb.OldImage = wireMap(d.OldImage);
  if (d.SequenceNumber !== undefined) dynamodb.SequenceNumber = d.SequenceNumber;
  if (d.SizeBytes !== undefined) dynamodb.SizeBytes = d.SizeBytes;
  if (d.StreamViewType !== undefined) dynamodb.StreamViewType = d.StreamViewType;
  const out: DynamoDBRecord = {
    eventID: record.eventID as string,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN: streamArn,
  };
  // TTL deletions carry the service as their author.
  if (record.userIdentity !== undefined) out.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  return out;
}

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

interface ShardPosition {
  /** The last record done (processed, skipped or dead-lettered). */
  sequenceNumber?: string;
  /** Read to its end (closed shards only). */
  finished?: boolean;
}

interface CheckpointFile {
  streamArn: string;
  consumers: Record<string, Record<string, ShardPosition>>;
}

/** Positions per consumer and shard, written through to a file (atomically) when one is given. */
class Checkpoints {
  #data: CheckpointFile;

  constructor(
    private readonly file: string | undefined,
    streamArn: string,
  ) {
    this.#data = { streamArn, consumers: {} };
    if (file === undefined) return;
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as CheckpointFile;
      // Another stream (the table was recreated) starts afresh.
      if (stored.streamArn === streamArn && stored.consumers !== null && typeof stored.consumers === 'object') this.#data = stored;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        console.error(
          JSON.stringify({ level: 'warn', message: 'stream checkpoints unreadable; reading the stream from its oldest record', file, error: String(error) }),
        );
      }
    }
  }

  get(consumer: string, shardId: string): ShardPosition | undefined {
    return this.#data.consumers[consumer]?.[shardId];
  }

  set(consumer: string, shardId: string, position: ShardPosition): void {
    const positions = this.#data.consumers[consumer] ?? {};
    positions[shardId] = position;
    this.#data.consumers[consumer] = positions;
    this.#write();
  }

  /** Forgets shards the stream no longer lists (trimmed after 24 hours). */
  prune(listed: ReadonlySet<string>): void {
    let changed = false;
    for (const shards of Object.values(this.#data.consumers)) {
      for (const shardId of Object.keys(shards)) {
        if (!listed.has(shardId)) {
          delete shards[shardId];
          changed = true;
        }
      }
    }
    if (changed) this.#write();
  }

  #write(): void {
    if (this.file === undefined) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.#data, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}

const errorName = (error: unknown) => (error as { name?: string }).name ?? '';

interface Reader {
  readonly consumer: StreamConsumer;
  readonly shardId: string;
  /** performance.now() when the last GetRecords that found nothing new was sent. */
  caughtUpAt: number;
  finished: boolean;
  done: Promise<void>;
}

interface Waiter {
  readonly since: number;
  readonly resolve: () => void;
}

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const clientConfig = { endpoint: options.endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const table = new DynamoDBClient(clientConfig);
  const description = await table.send(new DescribeTableCommand({ TableName: options.tableName }));
  table.destroy();
  const latestStreamArn = description.Table?.LatestStreamArn;
  if (latestStreamArn === undefined || description.Table?.StreamSpecification?.StreamEnabled !== true) {
    throw new Error(`table ${options.tableName} has no stream enabled`);
  }
  const streamArn: string = latestStreamArn;

  const streams = new DynamoDBStreamsClient(clientConfig);
  const consumers = (options.consumers ?? tableStreamConsumers()).map((consumer) => ({
    consumer,
    matches: consumer.filter === undefined ? () => true : (compileEventPattern(consumer.filter) as CompiledPattern),
  }));
  const invoke = options.invoke ?? invokeFunction;
  const retry = options.retry ?? STREAM_RETRY;
  const pollInterval = options.pollIntervalMs ?? 50;
  const checkpoints = new Checkpoints(options.checkpointFile, streamArn);

  let stopped = false;
  const readers = new Map<string, Reader>(); // `${functionId} ${shardId}`
  const waiters: Waiter[] = [];
  /** Sleepers woken early by settled() (idle polls) or only by stop() (retry backoff). */
  const idleWakers = new Set<() => void>();
  const stopController = new AbortController();

  const idle = async (ms: number) => {
    let wake = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    idleWakers.add(wake);
    try {
      await Promise.race([sleep(ms, undefined, { signal: stopController.signal }).catch(() => undefined), woken]);
    } finally {
      idleWakers.delete(wake);
    }
  };
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopController.signal }).catch(() => undefined);
  const wakeAll = () => {
    for (const wake of [...idleWakers]) wake();
  };

  const allCaughtUp = (since: number) => [...readers.values()].every((reader) => reader.finished || reader.caughtUpAt >= since);
  const checkWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i] as Waiter;
      if (stopped || allCaughtUp(waiter.since)) {
        waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  };

  async function listShards(): Promise<Shard[]> {
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

  let refreshing: Promise<void> | undefined;
  /** Reads the shard list and starts a reader for each shard now ready, for each consumer. */
  function refreshShards(): Promise<void> {
    refreshing ??= (async () => {
      try {
        const shards = await listShards();
        if (stopped) return;
        checkpoints.prune(new Set(shards.map((s) => s.ShardId as string)));
        for (const { consumer, matches } of consumers) {
          const mine = [...readers.values()].filter((r) => r.consumer === consumer);
          const started = new Set(mine.map((r) => r.shardId));
          const finished = new Set(mine.filter((r) => r.finished).map((r) => r.shardId));
          for (const shard of shardsReadyToRead(shards, started, finished)) startReader(consumer, matches, shard.ShardId as string);
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

  function startReader(consumer: StreamConsumer, matches: CompiledPattern, shardId: string): void {
    const reader: Reader = { consumer, shardId, caughtUpAt: Number.NEGATIVE_INFINITY, finished: false, done: Promise.resolve() };
    readers.set(`${consumer.functionId} ${shardId}`, reader);
    const run = (): Promise<void> =>
      readShard(reader, matches).catch(async (error: unknown) => {
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
        await pause(1000);
        if (!stopped) return run();
      });
    reader.done = run();
  }

  async function iteratorFor(shardId: string, after: string | undefined): Promise<string | undefined> {
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

  async function finish(reader: Reader): Promise<void> {
    checkpoints.set(reader.consumer.functionId, reader.shardId, { ...checkpoints.get(reader.consumer.functionId, reader.shardId), finished: true });
    reader.finished = true;
    // Its children may start now; look (afresh) before telling waiters all is read.
    await freshShards().catch(() => undefined);
    checkWaiters();
  }

  async function readShard(reader: Reader, matches: CompiledPattern): Promise<void> {
    const { consumer, shardId } = reader;
    const position = () => checkpoints.get(consumer.functionId, shardId);
    if (position()?.finished === true) {
      reader.finished = true;
      checkWaiters();
      return;
    }
    /** Nothing to read here yet: say so to settled(), and wait a poll unless someone is waiting. */
    const caughtUp = async (sentAt: number) => {
      reader.caughtUpAt = sentAt;
      checkWaiters();
      if (!waiters.some((waiter) => waiter.since > sentAt)) await idle(pollInterval);
    };
    // After the checkpoint, normally; from the oldest record once the checkpoint's successors are trimmed.
    let fromOldest = false;
    let iterator: string | undefined | null = null; // null: take one at the position
    while (!stopped) {
      const sentAt = performance.now();
      let page: GetRecordsCommandOutput;
      try {
        if (iterator === null) iterator = await iteratorFor(shardId, fromOldest ? undefined : position()?.sequenceNumber);
        if (iterator === undefined) return finish(reader);
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
      } catch (error) {
        if (stopped) return;
        iterator = null;
        switch (errorName(error)) {
          case 'ExpiredIteratorException': // 15 minutes old (a long retry, a suspended laptop)
            continue;
          case 'ResourceNotFoundException': // the shard was trimmed away
            return finish(reader);
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
            await pause(1000);
            continue;
        }
      }
      const records = page.Records ?? [];
      if (records.length > 0) {
        const complete = await processRecords(consumer, matches, shardId, records);
        if (!complete) return; // stopped midway; the checkpoint says where
        fromOldest = false;
      }
      iterator = page.NextShardIterator;
      if (iterator === undefined) return finish(reader); // a closed shard, read to its end
      if (records.length === 0) await caughtUp(sentAt);
    }
  }

  /** One GetRecords page through the consumer; false if stopped before its end. */
  async function processRecords(consumer: StreamConsumer, matches: CompiledPattern, shardId: string, records: _Record[]): Promise<boolean> {
    const done = (record: DynamoDBRecord | _Record) =>
      checkpoints.set(consumer.functionId, shardId, { sequenceNumber: record.dynamodb?.SequenceNumber as string });
    const selected = records.map((record) => toLambdaRecord(record, streamArn, region)).filter((record) => matches(record));
    let next = 0;
    let limit = consumer.batchSize;
    let head = -1; // the record the failures are counted for
    let attempts = 0;
    let lastError: string | undefined;
    while (next < selected.length) {
      if (stopped) return false;
      const batch = selected.slice(next, next + limit);
      let failedAt: number; // index in the batch of the first record not done
      let threw = false;
      try {
        failedAt = firstFailure(await invoke(consumer.functionId, { Records: batch } satisfies DynamoDBStreamEvent), batch);
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
        const failure = streamFailureOf({
          functionId: consumer.functionId,
          shardId,
          streamArn,
          region,
          records: givenUp,
          attempts,
          ...(lastError === undefined ? {} : { error: lastError }),
        });
        try {
          await options.onFailure(failure);
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
        done(givenUp.at(-1) as DynamoDBRecord);
        next += givenUp.length;
        head = -1;
        attempts = 0;
        limit = consumer.batchSize;
        continue;
      }
      await pause(backoff(retry, attempts));
    }
    if (stopped) return false;
    // Records the filter skipped after the last batch are done too.
    done(records.at(-1) as _Record);
    return true;
  }

  /**
   * Where Lambda restarts a batch, from its response: after the end if all went well; at the
   * failed record with the lowest sequence number; at the start if a failure names no record of
   * the batch (Lambda then retries the whole batch).
   */
  function firstFailure(response: unknown, batch: readonly DynamoDBRecord[]): number {
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

  await refreshShards();
  const refreshEvery = options.shardRefreshMs ?? 5000;
  const refresher = setInterval(() => {
    refreshShards().catch((error: unknown) => {
      if (!stopped) console.error(JSON.stringify({ level: 'warn', message: 'stream poller: DescribeStream failed', error: String(error) }));
    });
  }, refreshEvery);
  refresher.unref();

  return {
    streamArn,
    settled: async () => {
      if (stopped) return;
      const since = performance.now();
      await freshShards();
      await new Promise<void>((resolve) => {
        waiters.push({ since, resolve });
        wakeAll();
        checkWaiters();
      });
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(refresher);
      stopController.abort();
      wakeAll();
      await refreshing?.catch(() => undefined);
      await Promise.all([...readers.values()].map((reader) => reader.done));
      checkWaiters();
      streams.destroy();
    },
  };
}
