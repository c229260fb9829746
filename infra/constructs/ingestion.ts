import { Duration, Validations } from 'aws-cdk-lib';
import { EventBus, type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INGESTION_DETAIL_TYPES, type IngestionRule } from '../../functions/ingestion/rules.ts';
import type { AssembledAreas } from '../../functions/routes.ts';
import { EVENT_SOURCE } from '../../functions/routes.ts';
import type { IngestionConfig } from '../config.ts';
import type { Alarms } from './alarms.ts';
import { DEAD_LETTER_RETENTION_DAYS } from './dead-letter-replay.ts';
import { DEFAULT_TIMEOUT_SECONDS, type ItsmFunction } from './itsm-function.ts';

/** The INGESTION_RULES entry that is also attached to the default bus with `alarmsFromDefaultBus`. */
export const CLOUDWATCH_ALARMS_RULE_ID = 'CloudWatchAlarms';

/**
 * EventBridge retries a failed delivery to the queue with backoff for this long and this many
 * times (both are EventBridge's maxima, written out so the promise in docs/ingestion.md is
 * visible here), then puts the event in the target dead-letter queue.
 */
export const TARGET_RETRY = { maxEventAge: Duration.hours(24), retryAttempts: 185 } as const;

/** A message whose recording failed this many times moves to the queue's dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** Messages per invocation; a failed one is reported alone (ReportBatchItemFailures). */
export const QUEUE_BATCH_SIZE = 10;
/**
 * Concurrent invocations the queue may drive. An alert storm waits in the queue instead of
 * fanning out to hundreds of functions writing to the same dedup partitions; the HTTP intake and
 * the API keep the rest of the account's concurrency.
 */
export const QUEUE_MAX_CONCURRENCY = 5;
/** Lambda's guidance for SQS event sources: at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Messages left in a dead-letter queue stay this long (the SQS maximum) for someone to look at. */
const DEAD_LETTER_RETENTION = Duration.days(DEAD_LETTER_RETENTION_DAYS);

/** A queue that bus rules deliver to and a function consumes, with its dead-letter queues and the rules' target. */
export interface RuleTargetQueues {
  readonly queue: Queue;
  /** Where the queue moves messages the consumer failed MAX_RECEIVE_COUNT times. */
  readonly deadLetterQueue: Queue;
  /** Where EventBridge puts events it could not deliver to the queue after TARGET_RETRY. */
  readonly targetDeadLetterQueue: Queue;
  /** The target for the rules: the queue, with TARGET_RETRY and the target dead-letter queue. */
  readonly target: SqsQueue;
}

/**
 * The queues behind bus rules (the ingestion queue's, and each area's bus rule consumer's): a
 * queue the consumer reads, its dead-letter queue, and the target dead-letter queue, all three
 * SQS-managed encryption (SSE-SQS), not KMS: EventBridge cannot deliver to a queue encrypted with
 * the AWS managed key aws/sqs, and a customer managed key costs a key per month plus a key policy
 * for events.amazonaws.com, for messages that are recorded within seconds.
 *
 * Made directly in `scope` as DeadLetterQueue, TargetDeadLetterQueue and Queue (not in a construct
 * of their own): their logical ids are those of the deployed queues, which another path would replace.
 * `targetDeadLetterQueueReason` acknowledges cdk-nag's AwsSolutions-SQS3 on the target dead-letter queue.
 */
export function ruleTargetQueues(scope: Construct, consumer: ItsmFunction, targetDeadLetterQueueReason: string): RuleTargetQueues {
  const deadLetterQueue = new Queue(scope, 'DeadLetterQueue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
  const targetDeadLetterQueue = new Queue(scope, 'TargetDeadLetterQueue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
  Validations.of(targetDeadLetterQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: targetDeadLetterQueueReason });

  const consumerTimeout = consumer.function.timeout?.toSeconds() ?? DEFAULT_TIMEOUT_SECONDS;
  const queue = new Queue(scope, 'Queue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // A message must stay invisible while a batch that holds it may still be running, retries
    // included; otherwise it is delivered twice at once.
    visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * consumerTimeout),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
  });

  const target = new SqsQueue(queue, {
    deadLetterQueue: targetDeadLetterQueue,
    maxEventAge: TARGET_RETRY.maxEventAge,
    retryAttempts: TARGET_RETRY.retryAttempts,
  });
  return { queue, deadLetterQueue, targetDeadLetterQueue, target };
}

export interface IngestionProps {
  readonly config: IngestionConfig;
  /** The bus's rules (functions/ingestion/rules.ts); each one targets the queue. */
  readonly rules: readonly IngestionRule[];
  /**
   * The detail-types the areas' ingestion bus rule consumers take (busRuleDetailTypes): other
   * accounts may put them on the bus too, so that they can forward, say, AWS Config events.
   */
  readonly busRuleDetailTypes?: readonly string[];
  /** The function that records the queue's messages (the `ingestionQueue` consumer of CONSUMERS). */
  readonly consumer: ItsmFunction;
  readonly alarms: Alarms;
}

/**
 * Events in from other services: an EventBridge bus that this account (through IAM) and the
 * configured accounts or organization (through the bus policy) may put events on, one rule per
 * ingestion rule, all targeting one SQS queue that the recording function consumes.
 *
 * A queue between the rules and the function, rather than the function as the rules' target:
 * EventBridge invokes Lambda asynchronously, so a burst would be throttled and retried with no
 * control over concurrency, and a failure would only surface in an on-failure destination. The
 * queue absorbs bursts, lets the function report each failed message, and redelivers it.
 *
 * Three places where an event can be given up on, each a dead-letter queue with an alarm:
 * EventBridge could not deliver to the queue (target DLQ), the function failed to record it
 * MAX_RECEIVE_COUNT times (queue DLQ); the third, applying recorded events, is the stream
 * consumer's (stream-consumer.ts).
 */
export class Ingestion extends Construct {
  readonly bus: EventBus;
  readonly queue: Queue;
  /** Where the queue moves messages the consumer failed to record MAX_RECEIVE_COUNT times. */
  readonly deadLetterQueue: Queue;
  /** Where EventBridge puts events it could not deliver to the queue. */
  readonly targetDeadLetterQueue: Queue;
  /** The rules on the ingestion bus, by INGESTION_RULES id. */
  readonly rules: ReadonlyMap<string, Rule>;
  /** The CloudWatch alarm rule on the default bus, with `alarmsFromDefaultBus`. */
  readonly defaultBusRule: Rule | undefined;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const { config, consumer, alarms } = props;

    // No eventBusName: CDK derives the name from the construct path, so it is the same on every
    // deployment of this stack (senders in other accounts keep a stable ARN) and unique per app.
    this.bus = new EventBus(this, 'Bus', {
      description: 'Open ITSM ingestion: Incident Trigger / Acknowledge / Resolve events and CloudWatch alarm state changes',
    });
    this.allowPutEventsFrom(config, [...new Set([...INGESTION_DETAIL_TYPES, ...(props.busRuleDetailTypes ?? [])])]);

    const queues = ruleTargetQueues(
      this,
      consumer,
      "This queue is itself a dead-letter queue: the DeadLetterConfig of the ingestion rules' target, where EventBridge puts events it could not deliver after its retries (cdk-nag only recognizes queues named in a RedrivePolicy). A dead-letter queue of a dead-letter queue would only move the problem; an alarm fires on its first message.",
    );
    this.deadLetterQueue = queues.deadLetterQueue;
    this.targetDeadLetterQueue = queues.targetDeadLetterQueue;
    this.queue = queues.queue;
    const { target } = queues;

    const rules = new Map<string, Rule>();
    for (const rule of props.rules) {
      rules.set(
        rule.id,
        new Rule(this, rule.id, { eventBus: this.bus, description: rule.description, eventPattern: cdkEventPattern(rule.eventPattern), targets: [target] }),
      );
    }
    this.rules = rules;

    if (config.alarmsFromDefaultBus) {
      // CloudWatch sends alarm state changes to the default bus only; this rule forwards them
      // (every alarm of the account and Region, this app's own included) to the same queue.
      const alarmRule = props.rules.find((rule) => rule.id === CLOUDWATCH_ALARMS_RULE_ID);
      if (alarmRule === undefined) throw new Error(`alarmsFromDefaultBus needs the ingestion rule ${CLOUDWATCH_ALARMS_RULE_ID}, which is not in the rules`);
      this.defaultBusRule = new Rule(this, `DefaultBus${alarmRule.id}`, {
        description: `${alarmRule.description} (from the default bus)`,
        eventPattern: cdkEventPattern(alarmRule.eventPattern),
        targets: [target],
      });
    }

    // Consume only: receive, delete, change visibility (SqsEventSource grants exactly that).
    consumer.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: QUEUE_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: QUEUE_MAX_CONCURRENCY,
      }),
    );

    alarms.watchDeadLetterQueue('IngestionDeadLetterQueue', this.deadLetterQueue, 'Bus events the ingestion function failed to record');
    alarms.watchDeadLetterQueue(
      'IngestionTargetDeadLetterQueue',
      this.targetDeadLetterQueue,
      'Bus events EventBridge could not deliver to the ingestion queue',
    );
  }

  /**
   * One statement for the listed accounts, one for the organization. Statements the bus policy
   * holds are what other accounts may do; this account's own principals need no statement (an IAM
   * policy allowing events:PutEvents on the bus is enough).
   */
  private allowPutEventsFrom(config: IngestionConfig, detailTypes: readonly string[]): void {
    // The product's domain events share this bus: other accounts may put what ingestion takes and
    // nothing else, never a domain event type and never the product's source (EventBridge refuses
    // `aws.*` sources on PutEvents, but not custom ones). EventBridge evaluates the policy for each
    // entry, whose detail-type and source are single values: plain operators, not ForAllValues
    // (which a missing key satisfies). StringEquals fails closed on a missing key; StringNotEquals
    // would not, so the Null check makes a missing source a refusal too.
    const onlyIngestionEvents = {
      StringEquals: { 'events:detail-type': [...detailTypes] },
      StringNotEquals: { 'events:source': EVENT_SOURCE },
      Null: { 'events:detail-type': 'false', 'events:source': 'false' },
    };
    const accountsStatement =
      config.accounts.length > 0
        ? this.bus.addToResourcePolicy(
            new PolicyStatement({
              sid: 'IngestionAccountsPutEvents',
              effect: Effect.ALLOW,
              principals: config.accounts.map((account) => new AccountPrincipal(account)),
              actions: ['events:PutEvents'],
              resources: [this.bus.eventBusArn],
              conditions: onlyIngestionEvents,
            }),
          )
        : undefined;
    if (config.organizationId !== undefined) {
      const organizationStatement = this.bus.addToResourcePolicy(
        new PolicyStatement({
          sid: 'IngestionOrganizationPutEvents',
          effect: Effect.ALLOW,
          principals: [new AnyPrincipal()],
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
          // Any principal, but only from accounts of this organization.
          conditions: {
            ...onlyIngestionEvents,
            StringEquals: { ...onlyIngestionEvents.StringEquals, 'aws:PrincipalOrgID': config.organizationId },
          },
        }),
      );
      // Each statement is its own PutPermission on the same policy: one after the other, so two
      // concurrent updates cannot overwrite each other.
      const [first, second] = [accountsStatement?.policyDependable, organizationStatement.policyDependable];
      if (first !== undefined && second instanceof Construct) second.node.addDependency(first);
    }
  }
}

/**
 * The detail-types the ingestion bus rule consumers' patterns list literally, in consumer order:
 * what other accounts may put on the ingestion bus for them (a pattern that matches detail-types
 * by prefix or other operators takes this account's events only). Never one of the product's own
 * event types, whatever a pattern lists: their subscribers trust the bus to carry only the product's.
 * Nor any of a consumer that listens to the product's own events only (its pattern's `source` is
 * just EVENT_SOURCE, as the e-mail sender's): the policy refuses that source to other accounts
 * anyway, and opening its detail-types for other sources would let them feed nothing but spoofs.
 */
export function busRuleDetailTypes(areas: Pick<AssembledAreas, 'consumers' | 'publishedEventTypes'>): string[] {
  const types = areas.consumers.flatMap(({ source }) => {
    if (source.kind !== 'ingestionBusRule' || listensToOwnEventsOnly(source.pattern)) return [];
    const listed = source.pattern['detail-type'];
    return Array.isArray(listed) ? listed.filter((type): type is string => typeof type === 'string') : [];
  });
  return [...new Set(types)].filter((type) => !areas.publishedEventTypes.includes(type));
}

/** A pattern whose `source` lists the product's own source and nothing else. */
function listensToOwnEventsOnly(pattern: Readonly<Record<string, unknown>>): boolean {
  const sources = pattern.source;
  return Array.isArray(sources) && sources.length > 0 && sources.every((source) => source === EVENT_SOURCE);
}

/**
 * The rules table writes patterns as EventBridge does (`detail-type`), which is also what the local
 * EventBridge endpoint matches against. CDK's EventPattern spells that key `detailType` and passes
 * every other key through unchanged, so only that one key is renamed; the template tests assert the
 * rendered pattern equals the table's exactly.
 */
export function cdkEventPattern(pattern: Readonly<Record<string, unknown>>): EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, ...(detailType !== undefined ? { detailType } : {}) } as EventPattern;
}
