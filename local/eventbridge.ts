import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CLOUDWATCH_ALARM_DETAIL_TYPE, INGESTION_RULES, type IngestionRule } from '../functions/ingestion/rules.ts';
import { CONSUMERS, EVENT_SOURCE } from '../functions/routes.ts';
import type { ConsumerDefinition } from '../functions/shared/area.ts';
import { AwsError, type AwsJsonService } from './aws-endpoint.ts';
import { type DeadLetters, LOCAL_DEAD_LETTER_QUEUES, localBusRuleQueues } from './dead-letters.ts';
import { type CompiledPattern, compileEventPattern } from './event-pattern.ts';
import { backoff, type Invoke, invokeFunction, type RetryPolicy } from './invoke.ts';
import type { PublishedLog } from './published-log.ts';

/**
 * EventBridge's PutEvents, locally: entries are validated as EventBridge does, become EventBridge
 * events (the envelope an SQS target receives), are matched against the rules of their bus, and
 * every match is delivered, as a message of the rule's queue, to the function that consumes that
 * queue: the ingestion queue's (`recordBusEvents`) for the ingestion rules, its own for an area's
 * `ingestionBusRule` consumer (the CMDB's AWS feed, ...). PutEvents answers once the functions
 * have returned, so a 200 means "recorded" and a test can look for the result right away.
 *
 * As in AWS, an event goes once to each rule it matches (the function records an event once by
 * its id, however often it arrives). A delivery the
 * function fails (a batch item failure, or a throw) is retried like an SQS redelivery, with
 * ApproximateReceiveCount counting up, then put in the local dead-letter list; the entry keeps its
 * EventId either way, because EventBridge accepted it.
 *
 * Local differences, on purpose: no signature or permission checks; `aws.*` sources are accepted
 * (in AWS only the services themselves emit them; here they simulate CloudWatch alarms, AWS Config and CloudFormation); an
 * unknown bus accepts events and routes none; the queue is a direct call, so the batch holds the
 * messages of one PutEvents call, not whatever the queue has gathered.
 */

/** The ingestion bus's name locally (in AWS, CDK names it after the stack). */
export const LOCAL_INGESTION_BUS = 'itsm-ingestion';
export const LOCAL_INGESTION_QUEUE = 'itsm-local-ingestion';
const ACCOUNT = '000000000000';
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_DETAIL_TYPE_LENGTH = 128;
/** SQS messages per invocation, as the event source mapping's batch size (infra QUEUE_BATCH_SIZE). */
const QUEUE_BATCH_SIZE = 10;

/** A queue a rule delivers to and the function that consumes it. */
export interface LocalQueueTarget {
  readonly queue: string;
  readonly functionId: string;
  /** Where the messages the function keeps failing go. */
  readonly deadLetterQueue: string;
  /** Messages per invocation. */
  readonly batchSize: number;
}

/** A rule of a local bus; without a target, its matches go to the ingestion queue. */
export interface LocalBusRule extends IngestionRule {
  readonly target?: LocalQueueTarget;
}

/** An area's ingestion bus rule consumer as a local rule: its pattern, its queue, its function. */
export interface LocalBusRuleConsumer {
  readonly rule: LocalBusRule & { readonly target: LocalQueueTarget };
  /** Also on the default bus (its `fromDefaultBusOption`: locally always on, as the alarm rule is). */
  readonly fromDefaultBus: boolean;
  /** Its target dead-letter queue's name: EventBridge never fails to deliver locally, but the replay reads it. */
  readonly targetDeadLetterQueue: string;
}

/** The `ingestionBusRule` consumers of the areas, as local rules. */
export function busRuleConsumers(consumers: readonly ConsumerDefinition[] = CONSUMERS): LocalBusRuleConsumer[] {
  return consumers.flatMap(({ functionId, source }) => {
    if (source.kind !== 'ingestionBusRule') return [];
    const names = localBusRuleQueues(source.ruleId);
    return [
      {
        rule: {
          id: source.ruleId,
          description: source.description,
          eventPattern: source.pattern,
          target: { queue: names.queue, functionId, deadLetterQueue: names.deadLetterQueue, batchSize: source.batchSize ?? QUEUE_BATCH_SIZE },
        },
        fromDefaultBus: source.fromDefaultBusOption !== undefined,
        targetDeadLetterQueue: names.targetDeadLetterQueue,
      },
    ];
  });
}

/**
 * The rules per bus, as the stacks deploy them: all ingestion rules and the areas' bus rules on
 * the ingestion bus; on the default bus (where CloudWatch and other AWS services put their
 * events) the alarm rule and the bus rules that have a default-bus option.
 */
export function defaultBuses(
  rules: readonly IngestionRule[] = INGESTION_RULES,
  consumers: readonly ConsumerDefinition[] = CONSUMERS,
): Record<string, readonly LocalBusRule[]> {
  const alarmRules = rules.filter((rule) => {
    const detailTypes = rule.eventPattern['detail-type'];
    return Array.isArray(detailTypes) && detailTypes.includes(CLOUDWATCH_ALARM_DETAIL_TYPE);
  });
  const areaRules = busRuleConsumers(consumers);
  return {
    [LOCAL_INGESTION_BUS]: [...rules, ...areaRules.map((c) => c.rule)],
    default: [...alarmRules, ...areaRules.filter((c) => c.fromDefaultBus).map((c) => c.rule)],
  };
}

const queueConsumer = CONSUMERS.find((consumer) => consumer.source.kind === 'ingestionQueue')?.functionId;

export interface EventBridgeOptions {
  readonly deadLetters: DeadLetters;
  /** Rules by bus name; defaults to defaultBuses(). */
  readonly buses?: Readonly<Record<string, readonly LocalBusRule[]>>;
  /** The function consuming the ingestion queue; defaults to the ingestionQueue consumer of CONSUMERS. */
  readonly functionId?: string;
  readonly invoke?: Invoke;
  /** Deliveries per message (SQS maxReceiveCount); defaults to 5 (infra MAX_RECEIVE_COUNT) 100 ms apart, doubling. */
  readonly retry?: RetryPolicy;
  /** Where the product's own domain events (source EVENT_SOURCE) are shown as they are accepted. */
  readonly publishedLog?: PublishedLog;
}

export const QUEUE_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

/** An envelope as EventBridge delivers it to targets. */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/**
 * Each event's Detail as the sender wrote it: targets receive it unchanged, not re-serialized from
 * the parsed value (which would round integers above 2^53 and turn 1e400 into null).
 */
const detailTexts = new WeakMap<EventBridgeEvent, string>();

/** EventBridge's time format: ISO 8601 in UTC, to the second. */
const eventTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const region = () => process.env.AWS_REGION ?? 'us-east-1';

/** `my-bus`, or `arn:aws:events:<region>:<account>:event-bus/my-bus`; none is the default bus. */
function busNameOf(value: unknown): string {
  if (typeof value !== 'string' || value === '') return 'default';
  const arn = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(value);
  return arn === null ? value : (arn[1] as string);
}

const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

/** How EventBridge sizes an entry against the 256 KB limit (Time counts 14 bytes). */
function entrySize(entry: Record<string, unknown>): number {
  const resources = Array.isArray(entry.Resources) ? entry.Resources.reduce((sum: number, r: unknown) => sum + bytes(r), 0) : 0;
  return (entry.Time === undefined ? 0 : 14) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + resources;
}

const invalid = (message: string): EntryResult => ({ ErrorCode: 'InvalidArgument', ErrorMessage: message });
const required = (name: string) => invalid(`Parameter ${name} is not valid. Reason: ${name} is a required argument.`);

/** The entry as an event, or why EventBridge would refuse it. */
function toEvent(entry: unknown): { event: EventBridgeEvent; bus: string } | { error: EntryResult } {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return { error: invalid('Entry is not valid.') };
  const { Source, DetailType, Detail, Resources, Time, EventBusName } = entry as Record<string, unknown>;
  if (typeof Source !== 'string' || Source === '') return { error: required('Source') };
  if (typeof DetailType !== 'string' || DetailType === '') return { error: required('DetailType') };
  if (DetailType.length > MAX_DETAIL_TYPE_LENGTH)
    return { error: invalid(`Parameter DetailType is not valid. Reason: longer than ${MAX_DETAIL_TYPE_LENGTH} characters.`) };
  if (typeof Detail !== 'string' || Detail === '') return { error: required('Detail') };
  let detail: unknown;
  try {
    detail = JSON.parse(Detail);
  } catch {
    return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed: it must be a JSON object.' } };
  }
  if (Resources !== undefined && (!Array.isArray(Resources) || !Resources.every((r) => typeof r === 'string'))) {
    return { error: invalid('Parameter Resources is not valid. Reason: a list of strings is expected.') };
  }
  // The SDK and the CLI send Time as epoch seconds; accept an ISO string too.
  let time = new Date();
  if (Time !== undefined && Time !== null) {
    time = typeof Time === 'number' ? new Date(Time * 1000) : new Date(String(Time));
    if (Number.isNaN(time.getTime())) return { error: invalid('Parameter Time is not valid.') };
  }
  if (EventBusName !== undefined && typeof EventBusName !== 'string') return { error: invalid('Parameter EventBusName is not valid.') };
  const event: EventBridgeEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': DetailType,
    source: Source,
    account: ACCOUNT,
    time: eventTime(time),
    region: region(),
    resources: (Resources as string[] | undefined) ?? [],
    detail: detail as Record<string, unknown>,
  };
  detailTexts.set(event, Detail);
  return { bus: busNameOf(EventBusName), event };
}

/** A queue's message carrying one event, as Lambda's SQS event source hands it over. */
function sqsRecord(event: EventBridgeEvent, queue: string): SQSRecord {
  const detailText = detailTexts.get(event);
  if (detailText === undefined) return sqsRecordOf(JSON.stringify(event), queue);
  // `detail` is the envelope's last member: its text goes in as sent.
  return sqsRecordOf(`${JSON.stringify({ ...event, detail: undefined }).slice(0, -1)},"detail":${detailText}}`, queue);
}

function sqsRecordOf(body: string, queue: string): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: Buffer.from(randomUUID()).toString('base64'),
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'local-eventbridge', ApproximateFirstReceiveTimestamp: now },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${region()}:${ACCOUNT}:${queue}`,
    awsRegion: region(),
  };
}

/**
 * The messages of a batch the function did not process, read as Lambda reads an SQSBatchResponse:
 * nothing (or an empty list) is success; an identifier that names no message of the batch fails
 * the whole batch.
 */
function failedMessages(response: unknown, batch: readonly SQSRecord[]): Set<string> {
  const failures = (response as SQSBatchResponse | undefined | null)?.batchItemFailures;
  if (failures === undefined || failures === null || failures.length === 0) return new Set();
  const ids = new Set(batch.map((m) => m.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    if (typeof failure?.itemIdentifier !== 'string' || !ids.has(failure.itemIdentifier)) return ids;
    failed.add(failure.itemIdentifier);
  }
  return failed;
}

/** The ingestion queue, consumed by the ingestionQueue consumer of CONSUMERS unless another function is named. */
function ingestionTarget(functionId: string | undefined = queueConsumer): LocalQueueTarget {
  if (functionId === undefined) throw new Error('no ingestionQueue consumer in functions/routes.ts CONSUMERS');
  return { queue: LOCAL_INGESTION_QUEUE, functionId, deadLetterQueue: LOCAL_DEAD_LETTER_QUEUES.ingestion, batchSize: QUEUE_BATCH_SIZE };
}

/**
 * The ingestion queue and its consumer: what EventBridge delivers to it, and what SendMessage puts
 * in it (a replayed dead letter), reaches the function as one SQS batch with redelivery.
 */
export function ingestionQueue(options: Pick<EventBridgeOptions, 'deadLetters' | 'functionId' | 'invoke' | 'retry'>) {
  return localQueue({ ...options, target: ingestionTarget(options.functionId) });
}

/** A queue and its consumer (the ingestion queue, or a bus rule's own), as ingestionQueue describes. */
export function localQueue(options: Pick<EventBridgeOptions, 'deadLetters' | 'invoke' | 'retry'> & { readonly target: LocalQueueTarget }) {
  const { functionId, queue, deadLetterQueue } = options.target;
  const source = queue === LOCAL_INGESTION_QUEUE ? 'ingestionQueue' : 'ingestionBusRule';
  const invoke = options.invoke ?? invokeFunction;
  const retry = options.retry ?? QUEUE_RETRY;

  /** One batch through the function, redelivering what failed, dead-lettering what keeps failing. */
  async function deliver(messages: SQSRecord[]): Promise<void> {
    let pending = messages;
    const firstReceive = String(Date.now());
    for (let attempt = 1; pending.length > 0; attempt++) {
      const batch = pending.map((message) => ({
        ...message,
        attributes: { ...message.attributes, ApproximateReceiveCount: String(attempt), ApproximateFirstReceiveTimestamp: firstReceive },
      }));
      let failed: Set<string>;
      let error: string | undefined;
      try {
        failed = failedMessages(await invoke(functionId, { Records: batch } satisfies SQSEvent), batch);
      } catch (thrown) {
        error = String(thrown);
        console.error(JSON.stringify({ level: 'error', message: 'function failed', functionId, error }));
        failed = new Set(batch.map((m) => m.messageId));
      }
      const failedBatch = batch.filter((m) => failed.has(m.messageId));
      if (failedBatch.length === 0) return;
      if (attempt >= retry.attempts) {
        for (const message of failedBatch) {
          options.deadLetters.add({
            at: new Date().toISOString(),
            functionId,
            source,
            condition: 'MaxReceiveCountExceeded',
            attempts: attempt,
            ...(error === undefined ? {} : { error }),
            queue,
            ...(source === 'ingestionBusRule' ? { deadLetterQueue } : {}),
            record: message,
          });
        }
        return;
      }
      pending = failedBatch;
      await sleep(backoff(retry, attempt));
    }
  }

  return { deliver, send: (body: string) => deliver([sqsRecordOf(body, queue)]) };
}

export function eventBridgeService(options: EventBridgeOptions): AwsJsonService {
  // Each queue a rule targets, with its consumer; the ingestion queue only once a rule needs it.
  const queues = new Map<string, { target: LocalQueueTarget; deliver: (messages: SQSRecord[]) => Promise<void> }>();
  const queueFor = (target: LocalQueueTarget) => {
    const known = queues.get(target.queue);
    if (known !== undefined) return known;
    const created = { target, deliver: localQueue({ ...options, target }).deliver };
    queues.set(target.queue, created);
    return created;
  };
  const buses = new Map(
    Object.entries(options.buses ?? defaultBuses()).map(([name, rules]) => [
      name,
      rules.map((rule) => ({
        id: rule.id,
        matches: compileEventPattern(rule.eventPattern) as CompiledPattern,
        queue: queueFor(rule.target ?? ingestionTarget(options.functionId)),
      })),
    ]),
  );

  async function putEvents(input: Record<string, unknown>) {
    const entries = input.Entries;
    if (!Array.isArray(entries)) {
      throw new AwsError('ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      const bound = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
      );
    }
    const size = entries.reduce(
      (sum: number, entry: unknown) => sum + (entry !== null && typeof entry === 'object' ? entrySize(entry as Record<string, unknown>) : 0),
      0,
    );
    if (size > MAX_REQUEST_BYTES) throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');

    const converted = entries.map(toEvent);
    // "If none of the entries have each of these properties, EventBridge fails the entire request."
    const complete = (entry: unknown) =>
      entry !== null && typeof entry === 'object' && ['Source', 'DetailType', 'Detail'].every((name) => (entry as Record<string, unknown>)[name] !== undefined);
    if (!entries.some(complete)) throw new AwsError('ValidationException', 'Parameters Source, DetailType and Detail are required in each entry.');

    const messages = new Map<string, SQSRecord[]>();
    const results: EntryResult[] = converted.map((outcome) => {
      if ('error' in outcome) return outcome.error;
      if (outcome.event.source === EVENT_SOURCE) {
        options.publishedLog?.add({
          kind: 'event',
          eventBusName: outcome.bus,
          source: outcome.event.source,
          detailType: outcome.event['detail-type'],
          detail: outcome.event.detail,
          id: outcome.event.id,
          at: outcome.event.time,
        });
      }
      const rules = buses.get(outcome.bus) ?? [];
      const matched = rules.filter((rule) => rule.matches(outcome.event));
      // The product's own domain events are printed by the published log; the ingestion rules never take them.
      if (matched.length === 0 && outcome.event.source !== EVENT_SOURCE) {
        console.log(
          JSON.stringify({
            level: 'info',
            message: 'local EventBridge: event matched no rule',
            bus: outcome.bus,
            source: outcome.event.source,
            detailType: outcome.event['detail-type'],
            eventId: outcome.event.id,
          }),
        );
      }
      for (const rule of matched) {
        const queue = rule.queue.target.queue;
        messages.set(queue, [...(messages.get(queue) ?? []), sqsRecord(outcome.event, queue)]);
      }
      return { EventId: outcome.event.id };
    });
    for (const [queue, queued] of messages) {
      const { target, deliver } = queues.get(queue) as NonNullable<ReturnType<typeof queues.get>>;
      for (let i = 0; i < queued.length; i += target.batchSize) await deliver(queued.slice(i, i + target.batchSize));
    }
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  return { targetPrefix: 'AWSEvents', jsonVersion: '1.1', operations: { PutEvents: putEvents } };
}
