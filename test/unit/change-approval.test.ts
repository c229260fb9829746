import { describe, expect, it } from 'vitest';
import { ApprovalRefusal, castVote, eligibleVoters, openRound, votingGroups } from '../../functions/changes/domain/approval.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const members = new Map([
  ['cab', ['ada', 'alice', 'nina']],
  ['change-managers', ['mona']],
]);

const round = (overrides: Partial<ReturnType<typeof openRound>> = {}) => ({
  ...openRound({
    changeId: 'c1',
    round: 1,
    board: 'cab',
    groups: ['cab'],
    quorum: 2,
    members,
    requester: 'alice',
    attempt: 1,
    escalated: false,
    executionArn: 'arn',
    now: NOW,
  }),
  ...overrides,
});

const vote = (r: ReturnType<typeof round>, userId: string, decision: 'approve' | 'reject', alreadyVoted = false) =>
  castVote(r, { userId, decision }, { requester: 'alice', eligible: eligibleVoters(r, members, 'change-managers'), alreadyVoted, now: NOW });

const refusal = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    if (error instanceof ApprovalRefusal) return error.code;
    throw error;
  }
  return undefined;
};

describe('approval rounds', () => {
  it('asks the board without the requester, sorted', () => {
    expect(round()).toMatchObject({ asked: ['ada', 'nina'], status: 'pending', approvals: 0, rejections: 0, version: 1 });
  });

  it('is approved by the quorum, not before', () => {
    const first = vote(round(), 'ada', 'approve');
    expect(first.round).toMatchObject({ status: 'pending', approvals: 1, version: 2 });
    const second = vote(first.round, 'nina', 'approve');
    expect(second.round).toMatchObject({ status: 'approved', approvals: 2, decidedAt: NOW.toISOString() });
  });

  it('is rejected by any rejection, whatever the approvals', () => {
    const approved = vote(round(), 'ada', 'approve').round;
    expect(vote(approved, 'nina', 'reject').round).toMatchObject({ status: 'rejected', approvals: 1, rejections: 1 });
  });

  it('refuses the requester, outsiders, second votes and decided rounds', () => {
    expect(refusal(() => vote(round(), 'alice', 'approve'))).toBe('OWN_CHANGE');
    expect(refusal(() => vote(round(), 'mona', 'approve'))).toBe('NOT_ELIGIBLE');
    expect(refusal(() => vote(round(), 'ada', 'approve', true))).toBe('ALREADY_VOTED');
    expect(refusal(() => vote(round({ status: 'approved' }), 'ada', 'approve'))).toBe('NOT_AWAITING_APPROVAL');
  });

  it('lets the change managers vote once the round is escalated', () => {
    const escalated = round({ escalated: true });
    expect(votingGroups(escalated, 'change-managers')).toEqual(['cab', 'change-managers']);
    expect(vote(escalated, 'mona', 'approve').round.approvals).toBe(1);
  });
});
