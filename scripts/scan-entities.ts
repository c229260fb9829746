import { db, TABLE_NAME } from '../functions/shared/store/db.ts';
import { ScanCommand } from '../functions/shared/store/dynamodb.ts';

/**
 * Every item of one entity kind, page by page: for upgrade steps only, which read the whole table
 * once (a Scan, which no Lambda function is allowed). Strongly consistent, so a pass sees every
 * write that finished before it started.
 */
export async function* scanEntities(entity: string): AsyncGenerator<Record<string, unknown>> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: TABLE_NAME,
        FilterExpression: '#entity = :entity',
        ExpressionAttributeNames: { '#entity': 'entity' },
        ExpressionAttributeValues: { ':entity': entity },
        ConsistentRead: true,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    yield* page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}
