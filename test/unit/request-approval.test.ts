import { describe, expect, it } from 'vitest';
import {
  type ApprovalStage,
  castStageVote,
  nextStage,
  openStage,
  recordStageAsked,
  recordStageExpired,
  recordStageVote,
  StageRefusal,
  stageApprovers,
  stageSummary,
} from '../../functions/requests/domain/approval.ts';
import type { ServiceRequest } from '../../functions/requests/domain/request.ts';

/* The rules of request approval stages (functions/requests/domain/approval.ts): who is asked, who may vote, when a stage is decided. */

const now = new Date('2026-12-01T10:00:00.000Z');

const request = (overrides: Partial<ServiceRequest> = {}): ServiceRequest =>
  ({
    id: 'R1',
    number: 'REQ0000001',
    item: { id: 'access', version: 1, name: 'Access', category: 'Access' },
    plan: {
      approval: { stages: [{ kind: 'manager' }, { kind: 'group', group: 'owners', quorum: 2 }] },
      fulfilment: { mode: 'parallel', tasks: [] },
      formTitles: {},
    },
    answers: {},
    requester: 'carol',
    manager: 'dave',
    source: 'api',
    status: 'submitted',
    stages: [
      { index: 0, kind: 'manager', approvers: ['dave'], quorum: 1, status: 'waiting', approvals: 0, rejections: 0 },
      { index: 1, kind: 'group', group: 'owners', quorum: 2, status: 'waiting', approvals: 0, rejections: 0 },
    ],
    tasks: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
    ...overrides,
  }) as ServiceRequest;

const groupStage = (members: string[], quorum = 2): ApprovalStage =>
  openStage({ request: request(), index: 1, plan: { kind: 'group', group: 'owners', quorum }, directory: { members }, executionArn: 'arn', now });

describe('who a stage asks', () => {
  it('the manager, or the group members, never the requester; sorted, each once', () => {
    expect(stageApprovers({ kind: 'manager' }, { manager: 'dave' }, 'carol')).toEqual(['dave']);
    expect(stageApprovers({ kind: 'manager' }, { manager: 'carol' }, 'carol')).toEqual([]);
    expect(stageApprovers({ kind: 'manager' }, {}, 'carol')).toEqual([]);
    expect(stageApprovers({ kind: 'group', group: 'g', quorum: 1 }, { members: ['bob', 'carol', 'alice', 'bob'] }, 'carol')).toEqual(['alice', 'bob']);
  });

  it('a stage whose approvers cannot reach its quorum is rejected as it opens; otherwise pending', () => {
    expect(groupStage(['alice', 'bob', 'carol'])).toMatchObject({ status: 'pending', approvers: ['alice', 'bob'], quorum: 2, attempt: 1, version: 1 });
    const short = groupStage(['alice', 'carol']);
    expect(short).toMatchObject({ status: 'rejected', approvers: ['alice'], decidedAt: now.toISOString() });
    expect(recordStageAsked(request(), short, now).next).toMatchObject({ status: 'rejected', rejection: { reason: 'rejected', stage: 1 } });
    expect(recordStageAsked(request(), short, now).next.rejection?.by).toBeUndefined();
  });
});

describe('castStageVote', () => {
  const context = { requester: 'carol', alreadyVoted: false, now };

  it('counts votes until the quorum approves', () => {
    const first = castStageVote(groupStage(['alice', 'bob']), { userId: 'alice', decision: 'approve' }, context);
    expect(first.stage).toMatchObject({ status: 'pending', approvals: 1, version: 2 });
    const second = castStageVote(first.stage, { userId: 'bob', decision: 'approve' }, context);
    expect(second.stage).toMatchObject({ status: 'approved', approvals: 2, decidedAt: now.toISOString() });
    expect(second.vote).toEqual({ requestId: 'R1', stage: 1, userId: 'bob', decision: 'approve', at: now.toISOString() });
  });

  it('any rejection rejects, whatever the approvals', () => {
    const first = castStageVote(groupStage(['alice', 'bob']), { userId: 'alice', decision: 'approve' }, context);
    expect(castStageVote(first.stage, { userId: 'bob', decision: 'reject', comment: 'no' }, context).stage).toMatchObject({
      status: 'rejected',
      rejections: 1,
    });
  });

  it('refuses a decided stage, the requester, anyone not asked, a second vote', () => {
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof StageRefusal ? error.code : 'other';
      }
      return 'none';
    };
    const stage = groupStage(['alice', 'bob', 'carol']);
    expect(code(() => castStageVote({ ...stage, status: 'approved' }, { userId: 'alice', decision: 'approve' }, context))).toBe('NOT_AWAITING_APPROVAL');
    expect(code(() => castStageVote(stage, { userId: 'carol', decision: 'approve' }, context))).toBe('OWN_REQUEST');
    expect(code(() => castStageVote(stage, { userId: 'nina', decision: 'approve' }, context))).toBe('NOT_ASKED');
    expect(code(() => castStageVote(stage, { userId: 'alice', decision: 'approve' }, { ...context, alreadyVoted: true }))).toBe('ALREADY_VOTED');
  });
});

describe('the request as stages move', () => {
  const manager = openStage({ request: request(), index: 0, plan: { kind: 'manager' }, directory: { manager: 'dave' }, executionArn: 'arn', now });

  it('asking a stage: awaiting approval, the stage pending with its approvers, a new version', () => {
    const { next, changes } = recordStageAsked(request(), manager, now);
    expect(next).toMatchObject({ status: 'awaiting_approval', currentStage: 0, version: 2 });
    expect(next.stages[0]).toMatchObject({ status: 'pending', approvers: ['dave'], askedAt: now.toISOString() });
    expect(changes.map((c) => c.field)).toEqual(['stages.0', 'status', 'currentStage']);
  });

  it('the first stage approved: still awaiting approval, the next stage is next; the last approved: approved', () => {
    const asked = recordStageAsked(request(), manager, now).next;
    const cast = castStageVote(manager, { userId: 'dave', decision: 'approve' }, { requester: 'carol', alreadyVoted: false, now });
    const afterFirst = recordStageVote(asked, cast.stage, cast.vote, now).next;
    expect(afterFirst.status).toBe('awaiting_approval');
    expect(nextStage(afterFirst)).toEqual({ done: false, index: 1 });

    const owners = groupStage(['alice', 'bob']);
    const second = recordStageAsked(afterFirst, owners, now).next;
    const a = castStageVote(owners, { userId: 'alice', decision: 'approve' }, { requester: 'carol', alreadyVoted: false, now });
    const b = castStageVote(a.stage, { userId: 'bob', decision: 'approve' }, { requester: 'carol', alreadyVoted: false, now });
    const approved = recordStageVote(recordStageVote(second, a.stage, a.vote, now).next, b.stage, b.vote, now).next;
    expect(approved).toMatchObject({ status: 'approved', approvedAt: now.toISOString() });
    expect(nextStage(approved)).toEqual({ done: true });
  });

  it('a rejection rejects the request naming who; an expiry rejects it as expired', () => {
    const asked = recordStageAsked(request(), manager, now).next;
    const cast = castStageVote(manager, { userId: 'dave', decision: 'reject', comment: 'no' }, { requester: 'carol', alreadyVoted: false, now });
    expect(recordStageVote(asked, cast.stage, cast.vote, now).next).toMatchObject({
      status: 'rejected',
      rejection: { reason: 'rejected', by: 'dave', stage: 0 },
    });
    expect(nextStage(recordStageVote(asked, cast.stage, cast.vote, now).next)).toEqual({ ended: 'rejected', index: 0 });
    const expired = recordStageExpired(asked, manager, now);
    expect(expired.stage).toMatchObject({ status: 'expired', version: 2 });
    expect(expired.next).toMatchObject({ status: 'rejected', rejection: { reason: 'expired', stage: 0 } });
    expect(stageSummary(expired.stage).status).toBe('expired');
  });
});
