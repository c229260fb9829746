import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

/*
 * GET /changes over HTTP: several values per filter (one Query per value, merged by number, a
 * change affecting two of the services asked for listed once), pages without gaps or duplicates,
 * the planned-window list with several values, errors naming the parameter, and items exactly as
 * the API description says.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
const created: Record<string, any>[] = [];

const HOUR = 3_600_000;
const BASE = Date.parse('2033-03-01T00:00:00.000Z');
const at = (ms: number) => new Date(BASE + ms).toISOString();

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  alice = await agent(stack);
  const specs = [
    { type: 'normal', services: ['vpn'], assignmentGroup: 'network' },
    { type: 'emergency', services: ['email'], assignmentGroup: 'database' },
    { type: 'normal', services: ['vpn', 'email'], assignmentGroup: 'network' },
    { type: 'normal', services: ['payments'] },
    { type: 'emergency', services: ['email', 'payments', 'vpn'], assignmentGroup: 'database' },
  ];
  for (let i = 0; i < 20; i++) {
    const reply = await alice.post('/changes', {
      title: `list ${i}`,
      plannedStart: at(i * HOUR),
      plannedEnd: at(i * HOUR + 2 * HOUR),
      implementationPlan: 'Do it',
      backoutPlan: 'Undo it',
      ...specs[i % specs.length],
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    created.push(reply.body);
  }
  for (const change of created.filter((_, i) => i % 3 === 0)) {
    const canceled = await alice.post(`/changes/${change.id}/cancel`, { reason: 'Not needed' }, { 'if-match': `"${change.version}"` });
    expect(canceled.status).toBe(200);
    Object.assign(change, canceled.body);
  }
});
afterAll(async () => {
  await stack.stop();
  await counter.stop();
});

async function listAll(query: string, limit: number): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let cursor: string | undefined;
  do {
    const reply = await alice.get(`/changes?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
  } while (cursor !== undefined);
  return items;
}

const newestFirst = (items: Record<string, any>[]) => [...items].sort((a, b) => (a.number < b.number ? 1 : -1)).map((c) => c.number);
const byStart = (items: Record<string, any>[]) => [...items].sort((a, b) => (a.plannedStart < b.plannedStart ? -1 : 1)).map((c) => c.number);
const any = (field: string, values: string[]) => (c: Record<string, any>) =>
  field === 'service' ? c.services.some((s: string) => values.includes(s)) : values.includes(c[field]);

describe('GET /changes with several values per filter', () => {
  const cases: [string, (c: Record<string, any>) => boolean][] = [
    ['status=draft,canceled', any('status', ['draft', 'canceled'])],
    ['status=canceled&status=draft', any('status', ['draft', 'canceled'])],
    ['type=normal,emergency', any('type', ['normal', 'emergency'])],
    ['service=vpn,email', any('service', ['vpn', 'email'])],
    ['service=vpn,email,payments&status=canceled', (c) => any('service', ['vpn', 'email', 'payments'])(c) && c.status === 'canceled'],
    ['assignmentGroup=network,database&type=emergency', (c) => any('assignmentGroup', ['network', 'database'])(c) && c.type === 'emergency'],
    ['assignmentGroup=network&service=email,payments', (c) => c.assignmentGroup === 'network' && any('service', ['email', 'payments'])(c)],
    ['status=draft&type=normal,emergency', (c) => c.status === 'draft'],
  ];
  for (const [query, matches] of cases) {
    it(`${query}: every match once, newest first, across pages, by Query only (and a queue head's GetItem)`, async () => {
      // The stream consumers (the outbox publisher) read the table too: let them finish first.
      await stack.settled();
      counter.reset();
      const expected = newestFirst(created.filter(matches));
      expect(expected.length).toBeGreaterThan(0);
      for (const limit of [1, 3, 7])
        expect(
          (await listAll(query, limit)).map((c) => c.number),
          `limit ${limit}`,
        ).toEqual(expected);
      expect(counter.operations().filter((operation) => operation !== 'Query' && operation !== 'GetItem')).toEqual([]);
    });
  }

  it('in a planned window, several values narrow it, by planned start', async () => {
    const from = at(4 * HOUR);
    const to = at(15 * HOUR);
    const inWindow = (c: Record<string, any>) => c.plannedEnd > from && c.plannedStart < to;
    const items = await listAll(`plannedFrom=${from}&plannedTo=${to}&status=draft,canceled&service=vpn,payments`, 2);
    expect(items.map((c) => c.number)).toEqual(byStart(created.filter((c) => inWindow(c) && any('service', ['vpn', 'payments'])(c))));
  });

  it('answers a page of several values in one round trip', async () => {
    await stack.settled();
    counter.reset();
    counter.setLatency(30);
    try {
      expect((await alice.get('/changes?status=draft,canceled&limit=5')).status).toBe(200);
    } finally {
      counter.setLatency(0);
    }
    expect(counter.rounds().map((round) => round.sort())).toEqual([['Query', 'Query']]);
  });

  it('refuses unknown values, empty values and too many, naming the parameter', async () => {
    for (const [query, parameter] of [
      ['status=draft,bogus', 'status'],
      ['type=', 'type'],
      ['service=vpn,,email', 'service'],
      [`assignmentGroup=${Array.from({ length: 11 }, (_, i) => `g${i}`).join(',')}`, 'assignmentGroup'],
    ]) {
      const reply = await alice.get(`/changes?${query}`);
      expect(reply.status, query).toBe(400);
      expect(
        reply.body.errors.map((e: { location: string; path: string }) => [e.location, e.path]),
        query,
      ).toEqual([['query', parameter]]);
    }
  });

  it('list items are exactly what the page schema of the API description names', async () => {
    const description = (await stack.anonymous.get('/openapi.json')).body;
    const pageSchema = description.paths['/changes'].get.responses['200'].content['application/json'].schema;
    const itemRef: string = description.components.schemas[pageSchema.$ref.split('/').pop()].properties.items.items.$ref;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: description.components });
    const validate = ajv.compile({ $ref: `openapi.json${itemRef}`, unevaluatedProperties: false });
    const items = await listAll('service=vpn,email', 100);
    for (const item of items) {
      expect(validate(item), JSON.stringify(validate.errors)).toBe(true);
      // A list item is the change as GET /changes/{id} shows it (from a service copy or not).
      expect(item).toEqual((await alice.get(`/changes/${item.id}`)).body);
    }
  });
});
