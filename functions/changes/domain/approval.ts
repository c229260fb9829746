/*
 * Approval rounds: who is asked to approve a change, who may vote, and when a round is decided.
 *
 * Each submission of a change opens one round (numbered like the submission). The workflow decides
 * which board is asked (statemachines/change-approval.asl.json: the owner group for a low-risk normal
 * change, the CAB with its quorum for a medium or high one, the emergency CAB for an emergency); this
 * module decides who that is and counts the votes:
 *  - the members of the board's groups may vote, except whoever raised the change: nobody approves
 *    their own change (separation of duties, as auditors expect of a CAB);
 *  - once the round is escalated, the change managers may vote too, so an absent board cannot block
 *    a change forever;
 *  - each person votes once per round; any rejection rejects the round, `quorum` approvals approve it;
 *  - a decided round takes no more votes.
 */

export const BOARDS = ['none', 'owner-group', 'cab', 'ecab'] as const;
export type Board = (typeof BOARDS)[number];

/** `withdrawn`: the change was canceled or edited back to draft before the workflow acted on the round (the next submission opens a new round). */
export const ROUND_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'withdrawn'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];

export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];

export interface ApprovalRound {
  changeId: string;
  round: number;
  board: Board;
  /** The directory groups whose members are the board. */
  groups: string[];
  quorum: number;
  /** Who was asked: the board's members when the round opened, without the change's requester. */
  asked: string[];
  status: RoundStatus;
  /**
   * 0 while the round is only on record (submission wrote it, the workflow has not asked yet); the
   * workflow's first ask makes it 1, and each reminder or escalation hands the board a new task token: a new attempt.
   */
  attempt: number;
  remindersSent: number;
  escalated: boolean;
  approvals: number;
  rejections: number;
  requestedAt: string;
  decidedAt?: string;
  executionArn: string;
  version: number;
}

export interface Vote {
  changeId: string;
  round: number;
  userId: string;
  decision: Decision;
  comment?: string;
  at: string;
}

export type ApprovalRefusalCode = 'NOT_AWAITING_APPROVAL' | 'NOT_ELIGIBLE' | 'OWN_CHANGE' | 'ALREADY_VOTED';

export class ApprovalRefusal extends Error {
  constructor(
    readonly code: ApprovalRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApprovalRefusal';
  }
}

/** Who may vote in the round now: the board's current members, plus the change managers once escalated. */
export function eligibleVoters(round: ApprovalRound, members: ReadonlyMap<string, readonly string[]>, changeManagersGroup: string): Set<string> {
  const groups = round.escalated ? [...round.groups, changeManagersGroup] : round.groups;
  return new Set(groups.flatMap((group) => members.get(group) ?? []));
}

/** The groups whose members decide whether `userId` may vote. */
export const votingGroups = (round: ApprovalRound, changeManagersGroup: string): string[] => [
  ...new Set(round.escalated ? [...round.groups, changeManagersGroup] : round.groups),
];

export interface VoteContext {
  requester: string;
  eligible: ReadonlySet<string>;
  alreadyVoted: boolean;
  now: Date;
}

/** Counts one vote; the round that results, decided or not. Refusals say why, in the order a voter can act on. */
export function castVote(
  round: ApprovalRound,
  input: { userId: string; decision: Decision; comment?: string },
  context: VoteContext,
): { round: ApprovalRound; vote: Vote } {
  if (round.status !== 'pending') {
    throw new ApprovalRefusal('NOT_AWAITING_APPROVAL', `Round ${round.round} of this change is ${round.status}: it takes no more votes`);
  }
  if (input.userId === context.requester) throw new ApprovalRefusal('OWN_CHANGE', 'Nobody approves their own change');
  if (!context.eligible.has(input.userId)) {
    throw new ApprovalRefusal(
      'NOT_ELIGIBLE',
      `Only members of ${round.groups.join(', ')}${round.escalated ? ' or the change managers' : ''} vote on this change`,
    );
  }
  if (context.alreadyVoted) throw new ApprovalRefusal('ALREADY_VOTED', `You already voted in round ${round.round} of this change`);

  const at = context.now.toISOString();
  const vote: Vote = {
    changeId: round.changeId,
    round: round.round,
    userId: input.userId,
    decision: input.decision,
    ...(input.comment === undefined ? {} : { comment: input.comment }),
    at,
  };
  const next: ApprovalRound = {
    ...round,
    approvals: round.approvals + (input.decision === 'approve' ? 1 : 0),
    rejections: round.rejections + (input.decision === 'reject' ? 1 : 0),
    version: round.version + 1,
  };
  if (next.rejections > 0) next.status = 'rejected';
  else if (next.approvals >= next.quorum) next.status = 'approved';
  if (next.status !== 'pending') next.decidedAt = at;
  return { round: next, vote };
}

/**
 * The board a change goes to, as statemachines/change-approval.asl.json routes it (RouteChange):
 * submission records the round with it so the round is readable at once; the workflow's first ask
 * takes the round over with its own routing and settings, which win where an admin tuned them.
 */
export function boardFor(type: string, riskLevel: string | undefined): Board {
  if (type === 'standard') return 'none';
  if (type === 'emergency') return 'ecab';
  return riskLevel === 'medium' || riskLevel === 'high' ? 'cab' : 'owner-group';
}

/** The configuration's groups a board is made of. */
export interface BoardGroupsConfig {
  cabGroup: string;
  emergencyGroup: string;
}

/** Which groups make up the board: for the owner group, the owners of the affected services. */
export function boardGroups(
  board: Board,
  change: { services: readonly string[]; assignmentGroup?: string },
  config: BoardGroupsConfig,
  owners: ReadonlyMap<string, string>,
): string[] {
  switch (board) {
    case 'cab':
      return [config.cabGroup];
    case 'ecab':
      return [config.emergencyGroup];
    case 'none':
      return [];
    case 'owner-group': {
      const groups = [...new Set(change.services.map((service) => owners.get(service)).filter((g): g is string => g !== undefined))];
      // A change on no owned service is approved by its own group, and failing that by the CAB.
      if (groups.length > 0) return groups;
      return [change.assignmentGroup ?? config.cabGroup];
    }
  }
}

/**
 * The round of a change edited back to draft ends `withdrawn`, even one its board decided before the
 * workflow asked: that decision was about the plan before the edit.
 */
export function withdrawRound<R extends ApprovalRound>(round: R, now: Date): R | undefined {
  if (round.status === 'withdrawn') return undefined;
  return { ...round, status: 'withdrawn', decidedAt: now.toISOString(), version: round.version + 1 };
}

/** A new round, as submission records it (attempt 0) or the workflow opens it. */
export function openRound(input: {
  changeId: string;
  round: number;
  board: Board;
  groups: string[];
  quorum: number;
  members: ReadonlyMap<string, readonly string[]>;
  requester: string;
  attempt: number;
  escalated: boolean;
  executionArn: string;
  now: Date;
}): ApprovalRound {
  const asked = [...new Set(input.groups.flatMap((group) => input.members.get(group) ?? []))].filter((user) => user !== input.requester).sort();
  return {
    changeId: input.changeId,
    round: input.round,
    board: input.board,
    groups: input.groups,
    quorum: input.quorum,
    asked,
    status: 'pending',
    attempt: input.attempt,
    remindersSent: 0,
    escalated: input.escalated,
    approvals: 0,
    rejections: 0,
    requestedAt: input.now.toISOString(),
    executionArn: input.executionArn,
    version: 1,
  };
}
