import { db, type Item, TABLE_NAME } from './db.ts';
import { UpdateCommand } from './dynamodb.ts';

/**
 * Takes the next number of a sequence item (an atomic ADD: two writers never get the same one) and
 * answers the item as it now is, so an area that keeps settings on the same item reads them in the
 * same round trip (incidents keep their priority matrix there). Numbers of requests that later
 * fail are not reused: gaps are harmless, duplicates would not be.
 */
export async function takeNextInSequence(key: { pk: string; sk: string }, entity: string): Promise<{ sequence: number; item: Item }> {
  const result = await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: key,
      UpdateExpression: 'ADD #sequence :one SET entity = :entity',
      ExpressionAttributeNames: { '#sequence': 'sequence' },
      ExpressionAttributeValues: { ':one': 1, ':entity': entity },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const item = result.Attributes ?? {};
  return { sequence: Number(item.sequence), item };
}
