import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

/*
 * Known errors over HTTP against the local stack: problems published through the problems API
 * appear in GET /known-errors (filters, newest first, pages) and in the answers of incident create
 * and update (at most 5, most specific first, each problem once, agents only), and leave both when
 * withdrawn, canceled or closed after their fix; with the round trips counted on the wire.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let carol: Client;

type Problem = Record<string, any> & { id: string; number: string; version: number };

const ifMatch = (record: { version: number }) => ({ 'if-match': `"${record.version}"` });

async function patchProblem(problem: Problem, body: Record<string, unknown>): Promise<Problem> {
  const reply = await alice.patch(`/problems/${problem.id}`, body, ifMatch(problem));
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/** Opens a problem with a workaround and publishes it as a known error. */
async function publish(fields: Record<string, unknown>): Promise<Problem> {
  const opened = await alice.post('/problems', { title: `known error ${JSON.stringify(fields)}`, workaround: 'Restart the client', ...fields });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  const published = await patchProblem(opened.body, { knownError: true });
  expect(published.knownErrorPublishedAt).toBeDefined();
  return published;
}

const numbers = (items: readonly Record<string, any>[]): string[] => items.map((item) => item.number);
/** Newest first, as the API orders known errors: by publication, then by problem id. */
const newestFirst = (problems: Problem[]) => {
  const order = (problem: Problem) => `${problem.knownErrorPublishedAt}#${problem.id}`;
  return numbers([...problems].sort((a, b) => (order(a) < order(b) ? 1 : order(a) > order(b) ? -1 : 0)));
};

async function listAll(query: string, limit: number): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let cursor: string | undefined;
  do {
    const reply = await alice.get(`/known-errors?${query}&limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
  } while (cursor !== undefined);
  return items;
}

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [alice, carol] = await Promise.all([agent(stack), requester(stack)]);
});
afterAll(async () => {
  await stack.stop();
  await counter.stop();
});

describe('GET /known-errors', () => {
  const published = {} as Record<'mailServer' | 'mail' | 'delivery' | 'mailServer2', Problem>;

  beforeAll(async () => {
    published.mailServer = await publish({ service: 'email', configurationItem: 'MX-01', category: 'Mail delivery' });
    published.mail = await publish({ service: 'email' });
    published.delivery = await publish({ category: 'mail delivery' });
    published.mailServer2 = await publish({ service: 'email', configurationItem: 'mx-01 ', category: 'Outages' });
    // Not published: a root cause without a workaround gives agents nothing to do.
    const rootCauseOnly = await alice.post('/problems', { title: 'root cause only', service: 'email', rootCause: 'A bad certificate' });
    expect((await alice.patch(`/problems/${rootCauseOnly.body.id}`, { knownError: true }, ifMatch(rootCauseOnly.body))).status).toBe(200);
    // Not published: a workaround, but not (yet) a known error.
    expect((await alice.post('/problems', { title: 'draft', service: 'email', workaround: 'Wait' })).status).toBe(201);
  });

  it('lists every published known error with a workaround, newest first, as the API description says', async () => {
    const reply = await alice.get('/known-errors');
    expect(reply.status).toBe(200);
    expect(numbers(reply.body.items)).toEqual(newestFirst(Object.values(published)));
    const description = (await stack.anonymous.get('/openapi.json')).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: description.components });
    const validate = ajv.compile({ $ref: 'openapi.json#/components/schemas/KnownError', unevaluatedProperties: false });
    for (const item of reply.body.items) expect(validate(item), JSON.stringify(validate.errors)).toBe(true);
    expect(reply.body.items.find((item: { number: string }) => item.number === published.mailServer.number)).toEqual({
      problemId: published.mailServer.id,
      number: published.mailServer.number,
      title: published.mailServer.title,
      workaround: 'Restart the client',
      service: 'email',
      configurationItem: 'MX-01',
      category: 'Mail delivery',
      publishedAt: published.mailServer.knownErrorPublishedAt,
    });
  });

  it('filters by service, configuration item or category (free text whatever its case and spaces), and by several with AND', async () => {
    const { mailServer, mail, delivery, mailServer2 } = published;
    expect(numbers(await listAll('service=email', 10))).toEqual(newestFirst([mailServer, mail, mailServer2]));
    expect(numbers(await listAll('configurationItem=Mx-01', 10))).toEqual(newestFirst([mailServer, mailServer2]));
    expect(numbers(await listAll('category=MAIL%20DELIVERY', 10))).toEqual(newestFirst([mailServer, delivery]));
    expect(numbers(await listAll('service=email&category=outages', 10))).toEqual(newestFirst([mailServer2]));
    expect(await listAll('service=vpn', 10)).toEqual([]);
  });

  it('pages through a list exactly once, newest first', async () => {
    expect(numbers(await listAll('service=email', 1))).toEqual(numbers(await listAll('service=email', 10)));
    const page = await alice.get('/known-errors?limit=2');
    expect(page.body.items).toHaveLength(2);
    expect(page.body.nextCursor).toBeDefined();
    // A cursor belongs to its filters.
    const other = await alice.get(`/known-errors?service=email&limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expect(other.status).toBe(400);
    expect(other.body.errors[0]).toMatchObject({ location: 'query', path: 'cursor' });
  });

  it('one filter, or none, is one Query', async () => {
    for (const query of ['', 'service=email', 'configurationItem=MX-01', 'category=outages']) {
      await stack.settled();
      counter.reset();
      expect((await alice.get(`/known-errors?${query}`)).status).toBe(200);
      expect(counter.operations(), query).toEqual(['Query']);
    }
  });

  it('is for agents: requesters get 404 (to them problem management does not exist); unknown filters are 400', async () => {
    const reply = await carol.get('/known-errors');
    expect(reply.status).toBe(404);
    expect(reply.body.type).toMatch(/not-found$/);
    const unknown = await alice.get('/known-errors?assignee=bob');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ location: 'query', path: 'assignee' });
  });
});

describe('incident create and update answer the known errors they match', () => {
  const p = {} as Record<'ciOld' | 'ciNew' | 'serviceOld' | 'serviceNew' | 'category' | 'extra' | 'intranet', Problem>;

  beforeAll(async () => {
    // Published oldest first: within each group, the later one comes first.
    p.ciOld = await publish({ configurationItem: 'PAY-DB-1', service: 'payments', category: 'Database' });
    p.ciNew = await publish({ configurationItem: 'pay-db-1' });
    p.serviceOld = await publish({ service: 'payments' });
    p.serviceNew = await publish({ service: 'payments', category: 'database' });
    p.category = await publish({ category: 'Database' });
    p.extra = await publish({ service: 'payments' });
    p.intranet = await publish({ service: 'intranet', category: 'Web' });
  });

  it('create: at most 5, configuration item first, then service, then category, each newest first and listed once', async () => {
    const reply = await alice.post('/incidents', { title: 'Payments failing', service: 'payments', configurationItem: 'Pay-DB-1', category: 'database' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.knownErrors.map((k: Record<string, string>) => [k.number, k.matchedOn])).toEqual([
      [p.ciNew.number, 'configurationItem'],
      [p.ciOld.number, 'configurationItem'],
      [p.extra.number, 'service'],
      [p.serviceNew.number, 'service'],
      [p.serviceOld.number, 'service'],
    ]);
    expect(reply.body.knownErrors[0]).toEqual({
      problemId: p.ciNew.id,
      number: p.ciNew.number,
      title: p.ciNew.title,
      workaround: 'Restart the client',
      configurationItem: 'pay-db-1',
      publishedAt: p.ciNew.knownErrorPublishedAt,
      matchedOn: 'configurationItem',
    });
    // Looked up for the answer, not stored on the incident.
    const read = await alice.get(`/incidents/${reply.body.id}`);
    expect(read.body.knownErrors).toBeUndefined();
    // As the API description says.
    const description = (await stack.anonymous.get('/openapi.json')).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: description.components });
    const schemaRef = description.paths['/incidents'].post.responses['201'].content['application/json'].schema.$ref;
    const validate = ajv.compile({ $ref: `openapi.json${schemaRef}` });
    expect(validate(reply.body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('create: a category alone finds the category matches; nothing matching answers no knownErrors', async () => {
    const byCategory = await alice.post('/incidents', { title: 'Slow queries', category: 'DATABASE' });
    expect(byCategory.body.knownErrors.map((k: Record<string, string>) => k.number)).toEqual(newestFirst([p.ciOld, p.serviceNew, p.category]));
    expect(new Set(byCategory.body.knownErrors.map((k: Record<string, string>) => k.matchedOn))).toEqual(new Set(['category']));
    const nothing = await alice.post('/incidents', { title: 'Printer jam', category: 'Printers' });
    expect(nothing.status).toBe(201);
    expect(nothing.body).not.toHaveProperty('knownErrors');
  });

  it('create by a requester: no knownErrors (workarounds are the service desk notes)', async () => {
    const reply = await carol.post('/incidents', { title: 'Cannot pay', service: 'payments', category: 'Database' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body).not.toHaveProperty('knownErrors');
  });

  it('update: the known errors of the incident as patched, and on a patch that changes nothing', async () => {
    const incident = (await alice.post('/incidents', { title: 'Intranet down', service: 'intranet' })).body;
    expect(numbers(incident.knownErrors)).toEqual([p.intranet.number]);
    const moved = await alice.patch(`/incidents/${incident.id}`, { service: 'payments', category: null }, ifMatch(incident));
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(numbers(moved.body.knownErrors)).toEqual(newestFirst([p.ciOld, p.serviceOld, p.serviceNew, p.extra]));
    const restated = await alice.patch(`/incidents/${incident.id}`, { service: 'payments' }, ifMatch(moved.body));
    expect(restated.body.version).toBe(moved.body.version);
    expect(restated.body.knownErrors).toEqual(moved.body.knownErrors);
    const cleared = await alice.patch(`/incidents/${incident.id}`, { service: null }, ifMatch(moved.body));
    expect(cleared.body).not.toHaveProperty('knownErrors');
  });

  it('round trips: create still 2 (the lookup goes with the number), update still 2 (with the write)', async () => {
    const measure = async (run: () => Promise<{ status: number }>) => {
      await stack.settled();
      counter.reset();
      counter.setLatency(30);
      try {
        expect((await run()).status).toBeLessThan(300);
      } finally {
        counter.setLatency(0);
      }
      return counter.rounds().map((round) => round.sort());
    };
    // No category: an incident with a service and a category is also counted for recurring
    // incidents by a stream consumer, whose requests could land inside the measured call.
    const body = { title: 'Budget', service: 'payments', configurationItem: 'pay-db-1' };
    const create = await measure(() => alice.post('/incidents', body));
    // The SLA policies and one Query per field matched on, beside taking the number.
    expect(create).toEqual([['Query', 'Query', 'Query', 'UpdateItem'], ['TransactWriteItems']]);
    const incident = (await alice.post('/incidents', body)).body;
    expect(incident.knownErrors.length).toBeGreaterThan(0);
    const update = await measure(() => alice.patch(`/incidents/${incident.id}`, { title: 'Budget 2' }, ifMatch(incident)));
    expect(update).toEqual([['Query'], ['Query', 'Query', 'TransactWriteItems']]);
  });
});

describe('a known error leaves the lists and the answers when the problem says so', () => {
  const answerFor = async (configurationItem: string) =>
    numbers((await alice.post('/incidents', { title: 'Again', configurationItem })).body.knownErrors ?? []);

  it('withdrawn (knownError false): gone at once; published again: back, dated anew', async () => {
    const problem = await publish({ configurationItem: 'withdrawn-ci' });
    expect(await answerFor('withdrawn-ci')).toEqual([problem.number]);
    const withdrawn = await patchProblem(problem, { knownError: false });
    expect(await answerFor('withdrawn-ci')).toEqual([]);
    expect(await listAll('configurationItem=withdrawn-ci', 10)).toEqual([]);
    const again = await patchProblem(withdrawn, { knownError: true });
    const [listed] = await listAll('configurationItem=withdrawn-ci', 10);
    expect(listed?.publishedAt).toBe(again.knownErrorPublishedAt);
  });

  it('a new workaround shows at once', async () => {
    const problem = await publish({ configurationItem: 'edited-ci' });
    await patchProblem(problem, { workaround: 'Fail over to the replica' });
    const [listed] = await listAll('configurationItem=edited-ci', 10);
    expect(listed?.workaround).toBe('Fail over to the replica');
  });

  it('canceled: gone', async () => {
    const problem = await publish({ configurationItem: 'canceled-ci' });
    await patchProblem(problem, { status: 'canceled' });
    expect(await answerFor('canceled-ci')).toEqual([]);
  });

  it('resolved with its fix applied: kept while the fix is verified, gone once closed', async () => {
    const problem = await publish({ configurationItem: 'fixed-ci', fix: { text: 'Patched the driver' } });
    const assessed = await patchProblem(problem, { status: 'assess' });
    const resolved = await patchProblem(assessed, { status: 'resolved', resolution: { code: 'fix_applied' } });
    expect(await answerFor('fixed-ci')).toEqual([problem.number]);
    await patchProblem(resolved, { status: 'closed', review: { summary: 'The patch holds' } });
    expect(await answerFor('fixed-ci')).toEqual([]);
  });

  it('resolved as a duplicate: gone; risk accepted: kept after closing', async () => {
    const duplicate = await publish({ configurationItem: 'duplicate-ci' });
    await patchProblem(await patchProblem(duplicate, { status: 'assess' }), { status: 'resolved', resolution: { code: 'duplicate' } });
    expect(await answerFor('duplicate-ci')).toEqual([]);

    const accepted = await publish({ configurationItem: 'accepted-ci' });
    const resolved = await patchProblem(await patchProblem(accepted, { status: 'assess' }), { status: 'resolved', resolution: { code: 'risk_accepted' } });
    await patchProblem(resolved, { status: 'closed', review: { summary: 'We live with it' } });
    expect(await answerFor('accepted-ci')).toEqual([accepted.number]);
  });
});
