import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

/*
 * Events and notifications carry no free text: whatever people and monitoring type into incidents
 * and change requests (titles, descriptions, categories, configuration items, notes, resolution
 * notes, alert summaries and details, plans, reasons) never appears in anything published, over the real write paths.
 * (An incident's free-text configuration item is no longer written over HTTP: it names CIs by id.)
 */

let stack: TestStack;
let alice: Client;
let ada: Client;
let carol: Client;

beforeAll(async () => {
  stack = await startTestStack();
  [alice, ada, carol] = await Promise.all([agent(stack), admin(stack), requester(stack)]);
});
afterAll(() => stack.stop());

const marker = (what: string) => `${what}-f7e2c9`;
const ifMatch = (record: { version: number }) => ({ 'if-match': `"${record.version}"` });

describe('published events and notifications', () => {
  it('name the records and the fields changed, never the text typed into them', async () => {
    // An incident raised by a requester, worked and resolved by an agent.
    const raised = await carol.post('/incidents', {
      title: marker('requester-title'),
      description: marker('requester-description'),
      category: marker('requester-category'),
    });
    expect(raised.status).toBe(201);
    // Configuration items are named by id since issue 14: the edit names one, and the event names the field.
    const incidentCi = (await ada.post('/cis', { class: 'host', name: 'intranet-host-1' })).body.id as string;
    const edited = await alice.patch(
      `/incidents/${raised.body.id}`,
      {
        title: marker('agent-title'),
        description: marker('agent-description'),
        category: marker('agent-category'),
        configurationItems: [incidentCi],
        status: 'in_progress',
      },
      ifMatch(raised.body),
    );
    expect(edited.status).toBe(200);
    expect((await alice.post(`/incidents/${raised.body.id}/notes`, { body: marker('work-note'), visibility: 'work' })).status).toBe(201);
    expect((await alice.post(`/incidents/${raised.body.id}/notes`, { body: marker('public-note'), visibility: 'public' })).status).toBe(201);
    expect((await carol.post(`/incidents/${raised.body.id}/notes`, { body: marker('requester-note') })).status).toBe(201);
    const current = (await alice.get(`/incidents/${raised.body.id}`)).body;
    const resolved = await alice.patch(
      `/incidents/${raised.body.id}`,
      { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: marker('resolution-notes') },
      ifMatch(current),
    );
    expect(resolved.status).toBe(200);

    // An incident opened and resolved by monitoring: the summary becomes the title, then the resolution notes.
    const integration = await ada.post('/services/payments/integrations', { name: 'Alertmanager' });
    expect(integration.status).toBe(201);
    const event = (action: string, summary: string) => ({
      routing_key: integration.body.routingKey,
      event_action: action,
      dedup_key: 'free-text-1',
      payload: { summary, source: 'prometheus', severity: 'critical', custom_details: { note: marker('custom-details') } },
    });
    expect((await stack.anonymous.post('/v2/enqueue', event('trigger', marker('alert-summary')))).status).toBe(202);
    await stack.settled();
    expect((await stack.anonymous.post('/v2/enqueue', event('resolve', marker('resolve-summary')))).status).toBe(202);

    // A change request with every plan, edited, noted and canceled. Its configuration items are CI ids (issue 14).
    const [changeCi, newChangeCi] = await Promise.all(
      ['vpn-gw-1', 'vpn-gw-2'].map(async (name) => (await ada.post('/cis', { class: 'host', name })).body.id as string),
    );
    const change = await alice.post('/changes', {
      type: 'normal',
      title: marker('change-title'),
      description: marker('change-description'),
      justification: marker('justification'),
      services: ['vpn'],
      plannedStart: '2032-06-01T00:00:00.000Z',
      plannedEnd: '2032-06-01T02:00:00.000Z',
      implementationPlan: marker('implementation-plan'),
      backoutPlan: marker('backout-plan'),
      testPlan: marker('test-plan'),
      configurationItems: [changeCi],
      assignmentGroup: 'network',
    });
    expect(change.status, JSON.stringify(change.body)).toBe(201);
    const patched = await alice.patch(
      `/changes/${change.body.id}`,
      { backoutPlan: marker('new-backout-plan'), title: marker('new-change-title'), configurationItems: [newChangeCi] },
      ifMatch(change.body),
    );
    expect(patched.status).toBe(200);
    expect((await alice.post(`/changes/${change.body.id}/notes`, { body: marker('change-note') })).status).toBe(201);
    expect((await alice.post(`/changes/${change.body.id}/cancel`, { reason: marker('cancel-reason') }, ifMatch(patched.body))).status).toBe(200);

    await stack.settled();
    const events = stack.published.events();
    const notifications = stack.published.notifications();
    const about = (id: string) => events.filter((e) => JSON.stringify(e.detail).includes(id)).map((e) => e.detailType);
    // The writes were announced (so the check below is not vacuous)...
    expect(about(raised.body.id)).toEqual([
      'Incident Created',
      'Incident Updated',
      'Incident Note Added',
      'Incident Note Added',
      'Incident Note Added',
      'Incident Resolved',
    ]);
    expect(about(change.body.id)).toEqual(['Change Created', 'Change Updated', 'Change Note Added', 'Change Canceled']);
    const opened = events.filter((e) => (e.detail as { actor: string }).actor === `integration:${integration.body.id}`).map((e) => e.detailType);
    expect(opened).toEqual(expect.arrayContaining(['Incident Created', 'Incident Resolved']));
    // ...by name and field, with none of the text.
    const published = JSON.stringify([events, notifications]);
    expect(published.match(/[a-z-]+-f7e2c9/g) ?? []).toEqual([]);
    const editedEvent = events.find((e) => e.detailType === 'Incident Updated' && JSON.stringify(e.detail).includes(raised.body.id))!;
    expect((editedEvent.detail as { changes: unknown[] }).changes).toEqual(
      expect.arrayContaining([{ field: 'category' }, expect.objectContaining({ field: 'configurationItems' })]),
    );
    const changeEdited = events.find((e) => e.detailType === 'Change Updated' && JSON.stringify(e.detail).includes(change.body.id))!;
    expect((changeEdited.detail as { changes: unknown[] }).changes).toEqual(expect.arrayContaining([{ field: 'configurationItems' }]));
    const resolvedEvent = events.find((e) => e.detailType === 'Incident Resolved' && JSON.stringify(e.detail).includes(raised.body.id))!;
    expect((resolvedEvent.detail as { changes: unknown[] }).changes).toEqual(
      expect.arrayContaining([{ field: 'resolutionNotes' }, { field: 'status', from: 'in_progress', to: 'resolved' }]),
    );
  });
});
