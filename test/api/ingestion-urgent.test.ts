import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../../local/published-log.ts';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * A service marked `urgent: true` pages at once, as paging tools do for high-urgency services: an
 * incident opened by an event on it starts its group's escalation policy when it opens, through
 * the same path as an SLA breach (outbox -> a Scheduler timer due now -> the escalation workflow),
 * without waiting for a breach. A service that is not urgent waits for its SLA.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;

const executionsOf = (id: string) => stack.executions().filter((e) => (e.input as { incidentId: string }).incidentId === id);
const typesOf = (number: string) =>
  stack.published
    .events()
    .filter((e: PublishedEvent) => (e.detail as { incident?: { number: string } }).incident?.number === number)
    .map((e) => e.detailType);

async function keyFor(service: string): Promise<string> {
  const created = await ada.post(`/services/${service}/integrations`, { name: 'Monitor' });
  expect(created.status).toBe(201);
  return created.body.routingKey;
}

async function openByEvent(routingKey: string, dedupKey: string) {
  const reply = await stack.anonymous.post('/v2/enqueue', {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    // warning: P3 by default, whose SLA targets are hours away; only urgency can page now.
    payload: { summary: `Disk filling (${dedupKey})`, source: 'node-1', severity: 'warning' },
  });
  expect(reply.status).toBe(202);
  await stack.settled();
  const page = await alice.get('/incidents?limit=100');
  const incident = page.body.items.find((i: { dedupKey?: string }) => i.dedupKey === dedupKey);
  expect(incident).toBeDefined();
  return incident as { id: string; number: string; priority: string };
}

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice] = await Promise.all([admin(stack), agent(stack)]);
  expect((await ada.post('/groups', { name: 'storage-oncall', members: ['bob', 'nina'], manager: 'ada' })).status).toBe(201);
  expect(
    (
      await ada.put('/groups/storage-oncall/escalation-policy', {
        levels: [
          { notify: { users: ['bob'] }, delay: 'PT1S' },
          { notify: { users: ['nina'] }, delay: 'PT1S' },
        ],
        repeat: 0,
      })
    ).status,
  ).toBeLessThan(300);
});
afterAll(() => stack.stop());

describe('a service marked urgent', () => {
  it('is a service setting, false unless set, validated and shown like the others', async () => {
    const plain = await ada.post('/services', { name: 'nas', ownerGroup: 'storage-oncall', criticality: 'medium' });
    expect(plain.status).toBe(201);
    expect(plain.body.urgent).toBe(false);
    const urgent = await ada.post('/services', { name: 'san', ownerGroup: 'storage-oncall', criticality: 'critical', urgent: true });
    expect(urgent.status).toBe(201);
    expect((await alice.get('/services/san')).body.urgent).toBe(true);
    const bad = await ada.post('/services', { name: 'tape', ownerGroup: 'storage-oncall', criticality: 'low', urgent: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('urgent');
  });

  it('starts the escalation policy of its group as soon as an event opens an incident, without a breach', async () => {
    const incident = await openByEvent(await keyFor('san'), 'san-disk');
    expect(incident.priority).toBe('P3');
    // Both levels of the policy page, one after the other, then the policy is exhausted.
    const [execution] = await poll(
      () => executionsOf(incident.id),
      (e) => e.length === 1 && e[0]?.status !== 'RUNNING',
    );
    expect(execution?.input).toMatchObject({ incidentId: incident.id, clock: 'response', escalateAtOnce: true });
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.output).toMatchObject({ escalation: { stop: true, reason: 'escalation policy exhausted', level: 2 } });
    await stack.settled();
    expect(typesOf(incident.number)).toEqual(['Incident Created', 'Incident Escalated', 'Incident Escalated']);
    const after = (await alice.get(`/incidents/${incident.id}`)).body;
    expect(after.escalationLevel).toBe(2);
    // Nothing was breached: the SLA clocks run as they would have.
    expect(after.sla.response.breachedAt).toBeNull();
  });

  it('pages at once for a CloudWatch alarm on EventBridge too', async () => {
    const events = new EventBridgeClient({ endpoint: stack.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const alarmArn = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:san-latency';
    const reply = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'aws.cloudwatch',
            DetailType: 'CloudWatch Alarm State Change',
            Resources: [alarmArn],
            Detail: JSON.stringify({
              alarmName: 'san-latency',
              state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-11-23T09:00:00.000+0000' },
              previousState: { value: 'OK' },
              configuration: { description: 'SAN latency. itsm:service=san itsm:severity=warning' },
            }),
          },
        ],
      }),
    );
    expect(reply.FailedEntryCount).toBe(0);
    await stack.settled();
    const incident = (await alice.get('/incidents?service=san&limit=100')).body.items.find((i: { dedupKey?: string }) => i.dedupKey === alarmArn);
    expect(incident).toBeDefined();
    const executions = await poll(
      () => executionsOf(incident.id),
      (e) => e.length === 1,
    );
    expect(executions[0]?.input).toMatchObject({ escalateAtOnce: true });
  });

  it('stops paging once the incident is acknowledged', async () => {
    expect(
      (
        await ada.put(
          '/groups/storage-oncall/escalation-policy',
          {
            levels: [
              { notify: { users: ['bob'] }, delay: 'PT3S' },
              { notify: { users: ['nina'] }, delay: 'PT3S' },
            ],
            repeat: 0,
          },
          { 'if-match': '*' },
        )
      ).status,
    ).toBeLessThan(300);
    const incident = await openByEvent(await keyFor('san'), 'san-ack');
    const level1 = await poll(
      () => alice.get(`/incidents/${incident.id}`),
      (r) => r.body.escalationLevel === 1,
    );
    expect((await alice.patch(`/incidents/${incident.id}`, { status: 'in_progress' }, { 'if-match': level1.headers.get('etag')! })).status).toBe(200);
    const [execution] = await poll(
      () => executionsOf(incident.id),
      (e) => e.length === 1 && e[0]?.status !== 'RUNNING',
    );
    expect(execution?.output).toMatchObject({ escalation: { stop: true, reason: 'incident acknowledged', level: 1 } });
  });

  it('a service that is not urgent waits for its SLA: no escalation when the incident opens', async () => {
    const incident = await openByEvent(await keyFor('nas'), 'nas-disk');
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await stack.settled();
    expect(executionsOf(incident.id)).toEqual([]);
    expect(typesOf(incident.number)).toEqual(['Incident Created']);
    expect((await alice.get(`/incidents/${incident.id}`)).body.escalationLevel).toBe(0);
  });

  it('an incident raised by hand on an urgent service is not paged at once (events page, people triage)', async () => {
    const created = await alice.post('/incidents', { title: 'SAN slow for me', service: 'san', assignmentGroup: 'storage-oncall' });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(executionsOf(created.body.id)).toEqual([]);
  });
});
