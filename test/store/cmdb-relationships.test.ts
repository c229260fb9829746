import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ci } from '../../functions/cmdb/domain/ci.ts';
import { freshTable } from '../support/table.ts';

/*
 * Relationships and impact analysis against DynamoDB Local, below the API: what one relationship
 * stores (once, both ends readable), and the round trips of impactOf and servicesImpacted counted
 * on the wire: depth N is at most N rounds of Queries, then one BatchGet.
 */

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const { newCi } = await import('../../functions/cmdb/domain/ci.ts');
const { newId } = await import('../../functions/shared/store/audit.ts');
const { ciCreatePut } = await import('../../functions/cmdb/store/ci-store.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
const { addRelationship, relationshipsOf, removeRelationship } = await import('../../functions/cmdb/relationships.ts');
const { impactOf, servicesImpacted, ImpactTooLarge, IMPACT_BUDGET } = await import('../../functions/cmdb/impact.ts');
const { relationshipPut } = await import('../../functions/cmdb/store/relationship-store.ts');
afterAll(() => table.stop());

async function ci(name: string, klass: string, status: 'active' | 'retired' = 'active'): Promise<Ci> {
  const created = newCi({ class: klass, name, status }, { id: newId(), source: 'manual', now: new Date().toISOString() });
  await transactWrite([ciCreatePut(created)]);
  return created;
}

async function service(name: string): Promise<void> {
  const now = new Date().toISOString();
  await table.raw.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { pk: `SERVICE#${name}`, sk: 'SERVICE', entity: 'service', name, ownerGroup: 'payments', createdAt: now, updatedAt: now, version: 1 },
    }),
  );
}

const as = { actor: 'alice', origin: 'manual' as const };

let lb: Ci;
let api: Ci;
let fn1: Ci;
let fn2: Ci;
let tbl: Ci;

beforeAll(async () => {
  [lb, api, fn1, fn2, tbl] = await Promise.all([
    ci('orders-alb', 'load_balancer'),
    ci('orders-api', 'api'),
    ci('orders-fn-1', 'lambda_function'),
    ci('orders-fn-2', 'lambda_function'),
    ci('orders-table', 'dynamodb_table'),
    service('checkout'),
  ]);
  await addRelationship({ from: 'checkout', type: 'depends_on', to: lb.id }, as);
  await addRelationship({ from: lb.id, type: 'depends_on', to: api.id }, as);
  await addRelationship({ from: api.id, type: 'depends_on', to: fn1.id }, as);
  await addRelationship({ from: fn2.id, type: 'used_by', to: api.id }, as);
  await addRelationship({ from: fn1.id, type: 'depends_on', to: tbl.id }, as);
  await addRelationship({ from: tbl.id, type: 'used_by', to: fn2.id }, as);
});

describe('relationships', () => {
  it('stores one item per relationship, under its canonical type in its source partition, indexed by its target', async () => {
    const items = await table.partition(`CI#${tbl.id}`);
    // table used_by fn2 is stored as fn2 depends_on table: nothing of it in the table's partition but its history.
    expect(items.filter((item) => item.entity === 'ci-relationship')).toEqual([]);
    const fn2Items = await table.partition(`CI#${fn2.id}`);
    const stored = fn2Items.filter((item) => item.entity === 'ci-relationship');
    // fn2 used_by api is stored in the API's partition (api depends_on fn2).
    expect(stored.map((item) => [item.sk, item.gsi1pk, item.gsi1sk, item.source, item.type, item.target])).toEqual([
      [`REL#depends_on#${tbl.id}`, `CIREL#${tbl.id}`, `depends_on#${fn2.id}`, fn2.id, 'depends_on', tbl.id],
    ]);
  });

  it('reads from both ends, each in its own names', async () => {
    expect(await relationshipsOf(tbl.id)).toEqual([
      expect.objectContaining({ type: 'used_by', target: fn1.id, origin: 'manual', createdBy: 'alice' }),
      expect.objectContaining({ type: 'used_by', target: fn2.id }),
    ]);
    expect((await relationshipsOf(fn2.id)).map((r) => [r.type, r.target])).toEqual([
      ['depends_on', tbl.id],
      ['used_by', api.id],
    ]);
  });

  it('writes a history record on both CIs and one outbox record on the CI it was added from', async () => {
    const fn1Items = await table.partition(`CI#${fn1.id}`);
    const tblItems = await table.partition(`CI#${tbl.id}`);
    expect(fn1Items.filter((i) => i.entity === 'history' && i.action === 'relationship_added').map((i) => (i.changes as any[])[0].to)).toEqual(
      expect.arrayContaining([{ type: 'depends_on', target: tbl.id, origin: 'manual' }]),
    );
    expect(tblItems.filter((i) => i.entity === 'history' && i.action === 'relationship_added').map((i) => (i.changes as any[])[0].to)).toEqual(
      expect.arrayContaining([
        { type: 'used_by', target: fn1.id, origin: 'manual' },
        { type: 'used_by', target: fn2.id, origin: 'manual' },
      ]),
    );
    const outbox = fn1Items.filter((i) => i.entity === 'outbox').map((i) => i.detail as any);
    expect(outbox).toEqual([
      expect.objectContaining({
        type: 'CI Relationship Added',
        ci: expect.objectContaining({ id: fn1.id, class: 'lambda_function', number: fn1.id, version: 1 }),
        relationship: { type: 'depends_on', target: tbl.id, origin: 'manual' },
        relatedCi: expect.objectContaining({ id: tbl.id, class: 'dynamodb_table' }),
      }),
    ]);
  });

  it('refuses a duplicate in either of its names, a self-relationship, a missing end and a retired CI', async () => {
    await expect(addRelationship({ from: fn1.id, type: 'depends_on', to: tbl.id }, as)).rejects.toMatchObject({ status: 409, slug: 'relationship-exists' });
    await expect(addRelationship({ from: tbl.id, type: 'used_by', to: fn1.id }, as)).rejects.toMatchObject({ status: 409, slug: 'relationship-exists' });
    await expect(addRelationship({ from: fn1.id, type: 'connects_to', to: fn1.id }, as)).rejects.toMatchObject({ status: 400 });
    await expect(addRelationship({ from: fn1.id, type: 'depends_on', to: newId() }, as)).rejects.toMatchObject({ status: 400, slug: 'validation-error' });
    await expect(addRelationship({ from: newId(), type: 'depends_on', to: fn1.id }, as)).rejects.toMatchObject({ status: 404 });
    const old = await ci('old-host', 'host', 'retired');
    await expect(addRelationship({ from: fn1.id, type: 'runs_on', to: old.id }, as)).rejects.toMatchObject({ status: 409, slug: 'ci-retired' });
  });

  it('connects_to is stored once whichever end names it', async () => {
    const [a, b] = await Promise.all([ci('peer-a', 'network'), ci('peer-b', 'network')]);
    await addRelationship({ from: b.id, type: 'connects_to', to: a.id }, as);
    await expect(addRelationship({ from: a.id, type: 'connects_to', to: b.id }, as)).rejects.toMatchObject({ slug: 'relationship-exists' });
    expect((await relationshipsOf(a.id)).map((r) => [r.type, r.target])).toEqual([['connects_to', b.id]]);
    await removeRelationship({ from: a.id, type: 'connects_to', to: b.id }, { actor: 'alice' });
    expect(await relationshipsOf(b.id)).toEqual([]);
    await expect(removeRelationship({ from: a.id, type: 'connects_to', to: b.id }, { actor: 'alice' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('a service named by relationships', () => {
  it('is in use: the directory lists each relationship of its CI, from either end, as a reference', async () => {
    const { serviceUsage } = await import('../../functions/directory/store/usage.ts');
    await service('billing');
    await addRelationship({ from: api.id, type: 'used_by', to: 'billing' }, as);
    await addRelationship({ from: 'billing', type: 'connects_to', to: 'checkout' }, as);
    const found = await serviceUsage('billing', new Date().toISOString());
    expect(found.references.filter((r) => r.kind === 'ci-relationship')).toEqual(
      expect.arrayContaining([
        { kind: 'ci-relationship', id: api.id, field: 'depends_on' },
        { kind: 'ci-relationship', id: 'checkout', field: 'connects_to' },
      ]),
    );
    await removeRelationship({ from: 'billing', type: 'depends_on', to: api.id }, { actor: 'alice' });
    await removeRelationship({ from: 'checkout', type: 'connects_to', to: 'billing' }, { actor: 'alice' });
    expect((await serviceUsage('billing', new Date().toISOString())).references).toEqual([]);
  });
});

describe('impactOf', () => {
  it('downstream of the table: the functions, the API, the load balancer and the service, with paths', async () => {
    const impact = await impactOf([tbl.id], { direction: 'downstream', depth: 6 });
    expect(impact.asked.map((c) => c.id)).toEqual([tbl.id]);
    expect(impact.impacted.map((entry) => [entry.ci.name, entry.depth])).toEqual([
      ['orders-fn-1', 1],
      ['orders-fn-2', 1],
      ['orders-api', 2],
      ['orders-alb', 3],
      ['checkout', 4],
    ]);
    const checkout = impact.impacted.find((entry) => entry.ci.id === 'checkout');
    expect(checkout?.ci).toMatchObject({ class: 'service', status: 'active' });
    expect(checkout?.path.map((step) => step.relationship)).toEqual(['used_by', 'used_by', 'used_by', 'used_by']);
    expect(impact.rounds).toBe(5);
  });

  it('depth 3 is at most 3 rounds of Queries (3 per frontier CI, together), then one BatchGet', async () => {
    table.counter.reset();
    table.counter.setLatency(20);
    try {
      const impact = await impactOf([tbl.id], { direction: 'downstream', depth: 3 });
      expect(impact.rounds).toBe(3);
      expect(impact.impacted.map((entry) => entry.ci.name)).toEqual(['orders-fn-1', 'orders-fn-2', 'orders-api', 'orders-alb']);
    } finally {
      table.counter.setLatency(0);
    }
    const rounds = table.counter.rounds().map((round) => [...new Set(round)]);
    expect(rounds).toEqual([['Query'], ['Query'], ['Query'], ['BatchGetItem']]);
    // Three Queries per CI of a level (only the types downstream follows): the table; both functions; the API.
    expect(table.counter.rounds().map((round) => round.length)).toEqual([3, 6, 3, 1]);
  });

  it('upstream of the API: the functions and the table', async () => {
    const impact = await impactOf([api.id], { direction: 'upstream', depth: 3 });
    expect(impact.impacted.map((entry) => entry.ci.name)).toEqual(['orders-fn-1', 'orders-fn-2', 'orders-table']);
  });

  it('past the budget: ImpactTooLarge, and servicesImpacted answers from the levels that fit', async () => {
    await expect(impactOf([tbl.id], { direction: 'downstream', depth: 6, budget: 5 })).rejects.toBeInstanceOf(ImpactTooLarge);
    expect(await servicesImpacted([tbl.id], 6)).toEqual(['checkout']);
    expect(await servicesImpacted([tbl.id], 3)).toEqual([]);
    expect(await servicesImpacted([lb.id])).toEqual(['checkout']);
    expect(await servicesImpacted(['checkout'])).toEqual(['checkout']);
  });

  it('servicesImpacted reads no CI record when nothing reached can be a service', async () => {
    table.counter.reset();
    expect(await servicesImpacted([tbl.id], 1)).toEqual([]);
    expect(table.counter.operations()).toEqual(['Query', 'Query', 'Query']);
  });

  it('reads only the relationship types the direction follows: what a hub relies on costs its downstream nothing', async () => {
    const hub = await ci('shared-role', 'generic');
    const relied = await Promise.all(Array.from({ length: 12 }, (_, i) => ci(`policy-${i}`, 'generic')));
    for (const other of relied) await addRelationship({ from: hub.id, type: 'depends_on', to: other.id }, as);
    const user = await ci('role-user', 'lambda_function');
    await addRelationship({ from: user.id, type: 'depends_on', to: hub.id }, as);
    const impact = await impactOf([hub.id], { direction: 'downstream', depth: 1, budget: 6 });
    expect(impact.impacted.map((entry) => entry.ci.id)).toEqual([user.id]);
    expect(impact.itemsRead).toBe(1);
    await expect(impactOf([hub.id], { direction: 'upstream', depth: 1, budget: 6 })).rejects.toBeInstanceOf(ImpactTooLarge);
  });

  it('never reads more than the budget: each Query of a level gets its share of what is left', async () => {
    const hub = await ci('busy-table', 'dynamodb_table');
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => ci(`busy-fn-${i}`, 'lambda_function')));
    for (const user of users) await addRelationship({ from: user.id, type: 'depends_on', to: hub.id }, as);
    table.counter.reset();
    const refused = await impactOf([hub.id], { direction: 'downstream', depth: 2, budget: 12 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ImpactTooLarge);
    expect((refused as InstanceType<typeof ImpactTooLarge>).itemsRead).toBeLessThanOrEqual(12);
    expect((refused as InstanceType<typeof ImpactTooLarge>).suggestedDepth).toBeUndefined();
    // Within the budget whole: 20 items over 3 Queries fits 60.
    const fits = await impactOf([hub.id], { direction: 'downstream', depth: 1, budget: 63 });
    expect(fits.impacted).toHaveLength(20);
    expect(fits.itemsRead).toBe(20);
    // A level of 20 CIs is 60 Queries: with fewer than 60 items left, it is not read at all.
    table.counter.reset();
    await expect(impactOf([hub.id], { direction: 'downstream', depth: 2, budget: 63 })).rejects.toMatchObject({ itemsRead: 20, suggestedDepth: 1 });
    expect(table.counter.operations()).toEqual(['Query', 'Query', 'Query']);
  });
});

describe('the impact budget and the 1 MB page of a Query', () => {
  /** An item's size as DynamoDB counts it: attribute names and values (strings in UTF-8, numbers at most 21 bytes). */
  const itemBytes = (item: Record<string, unknown>): number =>
    Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + (typeof value === 'number' ? 21 : Buffer.byteLength(String(value))), 0);

  it('the largest share one Query gets, at the longest relationship item, fits one page', () => {
    // The longest ids (service names: 63 characters), type, origin and actor (128 characters, each 3 bytes at most in UTF-8).
    const longest = 's'.repeat(63);
    const put = relationshipPut({
      source: longest,
      type: 'connects_to',
      target: `${longest.slice(1)}t`,
      origin: 'cloudformation',
      createdAt: new Date().toISOString(),
      createdBy: '\u20ac'.repeat(128),
    });
    const item = put.item.Put?.Item as Record<string, unknown>;
    // 100 bytes more for an index entry's overhead, counted generously.
    const bytes = itemBytes(item) + 100;
    expect(bytes).toBeLessThan(1100);
    // A level has at least one CI, so 3 Queries: no Query's Limit is ever above a third of the budget.
    expect(Math.floor(IMPACT_BUDGET / 3) * bytes).toBeLessThan(1024 * 1024);
    // And a hub of 600 dependents fits its share at depth 1.
    expect(Math.floor(IMPACT_BUDGET / 3)).toBeGreaterThanOrEqual(600);
  });

  it('a page cut at 1 MB before its Limit is over the budget, never the end of the relationships', async () => {
    const hub = await ci('padded-hub', 'network');
    // Four relationships of 390 KB (padded past anything the API writes), in the hub's own partition (DynamoDB Local cuts a base
    // table's Query pages at 1 MB): the page stops at 1 MB, its Limit far away.
    const padding = 'x'.repeat(390_000);
    const members = await Promise.all([0, 1, 2, 3].map((i) => ci(`padded-member-${i}`, 'generic')));
    for (const member of members) {
      const put = relationshipPut({
        source: hub.id,
        type: 'contains',
        target: member.id,
        origin: 'manual',
        createdAt: new Date().toISOString(),
        createdBy: 'alice',
      });
      await table.raw.send(new PutCommand({ TableName: table.tableName, Item: { ...put.item.Put?.Item, padding } }));
    }
    const refused = await impactOf([hub.id], { direction: 'downstream', depth: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ImpactTooLarge);
    expect((refused as InstanceType<typeof ImpactTooLarge>).itemsRead).toBeLessThan(4);
  });
});

describe('relationship pages', () => {
  it('lists both ends in pages: those the CI names, then those naming it, each once', async () => {
    const { relationshipPageOf } = await import('../../functions/cmdb/relationships.ts');
    const hub = await ci('paged-vpc', 'network');
    const inside = await Promise.all(Array.from({ length: 3 }, (_, i) => ci(`paged-subnet-${i}`, 'network')));
    const users = await Promise.all(Array.from({ length: 3 }, (_, i) => ci(`paged-fn-${i}`, 'lambda_function')));
    for (const subnet of inside) await addRelationship({ from: hub.id, type: 'contains', to: subnet.id }, as);
    for (const user of users) await addRelationship({ from: user.id, type: 'depends_on', to: hub.id }, as);
    const all = (await relationshipsOf(hub.id)).map((r) => `${r.type} ${r.target}`).sort();
    for (const limit of [1, 2, 3, 4, 6, 7]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await relationshipPageOf(hub.id, limit, cursor);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((r) => `${r.type} ${r.target}`));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 10);
      expect(seen.sort()).toEqual(all);
      expect(pages).toBe(Math.ceil(6 / limit));
    }
    const first = await relationshipPageOf(hub.id, 3, undefined);
    expect(first.items.map((r) => r.type)).toEqual(['contains', 'contains', 'contains']);
    const second = await relationshipPageOf(hub.id, 3, first.nextCursor);
    expect(second.items.map((r) => r.type)).toEqual(['used_by', 'used_by', 'used_by']);
    expect(second.nextCursor).toBeUndefined();
    await expect(relationshipPageOf(fn1.id, 3, first.nextCursor)).rejects.toMatchObject({ status: 400, slug: 'invalid-cursor' });
  });
});

describe('deleting a CI with relationships', () => {
  it('removes them, records it at each other end and moves their counts (the other end can then be deleted)', async () => {
    const { deleteCi } = await import('../../functions/cmdb/ci-write.ts');
    const [doomed, db, host] = await Promise.all([ci('doomed-fn', 'lambda_function'), ci('kept-db', 'database'), ci('kept-host', 'host'), service('ledger')]);
    await addRelationship({ from: doomed.id, type: 'depends_on', to: db.id }, as);
    await addRelationship({ from: doomed.id, type: 'runs_on', to: host.id }, as);
    await addRelationship({ from: 'ledger', type: 'depends_on', to: doomed.id }, as);
    await addRelationship({ from: db.id, type: 'connects_to', to: host.id }, as);
    await deleteCi(doomed.id, { actor: 'ada' });
    expect(await relationshipsOf(doomed.id)).toEqual([]);
    const removedAt = async (id: string) =>
      (await table.partition(`CI#${id}`)).filter((i) => i.entity === 'history' && i.action === 'relationship_removed').map((i) => (i.changes as any[])[0]);
    expect(await removedAt(db.id)).toEqual([{ field: 'relationships', from: { type: 'used_by', target: doomed.id, ciDeleted: true }, to: null }]);
    expect(await removedAt(host.id)).toEqual([{ field: 'relationships', from: { type: 'hosts', target: doomed.id, ciDeleted: true }, to: null }]);
    expect(await removedAt('ledger')).toEqual([{ field: 'relationships', from: { type: 'depends_on', target: doomed.id, ciDeleted: true }, to: null }]);
    // The database's count is its one relationship left: its own deletion holds.
    await deleteCi(db.id, { actor: 'ada' });
    expect(await relationshipsOf(host.id)).toEqual([]);
    await deleteCi(host.id, { actor: 'ada' });
  });

  it('a relationship the target index does not show yet refuses the deletion (409 delete-contended) instead of outliving the CI', async () => {
    const { deleteCi } = await import('../../functions/cmdb/ci-write.ts');
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { relationshipKey } = await import('../../functions/cmdb/store/keys.ts');
    const [target, late] = await Promise.all([ci('lagging-table', 'dynamodb_table'), ci('late-fn', 'lambda_function')]);
    await addRelationship({ from: late.id, type: 'depends_on', to: target.id }, as);
    // As if the index had not caught up with it yet: the item is stored, gsi1 does not show it.
    const key = relationshipKey(late.id, 'depends_on', target.id);
    await table.raw.send(new UpdateCommand({ TableName: table.tableName, Key: key, UpdateExpression: 'REMOVE gsi1pk, gsi1sk' }));
    await expect(deleteCi(target.id, { actor: 'ada' })).rejects.toMatchObject({ status: 409, slug: 'delete-contended' });
    expect((await relationshipsOf(late.id)).map((r) => r.target)).toEqual([target.id]);
    // The index catches up: the deletion sees it and removes it.
    await table.raw.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: key,
        UpdateExpression: 'SET gsi1pk = :pk, gsi1sk = :sk',
        ExpressionAttributeValues: { ':pk': `CIREL#${target.id}`, ':sk': `depends_on#${late.id}` },
      }),
    );
    await deleteCi(target.id, { actor: 'ada' });
    expect(await relationshipsOf(late.id)).toEqual([]);
  });
});
