/**
 * Which dead-letter queue is replayed into what, by the names of the stack outputs that locate
 * them. The API stack declares these outputs, the local runtime answers the same names at
 * GET /local/outputs, and `npm run replay-dead-letters` reads them from one or the other: the
 * replay itself is the same SDK code against AWS and against the local endpoints.
 *
 * No aws-cdk-lib here: the local runtime and the replay script import this file.
 */

/** How a message of a dead-letter queue is delivered again. */
export type Replay =
  /** The body is the original message (an EventBridge event): sent again to the queue it failed from. */
  | { readonly kind: 'sendToQueue'; readonly queueUrlOutput: string }
  /**
   * The body is Lambda's on-failure record of a stream batch (shard and sequence numbers, not the
   * records): the records are read again from the table's stream and the function is invoked
   * with them, as the event source mapping would have.
   */
  | { readonly kind: 'tableStream'; readonly functionNameOutput: string; readonly functionId: string }
  /** The body is the input a timer would have started the workflow with. */
  | { readonly kind: 'startExecution'; readonly stateMachineArnOutput: string };

export interface DeadLetterQueue {
  /** The stack output holding the dead-letter queue's URL. */
  readonly queueUrlOutput: string;
  readonly what: string;
  readonly replay: Replay;
}

export const REPLAY_GROUPS = ['outbox', 'ingestion', 'timers'] as const;
export type ReplayGroup = (typeof REPLAY_GROUPS)[number];

export const INGESTION_QUEUE_URL_OUTPUT = 'IngestionQueueUrl';

/** Output names for a table stream consumer's failure queue and function (`publishOutbox` -> `PublishOutbox...`). */
export const streamFailureQueueOutput = (functionId: string) => `${functionId[0]?.toUpperCase()}${functionId.slice(1)}FailureQueueUrl`;
export const functionNameOutput = (functionId: string) => `${functionId[0]?.toUpperCase()}${functionId.slice(1)}FunctionName`;

const streamConsumer = (functionId: string, what: string): DeadLetterQueue => ({
  queueUrlOutput: streamFailureQueueOutput(functionId),
  what,
  replay: { kind: 'tableStream', functionNameOutput: functionNameOutput(functionId), functionId },
});

/** Every dead-letter path of the product, by the group `--queue` names. */
export const DEAD_LETTER_QUEUES: Readonly<Record<ReplayGroup, readonly DeadLetterQueue[]>> = {
  outbox: [streamConsumer('publishOutbox', 'outbox records the publisher gave up on (events, notifications, SLA timers)')],
  ingestion: [
    {
      queueUrlOutput: 'IngestionTargetDeadLetterQueueUrl',
      what: 'bus events EventBridge could not deliver to the ingestion queue',
      replay: { kind: 'sendToQueue', queueUrlOutput: INGESTION_QUEUE_URL_OUTPUT },
    },
    {
      queueUrlOutput: 'IngestionDeadLetterQueueUrl',
      what: 'bus events the ingestion function failed to record',
      replay: { kind: 'sendToQueue', queueUrlOutput: INGESTION_QUEUE_URL_OUTPUT },
    },
    streamConsumer('applyAlertEvents', 'recorded alert events that could not be applied to incidents'),
  ],
  timers: [
    {
      queueUrlOutput: 'SlaTimerDeadLetterQueueUrl',
      what: 'SLA timer firings that could not start the escalation workflow',
      replay: { kind: 'startExecution', stateMachineArnOutput: 'IncidentEscalationStateMachineArn' },
    },
  ],
};

/** SQS keeps a message at most 14 days; every dead-letter queue keeps them that long. */
export const DEAD_LETTER_RETENTION_DAYS = 14;
