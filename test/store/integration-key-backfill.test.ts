import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const integrations = await import('../../functions/ingestion/store/integration-store.ts');
const { transactWrite } = await import('../../functions/shared/store/db.ts');
const { serviceKey } = await import('../../functions/directory/store/keys.ts');
const { backfillIntegrationKeys } = await import('../../scripts/backfill-integration-keys.ts');
afterAll(() => table.stop());

type Shape = 'current' | 'before-live-index' | 'before-ids';

/** A key as the version of `shape` wrote it: created as now, then stripped of what that version lacked. */
async function keyOf(service: string, shape: Shape, options: { revoked?: boolean } = {}) {
  await table.raw.send(new PutCommand({ TableName: table.tableName, Item: { ...serviceKey(service), entity: 'service', name: service } }));
  const routingKey = integrations.generateRoutingKey();
  const at = new Date().toISOString();
  const integration = { id: `i-${routingKey.slice(0, 10)}`, service, name: shape, keyHint: routingKey.slice(-4), rateLimitPerMinute: 10, createdAt: at, createdBy: 'ada' };
  const items = integrations.createIntegrationItems(routingKey, integration, { at, actor: 'ada', action: 'updated', version: 0, changes: [] });
  await transactWrite(items);
  if (options.revoked === true) {
    const ref = await integrations.findIntegration(service, integration.id);
    await transactWrite(integrations.revokeIntegrationItems(ref!, 'ada', at));
  }
  const keyItem = { pk: items[0]!.Put!.Item!.pk, sk: 'INTEGRATION' };
  if (shape !== 'current') {
    await table.raw.send(new UpdateCommand({ TableName: table.tableName, Key: keyItem, UpdateExpression: 'REMOVE gsi3pk, gsi3sk' }));
  }
  if (shape === 'before-ids') {
    const idItem = items[1]!.Put!.Item!;
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
  (await table.raw.send(new GetCommand({ TableName: table.tableName, Key: { pk: `INTEGRATIONS#SERVICE#${service}`, sk: 'LIVE' }, ConsistentRead: true })))
    .Item?.liveKeys;
const everything = async () =>
  ((await table.raw.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }))).Items ?? []).sort((a, b) =>
    `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`),
  );
const liveIds = async (service: string) => (await integrations.listLiveIntegrations(service, 50)).items.map((i) => i.id).sort();

describe('backfilling integration keys created before id items, live counts and the live index', () => {
  it('makes old keys revocable and holding their service, counts each live key once, and a second run writes nothing', async () => {
    const oldLive = [await keyOf('legacy', 'before-ids'), await keyOf('legacy', 'before-ids')];
    const oldRevoked = await keyOf('legacy', 'before-ids', { revoked: true });
    const between = await keyOf('mixed', 'before-live-index');
    const current = await keyOf('mixed', 'current');
    const currentRevoked = await keyOf('mixed', 'current', { revoked: true });

    // The regression: an old key is not found by id (404) and its service looks free to delete.
    expect(await integrations.findIntegration('legacy', oldLive[0]!.id)).toBeUndefined();
    expect(await integrations.hasActiveIntegrations('legacy')).toBe(false);
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
