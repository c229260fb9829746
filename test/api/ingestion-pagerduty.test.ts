import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let ada: Client;
let alice: Client;
let routingKey: string;
let integrationId: string;

beforeAll(async () => {
  // The storm below puts 200 requests at once on the DynamoDB Local the whole suite shares, which
  // applies writes one at a time: beside another write-heavy file some wait longer than the intake's
  // 10 s timeout (a 500 that AWS, with its own connections per invocation and partitioned writes,
  // would not give). The deadline is scaled, not the storm: the test is about exactly-once, not speed.
  stack = await startTestStack({ functionTimeoutScale: 6 });
  ada = await admin(stack);
  alice = await agent(stack);
  const created = await ada.post('/services/payments/integrations', { name: 'Alertmanager', rateLimitPerMinute: 10_000 });
  expect(created.status).toBe(201);
  routingKey = created.body.routingKey;
  integrationId = created.body.id;
});
afterAll(() => stack.stop());

const enqueue = (body: unknown) => stack.anonymous.post('/v2/enqueue', body);

const trigger = (dedupKey: string | undefined, payload: Record<string, unknown> = {}, key = routingKey) =>
  enqueue({
    routing_key: key,
    event_action: 'trigger',
    ...(dedupKey === undefined ? {} : { dedup_key: dedupKey }),
    payload: { summary: `Checkout latency high (${dedupKey ?? 'no key'})`, source: 'prometheus', severity: 'critical', ...payload },
    client: 'Alertmanager',
  });

/** The incidents opened with a dedup key, once every recorded event has been applied. */
async function incidentsWithKey(dedupKey: string) {
  await stack.settled();
  const page = await alice.get('/incidents?service=payments&limit=100');
  const matching = page.body.items.filter((i: { dedupKey?: string }) => i.dedupKey === dedupKey);
  return Promise.all(matching.map(async (i: { id: string }) => (await alice.get(`/incidents/${i.id}`)).body));
}

describe('POST /v2/enqueue: trigger', () => {
  it('answers 202 as PagerDuty does and opens an incident routed to the service owner', async () => {
    const reply = await trigger('latency-1', { custom_details: { p99: '2.3s' }, component: 'checkout-api' });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'latency-1' });

    const [incident] = await incidentsWithKey('latency-1');
    expect(incident).toMatchObject({
      title: 'Checkout latency high (latency-1)',
      status: 'new',
      priority: 'P1',
      impact: 1,
      urgency: 1,
      service: 'payments',
      assignmentGroup: 'database',
      caller: `integration:${integrationId}`,
      dedupKey: 'latency-1',
      alert: { source: 'pagerduty', dedupKey: 'latency-1', occurrences: 1, lastSeverity: 'critical' },
    });
    expect(incident.description).toContain('p99');
    const history = (await alice.get(`/incidents/${incident.id}/history`)).body.items;
    expect(history[0]).toMatchObject({ action: 'created', actor: `integration:${integrationId}` });
  });

  it('generates a dedup key when none is given, and each such trigger opens its own incident', async () => {
    const first = await trigger(undefined);
    const second = await trigger(undefined);
    expect(first.body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(second.body.dedup_key).not.toBe(first.body.dedup_key);
    expect(await incidentsWithKey(first.body.dedup_key)).toHaveLength(1);
    expect(await incidentsWithKey(second.body.dedup_key)).toHaveLength(1);
  });

  it('adds occurrences to the open incident instead of opening another', async () => {
    for (let i = 0; i < 25; i++) expect((await trigger('flapping', { severity: i === 24 ? 'warning' : 'error' })).status).toBe(202);
    const incidents = await incidentsWithKey('flapping');
    expect(incidents).toHaveLength(1);
    const alert = incidents[0].alert;
    expect(alert.occurrences).toBe(25);
    expect(alert.lastSeverity).toBe('warning');
    expect(alert.recent).toHaveLength(20);
    expect(alert.lastSeenAt >= alert.firstSeenAt).toBe(true);
    // The severity of the first trigger set the priority (error -> P2).
    expect(incidents[0].priority).toBe('P2');
  });

  it('opens exactly one incident for a storm of 200 concurrent identical triggers, counting every one', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, () => trigger('storm')));
    const accepted = replies.filter((r) => r.status === 202).length;
    expect(accepted).toBe(200);
    const incidents = await incidentsWithKey('storm');
    expect(incidents).toHaveLength(1);
    expect(incidents[0].alert.occurrences).toBe(accepted);
    const events = await alice.get(`/incidents/${incidents[0].id}/events?limit=100`);
    expect(events.body.items.filter((e: { outcome: string }) => e.outcome === 'opened')).toHaveLength(1);
    // 200 writes at once plus their processing: ~5 s alone, up to ~26 s in the full suite beside
    // another write-heavy file on the shared DynamoDB Local; about correctness, not speed.
  }, 90_000);
});

describe('POST /v2/enqueue: acknowledge and resolve', () => {
  it('acknowledge moves the incident to in_progress and records the integration', async () => {
    await trigger('ack-me');
    const ack = await enqueue({ routing_key: routingKey, event_action: 'acknowledge', dedup_key: 'ack-me' });
    expect(ack.status).toBe(202);
    const [incident] = await incidentsWithKey('ack-me');
    expect(incident).toMatchObject({ status: 'in_progress', acknowledgedBy: `integration:${integrationId}` });
    expect(incident.alert.acknowledgedBy).toBe(`integration:${integrationId}`);
  });

  it('resolve resolves with auto_resolved and the summary; the next trigger opens a new incident', async () => {
    await trigger('resolve-me');
    const resolved = await enqueue({
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: 'resolve-me',
      payload: { summary: 'Latency back to normal' },
    });
    expect(resolved.status).toBe(202);
    let incidents = await incidentsWithKey('resolve-me');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: 'resolved', resolutionCode: 'auto_resolved', resolutionNotes: 'Latency back to normal' });
    expect(incidents[0].acknowledgedAt).toBeDefined();

    await trigger('resolve-me');
    incidents = await incidentsWithKey('resolve-me');
    expect(incidents.map((i: { status: string }) => i.status).sort()).toEqual(['new', 'resolved']);
  });

  it('accepts and drops acknowledge and resolve for unknown dedup keys, opening nothing', async () => {
    for (const action of ['acknowledge', 'resolve']) {
      const reply = await enqueue({ routing_key: routingKey, event_action: action, dedup_key: `never-triggered-${action}` });
      expect(reply.status).toBe(202);
      expect(await incidentsWithKey(`never-triggered-${action}`)).toEqual([]);
    }
  });

  it('an agent resolving the incident ends deduplication into it too', async () => {
    await trigger('agent-resolves');
    const [incident] = await incidentsWithKey('agent-resolves');
    const started = await alice.patch(`/incidents/${incident.id}`, { status: 'in_progress' }, { 'if-match': `"${incident.version}"` });
    const done = await alice.patch(
      `/incidents/${incident.id}`,
      { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'fixed' },
      { 'if-match': `"${started.body.version}"` },
    );
    expect(done.status).toBe(200);
    await trigger('agent-resolves');
    expect(await incidentsWithKey('agent-resolves')).toHaveLength(2);
  });
});

describe('POST /v2/enqueue: refusals', () => {
  it('answers invalid events with 400 in PagerDuty format, naming each problem, and records nothing', async () => {
    const reply = await enqueue({ routing_key: routingKey, event_action: 'trigger', dedup_key: 'invalid-1', payload: { summary: 'x', severity: 'fatal' } });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ status: 'invalid event', message: expect.any(String) });
    expect(reply.body.errors.join('\n')).toMatch(/payload.source[\s\S]*payload.severity|payload.severity[\s\S]*payload.source/);
    const malformed = await stack.anonymous.request('POST', '/v2/enqueue', { raw: '{"routing_key": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.status).toBe('invalid event');
    expect(await incidentsWithKey('invalid-1')).toEqual([]);
  });

  it('refuses unknown and revoked routing keys with 400, recording nothing', async () => {
    const unknown = await trigger('unknown-key', {}, 'f'.repeat(32));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual(['Invalid routing key']);

    const created = await ada.post('/services/payments/integrations', { name: 'Short-lived' });
    const revoke = await ada.delete(`/services/payments/integrations/${created.body.id}`);
    expect(revoke.status).toBe(204);
    const revoked = await trigger('revoked-key', {}, created.body.routingKey);
    expect(revoked.status).toBe(400);
    expect(await incidentsWithKey('unknown-key')).toEqual([]);
    expect(await incidentsWithKey('revoked-key')).toEqual([]);

    const listed = await ada.get('/services/payments/integrations');
    const entry = listed.body.items.find((i: { id: string }) => i.id === created.body.id);
    expect(entry).toMatchObject({ name: 'Short-lived', revokedBy: 'ada', keyHint: created.body.routingKey.slice(-4) });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.routingKey);
  });

  it('limits each key to its rate and answers 429 with Retry-After', async () => {
    const limited = await ada.post('/services/payments/integrations', { name: 'Chatty', rateLimitPerMinute: 3 });
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await trigger('rate-limited', {}, limited.body.routingKey));
    const statuses = replies.map((r) => r.status);
    // A minute boundary may fall inside the loop; then the window restarts once.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const throttled = replies.find((r) => r.status === 429)!;
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.body.status).toBe('throttle event');
  });
});

describe('integration keys and events on the incident', () => {
  it('only admins manage integration keys; the key is shown once', async () => {
    expect((await alice.post('/services/payments/integrations', { name: 'x' })).status).toBe(403);
    expect((await alice.get('/services/payments/integrations')).status).toBe(403);
    expect((await ada.post('/services/no-such-service/integrations', { name: 'x' })).status).toBe(404);
    const created = await ada.post('/services/email/integrations', { name: 'Grafana' });
    expect(created.body.routingKey).toMatch(/^[0-9a-f]{32}$/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const read = await ada.get('/services/email/integrations');
    expect(read.body.items[0].routingKey).toBeUndefined();

    // A service with live keys cannot be deleted: its keys would outlive it.
    const email = await ada.get('/services/email');
    const refused = await ada.delete('/services/email', { 'if-match': email.headers.get('etag')! });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/service-in-use/);

    // Retried with the same Idempotency-Key: the same integration, but the key is not repeated.
    const first = await ada.post('/services/email/integrations', { name: 'Datadog' }, { 'idempotency-key': 'dd-1' });
    const replay = await ada.post('/services/email/integrations', { name: 'Datadog' }, { 'idempotency-key': 'dd-1' });
    expect(replay.body.id).toBe(first.body.id);
    expect(first.body.routingKey).toBeDefined();
    expect(replay.body.routingKey).toBeUndefined();
  });

  it('shows every event that touched an incident, raw, to agents only', async () => {
    await trigger('visible-events', { custom_details: { attempt: 1 } });
    await trigger('visible-events', { custom_details: { attempt: 2 } });
    await enqueue({ routing_key: routingKey, event_action: 'acknowledge', dedup_key: 'visible-events' });
    const [incident] = await incidentsWithKey('visible-events');
    const events = await alice.get(`/incidents/${incident.id}/events`);
    expect(events.status).toBe(200);
    expect(events.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`)).toEqual([
      'trigger:opened',
      'trigger:occurrence',
      'acknowledge:acknowledged',
    ]);
    expect(events.body.items[1].raw.payload.custom_details).toEqual({ attempt: 2 });
    expect(JSON.stringify(events.body)).not.toContain(routingKey);
    const carol = await requester(stack);
    expect((await carol.get(`/incidents/${incident.id}/events`)).status).toBe(404);
  });

  it('maps severities per service when an admin configures it', async () => {
    const current = await ada.get('/services/vpn');
    const updated = await ada.put(
      '/services/vpn',
      { ownerGroup: 'network', criticality: 'medium', severityMapping: { info: { impact: 1, urgency: 1 } } },
      { 'if-match': current.headers.get('etag')! },
    );
    expect(updated.status).toBe(200);
    const vpnKey = (await ada.post('/services/vpn/integrations', { name: 'Pinger' })).body.routingKey;
    await enqueue({
      routing_key: vpnKey,
      event_action: 'trigger',
      dedup_key: 'vpn-info',
      payload: { summary: 'VPN ping', source: 'pinger', severity: 'info' },
    });
    await stack.settled();
    const page = await alice.get('/incidents?service=vpn');
    const incident = page.body.items.find((i: { dedupKey?: string }) => i.dedupKey === 'vpn-info');
    expect(incident).toMatchObject({ priority: 'P1', assignmentGroup: 'network' });
  });
});
