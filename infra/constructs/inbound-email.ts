import { ArnFormat, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { CfnReceiptRule, CfnReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { ItsmFunction } from './itsm-function.ts';

/** Where SES stores each received message (`inbound/<SES message id>`): INBOUND_EMAIL_PREFIX. */
export const INBOUND_EMAIL_PREFIX = 'inbound/';
/** Received messages are read once, within seconds; what is left is kept this long for an operator, then expires. */
export const INBOUND_EMAIL_RETENTION_DAYS = 30;

export interface InboundEmailProps {
  /** The `emailReceipt` consumer: SES invokes it (Event) once the message is stored. */
  readonly consumer: ItsmFunction;
  /** The domain SES receives for (emailDomain); without it only the bucket is created. */
  readonly domain: string | undefined;
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
 */
export class InboundEmail extends Construct {
  readonly bucket: Bucket;
  readonly prefix = INBOUND_EMAIL_PREFIX;
  readonly ruleSet: CfnReceiptRuleSet | undefined;
  readonly rule: CfnReceiptRule | undefined;

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
