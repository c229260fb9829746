import { AREAS } from '../functions/areas.ts';
import type { QueueCountDefinition } from '../functions/shared/domain/queue-counts.ts';
import { countUncounted } from '../functions/shared/store/queue-counts.ts';

/** Every counted kind of the registered areas (their `queueCounts`). */
export const QUEUE_COUNT_DEFINITIONS: readonly QueueCountDefinition[] = AREAS.flatMap((area): readonly QueueCountDefinition[] => area.queueCounts ?? []);

/**
 * Counts the records written before their kind's counters existed (the `queue-counts` migration;
 * tests and the bench call it too): every kind's gsi1 partition, one page at a time. Records the
 * counting consumers counted already are left as they are, so it is safe to repeat and to run
 * while they work.
 */
export async function countUncountedRecords(
  definitions: readonly QueueCountDefinition[] = QUEUE_COUNT_DEFINITIONS,
): Promise<{ kind: string; examined: number; counted: number }[]> {
  const results: { kind: string; examined: number; counted: number }[] = [];
  for (const definition of definitions) results.push({ kind: definition.kind, ...(await countUncounted(definition)) });
  return results;
}
