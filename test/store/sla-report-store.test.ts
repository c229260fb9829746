import { afterAll, describe, expect, it } from 'vitest';
import type { AggregateDelta } from '../../functions/sla/store/report-store.ts';
import { freshTable } from '../support/table.ts';

const table = await freshTable();
const { aggregateUpdates, readSlaReport } = await import('../../functions/sla/store/report-store.ts');
const { TABLE_NAME } = await import('../../functions/shared/store/db.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
afterAll(() => table.stop());

const network = { priority: 'P1', assignmentGroup: 'network', service: 'vpn' };
const unassigned = { priority: 'P3' };

/** Commits the deltas as the incident code does: inside a transaction with the incident's own write. */
async function commit(deltas: AggregateDelta[]) {
  const own = { Put: { TableName: TABLE_NAME, Item: { pk: `TEST#${Math.random()}`, sk: 'TEST' } } };
  await transactWrite([own, ...aggregateUpdates(deltas)]);
}

describe('aggregateUpdates', () => {
  it('adds to one item per dimension, `-` standing for a missing group or service', () => {
    const items = aggregateUpdates([{ day: '2026-03-02', dimensions: unassigned, counters: { acknowledged: 1, acknowledgeSeconds: 600 } }]);
    expect(items.map((i) => i.Update?.Key)).toEqual([
      { pk: 'SLAREPORT#priority', sk: '2026-03-02#P3' },
      { pk: 'SLAREPORT#assignmentGroup', sk: '2026-03-02#-' },
      { pk: 'SLAREPORT#service', sk: '2026-03-02#-' },
    ]);
    expect(items[0]?.Update).toMatchObject({
      UpdateExpression: 'SET entity = :entity ADD #c0 :c0, #c1 :c1',
      ExpressionAttributeNames: { '#c0': 'acknowledged', '#c1': 'acknowledgeSeconds' },
      ExpressionAttributeValues: { ':entity': 'sla-report', ':c0': 1, ':c1': 600 },
    });
  });

  it('merges deltas that land on the same item, and drops what cancels out', () => {
    const items = aggregateUpdates([
      { day: '2026-03-02', dimensions: network, counters: { resolutionBreached: 1, breaches: 1 } },
      { day: '2026-03-02', dimensions: { ...network, service: 'email' }, counters: { resolutionBreached: -1 } },
    ]);
    const byKey = Object.fromEntries(items.map((i) => [`${i.Update?.Key?.pk} ${i.Update?.Key?.sk}`, i.Update?.ExpressionAttributeValues]));
    expect(Object.keys(byKey)).toEqual([
      'SLAREPORT#priority 2026-03-02#P1',
      'SLAREPORT#assignmentGroup 2026-03-02#network',
      'SLAREPORT#service 2026-03-02#vpn',
      'SLAREPORT#service 2026-03-02#email',
    ]);
    // Same priority and group: the breach and its correction meet and leave only `breaches`.
    expect(byKey['SLAREPORT#priority 2026-03-02#P1']).toEqual({ ':entity': 'sla-report', ':c0': 1 });
    expect(byKey['SLAREPORT#service 2026-03-02#email']).toEqual({ ':entity': 'sla-report', ':c0': -1 });
    expect(
      aggregateUpdates([
        { day: '2026-03-02', dimensions: network, counters: { resolved: 1 } },
        { day: '2026-03-02', dimensions: network, counters: { resolved: -1 } },
      ]),
    ).toEqual([]);
    expect(aggregateUpdates([])).toEqual([]);
  });

  it('refuses what would corrupt a counter for good', () => {
    expect(() => aggregateUpdates([{ day: '2026-3-2', dimensions: network, counters: { resolved: 1 } }])).toThrow(/YYYY-MM-DD/);
    expect(() => aggregateUpdates([{ day: '2026-03-02', dimensions: network, counters: { resolveSeconds: 1.5 } }])).toThrow(/integer/);
  });
});

describe('readSlaReport', () => {
  it('sums the days of the range per value, with attainment, MTTA and MTTR, and totals', async () => {
    await commit([
      { day: '2026-03-01', dimensions: network, counters: { acknowledged: 1, acknowledgeSeconds: 300, responseMet: 1 } },
      { day: '2026-03-01', dimensions: network, counters: { resolved: 1, resolveSeconds: 7200, resolutionMet: 1 } },
    ]);
    await commit([{ day: '2026-03-02', dimensions: network, counters: { acknowledged: 1, acknowledgeSeconds: 901, responseBreached: 1, breaches: 1 } }]);
    await commit([{ day: '2026-03-03', dimensions: unassigned, counters: { resolved: 1, resolveSeconds: 90_000, resolutionBreached: 1, breaches: 1 } }]);
    // Outside the range on both sides.
    await commit([{ day: '2026-02-28', dimensions: network, counters: { resolved: 5, resolveSeconds: 5 } }]);
    await commit([{ day: '2026-03-04', dimensions: network, counters: { resolved: 7, resolveSeconds: 7 } }]);

    const report = await readSlaReport('2026-03-01', '2026-03-03', 'priority');
    expect(report).toEqual({
      from: '2026-03-01',
      to: '2026-03-03',
      groupBy: 'priority',
      groups: [
        {
          key: 'P1',
          response: { met: 1, breached: 1, attainment: 50 },
          resolution: { met: 1, breached: 0, attainment: 100 },
          breaches: 1,
          acknowledged: 2,
          meanTimeToAcknowledge: 'PT10M1S',
          resolved: 1,
          meanTimeToResolve: 'PT2H',
        },
        {
          key: 'P3',
          response: { met: 0, breached: 0, attainment: null },
          resolution: { met: 0, breached: 1, attainment: 0 },
          breaches: 1,
          acknowledged: 0,
          meanTimeToAcknowledge: null,
          resolved: 1,
          meanTimeToResolve: 'PT25H',
        },
      ],
      totals: {
        response: { met: 1, breached: 1, attainment: 50 },
        resolution: { met: 1, breached: 1, attainment: 50 },
        breaches: 2,
        acknowledged: 2,
        meanTimeToAcknowledge: 'PT10M1S',
        resolved: 2,
        meanTimeToResolve: 'PT13H30M',
      },
    });

    const bySupport = await readSlaReport('2026-03-01', '2026-03-03', 'assignmentGroup');
    expect(bySupport.groups.map((g) => [g.key, g.resolved])).toEqual([
      ['-', 1],
      ['network', 1],
    ]);
    expect(bySupport.totals).toEqual(report.totals);
  });

  it('takes an outcome back when an incident is reopened, and leaves out values with nothing left', async () => {
    await commit([{ day: '2026-04-10', dimensions: { priority: 'P2', service: 'email' }, counters: { resolved: 1, resolveSeconds: 3600, resolutionMet: 1 } }]);
    await commit([{ day: '2026-04-11', dimensions: { priority: 'P4', service: 'vpn' }, counters: { resolved: 1, resolveSeconds: 60, resolutionMet: 1 } }]);
    // The reopen a day later corrects the day the resolution was counted on.
    await commit([
      { day: '2026-04-10', dimensions: { priority: 'P2', service: 'email' }, counters: { resolved: -1, resolveSeconds: -3600, resolutionMet: -1 } },
    ]);

    const report = await readSlaReport('2026-04-01', '2026-04-30', 'service');
    expect(report.groups.map((g) => g.key)).toEqual(['vpn']);
    expect(report.totals).toMatchObject({ resolved: 1, meanTimeToResolve: 'PT1M', resolution: { met: 1, breached: 0, attainment: 100 } });
  });

  it('rounds attainment to one decimal, and answers an empty report for days without data', async () => {
    await commit([{ day: '2026-05-05', dimensions: network, counters: { responseMet: 2, responseBreached: 1 } }]);
    expect((await readSlaReport('2026-05-05', '2026-05-05', 'service')).totals.response.attainment).toBe(66.7);
    expect(await readSlaReport('2025-01-01', '2025-12-31', 'priority')).toEqual({
      from: '2025-01-01',
      to: '2025-12-31',
      groupBy: 'priority',
      groups: [],
      totals: {
        response: { met: 0, breached: 0, attainment: null },
        resolution: { met: 0, breached: 0, attainment: null },
        breaches: 0,
        acknowledged: 0,
        meanTimeToAcknowledge: null,
        resolved: 0,
        meanTimeToResolve: null,
      },
    });
  });

  it('reads a range in one Query', async () => {
    table.counter.reset();
    await readSlaReport('2026-03-01', '2026-05-31', 'priority');
    expect(table.counter.operations()).toEqual(['Query']);
  });
});
