import { describe, expect, it } from 'vitest';
import { answersText, requestMails } from '../../functions/email/domain/outgoing.ts';
import type { ServiceRequest } from '../../functions/requests/domain/request.ts';

const request = {
  id: '01JREQ',
  number: 'REQ0000042',
  item: { id: 'new-laptop', version: 1, name: 'New laptop', category: 'hardware' },
  plan: { approval: { stages: [{ kind: 'manager' }] }, fulfilment: { mode: 'sequential', tasks: [] }, formTitles: { model: 'Laptop model', reason: 'Why' } },
  answers: { model: 'standard-14', reason: 'Old one broke\nscreen cracked', extras: ['dock', 'bag'] },
  requester: 'carol',
  source: 'api',
  status: 'submitted',
  stages: [{ index: 0, kind: 'manager', quorum: 1, status: 'waiting', approvals: 0, rejections: 0 }],
  tasks: [],
  createdAt: '2026-12-07T04:00:00.000Z',
  updatedAt: '2026-12-07T04:00:00.000Z',
  version: 1,
} as unknown as ServiceRequest;

describe('requestMails', () => {
  it('tells the requester a request was received, the number in the subject', () => {
    const [mail, ...rest] = requestMails({ type: 'Request Submitted', request, approvers: [], names: { carol: 'Carol Requester' } });
    expect(rest).toEqual([]);
    expect(mail?.to).toBe('carol');
    expect(mail?.subject).toBe('[REQ0000042] Received: New laptop');
    expect(mail?.text).toContain('Hello Carol Requester');
    expect(mail?.text).toContain('Laptop model: standard-14');
  });

  it('asks each approver to decide, with the answers under the form titles and how to decide', () => {
    const mails = requestMails({ type: 'Request Approval Requested', request, approvers: ['ada', 'bob'], names: { carol: 'Carol Requester' } });
    expect(mails.map((m) => m.to)).toEqual(['ada', 'bob']);
    expect(mails[0]?.subject).toBe('[REQ0000042] Please decide: New laptop for Carol Requester');
    expect(mails[0]?.text).toContain('Why: Old one broke\n    screen cracked');
    expect(mails[0]?.text).toContain('extras: dock, bag');
    expect(mails[0]?.text).toContain('POST /requests/01JREQ/approvals');
    // A reply is a note, never a vote: the mail says so.
    expect(mails[0]?.text).toContain('Replying to this e-mail adds a note to REQ0000042 for the requester and the service desk; a reply does not decide.');
    const [reminder] = requestMails({ type: 'Request Approval Reminder', request, approvers: ['ada'], names: {} });
    expect(reminder?.subject).toBe('[REQ0000042] Reminder: please decide: New laptop for carol');
  });

  it('tells the requester the outcome', () => {
    const subject = (type: Parameters<typeof requestMails>[0]['type']) => requestMails({ type, request, approvers: [], names: {} })[0]?.subject;
    expect(subject('Request Approved')).toBe('[REQ0000042] Approved: New laptop');
    expect(subject('Request Rejected')).toBe('[REQ0000042] Rejected: New laptop');
    expect(subject('Request Expired')).toBe('[REQ0000042] Not approved in time: New laptop');
    expect(subject('Request Fulfilled')).toBe('[REQ0000042] Fulfilled: New laptop');
    expect(subject('Request Closed Incomplete')).toBe('[REQ0000042] Closed incomplete: New laptop');
  });

  it('lists no answers as such', () => {
    expect(answersText({ ...request, answers: {} })).toBe('  (no answers)');
  });

  it('lists the answers in the form’s order, a choice by its label, whatever order the stored answers come in', () => {
    const ordered = {
      ...request,
      plan: {
        ...request.plan,
        formFields: [
          { name: 'model', title: 'Model', choices: [{ value: 'dell-latitude-7450', label: 'Dell Latitude 7450' }] },
          { name: 'keyboardLayout', title: 'Keyboard layout' },
          { name: 'replacesAssetTag', title: 'Replaces asset tag' },
        ],
        formTitles: { replacesAssetTag: 'Replaces asset tag', model: 'Model', keyboardLayout: 'Keyboard layout' },
      },
      answers: { replacesAssetTag: 'NL-12345', keyboardLayout: 'US', model: 'dell-latitude-7450' },
    } as ServiceRequest;
    expect(answersText(ordered)).toBe('  Model: Dell Latitude 7450\n  Keyboard layout: US\n  Replaces asset tag: NL-12345');
    const [received] = requestMails({ type: 'Request Submitted', request: ordered, approvers: [], names: {} });
    expect(received?.text).toContain('Your answers:\n  Model: Dell Latitude 7450\n  Keyboard layout: US\n');
    const [decide] = requestMails({ type: 'Request Approval Requested', request: ordered, approvers: ['ada'], names: {} });
    expect(decide?.text).toContain('Their answers:\n  Model: Dell Latitude 7450\n');
  });
});
