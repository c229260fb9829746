/**
 * Where each dead letter is kept and what it is replayed into, by the names of the stack outputs
 * that locate them. The API stack declares these outputs, the local runtime answers the same names
 * at GET /local/outputs, and `npm run replay-dead-letters` reads them from one or the other: the
 * replay itself is the same SDK code against AWS and against the local endpoints.
 *
 * The ingestion and timer queues are the API stack's own; the failure buckets follow from the
 * table stream consumers the areas declare (functions/routes.ts CONSUMERS), each with its group,
 * and so do the dead-letter queues of the ingestion bus rule consumers (in their area's stack).
 *
 * No aws-cdk-lib here: the local runtime and the replay script import this file.
 */
import { CONSUMERS } from '../../functions/routes.ts';
import type { ConsumerDefinition } from '../../functions/shared/area.ts';

/** How a message of a dead-letter queue is delivered again. */
export type QueueReplay =
  /** The body is the original message (an EventBridge event): sent again to the queue it failed from. */
  | { readonly kind: 'sendToQueue'; readonly queueUrlOutput: string }
  /** The body is the input a timer would have started the workflow with. */
  | { readonly kind: 'startExecution'; readonly stateMachineArnOutput: string }
  /**
   * The body is Lambda's record of an asynchronous invocation it gave up on (an SQS on-failure
   * destination's message): the function is invoked again with the event it holds (`requestPayload`).
   */
  | { readonly kind: 'invokeFunction'; readonly functionNameOutput: string };

/** An SQS queue of messages given up on; SQS keeps them DEAD_LETTER_RETENTION_DAYS. */
export interface DeadLetterQueue {
  readonly kind: 'queue';
  /** The stack output holding the queue's URL. */
  readonly queueUrlOutput: string;
  readonly what: string;
  readonly replay: QueueReplay;
}

/**
 * A table stream consumer's on-failure destination: an S3 bucket where Lambda writes one object
 * per batch it gave up on, its invocation record with the batch itself (`payload`, the event as
 * a JSON string: the records with their images). The replay invokes the function with that event
 * again, so it needs neither the stream (24 hours) nor the items (an outbox item lives 7 days);
 * the bucket keeps the objects FAILURE_RECORD_RETENTION_DAYS.
 */
export interface StreamFailureBucket {
  readonly kind: 'bucket';
  /** The stack output holding the bucket's name. */
  readonly bucketNameOutput: string;
  readonly what: string;
  /** The stack output holding the function's name, and its id in functions/routes.ts. */
  readonly functionNameOutput: string;
  readonly functionId: string;
}

export type DeadLetterStore = DeadLetterQueue | StreamFailureBucket;

export const INGESTION_QUEUE_URL_OUTPUT = 'IngestionQueueUrl';

const pascal = (functionId: string) => `${functionId[0]?.toUpperCase()}${functionId.slice(1)}`;
/** Output names for a table stream consumer's failure bucket and function (`publishOutbox` -> `PublishOutbox...`). */
export const streamFailureBucketOutput = (functionId: string) => `${pascal(functionId)}FailureBucketName`;
export const functionNameOutput = (functionId: string) => `${pascal(functionId)}FunctionName`;
/** Output names for an ingestion bus rule consumer's queue and its dead-letter queues (infra/constructs/bus-rule-consumer.ts). */
export const busRuleOutputs = (ruleId: string) =>
  ({
    queueUrl: `${ruleId}QueueUrl`,
    deadLetterQueueUrl: `${ruleId}DeadLetterQueueUrl`,
    targetDeadLetterQueueUrl: `${ruleId}TargetDeadLetterQueueUrl`,
  }) as const;

/** Output name of the dead-letter queue of an asynchronously invoked function (`receiveEmail` -> `ReceiveEmailDeadLetterQueueUrl`). */
export const asyncDeadLetterQueueOutput = (functionId: string) => `${pascal(functionId)}DeadLetterQueueUrl`;

const streamConsumer = (functionId: string, what: string): StreamFailureBucket => ({
  kind: 'bucket',
  bucketNameOutput: streamFailureBucketOutput(functionId),
  what,
  functionNameOutput: functionNameOutput(functionId),
  functionId,
});

/**
 * The dead-letter queues of the API stack's own wiring (the ingestion bus and queue, the SLA
 * timers), by group. The table stream consumers' failure buckets are not listed here: each
 * consumer declares its group in its area's area.ts (`replay` of a `tableStream` source).
 */
const QUEUE_DEAD_LETTERS: Readonly<Record<string, readonly DeadLetterQueue[]>> = {
  ingestion: [
    {
      kind: 'queue',
      queueUrlOutput: 'IngestionTargetDeadLetterQueueUrl',
      what: 'bus events EventBridge could not deliver to the ingestion queue',
      replay: { kind: 'sendToQueue', queueUrlOutput: INGESTION_QUEUE_URL_OUTPUT },
    },
    {
      kind: 'queue',
      queueUrlOutput: 'IngestionDeadLetterQueueUrl',
      what: 'bus events the ingestion function failed to record',
      replay: { kind: 'sendToQueue', queueUrlOutput: INGESTION_QUEUE_URL_OUTPUT },
    },
  ],
  timers: [
    {
      kind: 'queue',
      queueUrlOutput: 'SlaTimerDeadLetterQueueUrl',
      what: 'SLA timer firings that could not start the escalation workflow',
      replay: { kind: 'startExecution', stateMachineArnOutput: 'IncidentEscalationStateMachineArn' },
    },
  ],
};

/** What `--queue` accepts: a word a shell passes as it is. */
const GROUP_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** An ingestion bus rule consumer's two dead-letter queues, each replayed into its queue. */
const busRuleQueues = (ruleId: string, what: string): DeadLetterQueue[] => {
  const outputs = busRuleOutputs(ruleId);
  const replay = { kind: 'sendToQueue', queueUrlOutput: outputs.queueUrl } as const;
  return [
    { kind: 'queue', queueUrlOutput: outputs.targetDeadLetterQueueUrl, what: `${what} (EventBridge could not deliver them to the ${ruleId} queue)`, replay },
    { kind: 'queue', queueUrlOutput: outputs.deadLetterQueueUrl, what, replay },
  ];
};

/** An asynchronously invoked function's dead-letter queue (its on-failure destination), replayed by invoking it again. */
const asyncInvocationQueue = (functionId: string, what: string): DeadLetterQueue => ({
  kind: 'queue',
  queueUrlOutput: asyncDeadLetterQueueOutput(functionId),
  what,
  replay: { kind: 'invokeFunction', functionNameOutput: functionNameOutput(functionId) },
});

/**
 * Every dead-letter path of a registry, by the group `--queue` names: the queues above, then each
 * table stream consumer's failure bucket and each bus rule consumer's dead-letter queues in its
 * declared group, in registry order. Within a group the queues come first, so recorded events are
 * replayed before what applies them.
 */
export function deadLettersOf(consumers: readonly ConsumerDefinition[]): Readonly<Record<string, readonly DeadLetterStore[]>> {
  const groups: Record<string, DeadLetterStore[]> = Object.fromEntries(Object.entries(QUEUE_DEAD_LETTERS).map(([group, queues]) => [group, [...queues]]));
  for (const { functionId, source } of consumers) {
    if (source.kind !== 'tableStream' && source.kind !== 'ingestionBusRule' && source.kind !== 'emailReceipt') continue;
    const { group, what } = source.replay;
    if (!GROUP_NAME.test(group)) throw new Error(`Consumer ${functionId}: replay group "${group}" is not lower-case words joined by "-"`);
    const stores =
      source.kind === 'tableStream'
        ? [streamConsumer(functionId, what)]
        : source.kind === 'ingestionBusRule'
          ? busRuleQueues(source.ruleId, what)
          : [asyncInvocationQueue(functionId, what)];
    const existing = groups[group] ?? [];
    // Queues before buckets within a group (see above).
    groups[group] = [
      ...existing.filter((s) => s.kind === 'queue'),
      ...stores.filter((s) => s.kind === 'queue'),
      ...existing.filter((s) => s.kind === 'bucket'),
      ...stores.filter((s) => s.kind === 'bucket'),
    ];
  }
  return groups;
}

/** Every dead-letter path of the product (the registered areas), by group. */
export const DEAD_LETTERS = deadLettersOf(CONSUMERS);

/**
 * The groups `npm run replay-dead-letters -- --queue` accepts. Each group's dead letters are
 * located by the outputs of one stack (`--stack`): the API stack's for outbox, ingestion and
 * timers, ItsmProblems' for problems (docs/operations.md).
 */
export const REPLAY_GROUPS: readonly string[] = Object.keys(DEAD_LETTERS);

/** SQS keeps a message at most 14 days; every dead-letter queue keeps them that long. */
export const DEAD_LETTER_RETENTION_DAYS = 14;
/** A stream failure record stays in its bucket this long (the issue asks for at least 14 days). */
export const FAILURE_RECORD_RETENTION_DAYS = 30;
