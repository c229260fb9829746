import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishedEvent, PublishedNotification } from '../../local/published-log.ts';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * The SLA engine end to end on the local stack, with seconds-long targets: the incident API writes
 * the clocks and an outbox record, the publisher sets Scheduler timers, the local Scheduler fires
 * them into the real escalation ASL, whose steps record the crossing and escalate; every change
 * comes out once as a domain event and a notification.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;

// Other areas publish too (the seeded catalog's Catalog Item Created): only incidents' events have `incident`.
const eventsOf = (number: string) =>
  stack.published.events().filter((e: PublishedEvent) => (e.detail as { incident?: { number: string } }).incident?.number === number);
const notificationsOf = (number: string) =>
  stack.published.notifications().filter((n: PublishedNotification) => (n.message as { incident?: { number: string } }).incident?.number === number);
const typesOf = (number: string) => eventsOf(number).map((e) => e.detailType);
const schedulesOf = (id: string) => stack.schedules().filter((s) => s.name.startsWith(id));
const executionsOf = (id: string) => stack.executions().filter((e) => (e.input as { incidentId: string }).incidentId === id);

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice] = await Promise.all([admin(stack), agent(stack)]);
  // A service of its own, with seconds-long targets, so the defaults (minutes, hours) stay out of the way.
  expect((await ada.post('/services', { name: 'checkout', ownerGroup: 'service-desk', criticality: 'high' })).status).toBe(201);
  const policy = await ada.post('/sla-policies', {
    name: 'checkout-fast',
    appliesTo: { service: 'checkout' },
    targets: { response: 'PT8S', resolution: 'PT1H' },
    calendar: '24x7',
    warnings: [50],
  });
  expect(policy.status).toBe(201);
  const escalation = await ada.put('/groups/service-desk/escalation-policy', {
    levels: [
      { notify: { users: ['bob'] }, delay: 'PT1S' },
      { notify: { group: true, manager: true }, delay: 'PT1S' },
    ],
    repeat: 0,
  });
  expect(escalation.status).toBeLessThan(300);
});
afterAll(() => stack.stop());

describe('an SLA with a seconds-long target', () => {
  it('warns, breaches, notifies major-incident stakeholders and escalates, each once, on the local stack', async () => {
    const created = await alice.post('/incidents', { title: 'Checkout fails', impact: 1, urgency: 1, service: 'checkout', assignmentGroup: 'service-desk' });
    expect(created.status).toBe(201);
    const { id, number } = created.body;
    expect(created.body.priority).toBe('P1');
    expect(created.body.escalationLevel).toBe(0);
    const response = created.body.sla.response;
    expect(response).toMatchObject({ state: 'running', policy: 'checkout-fast', calendar: '24x7', target: 'PT8S', breachedAt: null });
    expect(Date.parse(response.dueAt) - Date.parse(response.startedAt)).toBe(8000);

    // The publisher sets one schedule per upcoming threshold.
    const schedules = await poll(
      () => schedulesOf(id),
      (s) => s.length === 4,
    );
    expect(schedules.map((s) => s.name).sort()).toEqual([`${id}-resolution-100`, `${id}-resolution-50`, `${id}-response-100`, `${id}-response-50`]);
    expect(JSON.parse(schedules.find((s) => s.name.endsWith('response-100'))?.target.Input ?? '{}')).toMatchObject({
      incidentId: id,
      clock: 'response',
      threshold: 100,
      timerVersion: 1,
    });

    // Two levels of the group's policy, then the policy is exhausted and the workflow ends.
    await poll(
      () => executionsOf(id),
      (e) => e.length === 2 && e.every((x) => x.status !== 'RUNNING'),
    );
    // What the steps wrote has gone through the publisher, to every sink.
    await stack.settled();
    const executions = executionsOf(id);
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const breach = executions.find((e) => (e.input as { threshold: number }).threshold === 100);
    expect(breach?.output).toMatchObject({
      recorded: { outcome: 'recorded', breach: true, priority: 'P1' },
      escalation: { stop: true, reason: 'escalation policy exhausted', level: 2 },
    });

    const incident = (await alice.get(`/incidents/${id}`)).body;
    expect(incident.escalationLevel).toBe(2);
    expect(incident.sla.response).toMatchObject({ state: 'breached', thresholdsCrossed: [50, 100] });
    // Exact: the instant the target was reached, not when a timer happened to fire.
    expect(incident.sla.response.breachedAt).toBe(response.dueAt);

    expect(typesOf(number)).toEqual(['Incident Created', 'SLA Warning', 'SLA Breached', 'Major Incident Breach', 'Incident Escalated', 'Incident Escalated']);
    const escalated = eventsOf(number)
      .filter((e) => e.detailType === 'Incident Escalated')
      .map((e) => (e.detail as { escalation: unknown }).escalation);
    expect(escalated).toEqual([
      { level: 1, recipients: { users: ['bob'], groups: [] } },
      { level: 2, recipients: { users: ['ada'], groups: ['service-desk'] } },
    ]);
    const notifications = notificationsOf(number);
    expect(notifications.map((n) => [n.attributes.eventType, n.topicArn.split(':').pop()])).toEqual([
      ['Incident Created', 'open-itsm-notifications'],
      ['SLA Warning', 'open-itsm-notifications'],
      ['SLA Breached', 'open-itsm-notifications'],
      ['Major Incident Breach', 'open-itsm-major-incident'],
      ['Incident Escalated', 'open-itsm-notifications'],
      ['Incident Escalated', 'open-itsm-notifications'],
    ]);
    expect(notifications[2]?.attributes).toEqual({ eventType: 'SLA Breached', priority: 'P1', assignmentGroup: 'service-desk', service: 'checkout' });

    // The history has each SLA change, by the SLA engine.
    const history = (await alice.get(`/incidents/${id}/history`)).body.items;
    const bySla = history.filter((h: { actor: string }) => h.actor === 'sla').flatMap((h: { changes: { field: string }[] }) => h.changes.map((c) => c.field));
    expect(bySla).toEqual(expect.arrayContaining(['sla.response.thresholdsCrossed', 'sla.response.breachedAt', 'escalationLevel']));
    // One event per committed change (the major-incident notice is a notification, not a change).
    const ids = eventsOf(number).map((e) => (e.detail as { eventId: string }).eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length - 1).toBe(history.length);

    // Acknowledging stops the response clock (breached stays breached) and clears its timers.
    const acknowledged = await alice.patch(`/incidents/${id}`, { status: 'in_progress' }, { 'if-match': `"${incident.version}"` });
    expect(acknowledged.status).toBe(200);
    // Clocks count whole seconds: the stop is the acknowledgement, to the second.
    expect(acknowledged.body.sla.response.state).toBe('breached');
    expect(Date.parse(acknowledged.body.sla.response.stoppedAt)).toBe(Math.floor(Date.parse(acknowledged.body.acknowledgedAt) / 1000) * 1000);
    await poll(
      () => schedulesOf(id),
      (s) => s.every((x) => x.name.includes('resolution')),
    );
    expect(stack.deadLetters()).toEqual([]);
  });

  it('stops escalating once the incident is acknowledged', async () => {
    await ada.put('/groups/network/escalation-policy', {
      levels: [
        { notify: { assignee: true }, delay: 'PT3S' },
        { notify: { manager: true }, delay: 'PT3S' },
      ],
      repeat: 1,
    });
    const { id, number } = (await alice.post('/incidents', { title: 'VPN flaps', service: 'checkout', assignmentGroup: 'network', assignee: 'nina' })).body;
    await poll(
      () => typesOf(number),
      (types) => types.includes('Incident Escalated'),
    );
    // As a client would: the SLA engine writes too, so a stale ETag (412) means read and try again.
    let level = 0;
    await poll(
      async () => {
        const current = (await alice.get(`/incidents/${id}`)).body;
        level = current.escalationLevel;
        return (await alice.patch(`/incidents/${id}`, { status: 'in_progress' }, { 'if-match': `"${current.version}"` })).status;
      },
      (status) => status === 200,
    );
    expect(level).toBeGreaterThanOrEqual(1);

    const breach = await poll(
      () => executionsOf(id).find((e) => (e.input as { threshold: number }).threshold === 100),
      (e) => e !== undefined && e.status !== 'RUNNING',
    );
    expect(breach?.output).toMatchObject({ escalation: { stop: true, reason: 'incident acknowledged', level } });
    expect((await alice.get(`/incidents/${id}`)).body.escalationLevel).toBe(level);
    await stack.settled();
    expect(typesOf(number).filter((t) => t === 'Incident Escalated')).toHaveLength(level);
    // Not the major-incident priority: its stakeholders are not told.
    expect(typesOf(number)).not.toContain('Major Incident Breach');
    expect(breach?.output).toMatchObject({ recorded: { outcome: 'recorded', breach: true, priority: 'P4' } });
  });
});

describe('SLA timers', () => {
  it('move with pause and resume, and a firing of a moved timer is ignored as stale', async () => {
    const { id, version } = (await alice.post('/incidents', { title: 'Slow receipts', service: 'checkout', assignmentGroup: 'service-desk' })).body;
    let etag = `"${version}"`;
    const patch = async (body: unknown) => {
      const reply = await alice.patch(`/incidents/${id}`, body, { 'if-match': etag });
      expect(reply.status).toBe(200);
      etag = reply.headers.get('etag') as string;
      return reply.body;
    };
    await patch({ status: 'in_progress' });
    const resolutionTimers = () => schedulesOf(id).filter((s) => s.name.includes('resolution'));
    const before = await poll(resolutionTimers, (s) => s.length === 2);
    const versionOf = (s: { target: { Input?: string } }) => JSON.parse(s.target.Input ?? '{}').timerVersion as number;
    const firstVersion = versionOf(before[0] as (typeof before)[number]);

    const held = await patch({ status: 'on_hold', holdReason: 'awaiting_vendor' });
    expect(held.sla.resolution.state).toBe('paused');
    expect(held.sla.resolution.dueAt).toBeNull();
    await poll(resolutionTimers, (s) => s.length === 0);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const resumed = await patch({ status: 'in_progress' });
    expect(resumed.sla.resolution.state).toBe('running');
    const after = await poll(resolutionTimers, (s) => s.length === 2);
    expect(after.every((s) => versionOf(s) > firstVersion)).toBe(true);
    // The pause is not counted: the due date moved by at least the time spent on hold.
    expect(resumed.sla.resolution.pausedFor).not.toBe('PT0S');
    expect(Date.parse(resumed.sla.resolution.dueAt)).toBeGreaterThanOrEqual(Date.parse(resumed.sla.resolution.startedAt) + 3601_000);

    // A timer set before the pause fires anyway (Scheduler is at least once): nothing changes.
    const sfn = new SFNClient({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stepFunctions.stateMachineArn('incidentEscalation'),
        input: JSON.stringify({ incidentId: id, clock: 'resolution', threshold: 100, timerVersion: firstVersion }),
      }),
    );
    const stale = await poll(
      () => stack.executions().find((e) => e.executionArn === executionArn),
      (e) => e?.status === 'SUCCEEDED',
    );
    expect(stale?.output).toMatchObject({ recorded: { outcome: 'stale' } });
    expect((await alice.get(`/incidents/${id}`)).headers.get('etag')).toBe(etag);
    sfn.destroy();
  });
});
