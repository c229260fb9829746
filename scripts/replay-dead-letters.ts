import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { CONSUMERS } from '../functions/routes.ts';
import { DEAD_LETTER_QUEUES, type DeadLetterQueue, REPLAY_GROUPS, type ReplayGroup } from '../infra/constructs/dead-letter-replay.ts';
import { compileEventPattern } from '../local/event-pattern.ts';
import { toLambdaRecord } from '../local/stream-poller.ts';

/**
 * `npm run replay-dead-letters -- --queue <outbox|ingestion|timers> [--dry-run] [--stack <name>]`
 *
 * Takes each message out of the group's dead-letter queues and delivers it again where it failed:
 * an ingestion message back to the ingestion queue, a stream failure by reading its records from
 * the table's stream and invoking the consumer with them, a timer firing by starting the workflow
 * with its input. A message is deleted only once its replay succeeded; one that fails again stays
 * in its queue (visible again when the run ends) and the exit code is 1.
 *
 * Where the queues are: with `--stack` (or ITSM_STACK), the stack's outputs in AWS, with the
 * usual credentials and Region; without, the local runtime of `npm start`, whose AWS endpoint
 * (http://127.0.0.1:$AWS_PORT) answers the same output names. Only the endpoints differ: the
 * replay is the same SDK calls either way. Every replay is safe to repeat: the consumers record
 * an event once by its id, the publisher skips sinks already marked, and the escalation workflow
 * ignores a timer it has recorded or that moved since.
 */

export type Outputs = Readonly<Record<string, string>>;

export interface ReplayOptions {
  readonly group: ReplayGroup;
  readonly outputs: Outputs;
  readonly dryRun?: boolean;
  /** Seconds a received message stays hidden from other readers while this run replays it. */
  readonly visibilityTimeout?: number;
  readonly print?: (line: string) => void;
}

export interface ReplayResult {
  readonly replayed: number;
  readonly failed: number;
  /** Seen in a dry run, left in their queues. */
  readonly listed: number;
}

class ReplayFailed extends Error {}

const output = (outputs: Outputs, name: string): string => {
  const value = outputs[name];
  if (value === undefined || value === '') throw new Error(`the stack has no output ${name}: deploy this version of the stack first`);
  return value;
};

/** What a message is, in one line, without its free text. */
function describe(queue: DeadLetterQueue, message: Message): string {
  try {
    const body = JSON.parse(message.Body ?? '') as Record<string, unknown>;
    switch (queue.replay.kind) {
      case 'sendToQueue':
        return `event ${String(body.id)} (${String(body.source)} / ${String(body['detail-type'])})`;
      case 'startExecution':
        return `timer ${String(body.incidentId)} ${String(body.clock)} ${String(body.threshold)}% (version ${String(body.timerVersion)})`;
      case 'tableStream': {
        const info = (body.DDBStreamBatchInfo ?? {}) as Record<string, unknown>;
        return `stream batch ${String(info.shardId)} ${String(info.startSequenceNumber)}..${String(info.endSequenceNumber)} (${String(info.batchSize)} record(s), ${String((body.requestContext as Record<string, unknown> | undefined)?.condition)})`;
      }
    }
  } catch {
    return `message ${message.MessageId} (body is not JSON)`;
  }
}

/** The records a stream failure names, read again from the stream (which keeps them 24 hours). */
async function streamRecords(streams: DynamoDBStreamsClient, info: Record<string, unknown>): Promise<_Record[]> {
  const { streamArn, shardId, startSequenceNumber, endSequenceNumber } = info as Record<string, string | undefined>;
  if (streamArn === undefined || shardId === undefined || startSequenceNumber === undefined || endSequenceNumber === undefined) {
    throw new ReplayFailed('the failure record names no stream, shard or sequence numbers');
  }
  const end = BigInt(endSequenceNumber);
  let iterator: string | undefined;
  try {
    iterator = (
      await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: startSequenceNumber }))
    ).ShardIterator;
  } catch (error) {
    const name = (error as Error).name;
    if (['TrimmedDataAccessException', 'ResourceNotFoundException', 'ValidationException'].includes(name)) {
      throw new ReplayFailed(
        `the stream no longer holds these records (${name}): a stream keeps records 24 hours, so this failure cannot be replayed from it; see docs/operations.md, "Replaying dead letters"`,
      );
    }
    throw error;
  }
  const records: _Record[] = [];
  // An open shard can answer empty pages before the records; a few are enough to reach them.
  for (let emptyPages = 0; iterator !== undefined && emptyPages < 5; ) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const mine = (page.Records ?? []).filter((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0') <= end);
    records.push(...mine);
    if ((page.Records ?? []).some((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0') >= end)) break;
    emptyPages = (page.Records ?? []).length === 0 ? emptyPages + 1 : 0;
    iterator = page.NextShardIterator;
  }
  if (records.length === 0) throw new ReplayFailed('no record of the failed batch was found in the stream');
  return records;
}

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const visibilityTimeout = options.visibilityTimeout ?? 60;
  // Clients take their endpoints from AWS_ENDPOINT_URL_<SERVICE> when set (the local runtime).
  const sqs = new SQSClient({});
  const lambda = new LambdaClient({});
  const sfn = new SFNClient({});
  const streams = new DynamoDBStreamsClient({});
  let replayed = 0;
  let failed = 0;
  let listed = 0;
  // A delivery that fails again while this runs lands in the queue anew: it waits for the next run
  // rather than being replayed in a loop.
  const startedAt = Date.now();
  try {
    for (const queue of DEAD_LETTER_QUEUES[options.group]) {
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
          case 'tableStream': {
            const failure = JSON.parse(body) as { DDBStreamBatchInfo?: Record<string, unknown> };
            const info = failure.DDBStreamBatchInfo ?? {};
            const filter = CONSUMERS.find((c) => c.functionId === replay.functionId)?.source;
            const matches = filter?.kind === 'tableStream' ? compileEventPattern(filter.filter) : () => true;
            const region = String(info.streamArn ?? '').split(':')[3] || (process.env.AWS_REGION ?? 'us-east-1');
            const records = (await streamRecords(streams, info)).map((r) => toLambdaRecord(r, String(info.streamArn), region)).filter((r) => matches(r));
            if (records.length === 0) return; // none of them is the consumer's any more: nothing to deliver
            const answer = await lambda.send(
              new InvokeCommand({ FunctionName: output(options.outputs, replay.functionNameOutput), Payload: Buffer.from(JSON.stringify({ Records: records })) }),
            );
            const payload = answer.Payload === undefined ? undefined : (JSON.parse(Buffer.from(answer.Payload).toString('utf8')) as unknown);
            if (answer.FunctionError !== undefined) throw new ReplayFailed(`the function failed again: ${JSON.stringify(payload)}`);
            const failures = (payload as DynamoDBBatchResponse | null)?.batchItemFailures ?? [];
            if (failures.length > 0) throw new ReplayFailed(`the function reported ${failures.length} record(s) failed again`);
            return;
          }
        }
      };

      const seen = new Set<string>();
      /** Received and not deleted (listed in a dry run, or failed again): visible again once the pass is over. */
      const kept: Message[] = [];
      for (;;) {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: visibilityTimeout,
            // Long polling asks every SQS server, so an empty answer means an empty queue.
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        );
        const messages = (received.Messages ?? []).filter((m) => !seen.has(m.MessageId ?? ''));
        if (messages.length === 0) break;
        let onlyNew = true;
        for (const message of messages) {
          seen.add(message.MessageId ?? '');
          if (Number(message.Attributes?.SentTimestamp ?? 0) >= startedAt) {
            await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
            continue;
          }
          onlyNew = false;
          const what = `${options.group} ${queue.queueUrlOutput} ${message.MessageId}: ${describe(queue, message)}`;
          if (options.dryRun === true) {
            listed++;
            kept.push(message);
            print(`would replay ${what}`);
            continue;
          }
          try {
            await deliver(message);
            await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
            replayed++;
            print(`replayed ${what}`);
          } catch (error) {
            failed++;
            kept.push(message);
            print(`NOT replayed ${what}: ${error instanceof ReplayFailed ? error.message : String(error)} (left in the queue)`);
          }
        }
        if (onlyNew) break;
      }
      // Hidden while the pass ran, so each message was seen once; the next run finds them at once.
      for (const message of kept) {
        await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 })).catch(() => undefined);
      }
    }
  } finally {
    for (const client of [sqs, lambda, sfn, streams]) client.destroy();
  }
  print(
    options.dryRun === true
      ? `${listed} message(s) would be replayed from the ${options.group} dead-letter queues (dry run: nothing sent, nothing deleted)`
      : `${replayed} replayed, ${failed} failed, from the ${options.group} dead-letter queues`,
  );
  return { replayed, failed, listed };
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
    throw new Error(`the local runtime does not answer at ${awsEndpoint} (${(error as Error).cause ?? error}); start it with npm start, set AWS_PORT to its port, or pass --stack <name> for AWS`);
  }
  if (!response.ok) throw new Error(`${awsEndpoint}/local/outputs answered ${response.status}: is this the local runtime of this version?`);
  const outputs = (await response.json()) as Record<string, string>;
  for (const service of ['SQS', 'LAMBDA', 'SFN']) process.env[`AWS_ENDPOINT_URL_${service}`] ??= outputs.AwsEndpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS ??= outputs.DynamoDbEndpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  return outputs;
}

const USAGE = 'usage: npm run replay-dead-letters -- --queue <outbox|ingestion|timers> [--dry-run] [--stack <name>] [--visibility-timeout <seconds>]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        queue: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        stack: { type: 'string' },
        'visibility-timeout': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const group = values.queue as ReplayGroup | undefined;
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
    const result = await replayDeadLetters({ group, outputs, dryRun: values['dry-run'], ...(visibility === undefined ? {} : { visibilityTimeout: visibility }) });
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
