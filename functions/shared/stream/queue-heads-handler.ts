import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type HeadChange, type HeadItem, headOf, projected, type QueueHeadDefinition } from '../domain/queue-heads.ts';
import { log } from '../log.ts';
import { unmarshall } from '../store/attribute-values.ts';
import type { AttributeValue } from '../store/dynamodb.ts';
import { applyHeadChanges, type HeadChanges, headKey } from '../store/queue-heads.ts';

const nameOf = (id: HeadChanges['id']): string => {
  const { pk, sk } = headKey(id);
  return `${pk}\u0000${sk}`;
};

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
      const now = headOf(definition, after);
      const left = headOf(definition, before);
      const nowName = now === undefined ? undefined : nameOf(now);
      // The item leaves the head it was in (unless it stays in it), then takes its place in the one it is in now.
      const moves: [HeadChanges['id'], string, HeadItem | undefined][] = [];
      if (left !== undefined && nameOf(left) !== nowName) moves.push([left, nameOf(left), undefined]);
      if (now !== undefined && nowName !== undefined && after !== undefined) moves.push([now, nowName, projected(definition, after)]);
      for (const [id, name, item] of moves) {
        const head = heads.get(name) ?? { definition, id, changes: [], firstSequenceNumber: record.dynamodb?.SequenceNumber ?? '0' };
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
