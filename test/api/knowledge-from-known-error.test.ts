import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

/*
 * POST /known-errors/{id}/article over HTTP against the local stack (issue 16, slice C): a problem
 * published as a known error (through the problems API, as test/api/known-errors.test.ts does)
 * becomes a draft article in one call, with its sections and links; once per known error (409
 * article-exists naming the article); 404 for requesters and for a problem that is no published
 * known error; Idempotency-Key replays.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let carol: Client;

type Problem = Record<string, any> & { id: string; number: string; version: number };

const ifMatch = (record: { version: number }) => ({ 'if-match': `"${record.version}"` });

async function knownError(fields: Record<string, unknown> = {}, publish = true): Promise<Problem> {
  const opened = await alice.post('/problems', {
    title: 'Mail stuck in the outbox',
    description: 'Messages stay in the Outbox after Send.',
    workaround: 'Restart the mail client.',
    service: 'email',
    category: 'Mail delivery',
    assignmentGroup: 'service-desk',
    ...fields,
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  if (!publish) return opened.body;
  const published = await alice.patch(`/problems/${opened.body.id}`, { knownError: true, rootCause: 'An expired relay certificate.' }, ifMatch(opened.body));
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  return published.body;
}

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [alice, carol] = await Promise.all([agent(stack), requester(stack)]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await counter?.stop();
});

describe('POST /known-errors/{id}/article', () => {
  it('makes a draft article with Symptoms, Cause and Workaround, linked to the known error; a second call is 409 article-exists', async () => {
    const problem = await knownError();
    const made = await alice.post(`/known-errors/${problem.id}/article`, undefined);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const article = made.body;
    expect(made.headers.get('location')).toBe(`/articles/${article.id}`);
    expect(article).toMatchObject({
      number: expect.stringMatching(/^KB\d{7}$/),
      status: 'draft',
      title: 'Mail stuck in the outbox',
      category: 'Mail delivery',
      services: ['email'],
      configurationItems: [],
      audience: 'internal',
      ownerGroup: 'service-desk',
      links: { problems: [problem.id], knownErrors: [problem.id], incidents: [] },
    });
    expect(article.body).toBe(
      [
        '## Symptoms\n\nMessages stay in the Outbox after Send.\n',
        '## Cause\n\nAn expired relay certificate.\n',
        '## Workaround\n\nRestart the mail client.\n',
        `_From known error ${problem.number}._\n`,
      ].join('\n'),
    );
    expect(article.bodyHtml).toContain('<h2>Workaround</h2>');

    const read = await alice.get(`/articles/${article.id}`);
    expect(read.status).toBe(200);
    expect(read.body.links).toEqual(article.links);

    // By number too: the same known error.
    const again = await alice.post(`/known-errors/${problem.number}/article`, undefined);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/article-exists$/);
    expect(again.body.article).toEqual({ id: article.id, number: article.number });
    expect(again.body.detail).toContain(article.number);
  });

  it('once its article is retired, the known error makes a new article (the retirement releases the guard)', async () => {
    const problem = await knownError({ title: 'Printer queue stalls' });
    const first = await alice.post(`/known-errors/${problem.id}/article`, undefined);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((await alice.post(`/known-errors/${problem.id}/article`, undefined)).status).toBe(409);
    const retired = await alice.post(`/articles/${first.body.id}/retire`, undefined, ifMatch(first.body));
    expect(retired.status, JSON.stringify(retired.body)).toBe(200);
    const second = await alice.post(`/known-errors/${problem.id}/article`, undefined);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.knownError).toEqual({ id: problem.id, number: problem.number });
    // The guard now names the new article: a further call is 409 naming it.
    const again = await alice.post(`/known-errors/${problem.id}/article`, undefined);
    expect(again.status).toBe(409);
    expect(again.body.article).toEqual({ id: second.body.id, number: second.body.number });
  });

  it('owner group: the body names it when the problem has no assignment group (400 without)', async () => {
    const problem = await knownError({ assignmentGroup: undefined, title: 'No group' });
    const refused = await alice.post(`/known-errors/${problem.id}/article`, undefined);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ location: 'body', path: 'ownerGroup' });
    const made = await alice.post(`/known-errors/${problem.id}/article`, { ownerGroup: 'network' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.ownerGroup).toBe('network');
  });

  it('Idempotency-Key replays the first answer', async () => {
    const problem = await knownError({ title: 'Replayed' });
    const headers = { 'idempotency-key': `ke-${problem.id}` };
    const first = await alice.post(`/known-errors/${problem.id}/article`, {}, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const replay = await alice.post(`/known-errors/${problem.id}/article`, {}, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
  });

  it('404: requesters; a problem that is not a published known error; no such problem', async () => {
    const problem = await knownError({ title: 'For requesters' });
    expect((await carol.post(`/known-errors/${problem.id}/article`, undefined)).status).toBe(404);
    const unpublished = await knownError({ title: 'Not yet known' }, false);
    expect((await alice.post(`/known-errors/${unpublished.id}/article`, undefined)).status).toBe(404);
    expect((await alice.post('/known-errors/PRB9999999/article', undefined)).status).toBe(404);
    expect((await alice.post('/known-errors/01JF3Q8Z7W5R6T9V2K4M000000/article', undefined)).status).toBe(404);
  });
});
