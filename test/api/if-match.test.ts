import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, type Reply, startTestStack, type TestStack } from '../support/api.ts';

/**
 * RFC 9110 §13.1.1: `If-Match: *` is true whenever the resource exists, whatever its version. Every
 * route that takes If-Match reads it through the shared pipeline; one route per kind of store here.
 */
let stack: TestStack;
let alice: Client;
let ada: Client;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
  ada = await admin(stack);
});
afterAll(() => stack.stop());

const ANY = { 'if-match': '*' };
const etag = (reply: Reply) => reply.headers.get('etag');

function expectWritten(reply: Reply, status = 200) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
}

describe('If-Match: * matches any existing version', () => {
  it('PATCH /incidents/{id}, also after other writes moved the version on', async () => {
    const incident = (await alice.post('/incidents', { title: 'Printer on fire' })).body;
    expectWritten(await alice.patch(`/incidents/${incident.id}`, { title: 'Printer smoking' }, { 'if-match': '"1"' }));
    const replaced = await alice.patch(`/incidents/${incident.number}`, { title: 'Printer out' }, ANY);
    expectWritten(replaced);
    expect(replaced.body).toMatchObject({ title: 'Printer out', version: 3 });
    expect(etag(replaced)).toBe('"3"');
  });

  it('PATCH /changes/{id}, and the change actions (cancel)', async () => {
    const change = await alice.post('/changes', {
      type: 'normal',
      title: 'Patch the VPN gateways',
      services: ['vpn'],
      plannedStart: '2032-06-01T00:00:00.000Z',
      plannedEnd: '2032-06-01T02:00:00.000Z',
      assignmentGroup: 'network',
      implementationPlan: 'Fail over, patch, fail back',
      backoutPlan: 'Fail back to the unpatched node',
    });
    expectWritten(change, 201);
    const patched = await alice.patch(`/changes/${change.body.id}`, { title: 'Patch the VPN gateways now' }, ANY);
    expectWritten(patched);
    expect(patched.body.version).toBe(2);
    expectWritten(await alice.post(`/changes/${change.body.id}/cancel`, { reason: 'Not needed' }, ANY));
  });

  it('PUT /config/priority-matrix and PUT /change-config', async () => {
    const matrix = (await ada.get('/config/priority-matrix')).body;
    expectWritten(await ada.put('/config/priority-matrix', { matrix: matrix.matrix }, ANY));
    const { version: _v, updatedAt: _u, ...config } = (await ada.get('/change-config')).body;
    const replaced = await ada.put('/change-config', { ...config, cabQuorum: config.cabQuorum + 1 }, ANY);
    expectWritten(replaced);
    expect(replaced.body.cabQuorum).toBe(config.cabQuorum + 1);
  });

  it('PUT and DELETE on the directory (groups, services)', async () => {
    expectWritten(await ada.post('/groups', { name: 'if-match-star', members: [] }), 201);
    const replaced = await ada.put('/groups/if-match-star', { displayName: 'Star', members: ['alice'] }, ANY);
    expectWritten(replaced);
    expect(replaced.body).toMatchObject({ displayName: 'Star', version: 2 });
    expectWritten(await ada.delete('/groups/if-match-star', ANY), 204);
    // Nothing exists any more: `*` does not match, and the answer stays the usual 404.
    expect((await ada.delete('/groups/if-match-star', ANY)).status).toBe(404);
    expect((await ada.put('/groups/if-match-star', { members: [] }, ANY)).status).toBe(404);
  });

  it('PUT /users/{userId} with * replaces (without If-Match it registers), DELETE with * deletes', async () => {
    expectWritten(await ada.put('/users/star-user', { displayName: 'Star' }), 201);
    const replaced = await ada.put('/users/star-user', { displayName: 'Star User' }, ANY);
    expectWritten(replaced);
    expect(replaced.body).toMatchObject({ displayName: 'Star User', version: 2 });
    expectWritten(await ada.delete('/users/star-user', ANY), 204);
    expect((await ada.put('/users/star-user', { displayName: 'Gone' }, ANY)).status).toBe(404);
  });

  it('PUT and DELETE on SLA configuration, and PUT /groups/{name}/escalation-policy', async () => {
    expectWritten(await ada.post('/calendars', { name: 'star-hours', timeZone: 'UTC', workingHours: { mon: [{ start: '09:00', end: '17:00' }] } }), 201);
    const calendar = await ada.put('/calendars/star-hours', { timeZone: 'Europe/Berlin', workingHours: { mon: [{ start: '08:00', end: '16:00' }] } }, ANY);
    expectWritten(calendar);
    expect(calendar.body.version).toBe(2);
    expectWritten(await ada.delete('/calendars/star-hours', ANY), 204);

    const policy = { levels: [{ notify: { assignee: true }, delay: 'PT10M' }], repeat: 0 };
    expectWritten(await ada.put('/groups/network/escalation-policy', policy), 201);
    const replaced = await ada.put('/groups/network/escalation-policy', { ...policy, repeat: 1 }, ANY);
    expectWritten(replaced);
    expect(replaced.body.version).toBe(2);
  });

  it('only a bare * is the wildcard: lists and quoted stars stay 412', async () => {
    const incident = (await alice.post('/incidents', { title: 'Wildcard probing' })).body;
    for (const value of ['"*"', '*, "1"', '"1", *', 'W/*']) {
      const reply = await alice.patch(`/incidents/${incident.id}`, { title: 'x' }, { 'if-match': value });
      expect(reply.status, value).toBe(412);
    }
  });
});
