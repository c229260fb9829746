import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { freshTable } from '../support/table.ts';

const table = await freshTable();
const integrations = await import('../../functions/ingestion/store/integration-store.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
const { serviceKey } = await import('../../functions/directory/store/keys.ts');
afterAll(() => table.stop());

async function integrationKey(rateLimitPerMinute: number, service = 'svc'): Promise<string> {
  return (await createKey(rateLimitPerMinute, service)).routingKey;
}

async function createKey(rateLimitPerMinute: number, service: string) {
  await table.raw.send(new PutCommand({ TableName: table.tableName, Item: { ...serviceKey(service), entity: 'service', name: service } }));
  const routingKey = integrations.generateRoutingKey();
  const at = new Date().toISOString();
  const integration = {
    id: `i-${routingKey.slice(0, 8)}`,
    service,
    name: 'test',
    keyHint: routingKey.slice(-4),
    rateLimitPerMinute,
    createdAt: at,
    createdBy: 'ada',
  };
  await transactWrite(integrations.createIntegrationItems(routingKey, integration, { at, actor: 'ada', action: 'updated', version: 0, changes: [] }));
  return { routingKey, id: integration.id };
}

describe('live keys of a service', () => {
  it('are listed without reading the revoked ones, and counted', async () => {
    const keys = [];
    for (let i = 0; i < 5; i++) keys.push(await createKey(10, 'lively'));
    for (const key of keys.slice(0, 4)) {
      const ref = await integrations.findIntegration('lively', key.id);
      await transactWrite(integrations.revokeIntegrationItems(ref!, 'ada', new Date().toISOString()));
    }
    expect(await integrations.hasActiveIntegrations('lively')).toBe(true);
    table.counter.reset();
    const live = await integrations.listLiveIntegrations('lively', 10);
    expect(live.items.map((i) => i.id)).toEqual([keys[4]!.id]);
    expect(table.counter.operations()).toEqual(['Query']);
    const last = await integrations.findIntegration('lively', keys[4]!.id);
    await transactWrite(integrations.revokeIntegrationItems(last!, 'ada', new Date().toISOString()));
    expect((await integrations.listLiveIntegrations('lively', 10)).items).toEqual([]);
    expect(await integrations.hasActiveIntegrations('lively')).toBe(false);
  });
});

describe('rate-limit slots', () => {
  it('a slot given back (the event was not recorded) can be spent again within the minute', async () => {
    const key = await integrationKey(1);
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 1_000);
    const first = await integrations.admitEvent(key, now);
    expect(first.admitted).toBe(true);
    expect(await integrations.admitEvent(key, now)).toMatchObject({ admitted: false, reason: 'rate-limited' });
    if (!first.admitted) return;
    await integrations.releaseAdmission(key, first.window);
    expect((await integrations.admitEvent(key, now)).admitted).toBe(true);
  });

  it('gives nothing back to a window that has turned, nor below zero', async () => {
    const key = await integrationKey(1);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const earlier = await integrations.admitEvent(key, new Date(minute - 30_000));
    const later = await integrations.admitEvent(key, new Date(minute + 1_000));
    expect(earlier.admitted && later.admitted).toBe(true);
    if (!earlier.admitted || !later.admitted) return;
    await integrations.releaseAdmission(key, earlier.window);
    expect(await integrations.admitEvent(key, new Date(minute + 2_000))).toMatchObject({ admitted: false, reason: 'rate-limited' });
    await integrations.releaseAdmission(key, later.window);
    await integrations.releaseAdmission(key, later.window);
    expect((await integrations.admitEvent(key, new Date(minute + 3_000))).admitted).toBe(true);
    expect(await integrations.admitEvent(key, new Date(minute + 4_000))).toMatchObject({ admitted: false, reason: 'rate-limited' });
  });
});
