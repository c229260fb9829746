import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Alarms } from './alarms.ts';
import { DEAD_LETTER_RETENTION_DAYS } from './dead-letter-replay.ts';
import type { ItsmFunction } from './itsm-function.ts';

/**
 * How often a failing record is retried (the batch is bisected around it first) before it is
 * reported to the failure queue and the shard moves on.
 */
export const STREAM_RETRY_ATTEMPTS = 10;
/**
 * A record still unprocessed after this long goes to the failure queue. Well below the stream's
 * 24-hour retention: a record that ages out of the stream is gone without a trace, one that goes
 * to the failure queue raises an alarm and names its shard and sequence numbers.
 */
export const STREAM_MAX_RECORD_AGE = Duration.hours(6);

export interface TableStreamConsumerProps {
  readonly consumer: ItsmFunction;
  /** The table whose stream is read; its stream must be on. */
  readonly table: ITableV2;
  /** A Lambda event filter pattern on the stream record (CONSUMERS `source.filter`). */
  readonly filter: Readonly<Record<string, unknown>>;
  readonly batchSize: number;
  readonly alarms: Alarms;
}

/**
 * One function reading the table's stream through an event source mapping: only the records its
 * filter matches (filtered records are not billed as invocations), oldest first, in order per
 * partition key. A failing record is reported on its own (ReportBatchItemFailures), retried,
 * then reported to a failure queue with an alarm.
 *
 * Reading the stream is granted on the stream's ARN only (DescribeStream, GetRecords,
 * GetShardIterator, ListStreams), and nothing on the table itself beyond what the function's
 * tableAccess already grants.
 */
export class TableStreamConsumer extends Construct {
  /** Receives a description (shard, sequence numbers) of each batch given up on, not the records. */
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: TableStreamConsumerProps) {
    super(scope, id);
    const { consumer, table } = props;
    if (table.tableStreamArn === undefined) throw new Error(`${id}: the table has no stream to consume`);

    this.failureQueue = new Queue(this, 'FailureQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DEAD_LETTER_RETENTION_DAYS),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the on-failure destination of the stream event source mapping, where Lambda describes the records it gave up on (cdk-nag only recognizes queues named in a RedrivePolicy). A dead-letter queue of a dead-letter queue would only move the problem; an alarm fires on its first message.',
    });

    // DynamoEventSource grants the stream read through TableV2.grantStreamRead: DescribeStream,
    // GetRecords, GetShardIterator and ListStreams on the stream ARN, no "*" (the template test
    // asserts it). SqsDlq grants the role SendMessage on the failure queue only.
    consumer.function.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize,
        // CDK's FilterRule helpers only build the arrays of a pattern; the route table already
        // holds a complete pattern, which FilterCriteria.filter serializes as it is.
        filters: [FilterCriteria.filter({ ...props.filter })],
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        maxRecordAge: STREAM_MAX_RECORD_AGE,
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );

    props.alarms.watchDeadLetterQueue(`${id}FailureQueue`, this.failureQueue, `Stream records ${id} gave up on`);
  }
}
