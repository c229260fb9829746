import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type DlqDestinationConfig, FilterCriteria, type IEventSourceDlq, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Alarms } from './alarms.ts';
import { FAILURE_RECORD_RETENTION_DAYS } from './dead-letter-replay.ts';
import type { ItsmFunction } from './itsm-function.ts';
import { iam5ResourceFinding } from './nag-ids.ts';

/**
 * How often a failing record is retried (the batch is bisected around it first) before it is
 * written to the failure bucket and the shard moves on.
 */
export const STREAM_RETRY_ATTEMPTS = 10;
/**
 * A record still unprocessed after this long goes to the failure bucket. Well below the stream's
 * 24-hour retention: a record that ages out of the stream is gone without a trace, one that goes
 * to the failure bucket raises an alarm and is kept there, whole, for replay.
 */
export const STREAM_MAX_RECORD_AGE = Duration.hours(6);

/** The S3 request metrics filter the failure alarm reads (PutRequests: Lambda wrote a failure record). */
export const FAILURE_RECORDS_METRICS_ID = 'FailureRecords';

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
 * then written to a failure bucket with an alarm.
 *
 * The failure destination is an S3 bucket rather than a queue: for S3, Lambda writes the batch
 * itself (the records with their images) beside the failure metadata, while a queue or topic
 * only gets the shard and sequence numbers, which point into a stream that keeps records 24 hours.
 *
 * Reading the stream is granted on the stream's ARN only (DescribeStream, GetRecords,
 * GetShardIterator, ListStreams), and nothing on the table itself beyond what the function's
 * tableAccess already grants. On the bucket, the role may only list it and put objects.
 */
export class TableStreamConsumer extends Construct {
  /** Lambda's invocation record of each batch given up on, with the batch, one object each. */
  readonly failureBucket: Bucket;

  constructor(scope: Construct, id: string, props: TableStreamConsumerProps) {
    super(scope, id);
    const { consumer, table } = props;
    if (table.tableStreamArn === undefined) throw new Error(`${id}: the table has no stream to consume`);

    this.failureBucket = new Bucket(this, 'FailureBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'ExpireFailureRecords', expiration: Duration.days(FAILURE_RECORD_RETENTION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Request metrics, so the alarm fires when a record is written rather than once a day.
      metrics: [{ id: FAILURE_RECORDS_METRICS_ID }],
    });
    Validations.of(this.failureBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the event source mapping writes here (through the function role, PutObject only) and only operators replaying dead letters read and delete: an access log bucket would log little beyond what the PutRequests alarm and CloudTrail already show, and would need a log bucket of its own.',
    });

    const writeFailureRecords = new Policy(this, 'FailureBucketWritePolicy', {
      roles: [consumer.role],
      statements: [
        // Lambda lists the bucket before it writes (the documented permissions of an S3 destination).
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [this.failureBucket.bucketArn] }),
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:PutObject'], resources: [this.failureBucket.arnForObjects('*')] }),
      ],
    });
    Validations.of(writeFailureRecords).acknowledge({
      id: iam5ResourceFinding(this, this.failureBucket.arnForObjects('*')),
      reason:
        'Lambda names each failure record itself (aws/lambda/<mapping id>/<shard>/<date>-<uuid>), so the keys cannot be listed in advance; the wildcard is the objects of this one bucket, and only PutObject.',
    });
    // Lambda checks the role may write to the destination when the mapping is created or updated.
    consumer.function.node.addDependency(writeFailureRecords);

    // DynamoEventSource grants the stream read through TableV2.grantStreamRead: DescribeStream,
    // GetRecords, GetShardIterator and ListStreams on the stream ARN, no "*" (the template test
    // asserts it).
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
        onFailure: new FailureBucketDestination(this.failureBucket.bucketArn),
      }),
    );

    props.alarms.watchFailureBucket(`${id}FailureBucket`, this.failureBucket, FAILURE_RECORDS_METRICS_ID, `Stream records ${id} gave up on`);
  }
}

/**
 * CDK's S3OnFailureDestination grants the function read and write on the whole bucket (get,
 * delete, ...); the policy above grants what Lambda needs, so this only names the bucket.
 */
class FailureBucketDestination implements IEventSourceDlq {
  constructor(private readonly bucketArn: string) {}

  bind(): DlqDestinationConfig {
    return { destination: this.bucketArn };
  }
}
