import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { GLOBAL_INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../../functions/shared/store/table-design.ts';

/**
 * The stateful half of the product: the one table. It lives in its own stack so the API stack can
 * be destroyed and redeployed freely without putting a single item at risk.
 */
export class DataStack extends Stack {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // TableV2 (AWS::DynamoDB::GlobalTable) rather than Table: adding a replica Region later is then
    // a property change, while moving an existing Table to TableV2 means retaining, orphaning and
    // re-importing the table by hand. A single-Region GlobalTable costs the same as a Table.
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      globalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        // ALL is also the default; saying it keeps table-design.ts's promise visible: a list is
        // one Query, never a Query plus a GetItem per row.
        projectionType: ProjectionType.ALL,
      })),
      // Traffic is spiky and mostly idle (people opening tickets): pay per request, nothing to size.
      billing: Billing.onDemand(),
      // Every write carries its audit and outbox records; the stream is how the outbox leaves.
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      // Idempotency keys and other short-lived items expire on their own.
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // An AWS owned key would also encrypt, but the AWS managed key (aws/dynamodb) leaves a
      // CloudTrail record of every key use in this account, at no key cost.
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Incidents and their audit trail are records of what happened: neither a stray
      // `cdk destroy` nor a console click may delete them.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'The single DynamoDB table (for the AWS CLI and runbooks)',
    });
  }
}
