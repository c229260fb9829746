import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { openIncident } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const store = await import('../../functions/incidents/store/incident-store.ts');
const { backfillOpenedSortKeys } = await import('../../scripts/backfill-incident-sort-keys.ts');
afterAll(() => table.stop());

/*
 * Incidents stored before the filter indexes were sorted by opening time have the number as their
 * sort key there. The backfill rewrites those keys in place, and only those, so lists and
 * opening-time ranges see every incident again.
 */
describe('backfilling the filter indexes sort keys', () => {
  it('rewrites number-only sort keys to <createdAt>#<number>, leaves current ones, and is safe to repeat', async () => {
    const opened = (sequence: number, at: string) =>
      openIncident(
        { title: `old ${sequence}`, service: 'email', assignee: 'bob' },
        { id: store.newId(), sequence, actor: { userId: 'alice' }, now: new Date(at), matrix: DEFAULT_PRIORITY_MATRIX },
      );
    const old = opened(1, '2026-01-01T10:00:00.000Z');
    const current = opened(2, '2026-01-02T10:00:00.000Z');
    // An item as the previous version wrote it: the number in every gsiNsk.
    const legacy = { ...store.incidentCreate(old).Put!.Item! };
    for (const key of Object.keys(legacy)) if (/^gsi[2-7]sk$/.test(key)) legacy[key] = old.number;
    await table.raw.send(new PutCommand({ TableName: table.tableName, Item: legacy }));
    await table.raw.send(new PutCommand({ TableName: table.tableName, Item: store.incidentCreate(current).Put!.Item! }));

    const before = await store.listIncidents({ service: ['email'] }, 10);
    // The legacy key sorts above every timestamp: out of order, and outside any range.
    expect(before.items.map((i) => i.number)).toEqual([old.number, current.number]);

    expect(await backfillOpenedSortKeys()).toEqual({ examined: 2, updated: 1 });
    expect(await backfillOpenedSortKeys()).toEqual({ examined: 2, updated: 0 });

    const [item] = await table.partition(`INCIDENT#${old.id}`);
    for (const index of [2, 3, 5, 6, 7]) expect(item?.[`gsi${index}sk`], `gsi${index}`).toBe(`${old.createdAt}#${old.number}`);
    expect(item?.gsi1sk).toBe(old.number);
    expect((await store.listIncidents({ service: ['email'] }, 10)).items.map((i) => i.number)).toEqual([current.number, old.number]);
    const ranged = await store.listIncidents({ assignee: ['bob'], openedBefore: '2026-01-02T00:00:00.000Z' }, 10);
    expect(ranged.items.map((i) => i.number)).toEqual([old.number]);
  });
});
