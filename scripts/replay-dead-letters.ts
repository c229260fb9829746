import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { DEAD_LETTERS, type DeadLetterQueue, REPLAY_GROUPS, type StreamFailureBucket } from '../infra/constructs/dead-letter-replay.ts';

/**
 * `npm run replay-dead-letters -- --queue <group> [--dry-run] [--stack <name>]`, the groups being
 * REPLAY_GROUPS (the API stack's queues and each table stream consumer's declared `replay.group`).
 *
 * Takes each dead letter of the group and delivers it again where it failed: an ingestion message
 * back to the ingestion queue, a timer firing by starting the workflow with its input, an
 * asynchronous invocation Lambda gave up on (received e-mail) by invoking the function with its
 * original event, a stream
 * batch a consumer gave up on by invoking the consumer with the batch its failure record in S3
 * holds (the records with their images: neither the stream, which keeps records 24 hours, nor
 * the items are read again). A dead letter is deleted only once its replay succeeded; one that
 * fails again stays (a message visible again when the run ends; of a stream batch, the records
 * from the first one that failed again) and the exit code is 1.
 *
 * Where they are: with `--stack` (or ITSM_STACK), the stack's outputs in AWS, with the usual
 * credentials and Region; without, the local runtime of `npm start`, whose AWS endpoint
 * (http://127.0.0.1:$AWS_PORT) answers the same output names. Only the endpoints differ: the
 * replay is the same SDK calls either way. Every replay is safe to repeat: the consumers record
 * an event once by its id, the publisher skips sinks already marked, and the escalation workflow
 * ignores a timer it has recorded or that moved since, and the e-mail receiver records a message
 * once by SES's message id (a message already processed is not processed again).
 */

export type Outputs = Readonly<Record<string, string>>;

export interface ReplayOptions {
  /** One of REPLAY_GROUPS. */
  readonly group: string;
  readonly outputs: Outputs;
  readonly dryRun?: boolean;
  /** Seconds a received message stays hidden from other readers while this run replays it. */
  readonly visibilityTimeout?: number;
  readonly print?: (line: string) => void;
}

export interface ReplayResult {
  readonly replayed: number;
  readonly failed: number;
  /** Seen in a dry run, left where they are. */
  readonly listed: number;
  /** Messages whose body this run had already replayed (or tried): left in the queue for the next run. */
  readonly deferred: number;
}

class ReplayFailed extends Error {}

const output = (outputs: Outputs, name: string): string => {
  const value = outputs[name];
  if (value === undefined || value === '') throw new Error(`the stack has no output ${name}: deploy this version of the stack first`);
  return value;
};

/** What a queue message is, in one line, without its free text. */
function describeMessage(queue: DeadLetterQueue, message: Message): string {
  try {
    const body = JSON.parse(message.Body ?? '') as Record<string, unknown>;
    switch (queue.replay.kind) {
      case 'sendToQueue':
        return `event ${String(body.id)} (${String(body.source)} / ${String(body['detail-type'])})`;
      case 'startExecution':
        return `timer ${String(body.incidentId)} ${String(body.clock)} ${String(body.threshold)}% (version ${String(body.timerVersion)})`;
      case 'invokeFunction': {
        const context = (body.requestContext ?? {}) as Record<string, unknown>;
        const records = ((body.requestPayload as { Records?: unknown[] } | undefined)?.Records ?? []) as { ses?: { mail?: { messageId?: unknown } } }[];
        const messageIds = records.map((r) => r.ses?.mail?.messageId).filter((id) => id !== undefined);
        const subject = messageIds.length > 0 ? `SES message ${messageIds.map(String).join(', ')}` : `request ${String(context.requestId)}`;
        return `invocation ${subject} (${String(context.condition)} after ${String(context.approximateInvokeCount)} attempt(s) at ${String(body.timestamp)})`;
      }
    }
  } catch {
    return `message ${message.MessageId} (body is not JSON)`;
  }
}

/** Lambda's failure record of a stream batch, as an S3 destination receives it. */
interface StreamFailureRecord {
  readonly requestContext?: { readonly condition?: string };
  readonly timestamp?: string;
  readonly DDBStreamBatchInfo?: {
    readonly shardId?: string;
    readonly startSequenceNumber?: string;
    readonly endSequenceNumber?: string;
    readonly batchSize?: number;
  };
  /** The event the function was invoked with: a JSON string, as Lambda writes it. */
  readonly payload?: unknown;
}

/** What a failure record is, in one line: where the batch was in the stream, when and why it was given up. */
function describeFailure(record: StreamFailureRecord): string {
  const info = record.DDBStreamBatchInfo ?? {};
  return `stream batch ${String(info.shardId)} ${String(info.startSequenceNumber)}..${String(info.endSequenceNumber)} (${String(info.batchSize)} record(s), ${String(record.requestContext?.condition)} at ${String(record.timestamp)})`;
}

/** The batch a failure record carries. */
function batchOf(record: StreamFailureRecord): DynamoDBStreamEvent {
  let event: unknown = record.payload;
  if (typeof event === 'string') {
    try {
      event = JSON.parse(event);
    } catch {
      throw new ReplayFailed("the failure record's payload is not JSON");
    }
  }
  const records = (event as { Records?: unknown } | undefined)?.Records;
  if (!Array.isArray(records)) {
    throw new ReplayFailed('the failure record carries no batch (no payload.Records): only an S3 on-failure destination gets the records');
  }
  return { Records: records as DynamoDBStreamEvent['Records'] };
}

interface Clients {
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
  readonly sfn: SFNClient;
  readonly s3: S3Client;
}

interface Tally {
  replayed: number;
  failed: number;
  listed: number;
  deferred: number;
}

/**
 * How long a message kept in its queue stays hidden for the rest of a pass. SQS refuses a
 * visibility that would end more than 12 hours after the receive, so a little less than that.
 * A run stopped midway leaves what it kept hidden that long; a run that ends makes it visible.
 */
const KEPT_FOR_THE_PASS_SECONDS = 11 * 3600;

const reason = (error: unknown) => (error instanceof ReplayFailed ? error.message : String(error));

async function replayQueue(queue: DeadLetterQueue, options: ReplayOptions, clients: Clients, tally: Tally, print: (line: string) => void): Promise<void> {
  const { sqs, sfn, lambda } = clients;
  const queueUrl = output(options.outputs, queue.queueUrlOutput);
  const replay = queue.replay;
  const deliver = async (message: Message): Promise<void> => {
    const body = message.Body ?? '';
    switch (replay.kind) {
      case 'sendToQueue':
        await sqs.send(new SendMessageCommand({ QueueUrl: output(options.outputs, replay.queueUrlOutput), MessageBody: body }));
        return;
      case 'startExecution':
        await sfn.send(new StartExecutionCommand({ stateMachineArn: output(options.outputs, replay.stateMachineArnOutput), input: body }));
        return;
      case 'invokeFunction': {
        let event: unknown;
        try {
          event = (JSON.parse(body) as { requestPayload?: unknown }).requestPayload;
        } catch {
          throw new ReplayFailed('the message is not JSON');
        }
        if (event === undefined) throw new ReplayFailed("the message carries no requestPayload: it is not Lambda's record of an invocation");
        // Synchronously, so that a failure is known and the message kept.
        const answer = await lambda.send(
          new InvokeCommand({ FunctionName: output(options.outputs, replay.functionNameOutput), Payload: Buffer.from(JSON.stringify(event)) }),
        );
        if (answer.FunctionError !== undefined) {
          throw new ReplayFailed(
            `the function failed again: ${answer.Payload === undefined ? answer.FunctionError : Buffer.from(answer.Payload).toString('utf8')}`,
          );
        }
        return;
      }
    }
  };
  /** Received, and kept in the queue (listed in a dry run, failed again, or left for the next run), by message id. */
  const kept = new Map<string, string>(); // message id -> its latest receipt handle
  /**
   * The bodies this pass already took. A delivery that fails again while this runs (an ingestion
   * event whose function is still down) lands in the queue anew with the same body: it waits for
   * the next run rather than being replayed in a loop. Judged by content, not by comparing this
   * machine's clock with SQS's timestamps.
   */
  const handledBodies = new Set<string>();
  const keep = async (message: Message): Promise<void> => {
    kept.set(message.MessageId ?? '', message.ReceiptHandle ?? '');
    // Out of sight for the rest of the pass, so each message is received once however long the
    // pass takes and the loop can end on the first empty receive.
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: KEPT_FOR_THE_PASS_SECONDS }),
    );
  };
  try {
    for (;;) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: options.visibilityTimeout ?? 60,
          // Long polling asks every SQS server, so an empty answer means nothing visible is left:
          // every message is then deleted or kept (hidden) by this pass.
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        const body = message.Body ?? '';
        const what = `${options.group} ${queue.queueUrlOutput} ${message.MessageId}: ${describeMessage(queue, message)}`;
        if (kept.has(message.MessageId ?? '')) {
          // Kept already, and visible again (hiding it failed): hide it again, count it once.
          await keep(message);
          continue;
        }
        if (handledBodies.has(body)) {
          tally.deferred++;
          await keep(message);
          print(`left for the next run ${what}: it arrived again during this run (its delivery failed again, or it is a duplicate)`);
          continue;
        }
        handledBodies.add(body);
        if (options.dryRun === true) {
          tally.listed++;
          await keep(message);
          print(`would replay ${what}`);
          continue;
        }
        try {
          await deliver(message);
        } catch (error) {
          tally.failed++;
          await keep(message);
          print(`NOT replayed ${what}: ${reason(error)} (left in the queue)`);
          continue;
        }
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        tally.replayed++;
        print(`replayed ${what}`);
      }
    }
  } finally {
    // The next run (or the queue's consumer of a redrive) finds them at once, not in 11 hours.
    for (const receiptHandle of kept.values()) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 })).catch((error: unknown) => {
        print(`could not make a kept message visible again (${reason(error)}): it reappears within ${KEPT_FOR_THE_PASS_SECONDS / 3600} hours`);
      });
    }
  }
}

/**
 * Where a replayed batch stands from the function's answer, as the event source mapping reads
 * it (ReportBatchItemFailures): the records before the failed one with the lowest sequence
 * number are done, it and those after it are not; a failure naming no record of the batch fails
 * it all. Undefined: everything went through.
 */
function firstFailedRecord(response: DynamoDBBatchResponse | null | undefined, records: DynamoDBStreamEvent['Records']): number | undefined {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) return undefined;
  let first = records.length;
  for (const failure of failures) {
    const index =
      typeof failure?.itemIdentifier === 'string' && failure.itemIdentifier !== ''
        ? records.findIndex((r) => r.dynamodb?.SequenceNumber === failure.itemIdentifier)
        : -1;
    if (index < 0) return 0;
    first = Math.min(first, index);
  }
  return first;
}

/** The failure record again, carrying only `records` (the rest of its batch), in the shape Lambda writes. */
function withRecords(record: StreamFailureRecord, records: DynamoDBStreamEvent['Records']): StreamFailureRecord {
  const arrival = (r: DynamoDBStreamEvent['Records'][number] | undefined) =>
    r?.dynamodb?.ApproximateCreationDateTime === undefined
      ? undefined
      : new Date(r.dynamodb.ApproximateCreationDateTime * 1000).toISOString().replace('.000Z', 'Z');
  const first = records[0];
  const last = records.at(-1);
  return {
    ...record,
    DDBStreamBatchInfo: {
      ...record.DDBStreamBatchInfo,
      startSequenceNumber: first?.dynamodb?.SequenceNumber,
      endSequenceNumber: last?.dynamodb?.SequenceNumber,
      ...(arrival(first) === undefined ? {} : { approximateArrivalOfFirstRecord: arrival(first) }),
      ...(arrival(last) === undefined ? {} : { approximateArrivalOfLastRecord: arrival(last) }),
      batchSize: records.length,
    },
    payload: JSON.stringify({ Records: records }),
  };
}

/**
 * Each failure record in the bucket, oldest key first: the batch it carries goes to the function
 * as the event source mapping sent it, and the object is deleted once the function took it all.
 * When the function takes only the first records, the object is written again (same key, so the
 * order and the time in the key stay) with the records from the first one that failed, so the next
 * run does not hand the others over again. A failing replay adds no object to the bucket, so one
 * pass over the listing cannot loop.
 */
async function replayBucket(store: StreamFailureBucket, options: ReplayOptions, clients: Clients, tally: Tally, print: (line: string) => void): Promise<void> {
  const { s3, lambda } = clients;
  const bucket = output(options.outputs, store.bucketNameOutput);
  /** The index of the first record not taken, or undefined once all were. */
  const deliver = async (event: DynamoDBStreamEvent): Promise<number | undefined> => {
    const answer = await lambda.send(
      new InvokeCommand({ FunctionName: output(options.outputs, store.functionNameOutput), Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const payload = answer.Payload === undefined ? undefined : (JSON.parse(Buffer.from(answer.Payload).toString('utf8')) as unknown);
    if (answer.FunctionError !== undefined) throw new ReplayFailed(`the function failed again: ${JSON.stringify(payload)}`);
    return firstFailedRecord(payload as DynamoDBBatchResponse | null, event.Records);
  };
  const sequenceNumbers = (records: DynamoDBStreamEvent['Records']) =>
    records.length === 1
      ? String(records[0]?.dynamodb?.SequenceNumber)
      : `${String(records[0]?.dynamodb?.SequenceNumber)}..${String(records.at(-1)?.dynamodb?.SequenceNumber)}`;
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }) }),
    );
    for (const object of page.Contents ?? []) {
      const key = object.Key as string;
      let what = `${options.group} ${store.bucketNameOutput} ${key}`;
      try {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const text = (await got.Body?.transformToString('utf8')) ?? '';
        let record: StreamFailureRecord;
        try {
          record = JSON.parse(text) as StreamFailureRecord;
        } catch {
          throw new ReplayFailed('the object is not JSON');
        }
        what = `${what}: ${describeFailure(record)}`;
        const event = batchOf(record);
        if (options.dryRun === true) {
          tally.listed++;
          print(`would replay ${what}`);
          continue;
        }
        const firstFailed = await deliver(event);
        if (firstFailed === undefined) {
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
          tally.replayed++;
          print(`replayed ${what}`);
          continue;
        }
        const left = event.Records.slice(firstFailed);
        if (firstFailed > 0) {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(withRecords(record, left)), ContentType: 'application/json' }));
        }
        tally.failed++;
        print(
          `NOT replayed ${what}: the function reported record ${String(left[0]?.dynamodb?.SequenceNumber)} failed again` +
            (firstFailed > 0 ? `; the ${firstFailed} record(s) before it were taken` : '') +
            ` (left in the bucket: record(s) ${sequenceNumbers(left)}, ${left.length} of ${event.Records.length})`,
        );
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') continue; // replayed by another run meanwhile, or expired
        tally.failed++;
        print(`NOT replayed ${what}: ${reason(error)} (left in the bucket)`);
      }
    }
    continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
}

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const stores = DEAD_LETTERS[options.group];
  if (stores === undefined) throw new Error(`no dead letters are grouped as ${options.group}: the groups are ${REPLAY_GROUPS.join(', ')}`);
  // Clients take their endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (the local runtime).
  const clients: Clients = { sqs: new SQSClient({}), lambda: new LambdaClient({}), sfn: new SFNClient({}), s3: new S3Client({}) };
  const tally: Tally = { replayed: 0, failed: 0, listed: 0, deferred: 0 };
  try {
    for (const store of stores) {
      if (store.kind === 'queue') await replayQueue(store, options, clients, tally, print);
      else await replayBucket(store, options, clients, tally, print);
    }
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
  print(
    options.dryRun === true
      ? `${tally.listed} dead letter(s) would be replayed from the ${options.group} dead letters (dry run: nothing sent, nothing deleted)`
      : `${tally.replayed} replayed, ${tally.failed} failed, from the ${options.group} dead letters${tally.deferred === 0 ? '' : `; ${tally.deferred} left for the next run (they arrived again during this run)`}`,
  );
  return { ...tally };
}

/** The stack outputs in AWS. */
export async function stackOutputs(stackName: string): Promise<Outputs> {
  const client = new CloudFormationClient({});
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries((answer.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } finally {
    client.destroy();
  }
}

/**
 * The local runtime's outputs, and the SDK pointed at its endpoints through the same variables
 * the functions use locally (any credentials do; an explicit AWS_ENDPOINT_URL_* is kept).
 */
export async function localOutputs(awsEndpoint: string): Promise<Outputs> {
  let response: Response;
  try {
    response = await fetch(`${awsEndpoint}/local/outputs`);
  } catch (error) {
    throw new Error(
      `the local runtime does not answer at ${awsEndpoint} (${(error as Error).cause ?? error}); start it with npm start, set AWS_PORT to its port, or pass --stack <name> for AWS`,
    );
  }
  if (!response.ok) throw new Error(`${awsEndpoint}/local/outputs answered ${response.status}: is this the local runtime of this version?`);
  const outputs = (await response.json()) as Record<string, string>;
  for (const service of ['SQS', 'LAMBDA', 'SFN', 'S3']) process.env[`AWS_ENDPOINT_URL_${service}`] ??= outputs.AwsEndpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  return outputs;
}

const USAGE = `usage: npm run replay-dead-letters -- --queue <${REPLAY_GROUPS.join('|')}> [--dry-run] [--stack <name>] [--visibility-timeout <seconds>]`;

/** The command line; throws on an unknown or malformed option. */
const parseOptions = () =>
  parseArgs({
    options: {
      queue: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      stack: { type: 'string' },
      'visibility-timeout': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });

async function main(): Promise<number> {
  let values: ReturnType<typeof parseOptions>['values'];
  try {
    ({ values } = parseOptions());
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const group = values.queue;
  if (group === undefined || !REPLAY_GROUPS.includes(group)) {
    console.error(`--queue must be one of ${REPLAY_GROUPS.join(', ')}${group === undefined ? '' : ` (not ${group})`}\n${USAGE}`);
    return 2;
  }
  const visibility = values['visibility-timeout'] === undefined ? undefined : Number(values['visibility-timeout']);
  if (visibility !== undefined && !(Number.isInteger(visibility) && visibility >= 0 && visibility <= 43_200)) {
    console.error('--visibility-timeout must be a whole number of seconds from 0 to 43200');
    return 2;
  }
  const stack = values.stack ?? process.env.ITSM_STACK;
  try {
    const outputs = stack === undefined ? await localOutputs(`http://127.0.0.1:${process.env.AWS_PORT ?? 4000}`) : await stackOutputs(stack);
    const result = await replayDeadLetters({
      group,
      outputs,
      dryRun: values['dry-run'],
      ...(visibility === undefined ? {} : { visibilityTimeout: visibility }),
    });
    return result.failed > 0 ? 1 : 0;
  } catch (error) {
    console.error(`replay-dead-letters: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.exitCode = await main();
}
