import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { INCIDENT_COUNTS } from '../../functions/incidents/counts.ts';
import { countedKeys } from '../../functions/shared/domain/queue-counts.ts';
import { type LocalStack, startLocalStack } from '../../local/runtime.ts';
import type { MigrationRun } from '../../scripts/migrations.ts';
import { client } from '../support/api.ts';

/*
 * Upgrading a data folder is starting this version on it: the runtime runs the data migrations an
 * existing table has not had, before it serves, and records them, so the next start runs none.
 * The table here is written by this version, then taken back to what the previous version wrote:
 * incidents with the number as their filter-index sort key, integration keys with no id item, no
 * live count and no live-index entry, users with no e-mail index item, no queue counts (counters
 * and markers), and no migration marker.
 */
const dynamoDbEndpoint = inject('dynamoDbEndpoint');
const tableName = `migrate-${randomUUID()}`;
const dataDir = mkdtempSync(join(tmpdir(), 'itsm-migrate-'));
const raw = DynamoDBDocumentClient.from(
  new DynamoDBClient({ endpoint: dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
);
let stack: LocalStack | undefined;
let awsPort = 0;

afterAll(async () => {
  await stack?.stop();
  raw.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<{ stack: LocalStack; runs: MigrationRun[] }> {
  const runs: MigrationRun[] = [];
  stack = await startLocalStack({
    dynamoDbEndpoint,
    tableName,
    dataDir,
    httpPort: 0,
    awsPort,
    seed: true,
    printPublished: false,
    onMigrated: (run) => runs.push(run),
  });
  // The same ports again on a restart, as `npm start` would use: handler modules keep their SDK clients.
  awsPort = Number(new URL(stack.awsEndpoint).port);
  return { stack, runs };
}

async function stop(): Promise<void> {
  await stack?.stop();
  stack = undefined;
}

const update = (pk: string, sk: string, expression: string, values?: Record<string, unknown>) =>
  raw.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { pk, sk },
      UpdateExpression: expression,
      ...(values === undefined ? {} : { ExpressionAttributeValues: values }),
    }),
  );

describe('starting on a data folder an earlier version wrote', () => {
  it("migrates incidents, integration keys and users' e-mail addresses before serving, once", { timeout: 120_000 }, async () => {
    const first = await start();
    // A table created by this version has nothing to upgrade.
    expect(first.runs).toEqual([]);
    const ada = client(first.stack.url, await first.stack.token('ada', ['admin']));
    const alice = client(first.stack.url, await first.stack.token('alice', ['agent']));
    const openedFrom = new Date(Date.now() - 1000).toISOString();
    const older = (await alice.post('/incidents', { title: 'Old one', service: 'email', assignmentGroup: 'service-desk' })).body;
    const newer = (await alice.post('/incidents', { title: 'New one', service: 'email', assignmentGroup: 'service-desk' })).body;
    expect((await ada.post('/services', { name: 'keyed', ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    const keys = [];
    for (const name of ['live', 'revoked']) keys.push((await ada.post('/services/keyed/integrations', { name })).body as { id: string; routingKey: string });
    const [live, revoked] = keys as [{ id: string; routingKey: string }, { id: string; routingKey: string }];
    expect((await ada.delete(`/services/keyed/integrations/${revoked.id}`)).status).toBe(204);
    expect((await ada.put('/users/legacy-lou', { displayName: 'Lou', email: 'Lou.Legacy@Example.com' })).status).toBe(201);
    await stop();

    // Back to the previous version's shapes.
    const incident = (await raw.send(new GetCommand({ TableName: tableName, Key: { pk: `INCIDENT#${older.id}`, sk: 'INCIDENT' } }))).Item!;
    const sortKeys = Object.keys(incident).filter((name) => /^gsi[2-7]sk$/.test(name));
    expect(sortKeys.length).toBeGreaterThan(0);
    await update(incident.pk, incident.sk, `SET ${sortKeys.map((name) => `${name} = :number`).join(', ')}`, { ':number': older.number });
    for (const key of keys) {
      const byId = (await raw.send(new GetCommand({ TableName: tableName, Key: { pk: `INTEGRATION#ID#${key.id}`, sk: 'INTEGRATION' } }))).Item!;
      await update(`INTEGRATION#${byId.keyHash}`, 'INTEGRATION', 'REMOVE gsi3pk, gsi3sk');
      await raw.send(new DeleteCommand({ TableName: tableName, Key: { pk: byId.pk, sk: byId.sk } }));
    }
    await raw.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'INTEGRATIONS#SERVICE#keyed', sk: 'LIVE' } }));
    for (const email of ['lou.legacy@example.com', 'carol@example.com']) {
      await raw.send(new DeleteCommand({ TableName: tableName, Key: { pk: `USEREMAIL#${email}`, sk: 'USEREMAIL' } }));
    }
    for (const id of [older.id, newer.id]) {
      const item = (await raw.send(new GetCommand({ TableName: tableName, Key: { pk: `INCIDENT#${id}`, sk: 'INCIDENT' } }))).Item!;
      for (const key of countedKeys(INCIDENT_COUNTS, item))
        await raw.send(new DeleteCommand({ TableName: tableName, Key: { pk: `COUNT#${key}`, sk: 'COUNT' } }));
      await raw.send(new DeleteCommand({ TableName: tableName, Key: { pk: `COUNTED#INCIDENT#${id}`, sk: 'COUNTED' } }));
    }
    await raw.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'MIGRATIONS', sk: 'APPLIED' } }));

    const second = await start();
    expect(second.runs.map((run) => run.name)).toEqual(['incident-opened-sort-keys', 'integration-key-ids', 'user-email-index', 'queue-counts']);
    expect(second.runs[0]!.summary).toMatch(/^\d+ incidents examined, 1 updated$/);
    expect(second.runs[1]!.summary).toBe('2 integration keys examined, 2 updated');
    expect(second.runs[2]!.summary).toMatch(/^\d+ users examined, 2 e-mail addresses indexed, 0 held by another user$/);
    expect(second.runs[3]!.summary).toMatch(/^incidents: 2 examined, 2 counted; changes: 0 examined, 0 counted; /);
    const admin = client(second.stack.url, await second.stack.token('ada', ['admin']));
    const agent = client(second.stack.url, await second.stack.token('alice', ['agent']));

    // Counted again: what GET /incidents?count=true answers is what the list holds.
    await second.stack.settled();
    expect((await agent.get('/incidents?count=true&assignmentGroup=service-desk&status=new')).body.total).toBe(2);
    expect((await agent.get('/incidents?count=true')).body.total).toBe(2);
    // The older incident sorts below the newer one again, and is inside an opening-time range.
    const listed = await agent.get(`/incidents?service=email&openedAfter=${encodeURIComponent(openedFrom)}`);
    expect(listed.body.items.map((i: { number: string }) => i.number)).toEqual([newer.number, older.number]);
    // The old live key holds its service, and is revocable by id; then the service can go.
    const refused = await admin.delete('/services/keyed', { 'if-match': (await admin.get('/services/keyed')).headers.get('etag')! });
    expect(refused.status).toBe(409);
    expect(refused.body.references).toEqual([{ kind: 'integration-key', id: live.id, field: 'service' }]);
    expect((await admin.delete(`/services/keyed/integrations/${live.id}`)).status).toBe(204);
    expect((await admin.delete('/services/keyed', { 'if-match': (await admin.get('/services/keyed')).headers.get('etag')! })).status).toBe(204);
    // The users' addresses are theirs again: another user cannot take them, in any case.
    for (const email of ['LOU.legacy@example.com', 'Carol@example.com']) {
      const taken = await admin.put(`/users/legacy-${email.length}`, { displayName: 'Taker', email });
      expect(taken.status).toBe(409);
      expect(taken.body.type).toMatch(/email-in-use$/);
    }
    const { findUserByEmail } = await import('../../functions/directory/store/users.ts');
    expect((await findUserByEmail('lou.legacy@example.com'))?.id).toBe('legacy-lou');
    await stop();

    const third = await start();
    expect(third.runs).toEqual([]);
    const marker = (await raw.send(new GetCommand({ TableName: tableName, Key: { pk: 'MIGRATIONS', sk: 'APPLIED' }, ConsistentRead: true }))).Item!;
    expect([...(marker.applied as Set<string>)].sort()).toEqual(['incident-opened-sort-keys', 'integration-key-ids', 'queue-counts', 'user-email-index']);
  });
});
