import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let alice: Client;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
});
afterAll(() => stack.stop());

async function openProblem(body: Record<string, unknown>) {
  const reply = await alice.post('/problems', { title: 'Something keeps breaking', ...body });
  expect(reply.status).toBe(201);
  return reply.body as { id: string; version: number };
}

async function patch(problem: { id: string; version: number }, body: Record<string, unknown>) {
  const reply = await alice.patch(`/problems/${problem.id}`, body, { 'if-match': `"${problem.version}"` });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as { id: string; version: number };
}

/** A candidate from three incidents on the service and category, once the stream has counted them. */
async function candidateOf(service: string, category: string): Promise<string> {
  for (let i = 0; i < 3; i++) expect((await alice.post('/incidents', { title: 'It broke again', service, category })).status).toBe(201);
  await stack.settled();
  const list = await alice.get('/problem-candidates?status=open');
  const found = list.body.items.find((c: { key: { category?: string } }) => c.key.category === category);
  expect(found).toBeDefined();
  return found.id;
}

describe('GET /reports/problems', () => {
  it('is all zeros on a fresh table', async () => {
    const reply = await alice.get('/reports/problems');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      openProblems: { total: 0, byService: [] },
      problems: 0,
      knownErrorsPublished: 0,
      rootCauses: { documented: 0, meanTimeToRootCause: null },
      linkedIncidents: { total: 0, meanPerProblem: null },
      candidates: { found: 0, open: 0, accepted: 0, dismissed: 0 },
    });
  });

  it('adds up a known sequence of problem and candidate writes', async () => {
    // A: payments, investigated to a root cause and published as a known error.
    let a = await openProblem({ service: 'payments' });
    a = await patch(a, { status: 'assess' });
    a = await patch(a, { status: 'root_cause_analysis', rootCause: 'A connection pool too small', workaround: 'Restart the pool' });
    a = await patch(a, { knownError: true });
    a = await patch(a, { title: 'Payments time out under load' }); // moves no counter
    // B: vpn, canceled. C: no service, new.
    const b = await openProblem({ service: 'vpn' });
    await patch(b, { status: 'canceled' });
    await openProblem({});
    // D: opened by accepting a candidate, with its three incidents linked; another candidate dismissed.
    const accepted = await alice.post(`/problem-candidates/${await candidateOf('intranet', 'report-accepted')}/accept`, {});
    expect(accepted.status).toBe(201);
    const dismissed = await alice.post(`/problem-candidates/${await candidateOf('email', 'report-dismissed')}/dismiss`, {
      reason: 'Known planned maintenance',
    });
    expect(dismissed.status).toBe(200);

    const reply = await alice.get('/reports/problems');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      openProblems: {
        total: 3,
        byStatus: { new: 2, assess: 0, root_cause_analysis: 1, fix_in_progress: 0 },
        byService: [
          { service: '-', open: 1 },
          { service: 'intranet', open: 1 },
          { service: 'payments', open: 1 },
        ],
      },
      problemsByStatus: { new: 2, assess: 0, root_cause_analysis: 1, fix_in_progress: 0, resolved: 0, closed: 0, canceled: 1 },
      problems: 4,
      knownErrorsPublished: 1,
      rootCauses: { documented: 1 },
      linkedIncidents: { total: 3, meanPerProblem: 0.75 },
      candidates: { found: 2, open: 0, accepted: 1, dismissed: 1 },
    });
    expect(reply.body.rootCauses.meanTimeToRootCause).toMatch(/^PT\d+S$/);

    // Withdrawing the known error and moving the problem on move the counters back and along.
    a = await patch(a, { knownError: false, status: 'fix_in_progress' });
    const after = (await alice.get('/reports/problems')).body;
    expect(after.knownErrorsPublished).toBe(0);
    expect(after.openProblems.byStatus).toEqual({ new: 2, assess: 0, root_cause_analysis: 0, fix_in_progress: 1 });
    expect(after.rootCauses.documented).toBe(1);
  });

  it('counts known errors as GET /known-errors lists them: without a workaround or once canceled, none', async () => {
    const listed = async (): Promise<string[]> => {
      const reply = await alice.get('/known-errors?limit=100');
      expect(reply.status).toBe(200);
      return reply.body.items.map((item: { problemId: string }) => item.problemId);
    };
    const figure = async (): Promise<number> => (await alice.get('/reports/problems')).body.knownErrorsPublished;
    const before = await figure();
    expect(await listed()).toHaveLength(before);

    // Flagged with a root cause but no workaround: not listed, so not counted.
    const bare = await patch(await openProblem({ service: 'payments', rootCause: 'A certificate expired' }), { knownError: true });
    expect(await listed()).not.toContain(bare.id);
    expect(await figure()).toBe(before);

    // Published with a workaround: listed and counted; canceled: gone from both.
    const published = await patch(await openProblem({ service: 'payments', workaround: 'Renew it by hand' }), { knownError: true });
    expect(await listed()).toContain(published.id);
    expect(await figure()).toBe(before + 1);
    await patch(published, { status: 'canceled' });
    expect(await listed()).not.toContain(published.id);
    expect(await figure()).toBe(before);
    expect(await listed()).toHaveLength(await figure());
  });

  it('is for agents and admins only: to requesters it does not exist', async () => {
    expect((await (await requester(stack)).get('/reports/problems')).status).toBe(404);
  });
});
