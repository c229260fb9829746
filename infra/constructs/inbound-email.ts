import { ArnFormat, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { CfnReceiptRule, CfnReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StreamReplay } from '../../functions/shared/area.ts';
import type { Alarms } from './alarms.ts';
import { asyncDeadLetterQueueOutput, DEAD_LETTER_RETENTION_DAYS, functionNameOutput } from './dead-letter-replay.ts';
import type { ItsmFunction } from './itsm-function.ts';

/** Where SES stores each received message (`inbound/<SES message id>`): INBOUND_EMAIL_PREFIX. */
export const INBOUND_EMAIL_PREFIX = 'inbound/';
/** Received messages are read once, within seconds; what is left is kept this long for an operator, then expires. */
export const INBOUND_EMAIL_RETENTION_DAYS = 30;
/**
 * Lambda retries a failed asynchronous invocation this many times (its most), then gives the
 * event to the dead-letter queue; an event older than RECEIPT_MAX_EVENT_AGE (throttled, say) goes
 * there too. The inbound record is idempotent on the message id, so a retry is safe.
 */
export const RECEIPT_RETRY_ATTEMPTS = 2;
export const RECEIPT_MAX_EVENT_AGE_HOURS = 6;

export interface InboundEmailProps {
  /** The `emailReceipt` consumer: SES invokes it (Event) once the message is stored. */
  readonly consumer: ItsmFunction;
  /** The consumer's id (functions/routes.ts): the replay's output names derive from it. */
  readonly functionId: string;
  /** The domain SES receives for (emailDomain); without it only the bucket is created. */
  readonly domain: string | undefined;
  /** How `npm run replay-dead-letters` offers the invocations given up on (the consumer's `replay`). */
  readonly replay: StreamReplay;
  readonly alarms: Alarms;
}

/**
 * E-mail in, in AWS: the inbound bucket and, with a domain, an SES receipt rule set holding one
 * rule for the domain: TLS required, spam and virus scan on, then two actions in order: store the
 * message in the bucket under `inbound/`, then invoke the consumer asynchronously with SES's
 * receipt event (which names the message id, hence the object key).
 *
 * The bucket exists with or without a domain, so the consumer always deploys with its variables;
 * only the rule, SES's bucket statement and SES's invoke permission need the domain. The bucket:
 * SSE-S3 (SES's S3 action writes with it, a KMS key would need a key policy for SES), TLS only, no
 * public access, no versioning, objects expire after INBOUND_EMAIL_RETENTION_DAYS.
 *
 * SES writes and invokes only for rules of this rule set, in this account: the bucket statement
 * and the invoke permission carry aws:SourceAccount and the rule set's rules as aws:SourceArn. SES
 * checks both when the rule is created, so the rule depends on them. CloudFormation names the rule
 * set and the rule (no physical names). A rule set receives only once it is the account's ACTIVE
 * one, which CloudFormation cannot set: docs/operations.md (E-mail) says why it is a step of its own.
 *
 * SES invokes the consumer asynchronously: Lambda retries a failure RECEIPT_RETRY_ATTEMPTS times,
 * then sends its record of the invocation (the SES event as `requestPayload`, the error) to the
 * consumer's dead-letter queue, its on-failure destination (SQS-managed encryption, TLS only,
 * kept 14 days, an alarm on its first message), rather than dropping the message unseen.
 * `npm run replay-dead-letters -- --queue <group>` invokes the consumer again with each event.
 * The queue exists with or without a domain, like the bucket, so the replay's outputs always do.
 */
export class InboundEmail extends Construct {
  readonly bucket: Bucket;
  readonly prefix = INBOUND_EMAIL_PREFIX;
  readonly ruleSet: CfnReceiptRuleSet | undefined;
  readonly rule: CfnReceiptRule | undefined;
  /** Where Lambda puts the receipt events the consumer failed on after its retries. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: InboundEmailProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'ExpireInboundEmail',
          expiration: Duration.days(INBOUND_EMAIL_RETENTION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only SES writes here (PutObject under inbound/, by the bucket policy) and only the receiving function reads (GetObject under inbound/); every message it reads is recorded in the table with its outcome (GET /inbound-emails). An access log bucket would add a second bucket to log what CloudTrail data events can show if ever needed.',
    });

    const stack = Stack.of(this);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DEAD_LETTER_RETENTION_DAYS),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the on-failure destination of the e-mail receiver, where Lambda puts the receipt events it gave up on after its retries (cdk-nag only recognizes queues named in a RedrivePolicy). An alarm fires on its first message.',
    });
    // Grants the function sqs:SendMessage on this queue only.
    props.consumer.function.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: RECEIPT_RETRY_ATTEMPTS,
      maxEventAge: Duration.hours(RECEIPT_MAX_EVENT_AGE_HOURS),
    });
    props.alarms.watchDeadLetterQueue(
      `${props.functionId[0]?.toUpperCase()}${props.functionId.slice(1)}DeadLetterQueue`,
      this.deadLetterQueue,
      'Received e-mail the receiver failed to process after its retries',
    );
    const replay = `replay: npm run replay-dead-letters -- --queue ${props.replay.group} --stack ${stack.stackName}`;
    new CfnOutput(stack, asyncDeadLetterQueueOutput(props.functionId), {
      value: this.deadLetterQueue.queueUrl,
      description: `Received e-mail ${props.functionId} failed to process after its retries (${replay})`,
    });
    new CfnOutput(stack, functionNameOutput(props.functionId), {
      value: props.consumer.function.functionName,
      description: `The ${props.functionId} function, invoked again by the replay`,
    });
    new CfnOutput(stack, 'InboundEmailBucketName', {
      value: this.bucket.bucketName,
      description: `Where SES stores received e-mail (${INBOUND_EMAIL_PREFIX}<SES message id>), kept ${INBOUND_EMAIL_RETENTION_DAYS} days`,
    });
    if (props.domain === undefined) return;
    this.ruleSet = new CfnReceiptRuleSet(this, 'RuleSet', {});
    new CfnOutput(stack, 'InboundEmailRuleSetName', {
      value: this.ruleSet.ref,
      description: `SES receipt rule set for ${props.domain}: receives only once active (aws ses set-active-receipt-rule-set --rule-set-name <this>; docs/operations.md)`,
    });
    // Every rule of this rule set (CloudFormation names the rule): what aws:SourceArn may be.
    const rulesOfThisSet = stack.formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${this.ruleSet.ref}:receipt-rule/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    const put = this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SesStoresInboundEmail',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${INBOUND_EMAIL_PREFIX}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': rulesOfThisSet } },
      }),
    );
    const invoke = new CfnPermission(this, 'SesInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: props.consumer.function.functionArn,
      principal: 'ses.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: rulesOfThisSet,
    });

    this.rule = new CfnReceiptRule(this, 'Rule', {
      ruleSetName: this.ruleSet.ref,
      rule: {
        enabled: true,
        recipients: [props.domain],
        tlsPolicy: 'Require',
        scanEnabled: true,
        actions: [
          { s3Action: { bucketName: this.bucket.bucketName, objectKeyPrefix: INBOUND_EMAIL_PREFIX } },
          { lambdaAction: { functionArn: props.consumer.function.functionArn, invocationType: 'Event' } },
        ],
      },
    });
    // SES refuses to create a rule whose actions it cannot yet perform.
    if (put.policyDependable !== undefined) this.rule.node.addDependency(put.policyDependable);
    this.rule.node.addDependency(invoke);
  }
}
