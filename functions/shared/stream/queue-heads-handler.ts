import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type HeadChange, type HeadItem, headOf, projected, type QueueHeadDefinition } from '../domain/queue-heads.ts';
import { log } from '../log.ts';
import { unmarshall } from '../store/attribute-values.ts';
import type { AttributeValue } from '../store/dynamodb.ts';
import { applyHeadChanges, type HeadChanges, headKey } from '../store/queue-heads.ts';

const imageOf = (image: Record<string, unknown> | undefined): HeadItem | undefined =>
  image === undefined ? undefined : unmarshall(image as Record<string, AttributeValue>);

/**
 * Keeps the queue heads (functions/shared/domain/queue-heads.ts) of the given definitions from a
 * batch of table stream records: each change of an item is a change of the head it was in (it
 * leaves) and of the head it is in now (it takes its place), the batch's changes of a head applied
 * together, in stream order, in one write of it. What could not be written is reported from the
 * earliest change of a head left unwritten, so the stream retries from there.
 */
export async function keepQueueHeads(definitions: readonly QueueHeadDefinition[], event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const heads = new Map<string, { definition: QueueHeadDefinition; id: HeadChanges['id']; changes: HeadChange[]; firstSequenceNumber: string }>();
  for (const record of event.Records) {
    const pk = record.dynamodb?.Keys?.pk?.S;
    const sk = record.dynamodb?.Keys?.sk?.S;
    if (pk === undefined || sk === undefined) continue;
    const before = imageOf(record.dynamodb?.OldImage);
    const after = imageOf(record.dynamodb?.NewImage);
    for (const definition of definitions) {
      if (definition.recordSortKey !== sk) continue;
      const left = headOf(definition, before);
      const now = headOf(definition, after);
      for (const id of [left, now]) {
        if (id === undefined) continue;
        const { pk: headPk, sk: headSk } = headKey(id);
        const name = `${headPk}\u0000${headSk}`;
        const head = heads.get(name) ?? { definition, id, changes: [], firstSequenceNumber: record.dynamodb?.SequenceNumber ?? '0' };
        const item = id === now && after !== undefined ? projected(definition, after) : undefined;
        // The same head before and after: one change, the item in its (new) place.
        if (id === left && now !== undefined && headKey(now).pk === headPk && headKey(now).sk === headSk) continue;
        head.changes.push({ key: { pk, sk }, ...(item === undefined ? {} : { item }) });
        heads.set(name, head);
      }
    }
  }
  if (heads.size === 0) return { batchItemFailures: [] };
  const outcome = await applyHeadChanges([...heads.values()]);
  if (outcome.unfinished.length === 0) return { batchItemFailures: [] };
  const firstUnfinished = outcome.unfinished.map((head) => head.firstSequenceNumber).reduce((a, b) => (BigInt(a) <= BigInt(b) ? a : b));
  log.error('queue heads not written; the stream retries them', { heads: outcome.unfinished.length, error: outcome.error });
  return { batchItemFailures: [{ itemIdentifier: firstUnfinished }] };
}
