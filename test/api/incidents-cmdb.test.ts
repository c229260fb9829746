import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ciKey } from '../../functions/cmdb/store/keys.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, type Reply, requester, startTestStack, type TestStack } from '../support/api.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Incidents and problems name configuration items by CMDB id (issue 14), over HTTP against the
 * local stack: the ids are checked to exist, an incident shows the services its configuration
 * items impact (downstream, depth 3, plus its own service) as of the write that set them, the
 * free text is refused on writes, and a monitoring event whose configuration item is a CI's ARN
 * opens an incident naming that CI. Round trips are counted on the wire.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let ada: Client;
let carol: Client;
let events: EventBridgeClient;

const ifMatch = (record: { version: number }) => ({ 'if-match': `"${record.version}"` });
const UNKNOWN_CI = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

const measure = (run: () => Promise<{ status: number; body?: unknown }>) => roundTripsOf(stack, counter, run);

async function createCi(body: Record<string, unknown>): Promise<string> {
  const reply = await ada.post('/cis', { attributes: {}, ...body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.id;
}

async function relate(from: string, type: string, to: string): Promise<void> {
  const reply = await alice.post(`/cis/${from}/relationships`, { type, target: to });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
}

/** The graph: the payments service depends on a checkout function, which uses the orders table; the email service uses the table directly. */
const graph = {} as { table: string; fn: string; lonely: string; arn: string };

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [alice, ada, carol] = await Promise.all([agent(stack), admin(stack), requester(stack)]);
  events = new EventBridgeClient({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  graph.arn = `arn:aws:dynamodb:us-east-1:111122223333:table/orders-${randomUUID().slice(0, 8)}`;
  graph.table = await createCi({ class: 'dynamodb_table', name: 'orders', externalId: graph.arn });
  graph.fn = await createCi({ class: 'lambda_function', name: 'checkout' });
  graph.lonely = await createCi({ class: 'host', name: 'build-agent-1' });
  await relate(graph.fn, 'depends_on', graph.table);
  await relate('payments', 'depends_on', graph.fn);
  await relate(graph.table, 'used_by', 'email');
});
afterAll(async () => {
  events.destroy();
  await stack.stop();
  await counter.stop();
});

describe('an incident names configuration items and shows the services impacted', () => {
  it('an incident on a table shows the services that use it (through a function too) and its own service, stored: GET is one round trip', async () => {
    const created = await alice.post('/incidents', { title: 'Orders table throttled', service: 'vpn', configurationItems: [graph.table] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ configurationItems: [graph.table], impactedServices: ['email', 'payments', 'vpn'] });
    expect(created.body).not.toHaveProperty('configurationItem');

    const read = await alice.get(`/incidents/${created.body.id}`);
    expect(read.body).toMatchObject({ configurationItems: [graph.table], impactedServices: ['email', 'payments', 'vpn'] });
    expect(await measure(() => alice.get(`/incidents/${created.body.id}`))).toEqual([['Query']]);

    const history = await alice.get(`/incidents/${created.body.id}/history`);
    expect(history.body.items[0].changes).toEqual(
      expect.arrayContaining([
        { field: 'configurationItems', from: null, to: [graph.table] },
        { field: 'impactedServices', from: null, to: ['email', 'payments', 'vpn'] },
      ]),
    );
  });

  it('a CI nothing depends on impacts only the incident’s own service; without a service, none', async () => {
    const withService = await alice.post('/incidents', { title: 'Build agent down', service: 'intranet', configurationItems: [graph.lonely] });
    expect(withService.body.impactedServices).toEqual(['intranet']);
    const alone = await alice.post('/incidents', { title: 'Build agent down', configurationItems: [graph.lonely] });
    expect(alone.body.impactedServices).toEqual([]);
    const none = await alice.post('/incidents', { title: 'No CI', service: 'intranet' });
    expect(none.body).not.toHaveProperty('configurationItems');
    expect(none.body).not.toHaveProperty('impactedServices');
  });

  it('a PATCH that sets, changes the service of, and clears configuration items moves the impacted services', async () => {
    const opened = (await alice.post('/incidents', { title: 'Slow checkout', service: 'intranet' })).body;
    const named = await alice.patch(`/incidents/${opened.id}`, { configurationItems: [graph.fn] }, ifMatch(opened));
    expect(named.status, JSON.stringify(named.body)).toBe(200);
    expect(named.body.impactedServices).toEqual(['intranet', 'payments']);
    const moved = await alice.patch(`/incidents/${opened.id}`, { service: 'vpn' }, ifMatch(named.body));
    expect(moved.body.impactedServices).toEqual(['payments', 'vpn']);
    const cleared = await alice.patch(`/incidents/${opened.id}`, { configurationItems: null }, ifMatch(moved.body));
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty('configurationItems');
    expect(cleared.body).not.toHaveProperty('impactedServices');
  });

  it('unknown CI ids: 400 naming the index of each, nothing written', async () => {
    const before = await alice.get('/incidents?limit=100');
    const reply = await alice.post('/incidents', { title: 'x', configurationItems: [graph.table, UNKNOWN_CI, 'no-such-service'] });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(['configurationItems.1', 'configurationItems.2']);
    expect(reply.body.errors[0].message).toMatch(UNKNOWN_CI);
    const after = await alice.get('/incidents?limit=100');
    expect(after.body.items.length).toBe(before.body.items.length);

    const opened = (await alice.post('/incidents', { title: 'Patch me' })).body;
    const patched = await alice.patch(`/incidents/${opened.id}`, { configurationItems: [UNKNOWN_CI] }, ifMatch(opened));
    expect(patched.status).toBe(400);
    expect(patched.body.errors[0].path).toBe('configurationItems.0');
    expect((await alice.get(`/incidents/${opened.id}`)).body.version).toBe(opened.version);
  });

  it('a repeated id is 400 at its index', async () => {
    const reply = await alice.post('/incidents', { title: 'x', configurationItems: [graph.table, graph.table] });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].path).toBe('configurationItems.1');
  });

  it('free text is refused on writes, pointing to configurationItems; null clears it', async () => {
    const created = await alice.post('/incidents', { title: 'x', configurationItem: 'db-01' });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual([expect.objectContaining({ path: 'configurationItem', message: expect.stringMatching(/configurationItems/) })]);
    const opened = (await alice.post('/incidents', { title: 'Old text' })).body;
    const patched = await alice.patch(`/incidents/${opened.id}`, { configurationItem: 'db-01' }, ifMatch(opened));
    expect(patched.status).toBe(400);
    expect(patched.body.errors[0]).toMatchObject({ path: 'configurationItem', message: expect.stringMatching(/configurationItems/) });
    const cleared = await alice.patch(`/incidents/${opened.id}`, { configurationItem: null, title: 'Old text cleared' }, ifMatch(opened));
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
  });

  it('requesters neither name configuration items nor see them (the CMDB is the service desk’s)', async () => {
    const reply = await carol.post('/incidents', { title: 'x', configurationItems: [graph.table] });
    expect(reply.status).toBe(403);
    expect(reply.body.errors[0].path).toBe('configurationItems');

    const raised = (await carol.post('/incidents', { title: 'Cannot order' })).body;
    const named = await alice.patch(`/incidents/${raised.id}`, { configurationItems: [graph.table] }, ifMatch(raised));
    expect(named.body.impactedServices).toEqual(['email', 'payments']);
    const seen = await carol.get(`/incidents/${raised.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).not.toHaveProperty('configurationItems');
    expect(seen.body).not.toHaveProperty('impactedServices');
    const listed = (await carol.get('/incidents?limit=100')).body.items.find((item: { id: string }) => item.id === raised.id);
    expect(listed).not.toHaveProperty('configurationItems');
    const history = (await carol.get(`/incidents/${raised.id}/history`)).body.items;
    expect(history.flatMap((record: { changes: { field: string }[] }) => record.changes.map((change) => change.field))).not.toContain('configurationItems');
    expect((await alice.get(`/incidents/${raised.id}/history`)).body.items.length).toBe(history.length + 1);
  });

  it('round trips: the check is one BatchGet beside the number, the impact its Query rounds; a PATCH that keeps them adds nothing', async () => {
    /**
     * The rounds up to the write, split into the reads before it (sorted) and the write's round.
     * The stream consumers start once the write commits: what they send after it is left out.
     */
    const split = (rounds: string[][]) => {
      const write = rounds.findIndex((round) => round.includes('TransactWriteItems'));
      expect(write).toBeGreaterThan(0);
      return { readRounds: write, reads: rounds.slice(0, write).flat().sort(), write: rounds[write] ?? [] };
    };
    // The checkout function: the check, the SLA policies, the known errors of the CI, the number
    // and level 1 of the impact (the 3 Queries of the function's followed types) first; level 2 (the 3
    // of payments); one BatchGet of the services reached; then the write. The impact runs beside the
    // other reads of the first round, so a level may start while one of them is still in flight
    // and count in its round: at most 3 rounds of reads.
    const create = split(await measure(() => alice.post('/incidents', { title: 'Counted', configurationItems: [graph.fn] })));
    expect(create.reads).toEqual(['BatchGetItem', 'BatchGetItem', ...Array.from({ length: 8 }, () => 'Query'), 'UpdateItem']);
    expect(create.readRounds).toBeLessThanOrEqual(3);
    expect(create.write).toContain('TransactWriteItems');

    const incident = (await alice.post('/incidents', { title: 'Counted', configurationItems: [graph.fn] })).body;
    // A PATCH that leaves them alone: as for any incident, the read, then the known errors beside the write.
    const update = split(await measure(() => alice.patch(`/incidents/${incident.id}`, { title: 'Counted again' }, ifMatch(incident))));
    expect(update.reads).toEqual(['Query']);
    expect(update.write).toEqual(expect.arrayContaining(['Query', 'TransactWriteItems']));

    // New ones: checked and their impact searched beside the read (the table: 3 levels, 3 + 6 + 3
    // Queries), the services reached, then the known errors beside the write.
    const moved = split(
      await measure(() => alice.patch(`/incidents/${incident.id}`, { configurationItems: [graph.table] }, ifMatch({ version: incident.version + 1 }))),
    );
    expect(moved.reads).toEqual(['BatchGetItem', 'BatchGetItem', ...Array.from({ length: 13 }, () => 'Query')]);
    expect(moved.readRounds).toBeLessThanOrEqual(4);
    expect(moved.write).toEqual(expect.arrayContaining(['Query', 'TransactWriteItems']));
  });
});

describe('a problem names configuration items', () => {
  it('checked to exist, with the services impacted; PATCH replaces them', async () => {
    const unknown = await alice.post('/problems', { title: 'Throttling', configurationItems: [UNKNOWN_CI] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('configurationItems.0');
    const free = await alice.post('/problems', { title: 'Throttling', configurationItem: 'orders' });
    expect(free.status).toBe(400);
    expect(free.body.errors[0]).toMatchObject({ path: 'configurationItem', message: expect.stringMatching(/configurationItems/) });

    const created = await alice.post('/problems', { title: 'Orders table throttling', configurationItems: [graph.table, graph.lonely] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ configurationItems: [graph.table, graph.lonely], impactedServices: ['email', 'payments'] });
    const read = await alice.get(`/problems/${created.body.id}`);
    expect(read.body.configurationItems).toEqual([graph.table, graph.lonely]);

    const patched = await alice.patch(`/problems/${created.body.id}`, { configurationItems: [graph.lonely] }, ifMatch(created.body));
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ configurationItems: [graph.lonely], impactedServices: [] });
  });

  it('its known error is answered to incidents on the same CI, and listed under ?ci=', async () => {
    const opened = await alice.post('/problems', { title: 'Function cold starts', configurationItems: [graph.fn], workaround: 'Provisioned concurrency' });
    const published = await alice.patch(`/problems/${opened.body.id}`, { knownError: true }, ifMatch(opened.body));
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    const incident = await alice.post('/incidents', { title: 'Checkout slow', configurationItems: [graph.fn] });
    expect(incident.body.knownErrors).toEqual([
      expect.objectContaining({ number: opened.body.number, configurationItems: [graph.fn], matchedOn: 'configurationItems' }),
    ]);
    const listed = await alice.get(`/known-errors?ci=${graph.fn}`);
    expect(listed.body.items.map((item: { number: string }) => item.number)).toEqual([opened.body.number]);
    expect((await alice.get(`/known-errors?ci=${graph.table}`)).body.items).toEqual([]);
  });
});

describe('a CI deleted between the check and the write', () => {
  /**
   * Runs `write` with every request of the functions held 800 ms on the wire, and deletes the CI
   * straight in DynamoDB Local (past the counter, not held) as soon as the write's transaction
   * reaches the wire: the handler read the CI (its reads answered before it sends the transaction),
   * and the transaction commits after the CI is gone. Without a check in the transaction, the
   * record would be written naming a CI that no longer exists.
   */
  async function deletedBeforeCommit(ciId: string, write: () => Promise<Reply>): Promise<Reply> {
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: inject('dynamoDbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
    await stack.settled();
    counter.reset();
    counter.setLatency(800);
    try {
      let settled = false;
      const reply = write().finally(() => {
        settled = true;
      });
      while (!settled && !counter.operations().includes('TransactWriteItems')) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(settled, 'the write answered before sending its transaction').toBe(false);
      await documents.send(new DeleteCommand({ TableName: stack.tableName, Key: ciKey(ciId), ConditionExpression: 'attribute_exists(pk)' }));
      return await reply;
    } finally {
      counter.setLatency(0);
      documents.destroy();
    }
  }

  it('an incident created naming it: the same 400 at its index, nothing written', async () => {
    const doomed = await createCi({ class: 'host', name: 'doomed-host-1' });
    const before = await alice.get('/incidents?limit=100');
    const reply = await deletedBeforeCommit(doomed, () => alice.post('/incidents', { title: 'Host gone', configurationItems: [graph.lonely, doomed] }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'configurationItems.1', message: expect.stringMatching(doomed) })]);
    expect((await alice.get('/incidents?limit=100')).body.items.length).toBe(before.body.items.length);
  });

  it('an incident PATCH adding it: the same 400 at its index, the incident unchanged', async () => {
    const doomed = await createCi({ class: 'host', name: 'doomed-host-2' });
    const opened = (await alice.post('/incidents', { title: 'Patch me', configurationItems: [graph.lonely] })).body;
    const reply = await deletedBeforeCommit(doomed, () =>
      alice.patch(`/incidents/${opened.id}`, { configurationItems: [graph.lonely, doomed] }, ifMatch(opened)),
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'configurationItems.1' })]);
    expect((await alice.get(`/incidents/${opened.id}`)).body).toMatchObject({ version: opened.version, configurationItems: [graph.lonely] });
  });

  it('a problem created or patched naming it: the same 400 at its index', async () => {
    const doomed = await createCi({ class: 'host', name: 'doomed-host-3' });
    const created = await deletedBeforeCommit(doomed, () => alice.post('/problems', { title: 'Host gone', configurationItems: [doomed] }));
    expect(created.status, JSON.stringify(created.body)).toBe(400);
    expect(created.body.errors).toEqual([expect.objectContaining({ path: 'configurationItems.0' })]);

    const another = await createCi({ class: 'host', name: 'doomed-host-4' });
    const opened = (await alice.post('/problems', { title: 'Patch me' })).body;
    const patched = await deletedBeforeCommit(another, () =>
      alice.patch(`/problems/${opened.id}`, { configurationItems: [graph.lonely, another] }, ifMatch(opened)),
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(400);
    expect(patched.body.errors).toEqual([expect.objectContaining({ path: 'configurationItems.1' })]);
    expect((await alice.get(`/problems/${opened.id}`)).body.version).toBe(opened.version);
  });

  it('a CI the record named already is not checked again: deleted meanwhile, it blocks no other edit', async () => {
    const doomed = await createCi({ class: 'host', name: 'doomed-host-5' });
    const opened = (await alice.post('/incidents', { title: 'Keeps its CI', configurationItems: [doomed] })).body;
    const reply = await deletedBeforeCommit(doomed, () => alice.patch(`/incidents/${opened.id}`, { title: 'Renamed' }, ifMatch(opened)));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  });

  it('its own service named as a CI too is checked once (a transaction touches an item once)', async () => {
    const created = await alice.post('/incidents', { title: 'VPN down', service: 'vpn', configurationItems: ['vpn', graph.lonely] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const problem = await alice.post('/problems', { title: 'VPN flaps', service: 'vpn', configurationItems: ['vpn'] });
    expect(problem.status, JSON.stringify(problem.body)).toBe(201);
  });
});

describe('monitoring events name configuration items', () => {
  const trigger = async (dedupKey: string, configurationItem: string) => {
    const reply = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'itsm-ingestion',
            Source: 'com.example.monitoring',
            DetailType: 'Incident Trigger',
            Detail: JSON.stringify({ service: 'payments', dedupKey, title: 'Throttled writes', severity: 'error', configurationItem }),
          },
        ],
      }),
    );
    expect(reply.FailedEntryCount).toBe(0);
    await stack.settled();
    const page = await alice.get('/incidents?limit=100');
    const found = page.body.items.find((item: { dedupKey?: string }) => item.dedupKey === dedupKey);
    expect(found, dedupKey).toBeDefined();
    return (await alice.get(`/incidents/${found.id}`)).body;
  };

  it("an alert whose configuration item is a CI's ARN opens an incident naming that CI, with the services impacted", async () => {
    const incident = await trigger(`cmdb-${randomUUID()}`, graph.arn);
    expect(incident).toMatchObject({ configurationItems: [graph.table], impactedServices: ['email', 'payments'] });
    expect(incident).not.toHaveProperty('configurationItem');
  });

  it('a CI id names it too; text that names no CI is kept as free text', async () => {
    const byId = await trigger(`cmdb-${randomUUID()}`, graph.fn);
    expect(byId).toMatchObject({ configurationItems: [graph.fn], impactedServices: ['payments'] });
    const text = await trigger(`cmdb-${randomUUID()}`, 'db-2');
    expect(text.configurationItem).toBe('db-2');
    expect(text).not.toHaveProperty('configurationItems');
    const unknownArn = await trigger(`cmdb-${randomUUID()}`, 'arn:aws:dynamodb:us-east-1:111122223333:table/nobody');
    expect(unknownArn.configurationItem).toBe('arn:aws:dynamodb:us-east-1:111122223333:table/nobody');
  });
});
