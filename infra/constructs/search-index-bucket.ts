import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where the search indexes' snapshots are (`search/<index>.json.gz`: functions/shared/search/snapshot.ts). */
export const SEARCH_INDEX_PREFIX = 'search/';

/**
 * The bucket of the search indexes' snapshots (issue 16), in the API stack so that functions of
 * every stack can be granted on it (readSearchIndex, writeSearchIndex: infra/constructs/capabilities.ts).
 * SSE-S3, TLS only, no public access, bucket-owner objects, no versioning (each snapshot replaces
 * the last; the table is the source, the rebuild writes them again).
 *
 * RemovalPolicy DESTROY, not RETAIN: what it holds is rebuilt from the table by one command, so a
 * stack deleted should not leave it behind. No autoDeleteObjects (a custom resource and its
 * function for objects that are only a cache): deleting the stack needs the bucket emptied first
 * (`aws s3 rm s3://<SearchIndexBucketName>/search/ --recursive`), or CloudFormation leaves it.
 */
export class SearchIndexBucket extends Construct {
  readonly bucket: Bucket;
  readonly prefix = SEARCH_INDEX_PREFIX;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      lifecycleRules: [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "It holds only the search indexes' snapshots, rebuilt from the table at will: the rebuild and the indexer write them (PutObject under search/), the search functions read them (GetObject under search/), and both may list keys under search/ only (ListBucket with s3:prefix search/*, so that a missing snapshot reads as NoSuchKey rather than AccessDenied); nothing else is granted on it. An access log bucket would add a second bucket to log reads of a cache; CloudTrail data events can show them if ever needed.",
    });
    new CfnOutput(Stack.of(this), 'SearchIndexBucketName', {
      value: this.bucket.bucketName,
      description: `The search indexes' snapshots (${SEARCH_INDEX_PREFIX}<index>.json.gz), rebuilt from the table by the rebuildSearchIndex function`,
    });
  }
}
