import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { ifMatch, ok, publishArticle } from '../support/knowledge.ts';

/*
 * A list shows each record as its get-one does (issue 17): lists read only the attributes their
 * items show (a ProjectionExpression per list), so a field the projection forgot would vanish from
 * lists alone. For records of every work area, in states that fill their optional fields, the item
 * a list answers must be the record GET answers, field for field and in the same order, but for
 * what the API documents lists leave out (an incident's alert, an article's body) and the SLA
 * counters that move between the two reads.
 */

let stack: TestStack;
let alice: Client;
let bob: Client;
let ada: Client;
let carol: Client;

beforeAll(async () => {
  stack = await startTestStack();
  [alice, bob, ada, carol] = await Promise.all([agent(stack), agent(stack, 'bob'), admin(stack), requester(stack)]);
});
afterAll(async () => {
  await stack.stop();
});

/** The record's item in the list at `path` (paged through to its end). */
async function listed(client: Client, path: string, id: string, idField = 'id'): Promise<Record<string, unknown>> {
  let cursor: string | undefined;
  do {
    const page = await ok(
      client.get(`${path}${path.includes('?') ? '&' : '?'}limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`),
    );
    const item = (page.items as Record<string, unknown>[]).find((candidate) => candidate[idField] === id);
    if (item !== undefined) return item;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  throw new Error(`${id} is not in ${path}`);
}

/** SLA views are computed at each read: elapsed time and its percentage move between two reads. */
function settledSla(record: Record<string, unknown>): Record<string, unknown> {
  const sla = record.sla as Record<string, Record<string, unknown>> | undefined;
  if (sla === undefined) return record;
  return {
    ...record,
    sla: Object.fromEntries(Object.entries(sla).map(([clock, view]) => [clock, { ...view, elapsed: 'moves', percentage: 'moves', pausedFor: 'moves' }])),
  };
}

/** The list item is the record as GET shows it, less `leftOut`, in the same order. */
function expectSameRecord(item: Record<string, unknown>, got: Record<string, unknown>, leftOut: readonly string[] = []): void {
  const expected = Object.fromEntries(Object.entries(got).filter(([field]) => !leftOut.includes(field)));
  expect(settledSla(item)).toEqual(settledSla(expected));
  expect(Object.keys(item)).toEqual(Object.keys(expected));
}

describe('list items are the records GET answers', () => {
  it('incidents: new, resolved, linked to a problem, with a CI; an agent and the requester who raised it', async () => {
    const ci = await ok(ada.post('/cis', { class: 'network', name: 'list-items-gw', environment: 'prod' }), 201);
    const problem = await ok(alice.post('/problems', { title: 'Gateway drops', service: 'vpn' }), 201);
    const fresh = await ok(carol.post('/incidents', { title: 'VPN slow', description: 'Since this morning', urgency: 2 }), 201);
    const worked = await ok(
      alice.post('/incidents', {
        title: 'VPN down',
        description: 'Nobody connects',
        impact: 1,
        urgency: 1,
        service: 'vpn',
        category: 'Network',
        assignmentGroup: 'network',
        assignee: 'nina',
        caller: 'carol',
        configurationItems: [ci.id],
      }),
      201,
    );
    await ok(alice.post(`/problems/${problem.id}/incidents`, { incident: worked.id }), 201);
    const current = await ok(alice.get(`/incidents/${worked.id}`));
    const started = await ok(alice.patch(`/incidents/${worked.id}`, { status: 'in_progress' }, ifMatch(current)));
    await ok(
      alice.patch(`/incidents/${worked.id}`, { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Restarted' }, ifMatch(started)),
    );

    for (const [incident, status] of [
      [fresh, 'new'],
      [worked, 'resolved'],
    ] as const) {
      const got = await ok(alice.get(`/incidents/${incident.id}`));
      expectSameRecord(await listed(alice, `/incidents?status=${status}`, incident.id), got, ['alert']);
      expectSameRecord(await listed(alice, '/incidents', incident.id), got, ['alert']);
      const seenByCarol = await ok(carol.get(`/incidents/${incident.id}`));
      expectSameRecord(await listed(carol, '/incidents', incident.id), seenByCarol, ['alert']);
    }
  });

  it('changes: a draft with every plan, services and a CI', async () => {
    const ci = await ok(ada.post('/cis', { class: 'database', name: 'list-items-db' }), 201);
    const change = await ok(
      alice.post('/changes', {
        title: 'Rotate certificates',
        description: 'Yearly',
        type: 'normal',
        services: ['email', 'vpn'],
        configurationItems: [ci.id],
        assignmentGroup: 'database',
        implementationPlan: 'Roll out',
        backoutPlan: 'Roll back',
        testPlan: 'Send a mail',
        plannedStart: '2033-05-01T10:00:00.000Z',
        plannedEnd: '2033-05-01T11:00:00.000Z',
      }),
      201,
    );
    const got = await ok(alice.get(`/changes/${change.id}`));
    expectSameRecord(await listed(alice, '/changes?status=draft', change.id), got);
    expectSameRecord(await listed(alice, '/changes?plannedFrom=2033-05-01T00:00:00.000Z&plannedTo=2033-05-02T00:00:00.000Z', change.id), got);
  });

  it('problems: a known error with a workaround and a linked incident', async () => {
    const problem = await ok(
      alice.post('/problems', { title: 'Mail queue stalls', description: 'Twice a week', service: 'email', category: 'Mail', workaround: 'Flush the queue' }),
      201,
    );
    const incident = await ok(alice.post('/incidents', { title: 'Mail late', service: 'email' }), 201);
    await ok(alice.post(`/problems/${problem.id}/incidents`, { incident: incident.id }), 201);
    const linked = await ok(alice.get(`/problems/${problem.id}`));
    await ok(alice.patch(`/problems/${problem.id}`, { knownError: true, assignee: 'bob' }, ifMatch(linked)));
    const got = await ok(alice.get(`/problems/${problem.id}`));
    expectSameRecord(await listed(alice, '/problems?status=new', problem.id), got);
    expectSameRecord(await listed(alice, '/problems', problem.id), got);
  });

  it('requests and their tasks, once the fulfilment opened them', async () => {
    const ordered = await ok(carol.post('/requests', { item: 'password-reset', answers: { account: 'carol', system: 'VPN' } }), 201);
    let request: Record<string, any> = ordered;
    for (let i = 0; i < 200 && request.tasks?.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      request = await ok(carol.get(`/requests/${ordered.id}`));
    }
    await stack.settled();
    const got = await ok(alice.get(`/requests/${ordered.id}`));
    expect(got.tasks.length).toBeGreaterThan(0);
    expectSameRecord(await listed(alice, '/requests', ordered.id), got);
    expectSameRecord(await listed(carol, '/requests', ordered.id), await ok(carol.get(`/requests/${ordered.id}`)));

    const taskId = got.tasks[0].id as string;
    const task = await ok(alice.get(`/tasks/${taskId}`));
    expectSameRecord(await listed(alice, `/tasks?assignmentGroup=${task.assignmentGroup}&status=${task.status}`, taskId), task);
    expectSameRecord(await listed(alice, `/tasks?request=${ordered.id}`, taskId), task);
  });

  it('articles: a draft and a published public one, without their bodies; an agent and a requester', async () => {
    const ci = await ok(ada.post('/cis', { class: 'application', name: 'list-items-app' }), 201);
    const fields = {
      title: 'Reset your VPN token',
      body: '# Steps\n\nOpen the portal.',
      category: 'Network',
      services: ['vpn'],
      configurationItems: [ci.id],
      audience: 'public',
      keywords: ['vpn', 'token'],
      ownerGroup: 'service-desk',
      links: { problems: ['PRB0000001'] },
    };
    const draft = await ok(alice.post('/articles', fields), 201);
    const published = await publishArticle(alice, bob, { ...fields, title: 'Reset your VPN token (published)' });
    // GET /articles/{id} counts a view of a published article: read it before the list, then compare the list with a read after it.
    for (const [article, status] of [
      [draft, 'draft'],
      [published, 'published'],
    ] as const) {
      const item = await listed(alice, `/articles?status=${status}`, article.id);
      const got = await ok(alice.get(`/articles/${article.id}`));
      expectSameRecord(item, got, ['body', 'bodyHtml', 'reviewDue']);
    }
    const seenByCarol = await ok(carol.get(`/articles/${published.id}`));
    expectSameRecord(await listed(carol, '/articles', published.id), seenByCarol, ['body', 'bodyHtml']);
  });

  it('CIs: with attributes, an owner group, an environment and an external id', async () => {
    const ci = await ok(
      ada.post('/cis', {
        class: 'lambda_function',
        name: 'list-items-fn',
        description: 'Sends the invoices',
        ownerGroup: 'database',
        environment: 'prod',
        attributes: { runtime: 'nodejs22.x', memorySize: 256 },
        externalId: 'arn:aws:lambda:eu-west-1:123456789012:function:list-items-fn',
      }),
      201,
    );
    const got = await ok(alice.get(`/cis/${ci.id}`));
    expectSameRecord(await listed(alice, '/cis?class=lambda_function', ci.id), got);
    expectSameRecord(await listed(alice, '/cis?environment=prod', ci.id), got);
  });
});
