import { CfnOutput, Stack } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BusRuleSource } from '../../functions/shared/area.ts';
import type { Alarms } from './alarms.ts';
import { busRuleOutputs } from './dead-letter-replay.ts';
import { cdkEventPattern, QUEUE_BATCH_SIZE, ruleTargetQueues } from './ingestion.ts';
import type { ItsmFunction } from './itsm-function.ts';

/** SQS event sources drive at least 2 and at most 1000 concurrent invocations. */
const MAX_CONCURRENCY_RANGE = { min: 2, max: 1000 } as const;
/** Lambda takes at most 10 messages per batch from a standard queue without a batching window. */
const MAX_BATCH_SIZE = 10;

export interface BusRuleConsumerProps {
  /** The ingestion bus (the API stack's): the rule goes on it. */
  readonly bus: IEventBus;
  readonly consumer: ItsmFunction;
  /** The consumer's declaration in its area.ts. */
  readonly source: BusRuleSource;
  /** The CDK option the source names in `fromDefaultBusOption` is on: the same pattern on the account's default bus too. */
  readonly fromDefaultBus: boolean;
  readonly alarms: Alarms;
}

/**
 * An area's reader of the ingestion bus (a `ingestionBusRule` consumer): a rule with its pattern
 * on the ingestion bus, targeting a queue of its own that its function consumes, built as the
 * ingestion queue is (infra/constructs/ingestion.ts): SQS-managed encryption, TLS only, a
 * dead-letter queue for what the function fails MAX_RECEIVE_COUNT times, a target dead-letter
 * queue for what EventBridge could not deliver after its retries, an alarm on each, batches with
 * ReportBatchItemFailures and a bounded concurrency. It lives in the stack of the consumer's area
 * (the bus is referenced across stacks, nothing refers back), with the stack outputs the replay
 * reads (busRuleOutputs).
 *
 * With the source's default-bus option on, a second rule with the same pattern on the account's
 * default bus, where AWS services (AWS Config, CloudFormation, ...) put their events, feeds the
 * same queue, as `alarmsFromDefaultBus` does for CloudWatch alarms. Other accounts forward theirs
 * to the ingestion bus with a rule of their own; the bus policy lets them put the detail-types
 * the pattern lists (infra/constructs/ingestion.ts).
 */
export class BusRuleConsumer extends Construct {
  readonly rule: Rule;
  readonly defaultBusRule: Rule | undefined;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly targetDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: BusRuleConsumerProps) {
    super(scope, id);
    const { source, consumer, alarms } = props;
    checkSource(source);

    const queues = ruleTargetQueues(
      this,
      consumer,
      `This queue is itself a dead-letter queue: the DeadLetterConfig of the ${source.ruleId} rule's target, where EventBridge puts events it could not deliver after its retries (cdk-nag only recognizes queues named in a RedrivePolicy). An alarm fires on its first message.`,
    );
    this.deadLetterQueue = queues.deadLetterQueue;
    this.targetDeadLetterQueue = queues.targetDeadLetterQueue;
    this.queue = queues.queue;
    const { target } = queues;
    const eventPattern = cdkEventPattern(source.pattern);
    this.rule = new Rule(this, 'Rule', { eventBus: props.bus, description: source.description, eventPattern, targets: [target] });
    this.defaultBusRule = props.fromDefaultBus
      ? new Rule(this, 'DefaultBusRule', { description: `${source.description} (from the default bus)`, eventPattern, targets: [target] })
      : undefined;

    // Receive, delete, change visibility: SqsEventSource grants exactly that.
    consumer.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: source.batchSize ?? QUEUE_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: source.maxConcurrency,
      }),
    );

    alarms.watchDeadLetterQueue(`${source.ruleId}DeadLetterQueue`, this.deadLetterQueue, `Bus events ${source.ruleId} failed to process`);
    alarms.watchDeadLetterQueue(
      `${source.ruleId}TargetDeadLetterQueue`,
      this.targetDeadLetterQueue,
      `Bus events EventBridge could not deliver to the ${source.ruleId} queue`,
    );

    // What `npm run replay-dead-letters -- --queue <group> --stack <this stack>` reads.
    const outputs = busRuleOutputs(source.ruleId);
    const stack = Stack.of(this);
    const replay = `replay: npm run replay-dead-letters -- --queue ${source.replay.group} --stack ${stack.stackName}`;
    new CfnOutput(stack, outputs.queueUrl, { value: this.queue.queueUrl, description: `Queue the ${source.ruleId} rule delivers bus events to` });
    new CfnOutput(stack, outputs.deadLetterQueueUrl, {
      value: this.deadLetterQueue.queueUrl,
      description: `Bus events ${source.ruleId} failed to process (${replay})`,
    });
    new CfnOutput(stack, outputs.targetDeadLetterQueueUrl, {
      value: this.targetDeadLetterQueue.queueUrl,
      description: `Bus events EventBridge could not deliver to the ${source.ruleId} queue (${replay})`,
    });
  }
}

/** What CloudFormation or Lambda would refuse only at deploy time, refused at synth with the rule's name. */
function checkSource(source: BusRuleSource): void {
  if (!/^[A-Z][A-Za-z0-9]{0,63}$/.test(source.ruleId)) throw new Error(`Bus rule "${source.ruleId}": its id must be PascalCase letters and digits`);
  const { min, max } = MAX_CONCURRENCY_RANGE;
  if (!Number.isInteger(source.maxConcurrency) || source.maxConcurrency < min || source.maxConcurrency > max) {
    throw new Error(`Bus rule ${source.ruleId}: maxConcurrency must be a whole number from ${min} to ${max}, got ${source.maxConcurrency}`);
  }
  const batchSize = source.batchSize ?? QUEUE_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new Error(`Bus rule ${source.ruleId}: batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
}
