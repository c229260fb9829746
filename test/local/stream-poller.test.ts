import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Shard } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { type StreamConsumer, type StreamFailure, type StreamPoller, shardsReadyToRead, startStreamPoller } from '../../local/stream-poller.ts';
import { ensureTable } from '../../local/table.ts';

const endpoint = inject('dynamoDbEndpoint');
const db = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
afterAll(() => db.destroy());

const FILTER = { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['alert-event'] } } } };
const FAST_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

async function newTable(): Promise<string> {
  const tableName = `poller-${randomUUID()}`;
  await ensureTable(db, tableName);
  return tableName;
}

const item = (pk: string, sk: string, entity: string, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({
  pk: { S: pk },
  sk: { S: sk },
  entity: { S: entity },
  ...extra,
});
const put = (tableName: string, value: Record<string, AttributeValue>) => db.send(new PutItemCommand({ TableName: tableName, Item: value }));

/** A consumer function of the test's own, recording what it gets; `decide` may fail records or throw. */
function recorder(
  decide: (event: DynamoDBStreamEvent, call: number) => DynamoDBBatchResponse | Promise<DynamoDBBatchResponse> = () => ({ batchItemFailures: [] }),
) {
  const calls: DynamoDBRecord[][] = [];
  const invoke = async (_functionId: string, event: unknown) => {
    const streamEvent = event as DynamoDBStreamEvent;
    calls.push(streamEvent.Records);
    return decide(streamEvent, calls.length);
  };
  const sks = () => calls.flat().map((r) => r.dynamodb?.NewImage?.sk?.S);
  return { calls, invoke, sks };
}

const pollers: StreamPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

async function poller(
  tableName: string,
  invoke: (functionId: string, event: unknown) => Promise<unknown>,
  more: { consumers?: StreamConsumer[]; checkpointFile?: string; failures?: StreamFailure[] } = {},
) {
  const started = await startStreamPoller({
    endpoint,
    tableName,
    region: 'us-east-1',
    onFailure: (failure) => void more.failures?.push(failure),
    consumers: more.consumers ?? [{ functionId: 'applyAlertEvents', filter: FILTER, batchSize: 4 }],
    invoke,
    retry: FAST_RETRY,
    ...(more.checkpointFile === undefined ? {} : { checkpointFile: more.checkpointFile }),
  });
  pollers.push(started);
  return started;
}

const sequence = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber as string;

describe('the stream poller, against DynamoDB Local', () => {
  let tableName: string;
  beforeAll(async () => {
    tableName = await newTable();
  });

  it('delivers matching INSERTs in the Lambda shape, in order per partition key, and skips the rest', async () => {
    const consumer = recorder();
    const stream = await poller(tableName, consumer.invoke);
    // Two partition keys written concurrently, each in its own order, with records the filter rejects between.
    const writeKey = async (key: string) => {
      for (let i = 0; i < 6; i++) {
        await put(
          tableName,
          item(key, `${key}-${i}`, 'alert-event', {
            n: { N: String(i) },
            raw: { B: new Uint8Array([i, 255]) },
            tags: { M: { list: { L: [{ S: 'x' }, { NULL: true }] } } },
          }),
        );
        await put(tableName, item(key, `${key}-other-${i}`, 'alert-pointer'));
      }
    };
    await Promise.all([writeKey('A'), writeKey('B')]);
    await db.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'A' }, sk: { S: 'A-0' } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '9' } },
      }),
    );
    await db.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: 'B' }, sk: { S: 'B-0' } } }));
    await stream.settled();

    const records = consumer.calls.flat();
    expect(records).toHaveLength(12);
    expect(records.filter((r) => r.dynamodb?.Keys?.pk?.S === 'A').map((r) => r.dynamodb?.NewImage?.sk?.S)).toEqual(['A-0', 'A-1', 'A-2', 'A-3', 'A-4', 'A-5']);
    expect(records.filter((r) => r.dynamodb?.Keys?.pk?.S === 'B').map((r) => r.dynamodb?.NewImage?.sk?.S)).toEqual(['B-0', 'B-1', 'B-2', 'B-3', 'B-4', 'B-5']);
    // The stream's order overall, and batches no bigger than the consumer's batch size.
    const sequences = records.map(sequence);
    expect([...sequences].sort()).toEqual(sequences);
    for (const call of consumer.calls) expect(call.length).toBeLessThanOrEqual(4);

    const first = records.find((r) => r.dynamodb?.NewImage?.sk?.S === 'A-0') as DynamoDBRecord;
    expect(first).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: stream.streamArn,
      dynamodb: {
        Keys: { pk: { S: 'A' }, sk: { S: 'A-0' } },
        NewImage: {
          entity: { S: 'alert-event' },
          n: { N: '0' },
          raw: { B: Buffer.from([0, 255]).toString('base64') },
          tags: { M: { list: { L: [{ S: 'x' }, { NULL: true }] } } },
        },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(first.eventID).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.dynamodb?.OldImage).toBeUndefined();
    expect(first.dynamodb?.SizeBytes).toBeGreaterThan(0);
    // Seconds, like Lambda's records, not milliseconds.
    expect(Math.abs((first.dynamodb?.ApproximateCreationDateTime as number) - Date.now() / 1000)).toBeLessThan(120);
  });

  it('settled() resolves at once when nothing is pending, and covers writes made just before it', async () => {
    const consumer = recorder();
    const stream = await poller(await newTable(), consumer.invoke);
    await stream.settled();
    expect(consumer.calls).toEqual([]);
  });
});

describe('failures', () => {
  it('retries a batch from the failed record; the records before it are not delivered again', async () => {
    const tableName = await newTable();
    let failuresLeft = 2;
    const consumer = recorder((event) => {
      const failing = event.Records.find((r) => r.dynamodb?.NewImage?.sk?.S === 'e2');
      if (failing !== undefined && failuresLeft > 0) {
        failuresLeft--;
        return { batchItemFailures: [{ itemIdentifier: sequence(failing) }] };
      }
      return { batchItemFailures: [] };
    });
    for (let i = 0; i < 4; i++) await put(tableName, item('K', `e${i}`, 'alert-event'));
    const stream = await poller(tableName, consumer.invoke);
    await stream.settled();
    expect(consumer.calls.map((call) => call.map((r) => r.dynamodb?.NewImage?.sk?.S))).toEqual([
      ['e0', 'e1', 'e2', 'e3'],
      ['e2', 'e3'],
      ['e2', 'e3'],
    ]);
  });

  it('uses the lowest failed sequence number, and retries the whole batch when a failure names no record of it', async () => {
    const tableName = await newTable();
    const consumer = recorder((event, call) => {
      if (call === 1)
        return {
          batchItemFailures: [
            { itemIdentifier: sequence(event.Records[3] as DynamoDBRecord) },
            { itemIdentifier: sequence(event.Records[1] as DynamoDBRecord) },
          ],
        };
      if (call === 2) return { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] };
      return { batchItemFailures: [] };
    });
    for (let i = 0; i < 4; i++) await put(tableName, item('K', `e${i}`, 'alert-event'));
    const stream = await poller(tableName, consumer.invoke);
    await stream.settled();
    expect(consumer.calls.map((call) => call.map((r) => r.dynamodb?.NewImage?.sk?.S))).toEqual([
      ['e0', 'e1', 'e2', 'e3'],
      ['e1', 'e2', 'e3'],
      ['e1', 'e2', 'e3'],
    ]);
  });

  it('gives a batch up after the last attempt, as one S3 failure record carrying the records from the failed one on, and moves past them', async () => {
    const tableName = await newTable();
    const failures: StreamFailure[] = [];
    const consumer = recorder((event) => {
      const poison = event.Records.find((r) => r.dynamodb?.NewImage?.sk?.S === 'e1');
      return { batchItemFailures: poison === undefined ? [] : [{ itemIdentifier: sequence(poison) }] };
    });
    for (let i = 0; i < 4; i++) await put(tableName, item('K', `e${i}`, 'alert-event'));
    const stream = await poller(tableName, consumer.invoke, { failures });
    await stream.settled();

    await put(tableName, item('K', 'e4', 'alert-event'));
    await stream.settled();
    // As Lambda with ReportBatchItemFailures: the batch from the failed record is retried, then
    // written whole to the destination; the next record is the first after it.
    expect(consumer.calls.map((call) => call.map((r) => r.dynamodb?.NewImage?.sk?.S))).toEqual([
      ['e0', 'e1', 'e2', 'e3'],
      ['e1', 'e2', 'e3'],
      ['e1', 'e2', 'e3'],
      ['e4'],
    ]);
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    // Lambda's key and record shape for an S3 on-failure destination; the batch is in the payload.
    expect(failure!.key).toMatch(/^aws\/lambda\/[0-9a-f-]{36}\/shardId-[^/]+\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}$/);
    expect(failure).toMatchObject({
      functionId: 'applyAlertEvents',
      record: {
        requestContext: {
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: FAST_RETRY.attempts,
          functionArn: expect.stringMatching(/:function:applyAlertEvents$/),
        },
        version: '1.0',
        DDBStreamBatchInfo: { streamArn: stream.streamArn, batchSize: 3 },
      },
    });
    const payload = JSON.parse(failure!.record.payload) as DynamoDBStreamEvent;
    expect(payload.Records.map((r) => r.dynamodb?.NewImage?.sk?.S)).toEqual(['e1', 'e2', 'e3']);
    expect(failure!.record.DDBStreamBatchInfo.startSequenceNumber).toBe(payload.Records[0]!.dynamodb?.SequenceNumber);
    expect(failure!.record.DDBStreamBatchInfo.endSequenceNumber).toBe(payload.Records[2]!.dynamodb?.SequenceNumber);
  });

  it('bisects a batch whose function throws, down to the record that makes it throw', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const tableName = await newTable();
    const failures: StreamFailure[] = [];
    const processed: string[] = [];
    const consumer = recorder((event) => {
      const sks = event.Records.map((r) => r.dynamodb?.NewImage?.sk?.S as string);
      if (sks.includes('e5')) throw new Error('cannot handle e5');
      processed.push(...sks);
      return { batchItemFailures: [] };
    });
    for (let i = 0; i < 8; i++) await put(tableName, item('K', `e${i}`, 'alert-event'));
    const stream = await poller(tableName, consumer.invoke, { failures, consumers: [{ functionId: 'applyAlertEvents', filter: FILTER, batchSize: 8 }] });
    await stream.settled();
    // Every other record exactly once, in order; e5 given up on with the error it caused.
    expect(processed).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e6', 'e7']);
    expect(failures).toMatchObject([
      {
        error: 'Error: cannot handle e5',
        record: { requestContext: { approximateInvokeCount: FAST_RETRY.attempts }, responseContext: { functionError: 'Unhandled' } },
      },
    ]);
    expect((JSON.parse(failures[0]!.record.payload) as DynamoDBStreamEvent).Records.map((r) => r.dynamodb?.NewImage?.sk?.S)).toEqual(['e5']);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('"message":"function failed"'));
    logged.mockRestore();
  });

  it('a consumer that fails does not hold up another one (each has its own position)', async () => {
    const tableName = await newTable();
    const seen: Record<string, string[]> = { slow: [], fine: [] };
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const invoke = async (functionId: string, event: unknown) => {
      if (functionId === 'slow') await released;
      seen[functionId]?.push(...(event as DynamoDBStreamEvent).Records.map((r) => r.dynamodb?.NewImage?.sk?.S as string));
      return { batchItemFailures: [] };
    };
    const stream = await poller(tableName, invoke, {
      consumers: [
        { functionId: 'slow', filter: FILTER, batchSize: 10 },
        { functionId: 'fine', batchSize: 10 },
      ],
    });
    await put(tableName, item('K', 'e0', 'alert-event'));
    await put(tableName, item('K', 'x0', 'other'));
    await expect.poll(() => seen.fine, { timeout: 5000 }).toEqual(['e0', 'x0']);
    expect(seen.slow).toEqual([]);
    release();
    await stream.settled();
    expect(seen.slow).toEqual(['e0']);
  });
});

describe('checkpoints', () => {
  it('a restart with the same checkpoint file neither replays nor skips', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itsm-checkpoints-'));
    const checkpointFile = join(dir, 'stream-checkpoints.json');
    try {
      const tableName = await newTable();
      const first = recorder();
      let stream = await poller(tableName, first.invoke, { checkpointFile });
      for (let i = 0; i < 3; i++) await put(tableName, item('K', `e${i}`, 'alert-event'));
      await put(tableName, item('K', 'skipped', 'other'));
      await stream.settled();
      await stream.stop();
      expect(first.sks()).toEqual(['e0', 'e1', 'e2']);
      const stored = JSON.parse(readFileSync(checkpointFile, 'utf8'));
      expect(stored.streamArn).toBe(stream.streamArn);
      const [position] = Object.values(stored.consumers.applyAlertEvents) as [{ sequenceNumber: string }];
      expect(position.sequenceNumber).toMatch(/^\d+$/);

      // Written while nobody was reading.
      for (let i = 3; i < 5; i++) await put(tableName, item('K', `e${i}`, 'alert-event'));
      const second = recorder();
      stream = await poller(tableName, second.invoke, { checkpointFile });
      await stream.settled();
      await stream.stop();
      expect(second.sks()).toEqual(['e3', 'e4']);

      const third = recorder();
      stream = await poller(tableName, third.invoke, { checkpointFile });
      await stream.settled();
      expect(third.sks()).toEqual([]);

      // Without a checkpoint, a consumer starts at the oldest record (TRIM_HORIZON).
      const fresh = recorder();
      await (await poller(tableName, fresh.invoke)).settled();
      expect(fresh.sks()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a storm', () => {
  it('settled() waits until every record written before it has been delivered', async () => {
    const tableName = await newTable();
    const consumer = recorder();
    const stream = await poller(tableName, consumer.invoke, { consumers: [{ functionId: 'applyAlertEvents', filter: FILTER, batchSize: 100 }] });
    const keys = 20;
    const perKey = 50;
    const started = performance.now();
    // 1,000 alert events: 20 writers at once, one per partition key, each writing its key's events in order.
    await Promise.all(
      Array.from({ length: keys }, async (_, k) => {
        for (let i = 0; i < perKey; i++) await put(tableName, item(`key-${k}`, `e-${String(i).padStart(3, '0')}`, 'alert-event'));
      }),
    );
    const written = performance.now();
    await stream.settled();
    const done = performance.now();
    const records = consumer.calls.flat();
    expect(records).toHaveLength(keys * perKey);
    for (let k = 0; k < keys; k++) {
      const order = records.filter((r) => r.dynamodb?.Keys?.pk?.S === `key-${k}`).map((r) => r.dynamodb?.NewImage?.sk?.S);
      expect(order).toEqual(Array.from({ length: perKey }, (_, i) => `e-${String(i).padStart(3, '0')}`));
    }
    expect(records.map(sequence)).toEqual(records.map(sequence).sort());
    console.log(
      `storm: ${keys * perKey} records written in ${(written - started).toFixed(0)} ms, all delivered ${(done - written).toFixed(0)} ms later, in ${consumer.calls.length} batches`,
    );
  });

  it('a single write reaches the consumer within a poll interval or so', async () => {
    const tableName = await newTable();
    const arrivals: number[] = [];
    const stream = await poller(tableName, async () => {
      arrivals.push(performance.now());
      return { batchItemFailures: [] };
    });
    await stream.settled();
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = arrivals.length;
      const sent = performance.now();
      await put(tableName, item('K', `e${i}`, 'alert-event'));
      await expect.poll(() => arrivals.length, { interval: 2, timeout: 2000 }).toBe(before + 1);
      latencies.push((arrivals.at(-1) as number) - sent);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)] as number;
    const max = latencies.at(-1) as number;
    console.log(`write -> consumer latency: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms (poll interval 50 ms)`);
    expect(p50).toBeLessThan(200);
  });

  it('four consumers and settled() called often add no listener warning (MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const tableName = await newTable();
      const consumer = recorder();
      const consumers = ['a', 'b', 'c', 'd'].map((name) => ({ functionId: `consumer-${name}`, filter: FILTER, batchSize: 10 }));
      const stream = await poller(tableName, consumer.invoke, { consumers });
      await put(tableName, item('K', 'w0', 'alert-event'));
      // Each settled() wakes the idle readers before their poll interval is over.
      for (let i = 0; i < 40; i++) await stream.settled();
      await Promise.all(Array.from({ length: 20 }, () => stream.settled()));
      expect(consumer.calls.flat()).toHaveLength(4);
      await new Promise((resolve) => setTimeout(resolve, 100)); // warnings are emitted on a later tick
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('shard lineage', () => {
  const shard = (id: string, parent?: string): Shard => ({ ShardId: id, ...(parent === undefined ? {} : { ParentShardId: parent }), SequenceNumberRange: {} });

  it('a child shard waits for its parent; an orphan (parent trimmed away) starts at once', () => {
    const shards = [shard('s1'), shard('s2', 's1'), shard('s3', 's2'), shard('s9', 'trimmed')];
    expect(shardsReadyToRead(shards, new Set(), new Set()).map((s) => s.ShardId)).toEqual(['s1', 's9']);
    expect(shardsReadyToRead(shards, new Set(['s1', 's9']), new Set()).map((s) => s.ShardId)).toEqual([]);
    expect(shardsReadyToRead(shards, new Set(['s1', 's9']), new Set(['s1'])).map((s) => s.ShardId)).toEqual(['s2']);
    expect(shardsReadyToRead(shards, new Set(['s1', 's2', 's9']), new Set(['s1', 's2'])).map((s) => s.ShardId)).toEqual(['s3']);
  });
});
