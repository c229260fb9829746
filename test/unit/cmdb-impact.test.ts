import { describe, expect, it } from 'vitest';
import { newCi } from '../../functions/cmdb/domain/ci.ts';
import { ciOutboxRecord } from '../../functions/cmdb/domain/events.ts';
import { ImpactSearch, ImpactTooLarge, type LevelReading } from '../../functions/cmdb/domain/impact.ts';
import {
  canonicalRelationship,
  type ImpactDirection,
  impactReaches,
  type RelationshipType,
  type StoredRelationship,
} from '../../functions/cmdb/domain/relationship-types.ts';
import { ciEventDetail } from '../../functions/cmdb/schemas/events.ts';

/*
 * The pure rules of impact analysis: which way a failure travels along each relationship type, and
 * the breadth-first bookkeeping (levels, first shortest paths, cycles, the budget), driven here by
 * an in-memory graph that answers each level as the store would (both ends of every frontier CI).
 */

const rel = (from: string, type: RelationshipType, to: string): StoredRelationship => canonicalRelationship(from, type, to);

/** The relationships a CI takes part in, from both ends, as the two Queries of one level read them. */
function readLevel(graph: readonly StoredRelationship[], frontier: readonly string[]): LevelReading[] {
  return frontier.map((ci) => ({ ci, relationships: graph.filter((r) => r.source === ci || r.target === ci) }));
}

function run(graph: readonly StoredRelationship[], roots: string[], direction: ImpactDirection, depth: number, budget?: number): ImpactSearch {
  const search = new ImpactSearch(roots, { direction, depth, ...(budget === undefined ? {} : { budget }) });
  while (!search.done) search.advance(readLevel(graph, search.frontier));
  return search;
}

// The graph: a service on a load balancer in front of an API, on two Lambda functions using one table.
const GRAPH = [
  rel('checkout', 'depends_on', 'lb'),
  rel('lb', 'depends_on', 'api'),
  rel('api', 'depends_on', 'fn1'),
  rel('api', 'depends_on', 'fn2'),
  rel('fn1', 'depends_on', 'table'),
  rel('table', 'used_by', 'fn2'),
];

describe('impactReaches', () => {
  it('downstream: from the target of depends_on and runs_on to their source, along contains from the container, both ways along connects_to', () => {
    expect(impactReaches('downstream', rel('app', 'depends_on', 'db'), 'db')).toBe('app');
    expect(impactReaches('downstream', rel('app', 'depends_on', 'db'), 'app')).toBeUndefined();
    expect(impactReaches('downstream', rel('app', 'runs_on', 'host'), 'host')).toBe('app');
    expect(impactReaches('downstream', rel('app', 'runs_on', 'host'), 'app')).toBeUndefined();
    expect(impactReaches('downstream', rel('vpc', 'contains', 'subnet'), 'vpc')).toBe('subnet');
    expect(impactReaches('downstream', rel('vpc', 'contains', 'subnet'), 'subnet')).toBeUndefined();
    expect(impactReaches('downstream', rel('a', 'connects_to', 'b'), 'a')).toBe('b');
    expect(impactReaches('downstream', rel('a', 'connects_to', 'b'), 'b')).toBe('a');
  });

  it('upstream is the reverse: what a CI depends on, runs on and is contained by', () => {
    expect(impactReaches('upstream', rel('app', 'depends_on', 'db'), 'app')).toBe('db');
    expect(impactReaches('upstream', rel('app', 'depends_on', 'db'), 'db')).toBeUndefined();
    expect(impactReaches('upstream', rel('host', 'hosts', 'app'), 'app')).toBe('host');
    expect(impactReaches('upstream', rel('subnet', 'contained_by', 'vpc'), 'subnet')).toBe('vpc');
    expect(impactReaches('upstream', rel('subnet', 'contained_by', 'vpc'), 'vpc')).toBeUndefined();
    expect(impactReaches('upstream', rel('b', 'connects_to', 'a'), 'b')).toBe('a');
  });

  it('does not travel from a CI at neither end', () => {
    expect(impactReaches('downstream', rel('app', 'depends_on', 'db'), 'other')).toBeUndefined();
  });
});

describe('ImpactSearch', () => {
  it('downstream of the table: both functions, the API, the load balancer and the service, nearest first, each with its path', () => {
    const search = run(GRAPH, ['table'], 'downstream', 6);
    expect(search.reached).toEqual([
      { id: 'fn1', depth: 1, path: [{ id: 'table', relationship: 'used_by' }] },
      { id: 'fn2', depth: 1, path: [{ id: 'table', relationship: 'used_by' }] },
      {
        id: 'api',
        depth: 2,
        path: [
          { id: 'table', relationship: 'used_by' },
          { id: 'fn1', relationship: 'used_by' },
        ],
      },
      {
        id: 'lb',
        depth: 3,
        path: [
          { id: 'table', relationship: 'used_by' },
          { id: 'fn1', relationship: 'used_by' },
          { id: 'api', relationship: 'used_by' },
        ],
      },
      {
        id: 'checkout',
        depth: 4,
        path: [
          { id: 'table', relationship: 'used_by' },
          { id: 'fn1', relationship: 'used_by' },
          { id: 'api', relationship: 'used_by' },
          { id: 'lb', relationship: 'used_by' },
        ],
      },
    ]);
    // Four levels reached something; the fifth read the service's relationships and found nothing new.
    expect(search.levels).toBe(5);
    expect(search.done).toBe(true);
  });

  it('stops at the depth asked: one level per round, never more', () => {
    const search = run(GRAPH, ['table'], 'downstream', 2);
    expect(search.reached.map((r) => r.id)).toEqual(['fn1', 'fn2', 'api']);
    expect(search.levels).toBe(2);
    expect(search.frontier).toEqual([]);
    expect(() => search.advance([])).toThrow(/done/);
  });

  it('upstream of the API: the functions and the table, not what depends on the API', () => {
    const search = run(GRAPH, ['api'], 'upstream', 3);
    expect(search.reached.map((r) => [r.id, r.depth])).toEqual([
      ['fn1', 1],
      ['fn2', 1],
      ['table', 2],
    ]);
    expect(search.reached.find((r) => r.id === 'table')?.path).toEqual([
      { id: 'api', relationship: 'depends_on' },
      { id: 'fn1', relationship: 'depends_on' },
    ]);
  });

  it('follows contains from the container and connects_to both ways', () => {
    const graph = [rel('vpc', 'contains', 'subnet'), rel('subnet', 'contains', 'nic'), rel('nic', 'connects_to', 'peer'), rel('vpc', 'connects_to', 'gw')];
    expect(run(graph, ['vpc'], 'downstream', 6).reached.map((r) => r.id)).toEqual(['gw', 'subnet', 'nic', 'peer']);
    expect(run(graph, ['nic'], 'upstream', 6).reached.map((r) => r.id)).toEqual(['peer', 'subnet', 'vpc', 'gw']);
  });

  it('does not loop on a cycle, and never lists a CI asked about', () => {
    const cycle = [rel('a', 'depends_on', 'b'), rel('b', 'depends_on', 'c'), rel('c', 'depends_on', 'a')];
    const search = run(cycle, ['a'], 'downstream', 6);
    expect(search.reached.map((r) => [r.id, r.depth])).toEqual([
      ['c', 1],
      ['b', 2],
    ]);
    expect(search.levels).toBe(3);
  });

  it('several CIs asked about: each reached CI by its nearest one', () => {
    const search = run(GRAPH, ['table', 'api'], 'downstream', 6);
    expect(search.reached.map((r) => [r.id, r.depth, r.path[0]?.id])).toEqual([
      ['fn1', 1, 'table'],
      ['fn2', 1, 'table'],
      ['lb', 1, 'api'],
      ['checkout', 2, 'api'],
    ]);
  });

  it('counts every relationship item read, the ones read from both ends twice', () => {
    const search = run(GRAPH, ['table'], 'downstream', 1);
    expect(search.itemsRead).toBe(2);
    const deeper = run(GRAPH, ['table'], 'downstream', 2);
    // table: 2; fn1: 2 (table, api); fn2: 2 (table, api).
    expect(deeper.itemsRead).toBe(6);
  });

  it('past the budget: ImpactTooLarge with the items read, the level that passed it, a depth that fits, and what fitted', () => {
    const hub = Array.from({ length: 30 }, (_, i) => rel(`app${i}`, 'depends_on', 'db'));
    const graph = [...hub, ...hub.map((r, i) => rel(`web${i}`, 'depends_on', r.source))];
    const search = new ImpactSearch(['db'], { direction: 'downstream', depth: 3, budget: 50 });
    search.advance(readLevel(graph, search.frontier));
    expect(search.itemsRead).toBe(30);
    let thrown: unknown;
    try {
      search.advance(readLevel(graph, search.frontier));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ImpactTooLarge);
    const tooLarge = thrown as ImpactTooLarge;
    expect(tooLarge.itemsRead).toBe(90);
    expect(tooLarge.budget).toBe(50);
    expect(tooLarge.depthReading).toBe(2);
    expect(tooLarge.suggestedDepth).toBe(1);
    expect(tooLarge.partial.map((r) => r.id)).toHaveLength(30);
    // What the level past the budget would have reached is not kept.
    expect(search.reached.some((r) => r.id.startsWith('web'))).toBe(false);
  });

  it('a first level past the budget suggests no depth', () => {
    const hub = Array.from({ length: 10 }, (_, i) => rel(`app${i}`, 'depends_on', 'db'));
    expect(() => run(hub, ['db'], 'downstream', 3, 9)).toThrow(ImpactTooLarge);
    try {
      run(hub, ['db'], 'downstream', 3, 9);
    } catch (error) {
      expect((error as ImpactTooLarge).suggestedDepth).toBeUndefined();
    }
    // Exactly the budget is within it.
    expect(run(hub, ['db'], 'downstream', 1, 10).reached).toHaveLength(10);
  });

  it('refuses a depth below 1', () => {
    expect(() => new ImpactSearch(['a'], { direction: 'downstream', depth: 0 })).toThrow();
  });
});

describe('relationship events', () => {
  it('name the relationship from the CI it was added from and the CI at the other end, and fit the published schema', () => {
    const now = '2030-01-01T00:00:00.000Z';
    const fn = newCi({ class: 'lambda_function', name: 'orders-create', ownerGroup: 'database', environment: 'prod' }, { id: 'FN', source: 'manual', now });
    const table = newCi({ class: 'dynamodb_table', name: 'orders', description: 'free text' }, { id: 'TABLE', source: 'aws-config', now });
    for (const type of ['CI Relationship Added', 'CI Relationship Removed'] as const) {
      const record = ciOutboxRecord({
        eventId: 'E1',
        type,
        ci: fn,
        actor: 'alice',
        occurredAt: now,
        relationship: { type: 'depends_on', target: table.id, origin: 'manual' },
        relatedCi: table,
      });
      expect(record.ciId).toBe('FN');
      expect(record.detail).toMatchObject({
        type,
        ci: { id: 'FN', number: 'FN', version: 1 },
        relationship: { type: 'depends_on', target: 'TABLE', origin: 'manual' },
        relatedCi: { id: 'TABLE', class: 'dynamodb_table', name: 'orders', status: 'active' },
      });
      // No free text: the other CI's description stays out.
      expect(JSON.stringify(record)).not.toContain('free text');
      expect(record.notification.text).toContain('depends_on dynamodb_table orders (TABLE)');
      // Every member is in the published schema (an undeclared one would be stripped).
      expect(ciEventDetail.parse(record.detail)).toEqual(record.detail);
    }
  });
});
