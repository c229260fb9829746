import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { freshTable } from '../support/table.ts';

const table = await freshTable();
const { countOnKey, recurrencePartition, listCandidates } = await import('../../functions/problems/store/candidate-store.ts');
const { handler } = await import('../../functions/problems/handlers/detect-recurring-incidents.ts');
const { readProblemReport } = await import('../../functions/problems/store/report-store.ts');
afterAll(() => table.stop());

/** The consumer as Lambda invokes it: the event and a context it does not read. */
const detect = (event: DynamoDBStreamEvent) => (handler as unknown as (event: DynamoDBStreamEvent, context: unknown) => Promise<unknown>)(event, {});

const rule = { threshold: 3, windowDays: 7 };
const at = (minutes: number) => new Date(Date.UTC(2026, 2, 2, 9, minutes)).toISOString();
const incident = (n: number, minutes = n) => ({
  id: `01INCIDENT${String(n).padStart(16, '0')}`,
  number: `INC${String(1000 + n).padStart(7, '0')}`,
  createdAt: at(minutes),
});

async function counter(key: Parameters<typeof recurrencePartition>[0]) {
  const items = await table.partition(recurrencePartition(key));
  return items.find((item) => item.sk === 'COUNTER');
}

/** The stream event Lambda would build for these incident items (INSERT, NewImage). */
function streamEvent(items: Record<string, unknown>[], firstSequence = 100): DynamoDBStreamEvent {
  return {
    Records: items.map((item, i) => ({
      eventName: 'INSERT',
      dynamodb: {
        Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
        NewImage: marshall(item, { removeUndefinedValues: true }) as never,
        SequenceNumber: String(firstSequence + i),
      },
    })),
  };
}

describe('countOnKey', () => {
  it('counts a redelivered incident once', async () => {
    const key = { kind: 'service_category' as const, service: 'payments', category: 'redelivered' };
    expect(await countOnKey(key, incident(1), rule)).toBe('counted');
    expect(await countOnKey(key, incident(1), rule)).toBe('duplicate');
    expect(await countOnKey(key, incident(2), rule)).toBe('counted');
    expect(await countOnKey(key, incident(2), rule)).toBe('duplicate');
    expect((await counter(key))?.incidents).toHaveLength(2);
    expect((await counter(key))?.version).toBe(2);
    expect(await countOnKey(key, incident(3), rule)).toBe('candidate');
    expect(await countOnKey(key, incident(3), rule)).toBe('duplicate');
  });

  it('makes exactly one candidate when many incidents of one key are counted at the same moment', async () => {
    const key = { kind: 'dedup_key' as const, dedupScope: 'vpn', dedupKey: 'tunnel-down', service: 'vpn' };
    const incidents = [10, 11, 12, 13, 14, 15].map((n) => incident(n));
    const outcomes = await Promise.all(incidents.map((i) => countOnKey(key, i, rule)));
    expect(outcomes.filter((o) => o === 'candidate')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'counted')).toHaveLength(5);
    // Each was counted exactly once: six conditional writes, one version each.
    expect((await counter(key))?.version).toBe(6);
    const found = (await listCandidates(undefined, 100, undefined)).items.filter((c) => c.key.kind === 'dedup_key' && c.key.dedupKey === 'tunnel-down');
    expect(found).toHaveLength(1);
    expect(found[0]?.incidents).toHaveLength(3);
  });
});

describe('detectRecurringIncidents (the stream consumer)', () => {
  it('counts each incident of a redelivered batch once, under both its keys', async () => {
    const items = [21, 22, 23].map((n) => ({
      pk: `INCIDENT#${incident(n).id}`,
      sk: 'INCIDENT',
      entity: 'incident',
      ...incident(n),
      service: 'email',
      category: 'Bounces',
      dedupKey: 'smtp-queue',
      dedupScope: 'email',
    }));
    const event = streamEvent(items);
    expect(await detect(event)).toEqual({ batchItemFailures: [] });
    // Lambda retries a batch from a failed record: everything after it arrives again.
    expect(await detect(event)).toEqual({ batchItemFailures: [] });
    expect(await detect(streamEvent(items.slice(1), 101))).toEqual({ batchItemFailures: [] });

    const page = await listCandidates('open', 100, undefined);
    const mine = page.items.filter((c) => c.key.service === 'email');
    expect(mine.map((c) => c.key.kind).sort()).toEqual(['dedup_key', 'service_category']);
    expect(mine.every((c) => c.incidents.length === 3)).toBe(true);
    expect((await counter({ kind: 'service_category', service: 'email', category: 'bounces' }))?.version).toBe(3);
    // Found: the one of the first test, the one of the second and these two.
    expect((await readProblemReport()).candidates).toEqual({ found: 4, open: 4, accepted: 0, dismissed: 0 });
  });
});
