import { describe, expect, it } from 'vitest';
import { requestEventRecord, stageReference, taskEventRecord } from '../../functions/requests/domain/events.ts';
import { cancelRequest, closeRequest, RequestRuleError } from '../../functions/requests/domain/lifecycle.ts';
import { openRequest, type ServiceRequest } from '../../functions/requests/domain/request.ts';
import type { FulfilmentTask } from '../../functions/requests/domain/task.ts';
import { requestEventDetail, taskEventDetail } from '../../functions/requests/schemas/events.ts';

/*
 * Request and task event records (slice A of issue 15): shaped as the published schemas say, with
 * no free text, and the lifecycle rules of cancel and close.
 */

const now = new Date('2026-12-07T10:00:00.000Z');

function request(overrides: Partial<ServiceRequest> = {}): ServiceRequest {
  const opened = openRequest({
    id: '01JREQUEST0000000000000000',
    sequence: 42,
    item: {
      id: 'desk-chair',
      name: 'Desk chair',
      category: 'Furniture',
      description: 'A chair',
      form: { type: 'object', properties: { colour: { type: 'string', title: 'Colour' } } },
      orderableBy: { groups: [] },
      approval: { stages: [{ kind: 'manager' }, { kind: 'group', group: 'cab', quorum: 2 }] },
      fulfilment: { mode: 'sequential', tasks: [{ name: 'Deliver', assignmentGroup: 'service-desk', description: 'Deliver it' }] },
      active: true,
      version: 3,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy: 'ada',
      updatedBy: 'ada',
    },
    formFields: [{ name: 'colour', title: 'Colour' }],
    answers: { colour: 'a very secret colour' },
    requester: 'carol',
    manager: 'alice',
    source: 'api',
    now,
  });
  return { ...opened, ...overrides };
}

describe('openRequest', () => {
  it('numbers the request, copies the plan, and names the manager of a manager stage', () => {
    const opened = request();
    expect(opened).toMatchObject({ number: 'REQ0000042', status: 'submitted', version: 1, manager: 'alice', item: { id: 'desk-chair', version: 3 } });
    expect(opened.stages).toEqual([
      { index: 0, kind: 'manager', approvers: ['alice'], quorum: 1, status: 'waiting', approvals: 0, rejections: 0 },
      { index: 1, kind: 'group', group: 'cab', quorum: 2, status: 'waiting', approvals: 0, rejections: 0 },
    ]);
  });
});

describe('request and task event records', () => {
  it('fit the published schema and carry no answers', () => {
    const record = requestEventRecord('Request Submitted', request(), { eventId: 'e1', actor: 'carol', occurredAt: now.toISOString() });
    expect(requestEventDetail.strict().parse(record.detail)).toBeTruthy();
    expect(record.requestId).toBe(record.detail.request.id);
    expect(record.notification.recipients).toEqual({ users: ['carol'], groups: [] });
    expect(JSON.stringify(record)).not.toContain('secret');
  });

  it('names the stage of an approval event and sends it to the approvers asked', () => {
    const asked = request({ status: 'awaiting_approval', stages: request().stages.map((s, i) => (i === 0 ? { ...s, status: 'pending' } : s)) });
    const stage = stageReference(asked.stages[0] as ServiceRequest['stages'][number]);
    const record = requestEventRecord('Request Approval Requested', asked, {
      eventId: 'e2',
      actor: 'request-fulfilment',
      occurredAt: now.toISOString(),
      stage,
    });
    expect(requestEventDetail.parse(record.detail).stage).toMatchObject({ index: 0, approvers: ['alice'] });
    expect(record.notification.recipients).toEqual({ users: ['alice'], groups: [] });
    expect(() => requestEventRecord('Request Approval Requested', asked, { eventId: 'e3', actor: 'x', occurredAt: now.toISOString() })).toThrow(/stage/);
  });

  it('publishes a cancel without its reason', () => {
    const before = request();
    const { after, changes } = cancelRequest(before, { actor: { userId: 'carol', isAgent: false }, reason: 'secret reason', now });
    const record = requestEventRecord('Request Canceled', after, { eventId: 'e4', actor: 'carol', occurredAt: now.toISOString(), changes });
    expect(JSON.stringify(record)).not.toContain('secret');
    expect(record.detail.changes).toEqual(expect.arrayContaining([{ field: 'cancellation', from: null, to: { by: 'carol' } }]));
  });

  it('builds task records for the task schema, to its assignee and group', () => {
    const task: FulfilmentTask = {
      id: '01JTASK00000000000000000000',
      number: 'TASK0000001',
      requestId: '01JREQUEST0000000000000000',
      requestNumber: 'REQ0000042',
      order: 0,
      name: 'Deliver',
      description: 'secret description',
      assignmentGroup: 'service-desk',
      status: 'open',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      version: 1,
    };
    const record = taskEventRecord('Task Created', task, { eventId: 'e5', actor: 'request-fulfilment', occurredAt: now.toISOString() });
    expect(taskEventDetail.strict().parse(record.detail)).toBeTruthy();
    expect(record.notification.recipients).toEqual({ users: [], groups: ['service-desk'] });
    expect(JSON.stringify(record)).not.toContain('secret');
    expect(() => taskEventRecord('Request Submitted', task, { eventId: 'e6', actor: 'x', occurredAt: now.toISOString() })).toThrow();
  });
});

describe('lifecycle', () => {
  const carol = { userId: 'carol', isAgent: false };
  it('cancels before fulfilment, withdrawing a pending stage; refuses others and later', () => {
    const pending = request({
      status: 'awaiting_approval',
      currentStage: 0,
      stages: request().stages.map((s, i) => (i === 0 ? { ...s, status: 'pending' } : s)),
    });
    const { after } = cancelRequest(pending, { actor: carol, now });
    expect(after).toMatchObject({ status: 'canceled', version: 2, cancellation: { by: 'carol' } });
    expect(after.currentStage).toBeUndefined();
    expect(after.stages.map((s) => s.status)).toEqual(['withdrawn', 'waiting']);
    expect(() => cancelRequest(pending, { actor: { userId: 'dave', isAgent: false }, now })).toThrow(RequestRuleError);
    expect(cancelRequest(pending, { actor: { userId: 'alice', isAgent: true }, now }).after.status).toBe('canceled');
    expect(() => cancelRequest(request({ status: 'in_fulfilment' }), { actor: carol, now })).toThrow(/before its fulfilment starts/);
  });

  it('closes a fulfilled request only', () => {
    expect(closeRequest(request({ status: 'fulfilled' }), { actor: carol, now }).after).toMatchObject({ status: 'closed', closedAt: now.toISOString() });
    expect(() => closeRequest(request({ status: 'in_fulfilment' }), { actor: carol, now })).toThrow(RequestRuleError);
  });
});
