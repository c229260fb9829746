import type { DynamoDBBatchResponse } from 'aws-lambda';

/** One key's work within a stream batch: its entries, applied strictly in the given order. */
export interface KeyQueue<T> {
  readonly entries: readonly T[];
}

/**
 * Applies a table-stream batch key by key: each key's entries one after the other (the stream
 * keeps them in order), different keys side by side, `concurrency` at a time. At a key's first
 * failure the rest of that key waits; the answer reports the lowest failed sequence number, so the
 * stream retries from there and nothing after it is skipped. Whatever was applied after that point
 * comes again on the retry: `apply` must recognise it (a marker written with it) and not apply it
 * twice.
 */
export async function applyInOrderPerKey<T>(
  queues: readonly KeyQueue<T>[],
  options: {
    readonly concurrency: number;
    readonly sequenceNumberOf: (entry: T) => string;
    readonly apply: (entry: T) => Promise<void>;
    readonly onFailure: (entry: T, error: unknown) => void;
  },
): Promise<DynamoDBBatchResponse> {
  const failed: string[] = [];
  const pending = [...queues];
  const worker = async () => {
    for (let queue = pending.shift(); queue !== undefined; queue = pending.shift()) {
      for (const entry of queue.entries) {
        try {
          await options.apply(entry);
        } catch (error) {
          options.onFailure(entry, error);
          failed.push(options.sequenceNumberOf(entry));
          break; // the rest of this key waits for the retry, in order
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, pending.length) }, worker));
  if (failed.length === 0) return { batchItemFailures: [] };
  const lowest = failed.reduce((a, b) => (BigInt(a) <= BigInt(b) ? a : b));
  return { batchItemFailures: [{ itemIdentifier: lowest }] };
}
