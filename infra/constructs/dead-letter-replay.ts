/**
 * Where each dead letter is kept and what it is replayed into, by the names of the stack outputs
 * that locate them. The API stack declares these outputs, the local runtime answers the same names
 * at GET /local/outputs, and `npm run replay-dead-letters` reads them from one or the other: the
 * replay itself is the same SDK code against AWS and against the local endpoints.
 *
 * No aws-cdk-lib here: the local runtime and the replay script import this file.
 */

/** How a message of a dead-letter queue is delivered again. */
export type QueueReplay =
  /** The body is the original message (an EventBridge event): sent again to the queue it failed from. */
  | { readonly kind: 'sendToQueue'; readonly queueUrlOutput: string }
  /** The body is the input a timer would have started the workflow with. */
  | { readonly kind: 'startExecution'; readonly stateMachineArnOutput: string };

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

/**
 * Each group's dead letters are located by the outputs of one stack (`--stack`): the API stack's
 * for outbox, ingestion and timers, ItsmProblems' for problems (docs/operations.md).
 */
export const REPLAY_GROUPS = ['outbox', 'ingestion', 'timers', 'problems'] as const;
export type ReplayGroup = (typeof REPLAY_GROUPS)[number];

export const INGESTION_QUEUE_URL_OUTPUT = 'IngestionQueueUrl';

const pascal = (functionId: string) => `${functionId[0]?.toUpperCase()}${functionId.slice(1)}`;
/** Output names for a table stream consumer's failure bucket and function (`publishOutbox` -> `PublishOutbox...`). */
export const streamFailureBucketOutput = (functionId: string) => `${pascal(functionId)}FailureBucketName`;
export const functionNameOutput = (functionId: string) => `${pascal(functionId)}FunctionName`;

const streamConsumer = (functionId: string, what: string): StreamFailureBucket => ({
  kind: 'bucket',
  bucketNameOutput: streamFailureBucketOutput(functionId),
  what,
  functionNameOutput: functionNameOutput(functionId),
  functionId,
});

/** Every dead-letter path of the product, by the group `--queue` names. */
export const DEAD_LETTERS: Readonly<Record<ReplayGroup, readonly DeadLetterStore[]>> = {
  outbox: [streamConsumer('publishOutbox', 'outbox records the publisher gave up on (events, notifications, SLA timers)')],
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
    streamConsumer('applyAlertEvents', 'recorded alert events that could not be applied to incidents'),
  ],
  timers: [
    {
      kind: 'queue',
      queueUrlOutput: 'SlaTimerDeadLetterQueueUrl',
      what: 'SLA timer firings that could not start the escalation workflow',
      replay: { kind: 'startExecution', stateMachineArnOutput: 'IncidentEscalationStateMachineArn' },
    },
  ],
  // The problems area's stream consumers, in its own stack (ItsmProblems).
  problems: [
    streamConsumer(
      'problemReactions',
      'resolved problems whose linked incidents were not told (or resolved), and ended change requests whose fixed problems were not resolved or told',
    ),
    streamConsumer('detectRecurringIncidents', 'new incidents not counted towards recurring-incident problem candidates'),
  ],
};

/** SQS keeps a message at most 14 days; every dead-letter queue keeps them that long. */
export const DEAD_LETTER_RETENTION_DAYS = 14;
/** A stream failure record stays in its bucket this long (the issue asks for at least 14 days). */
export const FAILURE_RECORD_RETENTION_DAYS = 30;
