import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where the local runtime puts what AWS would put in a dead-letter queue (the ingestion queue's
 * DLQ, a bus rule consumer's queue's DLQ, the SLA timers' DLQ): deliveries given up on after their retries. (The stream consumers'
 * failures go to their failure buckets instead, local/s3.ts, as in AWS.) Each one is printed as one JSON line when it
 * arrives, listed at GET /local/dead-letters, and held as a message of the queue AWS would put it
 * in, with the body AWS would give it, so the local SQS endpoint (local/sqs.ts) serves it to
 * `npm run replay-dead-letters` exactly as SQS would. With a state file the messages survive a
 * restart and stay until replayed, however many (SQS keeps them 14 days). Without one (tests) the
 * oldest beyond `capacity` are dropped, each with a warning line.
 */
export interface DeadLetter {
  /** When it was given up on (ISO). */
  readonly at: string;
  readonly functionId: string;
  /**
   * The kind of event source (functions/routes.ts ConsumerSource), the local Scheduler firing a
   * target, or an asynchronous invocation (SES's, of the e-mail receiver) Lambda gave up on.
   */
  readonly source: 'ingestionQueue' | 'ingestionBusRule' | 'scheduler' | 'asyncInvocation';
  /** Why: AWS's condition names (`RetryAttemptsExhausted`, `MaxReceiveCountExceeded`). */
  readonly condition: string;
  readonly attempts: number;
  /** The last error the function threw, if it threw rather than reporting the item. */
  readonly error?: string;
  /** The message itself, as the function received it. */
  readonly record: unknown;
  readonly [more: string]: unknown;
}

/** The local names of the dead-letter queues (in AWS, CDK names them after the stack). */
export const LOCAL_DEAD_LETTER_QUEUES = {
  ingestion: 'open-itsm-ingestion-dead-letters',
  ingestionTarget: 'open-itsm-ingestion-target-dead-letters',
  slaTimers: 'open-itsm-sla-timers-dead-letters',
} as const;

/** The local names of an ingestion bus rule consumer's queue and its dead-letter queues (`CmdbAwsFeed` -> `open-itsm-cmdb-aws-feed...`). */
export function localBusRuleQueues(ruleId: string): { queue: string; deadLetterQueue: string; targetDeadLetterQueue: string } {
  const name = `open-itsm-${ruleId.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '-').toLowerCase()}`;
  return { queue: name, deadLetterQueue: `${name}-dead-letters`, targetDeadLetterQueue: `${name}-target-dead-letters` };
}

/** The local name of an asynchronously invoked function's dead-letter queue (`receiveEmail` -> `open-itsm-receive-email-dead-letters`). */
export const localAsyncDeadLetterQueue = (functionId: string) => `open-itsm-${functionId.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '-').toLowerCase()}-dead-letters`;

/** The local name of a table stream consumer's failure bucket (S3 names are lower case). */
export const localFailureBucket = (functionId: string) => `open-itsm-${functionId.toLowerCase()}-failures`;

export interface QueueMessage {
  readonly messageId: string;
  readonly queue: string;
  readonly body: string;
  readonly md5OfBody: string;
  /** Message attributes, as the sender sets them (Scheduler's ERROR_CODE, ...). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly sentAt: number;
  receiveCount: number;
  /** Hidden from ReceiveMessage until then (epoch ms), after a receive. */
  invisibleUntil: number;
  receiptHandle?: string;
  /** What was given up on, for GET /local/dead-letters. */
  readonly deadLetter: DeadLetter;
}

/**
 * The queue and the message AWS would produce: the ingestion DLQ keeps the original message body
 * (the EventBridge event); Scheduler's DLQ gets the target's input with the error as attributes.
 */
export function queueMessageOf(entry: DeadLetter): { queue: string; body: string; attributes: Record<string, string> } {
  switch (entry.source) {
    case 'ingestionQueue':
      return { queue: LOCAL_DEAD_LETTER_QUEUES.ingestion, body: String((entry.record as { body?: unknown }).body ?? ''), attributes: {} };
    // A bus rule's queue: its own dead-letter queue, named in the entry.
    case 'ingestionBusRule':
      return { queue: String(entry.deadLetterQueue), body: String((entry.record as { body?: unknown }).body ?? ''), attributes: {} };
    // An SQS on-failure destination receives Lambda's record of the invocation (the event as `requestPayload`).
    case 'asyncInvocation':
      return { queue: localAsyncDeadLetterQueue(entry.functionId), body: JSON.stringify(entry.record), attributes: {} };
    case 'scheduler': {
      const target = (entry.target ?? entry.record ?? {}) as { Input?: string; Arn?: string };
      const arn = typeof entry.deadLetterArn === 'string' ? entry.deadLetterArn : '';
      return {
        queue: arn.split(':').at(-1) || LOCAL_DEAD_LETTER_QUEUES.slaTimers,
        body: target.Input ?? '{}',
        attributes: {
          ERROR_CODE: entry.condition,
          ERROR_MESSAGE: entry.error ?? '',
          SCHEDULE_ARN: String(entry.scheduleArn ?? ''),
          TARGET_ARN: target.Arn ?? '',
        },
      };
    }
  }
}

export const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export class DeadLetters {
  #messages: QueueMessage[] = [];

  constructor(
    /** In memory only (no state file): keeps the most recent ones, so a long run does not grow without bound. */
    private readonly capacity = 1000,
    private readonly print: (line: string) => void = (line) => console.error(line),
    /** Where the messages survive a restart; in memory without it. */
    private readonly stateFile?: string,
  ) {
    if (stateFile === undefined) return;
    try {
      this.#messages = JSON.parse(readFileSync(stateFile, 'utf8')) as QueueMessage[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        print(JSON.stringify({ level: 'warn', message: 'dead letters unreadable; starting with none', file: stateFile, error: String(error) }));
      }
    }
  }

  add(entry: DeadLetter): void {
    const { queue, body, attributes } = queueMessageOf(entry);
    this.#messages.push({
      messageId: randomUUID(),
      queue,
      body,
      md5OfBody: md5(body),
      attributes,
      sentAt: Date.parse(entry.at) || Date.now(),
      receiveCount: 0,
      invisibleUntil: 0,
      deadLetter: entry,
    });
    if (this.stateFile === undefined && this.#messages.length > this.capacity) {
      for (const dropped of this.#messages.splice(0, this.#messages.length - this.capacity)) {
        this.print(
          JSON.stringify({
            level: 'warn',
            message: `dead letter dropped: more than ${this.capacity} held in memory (no state file)`,
            queue: dropped.queue,
            messageId: dropped.messageId,
            at: dropped.deadLetter.at,
            functionId: dropped.deadLetter.functionId,
          }),
        );
      }
    }
    this.#save();
    this.print(JSON.stringify({ level: 'error', message: 'dead letter: delivery given up after retries', time: entry.at, ...entry, queue }));
  }

  /** What is still waiting to be replayed, oldest first. */
  list(): (DeadLetter & { queue: string; messageId: string })[] {
    return this.#messages.map((m) => ({ ...m.deadLetter, queue: m.queue, messageId: m.messageId }));
  }

  /** SQS ReceiveMessage: visible messages of the queue, hidden for `visibilitySeconds` once received. */
  receive(queue: string, max: number, visibilitySeconds: number, now = Date.now()): QueueMessage[] {
    const visible = this.#messages.filter((m) => m.queue === queue && m.invisibleUntil <= now).slice(0, max);
    for (const message of visible) {
      message.receiveCount++;
      message.invisibleUntil = now + visibilitySeconds * 1000;
      message.receiptHandle = Buffer.from(`${message.messageId}:${randomUUID()}`).toString('base64');
    }
    if (visible.length > 0) this.#save();
    return visible;
  }

  /** SQS DeleteMessage: by the receipt handle of the latest receive (an older handle deletes nothing, as an expired one). */
  delete(queue: string, receiptHandle: string): void {
    const before = this.#messages.length;
    this.#messages = this.#messages.filter((m) => !(m.queue === queue && m.receiptHandle === receiptHandle));
    if (this.#messages.length !== before) this.#save();
  }

  /** SQS ChangeMessageVisibility: 0 makes a received message visible again at once. */
  changeVisibility(queue: string, receiptHandle: string, seconds: number, now = Date.now()): boolean {
    const message = this.#messages.find((m) => m.queue === queue && m.receiptHandle === receiptHandle);
    if (message === undefined) return false;
    message.invisibleUntil = now + seconds * 1000;
    this.#save();
    return true;
  }

  count(queue: string, now = Date.now()): { visible: number; inFlight: number } {
    const mine = this.#messages.filter((m) => m.queue === queue);
    const visible = mine.filter((m) => m.invisibleUntil <= now).length;
    return { visible, inFlight: mine.length - visible };
  }

  #save(): void {
    if (this.stateFile === undefined) return;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const temporary = `${this.stateFile}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.#messages)}\n`);
    renameSync(temporary, this.stateFile);
  }
}
