import { describe, expect, it } from 'vitest';
import { applyInOrderPerKey } from '../../functions/shared/stream/ordered-batch.ts';

interface Entry {
  key: string;
  seq: string;
}

const queue = (key: string, ...seqs: string[]) => ({ entries: seqs.map((seq) => ({ key, seq })) });

async function run(queues: { entries: Entry[] }[], failOn: Set<string>, concurrency = 2) {
  const applied: string[] = [];
  const failures: string[] = [];
  const answer = await applyInOrderPerKey(queues, {
    concurrency,
    sequenceNumberOf: (entry) => entry.seq,
    apply: async (entry) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (failOn.has(entry.seq)) throw new Error(`fails at ${entry.seq}`);
      applied.push(entry.seq);
    },
    onFailure: (entry) => failures.push(entry.seq),
  });
  return { answer, applied, failures };
}

describe('applyInOrderPerKey (stream batches, in order per key)', () => {
  it('applies every entry, each key in order, and reports nothing when all succeed', async () => {
    const { answer, applied } = await run([queue('a', '1', '4', '6'), queue('b', '2', '5'), queue('c', '3')], new Set());
    expect(answer.batchItemFailures).toEqual([]);
    expect(applied.filter((s) => ['1', '4', '6'].includes(s))).toEqual(['1', '4', '6']);
    expect([...applied].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('stops a key at its first failure, goes on with the other keys, and reports the lowest failed sequence number', async () => {
    // Sequence numbers compare as numbers, not text: 9 is lower than 10.
    const { answer, applied, failures } = await run([queue('a', '1', '10', '12'), queue('b', '2', '9', '11'), queue('c', '3')], new Set(['10', '9']));
    expect(applied).not.toContain('12');
    expect(applied).not.toContain('11');
    expect([...applied].sort()).toEqual(['1', '2', '3']);
    expect([...failures].sort()).toEqual(['10', '9']);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: '9' }]);
  });

  it('runs no more keys side by side than asked', async () => {
    let running = 0;
    let most = 0;
    await applyInOrderPerKey([queue('a', '1'), queue('b', '2'), queue('c', '3'), queue('d', '4')], {
      concurrency: 2,
      sequenceNumberOf: (entry) => entry.seq,
      apply: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      },
      onFailure: () => {},
    });
    expect(most).toBe(2);
  });
});
