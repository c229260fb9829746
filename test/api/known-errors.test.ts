import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Known errors over HTTP against the local stack: problems published through the problems API
 * appear in GET /known-errors (filters, newest first, pages) and in the answers of incident create
 * and update (at most 5, most specific first, each problem once, agents only), and leave both when
 * withdrawn, canceled or closed after their fix; with the round trips counted on the wire.
 * Problems and incidents name configuration items by CMDB id (issue 14); the free text of old
 * records, matched whatever its case, is covered by test/store/known-error-store.test.ts.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let carol: Client;
let ada: Client;

type Problem = Record<string, any> & { id: string; number: string; version: number };

const ifMatch = (record: { version: number }) => ({ 'if-match': `"${record.version}"` });

/** A configuration item of the CMDB (an admin's write): its id. */
async function ci(name: string): Promise<string> {
  const created = await ada.post('/cis', { class: 'host', name, attributes: {} });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

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
  [alice, carol, ada] = await Promise.all([agent(stack), requester(stack), admin(stack)]);
});
afterAll(async () => {
  await stack.stop();
  await counter.stop();
});

describe('GET /known-errors', () => {
  const published = {} as Record<'mailServer' | 'mail' | 'delivery' | 'mailServer2', Problem>;
  let mx01: string;

  beforeAll(async () => {
    mx01 = await ci('MX-01');
    published.mailServer = await publish({ service: 'email', configurationItems: [mx01], category: 'Mail delivery' });
    published.mail = await publish({ service: 'email' });
    published.delivery = await publish({ category: 'mail delivery' });
    published.mailServer2 = await publish({ service: 'email', configurationItems: [mx01], category: 'Outages' });
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
      configurationItems: [mx01],
      category: 'Mail delivery',
      publishedAt: published.mailServer.knownErrorPublishedAt,
    });
  });

  it('filters by service, configuration item (by id) or category (free text whatever its case and spaces), and by several with AND', async () => {
    const { mailServer, mail, delivery, mailServer2 } = published;
    expect(numbers(await listAll('service=email', 10))).toEqual(newestFirst([mailServer, mail, mailServer2]));
    expect(numbers(await listAll(`ci=${mx01}`, 10))).toEqual(newestFirst([mailServer, mailServer2]));
    expect(numbers(await listAll(`ci=${mx01}&category=outages`, 10))).toEqual(newestFirst([mailServer2]));
    // The free text of old problems is another key: a CI's name or id does not find them there.
    expect(await listAll('configurationItem=MX-01', 10)).toEqual([]);
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
    for (const query of ['', 'service=email', `ci=${mx01}`, 'configurationItem=MX-01', 'category=outages']) {
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
  let payDb: string;

  beforeAll(async () => {
    payDb = await ci('PAY-DB-1');
    // Published oldest first: within each group, the later one comes first.
    p.ciOld = await publish({ configurationItems: [payDb], service: 'payments', category: 'Database' });
    p.ciNew = await publish({ configurationItems: [payDb] });
    p.serviceOld = await publish({ service: 'payments' });
    p.serviceNew = await publish({ service: 'payments', category: 'database' });
    p.category = await publish({ category: 'Database' });
    p.extra = await publish({ service: 'payments' });
    p.intranet = await publish({ service: 'intranet', category: 'Web' });
  });

  it('create: at most 5, configuration item first, then service, then category, each newest first and listed once', async () => {
    const reply = await alice.post('/incidents', { title: 'Payments failing', service: 'payments', configurationItems: [payDb], category: 'database' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.knownErrors.map((k: Record<string, string>) => [k.number, k.matchedOn])).toEqual([
      [p.ciNew.number, 'configurationItems'],
      [p.ciOld.number, 'configurationItems'],
      [p.extra.number, 'service'],
      [p.serviceNew.number, 'service'],
      [p.serviceOld.number, 'service'],
    ]);
    expect(reply.body.knownErrors[0]).toEqual({
      problemId: p.ciNew.id,
      number: p.ciNew.number,
      title: p.ciNew.title,
      workaround: 'Restart the client',
      configurationItems: [payDb],
      publishedAt: p.ciNew.knownErrorPublishedAt,
      matchedOn: 'configurationItems',
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
    const measure = (run: () => Promise<{ status: number; body?: unknown }>) => roundTripsOf(stack, counter, run);
    // No category: an incident with a service and a category is also counted for recurring
    // incidents by a stream consumer, whose requests could land inside the measured call. No
    // configuration items: their impact adds its rounds (test/api/incidents-cmdb.test.ts).
    const body = { title: 'Budget', service: 'payments' };
    const create = await measure(() => alice.post('/incidents', body));
    // The SLA policies and one Query per field matched on, beside taking the number.
    expect(create).toEqual([['Query', 'Query', 'UpdateItem'], ['TransactWriteItems']]);
    const incident = (await alice.post('/incidents', body)).body;
    expect(incident.knownErrors.length).toBeGreaterThan(0);
    const update = await measure(() => alice.patch(`/incidents/${incident.id}`, { title: 'Budget 2' }, ifMatch(incident)));
    expect(update).toEqual([['Query'], ['Query', 'TransactWriteItems']]);
  });
});

describe('a known error leaves the lists and the answers when the problem says so', () => {
  const answerFor = async (id: string) => numbers((await alice.post('/incidents', { title: 'Again', configurationItems: [id] })).body.knownErrors ?? []);

  it('withdrawn (knownError false): gone at once; published again: back, dated anew', async () => {
    const withdrawnCi = await ci('withdrawn-ci');
    const problem = await publish({ configurationItems: [withdrawnCi] });
    expect(await answerFor(withdrawnCi)).toEqual([problem.number]);
    const withdrawn = await patchProblem(problem, { knownError: false });
    expect(await answerFor(withdrawnCi)).toEqual([]);
    expect(await listAll(`ci=${withdrawnCi}`, 10)).toEqual([]);
    const again = await patchProblem(withdrawn, { knownError: true });
    const [listed] = await listAll(`ci=${withdrawnCi}`, 10);
    expect(listed?.publishedAt).toBe(again.knownErrorPublishedAt);
  });

  it('a new workaround shows at once', async () => {
    const editedCi = await ci('edited-ci');
    const problem = await publish({ configurationItems: [editedCi] });
    await patchProblem(problem, { workaround: 'Fail over to the replica' });
    const [listed] = await listAll(`ci=${editedCi}`, 10);
    expect(listed?.workaround).toBe('Fail over to the replica');
  });

  it('canceled: gone', async () => {
    const canceledCi = await ci('canceled-ci');
    const problem = await publish({ configurationItems: [canceledCi] });
    await patchProblem(problem, { status: 'canceled' });
    expect(await answerFor(canceledCi)).toEqual([]);
  });

  it('resolved with its fix applied: kept while the fix is verified, gone once closed', async () => {
    const fixedCi = await ci('fixed-ci');
    const problem = await publish({ configurationItems: [fixedCi], fix: { text: 'Patched the driver' } });
    const assessed = await patchProblem(problem, { status: 'assess' });
    const resolved = await patchProblem(assessed, { status: 'resolved', resolution: { code: 'fix_applied' } });
    expect(await answerFor(fixedCi)).toEqual([problem.number]);
    await patchProblem(resolved, { status: 'closed', review: { summary: 'The patch holds' } });
    expect(await answerFor(fixedCi)).toEqual([]);
  });

  it('resolved as a duplicate: gone; risk accepted: kept after closing', async () => {
    const duplicateCi = await ci('duplicate-ci');
    const acceptedCi = await ci('accepted-ci');
    const duplicate = await publish({ configurationItems: [duplicateCi] });
    await patchProblem(await patchProblem(duplicate, { status: 'assess' }), { status: 'resolved', resolution: { code: 'duplicate' } });
    expect(await answerFor(duplicateCi)).toEqual([]);

    const accepted = await publish({ configurationItems: [acceptedCi] });
    const resolved = await patchProblem(await patchProblem(accepted, { status: 'assess' }), { status: 'resolved', resolution: { code: 'risk_accepted' } });
    await patchProblem(resolved, { status: 'closed', review: { summary: 'We live with it' } });
    expect(await answerFor(acceptedCi)).toEqual([accepted.number]);
  });
});
