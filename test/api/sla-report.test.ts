import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggregateDelta } from '../../functions/sla/store/report-store.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let alice: Client;

const DAY_MS = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const paths = (reply: { body: { errors?: { path: string }[] } }) => (reply.body.errors ?? []).map((e) => e.path);

/** Counters as incident changes write them: through aggregateUpdates, in a transaction. */
async function record(deltas: AggregateDelta[]) {
  const { aggregateUpdates } = await import('../../functions/sla/store/report-store.ts');
  const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
  await transactWrite(aggregateUpdates(deltas));
}

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
  await record([
    {
      day: daysAgo(0),
      dimensions: { priority: 'P2', assignmentGroup: 'database', service: 'payments' },
      counters: { resolved: 2, resolveSeconds: 7200, resolutionMet: 1, resolutionBreached: 1, breaches: 1 },
    },
    { day: daysAgo(29), dimensions: { priority: 'P4' }, counters: { acknowledged: 1, acknowledgeSeconds: 45 } },
    // A day before the default range.
    { day: daysAgo(30), dimensions: { priority: 'P4' }, counters: { acknowledged: 100, acknowledgeSeconds: 100 } },
  ]);
});
afterAll(() => stack.stop());

describe('GET /reports/sla', () => {
  it('covers the last 30 days by priority unless asked otherwise', async () => {
    const reply = await alice.get('/reports/sla');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ from: daysAgo(29), to: daysAgo(0), groupBy: 'priority' });
    expect(reply.body.groups.map((g: { key: string }) => g.key)).toEqual(['P2', 'P4']);
    expect(reply.body.groups[0]).toEqual({
      key: 'P2',
      response: { met: 0, breached: 0, attainment: null },
      resolution: { met: 1, breached: 1, attainment: 50 },
      breaches: 1,
      acknowledged: 0,
      meanTimeToAcknowledge: null,
      resolved: 2,
      meanTimeToResolve: 'PT1H',
    });
    expect(reply.body.totals).toMatchObject({ acknowledged: 1, meanTimeToAcknowledge: 'PT45S', resolved: 2 });
  });

  it('groups by assignment group or service, `-` for incidents without one', async () => {
    const byGroup = await alice.get(`/reports/sla?groupBy=assignmentGroup&from=${daysAgo(40)}`);
    expect(byGroup.body.groups.map((g: { key: string; acknowledged: number }) => [g.key, g.acknowledged])).toEqual([
      ['-', 101],
      ['database', 0],
    ]);
    const today = await alice.get(`/reports/sla?groupBy=service&from=${daysAgo(0)}&to=${daysAgo(0)}`);
    expect(today.body.groups.map((g: { key: string }) => g.key)).toEqual(['payments']);
  });

  it('refuses impossible or too long ranges and unknown parameters (400 naming them)', async () => {
    const backwards = await alice.get('/reports/sla?from=2026-03-02&to=2026-03-01');
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors).toEqual([expect.objectContaining({ location: 'query', path: 'from' })]);
    const long = await alice.get('/reports/sla?from=2025-01-01&to=2026-01-02');
    expect(long.status).toBe(400);
    expect(long.body.errors[0].message).toMatch(/367 days.*366/);
    expect((await alice.get('/reports/sla?from=2025-01-01&to=2026-01-01')).status).toBe(200);
    expect(paths(await alice.get('/reports/sla?from=2026-02-30'))).toEqual(['from']);
    expect(paths(await alice.get('/reports/sla?groupBy=caller&limit=5')).sort()).toEqual(['groupBy', 'limit']);
  });

  it('is for agents and admins only', async () => {
    expect((await (await requester(stack)).get('/reports/sla')).status).toBe(403);
    expect((await (await admin(stack)).get('/reports/sla')).status).toBe(200);
  });

  it('counts what incident changes do: an acknowledgement and a resolution', async () => {
    const opened = await alice.post('/incidents', { title: 'VPN drops', impact: 1, urgency: 1, service: 'vpn', assignmentGroup: 'network' });
    expect(opened.status).toBe(201);
    const taken = await alice.patch(`/incidents/${opened.body.id}`, { status: 'in_progress' }, { 'if-match': opened.headers.get('etag')! });
    expect(taken.status).toBe(200);
    const resolved = await alice.patch(
      `/incidents/${opened.body.id}`,
      { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Replaced the concentrator' },
      { 'if-match': taken.headers.get('etag')! },
    );
    expect(resolved.status).toBe(200);

    const report = await alice.get(`/reports/sla?groupBy=service&from=${daysAgo(0)}`);
    expect(report.body.groups.find((g: { key: string }) => g.key === 'vpn')).toMatchObject({
      acknowledged: 1,
      resolved: 1,
      response: { met: 1, breached: 0, attainment: 100 },
      resolution: { met: 1, breached: 0, attainment: 100 },
    });
  });
});
