import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Incident, openIncident } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import { freshTable } from '../support/table.ts';

const table = await freshTable();
const records = await import('../../functions/directory/store/records.ts');
const { groupUsage, serviceUsage, userUsage } = await import('../../functions/directory/store/usage.ts');
const incidents = await import('../../functions/incidents/store/incident-store.ts');
const integrations = await import('../../functions/ingestion/store/integration-store.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
afterAll(() => table.stop());

const at = new Date().toISOString();
const meta = { createdAt: at, updatedAt: at, version: 1 };

let sequence = 0;
async function incident(fields: Partial<Incident>): Promise<Incident> {
  const opened = openIncident(
    { title: 'usage' },
    { id: incidents.newId(), sequence: ++sequence, actor: { userId: 'ada' }, now: new Date(), matrix: DEFAULT_PRIORITY_MATRIX },
  );
  const stored = { ...opened, ...fields };
  await transactWrite([incidents.incidentCreate(stored)]);
  return stored;
}

beforeAll(async () => {
  await transactWrite([
    ...records.createRecordItems(records.USERS, 'ada', { id: 'ada', displayName: 'Ada', active: true, ...meta }, 'ada', []),
    ...records.createRecordItems(records.USERS, 'leaver', { id: 'leaver', displayName: 'Leaver', active: true, ...meta }, 'ada', []),
    ...records.createRecordItems(records.GROUPS, 'quiet', { name: 'quiet', members: [], ...meta }, 'ada', []),
    ...records.createRecordItems(records.GROUPS, 'busy', { name: 'busy', members: [], ...meta }, 'ada', []),
    ...records.createRecordItems(records.SERVICES, 'crm', { name: 'crm', ownerGroup: 'busy', criticality: 'low', ...meta }, 'ada', []),
  ]);
});

describe('what names a directory record (usage.ts)', () => {
  it("reads only the record's own index partitions: open work elsewhere costs nothing, closed work of its own is filtered out", async () => {
    await Promise.all(Array.from({ length: 25 }, () => incident({ assignmentGroup: 'busy' })));
    const closed = await incident({ assignmentGroup: 'quiet', status: 'closed' });
    const open = await incident({ assignmentGroup: 'quiet', status: 'on_hold' });

    table.counter.reset();
    const found = await groupUsage('quiet');
    expect(found).toEqual({ references: [{ kind: 'incident', id: open.id, number: open.number, field: 'assignmentGroup' }], truncated: false });
    expect(found.references.map((r) => r.id)).not.toContain(closed.id);
    // Services by owner, templates, the group's incidents, changes and problems, the CIs it owns, its
    // fulfilment tasks, the knowledge articles it owns (gsi6 ARTICLE#GROUP#); the change configuration. And two reads that are not the group's own, by design
    // (usage.ts): the catalog's one partition (a catalog item names groups inside lists, which no index
    // answers) and the three partitions of requests before fulfilment (their copied plans).
    expect(table.counter.operations().sort()).toEqual(['GetItem', ...Array.from({ length: 12 }, () => 'Query')]);

    const busy = await groupUsage('busy');
    expect(busy.references).toHaveLength(20);
    expect(busy.truncated).toBe(true);
  });

  it('finds the CMDB CIs a group owns (gsi3 CIS#OWNER#<group>), retired ones too, as the CMDB stores them', async () => {
    const { ciItem } = await import('../../functions/cmdb/store/ci-store.ts');
    const ci = (id: string, fields: Record<string, unknown>) => ({
      id,
      class: 'generic',
      name: id,
      status: 'active',
      attributes: {},
      source: 'manual',
      createdAt: at,
      updatedAt: at,
      version: 1,
      ...fields,
    });
    const owned = ci('01JF3Q8Z7W5R6T9V2K4M000001', { ownerGroup: 'ci-owner', status: 'retired' });
    const other = ci('01JF3Q8Z7W5R6T9V2K4M000002', { ownerGroup: 'someone-else' });
    for (const item of [owned, other]) await table.raw.send(new PutCommand({ TableName: table.tableName, Item: ciItem(item as Parameters<typeof ciItem>[0]) }));
    expect(await groupUsage('ci-owner')).toEqual({ references: [{ kind: 'ci', id: owned.id, field: 'ownerGroup' }], truncated: false });
  });

  it("finds a user's open incidents as assignee and as caller through their own partitions", async () => {
    const both = await incident({ assignee: 'leaver', caller: 'leaver' });
    await incident({ caller: 'leaver', status: 'canceled' });
    const found = await userUsage('leaver');
    expect(found.references.map((r) => `${r.number}:${r.field}`).sort()).toEqual([`${both.number}:assignee`, `${both.number}:caller`]);
  });

  it('lists live integration keys only, from the live index, however many were revoked', async () => {
    const history = { at, actor: 'ada', action: 'updated' as const, version: 0, changes: [] };
    const keys = Array.from({ length: 105 }, (_, i) => ({
      id: `key-${String(i).padStart(3, '0')}`,
      service: 'crm',
      name: `key ${i}`,
      keyHint: 'abcd',
      rateLimitPerMinute: 60,
      createdAt: new Date(Date.now() + i).toISOString(),
      createdBy: 'ada',
    }));
    for (const key of keys) await transactWrite(integrations.createIntegrationItems(`secret-${key.id}`, key, history));
    for (const key of keys.slice(0, 104)) {
      const ref = await integrations.findIntegration('crm', key.id);
      await transactWrite(integrations.revokeIntegrationItems(ref!, 'ada', at));
    }

    table.counter.reset();
    const found = await serviceUsage('crm', new Date().toISOString());
    expect(found.references.filter((r) => r.kind === 'integration-key')).toEqual([{ kind: 'integration-key', id: 'key-104', field: 'service' }]);
    // The live count (GetItem) and one page of the live index, beside the other kinds' reads (the
    // problem configuration is the other GetItem).
    const integrationReads = table.counter.operations().filter((op) => op === 'GetItem' || op === 'Query');
    expect(integrationReads.filter((op) => op === 'GetItem')).toHaveLength(2);
    // 10: with the two of the service's CMDB relationships (its CI partition and gsi1) and the knowledge
    // articles naming it (gsi7 ARTICLE#SERVICE#).
    expect(integrationReads.filter((op) => op === 'Query')).toHaveLength(10);

    await transactWrite(integrations.revokeIntegrationItems((await integrations.findIntegration('crm', 'key-104'))!, 'ada', at));
    table.counter.reset();
    expect((await serviceUsage('crm', new Date().toISOString())).references.filter((r) => r.kind === 'integration-key')).toEqual([]);
    // No live key: the count answers alone, no key is listed.
    expect(table.counter.operations().filter((op) => op === 'Query')).toHaveLength(9);
    // 105 keys written then read: seconds alone, far more beside a write-heavy file on the shared DynamoDB Local.
  }, 120_000);

  it("builds a user's cascade from the groups as stored now, not from the groups index, which may lag", async () => {
    await transactWrite(records.createRecordItems(records.GROUPS, 'team', { name: 'team', members: ['leaver'], ...meta }, 'ada', []));
    await transactWrite(records.replaceRecordItems(records.GROUPS, 'team', { name: 'team', members: ['leaver', 'ada'], ...meta, version: 2 }, 1, 'ada', []));
    await transactWrite(records.createRecordItems(records.GROUPS, 'left', { name: 'left', members: [], ...meta }, 'ada', []));
    // What a lagging index shows: 'team' at version 1, 'left' still with the user in it.
    const stale = (name: string, members: string[]) =>
      table.raw.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { pk: `STALE#${name}`, sk: 'GROUP', entity: 'group', gsi1pk: 'GROUPS', gsi1sk: name, name, members, ...meta },
        }),
      );
    await stale('team', ['leaver']);
    await stale('left', ['leaver']);

    const found = await userUsage('leaver');
    expect(found.memberOf.map((group) => ({ name: group.name, version: group.version, members: group.members }))).toEqual([
      { name: 'team', version: 2, members: ['leaver', 'ada'] },
    ]);
  });
});
