import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const integrations = await import('../../functions/ingestion/store/integration-store.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
const { serviceKey } = await import('../../functions/directory/store/keys.ts');
const { backfillIntegrationKeys } = await import('../../scripts/backfill-integration-keys.ts');
afterAll(() => table.stop());

type Shape = 'current' | 'before-live-index' | 'before-ids';

/** A key as the version of `shape` wrote it: created as now, then stripped of what that version lacked. */
async function keyOf(service: string, shape: Shape, options: { revoked?: boolean } = {}) {
  await table.raw.send(new PutCommand({ TableName: table.tableName, Item: { ...serviceKey(service), entity: 'service', name: service } }));
  const routingKey = integrations.generateRoutingKey();
  const at = new Date().toISOString();
  const integration = {
    id: `i-${routingKey.slice(0, 10)}`,
    service,
    name: shape,
    keyHint: routingKey.slice(-4),
    rateLimitPerMinute: 10,
    createdAt: at,
    createdBy: 'ada',
  };
  const items = integrations.createIntegrationItems(routingKey, integration, { at, actor: 'ada', action: 'updated', version: 0, changes: [] });
  await transactWrite(items);
  if (options.revoked === true) {
    const ref = await integrations.findIntegration(service, integration.id);
    await transactWrite(integrations.revokeIntegrationItems(ref!, 'ada', at));
  }
  const putOf = (entry: (typeof items)[number]) => ('item' in entry ? entry.item : entry).Put!.Item!;
  const keyItem = { pk: putOf(items[0]!).pk, sk: 'INTEGRATION' };
  if (shape !== 'current') {
    await table.raw.send(new UpdateCommand({ TableName: table.tableName, Key: keyItem, UpdateExpression: 'REMOVE gsi3pk, gsi3sk' }));
  }
  if (shape === 'before-ids') {
    const idItem = putOf(items[1]!);
    await table.raw.send(new DeleteCommand({ TableName: table.tableName, Key: { pk: idItem.pk, sk: idItem.sk } }));
    // Keys of that version were never counted: the count item is what the new transactions left.
    await table.raw.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: `INTEGRATIONS#SERVICE#${service}`, sk: 'LIVE' },
        UpdateExpression: 'ADD liveKeys :minusOne',
        ExpressionAttributeValues: { ':minusOne': options.revoked === true ? 0 : -1 },
      }),
    );
  }
  return { id: integration.id, routingKey, keyItem };
}

const liveCount = async (service: string) =>
  (await table.raw.send(new GetCommand({ TableName: table.tableName, Key: { pk: `INTEGRATIONS#SERVICE#${service}`, sk: 'LIVE' }, ConsistentRead: true }))).Item
    ?.liveKeys;
const everything = async () =>
  ((await table.raw.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }))).Items ?? []).sort((a, b) =>
    `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`),
  );
const idItem = async (id: string) =>
  (await table.raw.send(new GetCommand({ TableName: table.tableName, Key: { pk: `INTEGRATION#ID#${id}`, sk: 'INTEGRATION' }, ConsistentRead: true }))).Item;
const liveIds = async (service: string) => (await integrations.listLiveIntegrations(service, 50)).items.map((i) => i.id).sort();

describe('backfilling integration keys created before id items, live counts and the live index', () => {
  it('makes old keys revocable and holding their service, counts each live key once, and a second run writes nothing', async () => {
    const oldLive = [await keyOf('legacy', 'before-ids'), await keyOf('legacy', 'before-ids')];
    const oldRevoked = await keyOf('legacy', 'before-ids', { revoked: true });
    const between = await keyOf('mixed', 'before-live-index');
    const current = await keyOf('mixed', 'current');
    const currentRevoked = await keyOf('mixed', 'current', { revoked: true });

    // Before the backfill the old keys have no id item, no count and no live index entry.
    expect(await idItem(oldLive[0]!.id)).toBeUndefined();
    expect(await liveCount('legacy')).toBe(0);
    expect(await liveIds('legacy')).toEqual([]);

    expect(await backfillIntegrationKeys()).toEqual({ examined: 6, updated: 4 });

    expect(await integrations.hasActiveIntegrations('legacy')).toBe(true);
    expect(await liveCount('legacy')).toBe(2);
    expect(await liveIds('legacy')).toEqual(oldLive.map((k) => k.id).sort());
    expect(await integrations.findIntegration('legacy', oldRevoked.id)).toMatchObject({ revoked: true });
    // The key between versions was counted when it was created: indexed now, not counted again.
    expect(await liveCount('mixed')).toBe(2);
    expect(await liveIds('mixed')).toEqual([between.id, current.id].sort());
    expect(await integrations.findIntegration('mixed', currentRevoked.id)).toMatchObject({ revoked: true });

    const before = await everything();
    expect(await backfillIntegrationKeys()).toEqual({ examined: 6, updated: 0 });
    expect(await everything()).toEqual(before);
    expect(await liveCount('legacy')).toBe(2);
    expect(await liveCount('mixed')).toBe(2);

    // Revoked by id, as the API does it: the count follows, and the service is free once all are.
    for (const key of oldLive) {
      const ref = await integrations.findIntegration('legacy', key.id);
      expect(ref).toMatchObject({ revoked: false });
      await transactWrite(integrations.revokeIntegrationItems(ref!, 'ada', new Date().toISOString()));
    }
    expect(await liveCount('legacy')).toBe(0);
    expect(await integrations.hasActiveIntegrations('legacy')).toBe(false);
    expect(await integrations.admitEvent(oldLive[0]!.routingKey, new Date())).toMatchObject({ admitted: false, reason: 'revoked' });
  });
});

/** A key item exactly as the version before id items wrote it (c17da95): nothing else. */
async function legacyKey(service: string, options: { revoked?: boolean; padding?: number } = {}) {
  await table.raw.send(new PutCommand({ TableName: table.tableName, Item: { ...serviceKey(service), entity: 'service', name: service } }));
  const routingKey = integrations.generateRoutingKey();
  const at = new Date().toISOString();
  const id = `i-${routingKey.slice(0, 10)}`;
  const keyHash = createHash('sha256').update(routingKey).digest('hex');
  await table.raw.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        pk: `INTEGRATION#${keyHash}`,
        sk: 'INTEGRATION',
        entity: 'integration',
        gsi2pk: `INTEGRATIONS#SERVICE#${service}`,
        gsi2sk: `${at}#${id}`,
        id,
        service,
        name: 'old',
        keyHint: routingKey.slice(-4),
        rateLimitPerMinute: 10,
        createdAt: at,
        createdBy: 'ada',
        ...(options.revoked === true ? { revokedAt: at, revokedBy: 'ada' } : {}),
        // Fat items, so that a service's keys take more than one Query page.
        ...(options.padding === undefined ? {} : { padding: 'x'.repeat(options.padding) }),
      },
    }),
  );
  return { id, routingKey };
}

describe('integration keys from before id items, before the backfill has run', () => {
  it('are found by id on a later Query page, revoked, and upgraded so that the next lookup is two GetItems', async () => {
    const keys = [];
    for (let i = 0; i < 14; i++) keys.push(await legacyKey('unmigrated', { padding: 100_000 }));
    const last = keys.at(-1)!;

    table.counter.reset();
    const ref = await integrations.findIntegration('unmigrated', last.id);
    expect(ref).toMatchObject({ id: last.id, service: 'unmigrated', revoked: false });
    expect(table.counter.operations().filter((op) => op === 'Query').length).toBeGreaterThan(1);
    // Upgraded as the backfill does: its id item, counted once, in the live index.
    expect(await idItem(last.id)).toMatchObject({ service: 'unmigrated' });
    expect(await liveCount('unmigrated')).toBe(1);
    expect(await liveIds('unmigrated')).toEqual([last.id]);

    table.counter.reset();
    expect(await integrations.findIntegration('unmigrated', last.id)).toEqual(ref);
    expect(table.counter.operations()).toEqual(['GetItem', 'GetItem']);

    await transactWrite(integrations.revokeIntegrationItems(ref!, 'ada', new Date().toISOString()));
    expect(await liveCount('unmigrated')).toBe(0);
    expect(await integrations.admitEvent(last.routingKey, new Date())).toMatchObject({ admitted: false, reason: 'revoked' });
    expect(await integrations.findIntegration('unmigrated', last.id)).toMatchObject({ revoked: true });
    // The other old keys are still live and hold the service, though none is counted (the first
    // one found is upgraded, so counted).
    expect(await integrations.hasActiveIntegrations('unmigrated')).toBe(true);
    expect(await liveCount('unmigrated')).toBe(1);

    // The backfill later counts only the keys not upgraded yet: every live key is counted once.
    expect(await backfillIntegrationKeys()).toMatchObject({ updated: 12 });
    expect(await liveCount('unmigrated')).toBe(13);
  });

  it('an old revoked key is found as revoked, and an unknown id is still not found', async () => {
    const revoked = await legacyKey('unmigrated-revoked', { revoked: true });
    expect(await integrations.findIntegration('unmigrated-revoked', revoked.id)).toMatchObject({ revoked: true });
    expect(await idItem(revoked.id)).toMatchObject({ service: 'unmigrated-revoked' });
    expect(await liveCount('unmigrated-revoked')).toBeUndefined();
    expect(await integrations.findIntegration('unmigrated-revoked', 'i-nosuchkey')).toBeUndefined();
    // Found in its own service only.
    const other = await legacyKey('unmigrated-other');
    expect(await integrations.findIntegration('unmigrated-revoked', other.id)).toBeUndefined();
  });

  it('hold their service: a live old key on a later page, also beside new keys that were all revoked', async () => {
    for (let i = 0; i < 13; i++) await legacyKey('held', { padding: 100_000, revoked: true });
    await legacyKey('held', { padding: 100_000 });
    // A new key created and revoked: the count item exists, at zero.
    await keyOf('held', 'current', { revoked: true });
    expect(await liveCount('held')).toBe(0);

    table.counter.reset();
    expect(await integrations.hasActiveIntegrations('held')).toBe(true);
    expect(table.counter.operations().filter((op) => op === 'Query').length).toBeGreaterThan(1);
    // The live old key was upgraded (counted): from now on one GetItem answers.
    expect(await liveCount('held')).toBe(1);
    table.counter.reset();
    expect(await integrations.hasActiveIntegrations('held')).toBe(true);
    expect(table.counter.operations()).toEqual(['GetItem']);
  });

  it('a service whose old keys are all revoked is free, searched once and then answered by one GetItem', async () => {
    await legacyKey('released', { revoked: true });
    await legacyKey('released', { revoked: true });
    expect(await integrations.hasActiveIntegrations('released')).toBe(false);
    table.counter.reset();
    expect(await integrations.hasActiveIntegrations('released')).toBe(false);
    expect(table.counter.operations()).toEqual(['GetItem']);
    // A service that never had a key: the same.
    expect(await integrations.hasActiveIntegrations('keyless')).toBe(false);
    table.counter.reset();
    expect(await integrations.hasActiveIntegrations('keyless')).toBe(false);
    expect(table.counter.operations()).toEqual(['GetItem']);
  });
});
