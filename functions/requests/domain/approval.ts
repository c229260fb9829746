import type { FieldDiff } from '../../shared/domain/audit.ts';
import type { CatalogApprovalStage } from './catalog.ts';
import type { RequestStageSummary, ServiceRequest, StageStatus } from './request.ts';

/*
 * Approval stages of a service request: who a stage asks, who may vote, and when it is decided.
 * The same rules as change votes (functions/changes/domain/approval.ts):
 *  - only the approvers the stage asked vote: the requester's manager for a manager stage, the
 *    group's members when the stage was asked for a group stage;
 *  - nobody approves their own request: the requester is never asked, and refused if they vote;
 *  - each person votes once per stage; any rejection rejects the stage (and the request), `quorum`
 *    approvals approve it;
 *  - a decided stage takes no more votes.
 * Stages run in order; the workflow (statemachines/request-fulfilment.asl.json) asks each in turn.
 *
 * A stage nobody can approve (the requester has no manager, or the group has fewer members other
 * than the requester than the quorum) is rejected as soon as it is asked: approving by default
 * would let a request skip the control its item asks for, and waiting would only reach the same
 * end after every reminder. The stage shows `approvers` (possibly []) and the request
 * `rejection.reason: 'rejected'` without `by`.
 */

export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];

/** A stage as the workflow opened it: the request's summary of it, and what only the workflow needs. */
export interface ApprovalStage {
  requestId: string;
  index: number;
  kind: CatalogApprovalStage['kind'];
  group?: string;
  quorum: number;
  /** Who was asked when the stage opened (sorted), without the requester. */
  approvers: string[];
  status: StageStatus;
  approvals: number;
  rejections: number;
  /** 1 at the first ask; each reminder hands the approvers a new task token: a new attempt. */
  attempt: number;
  remindersSent: number;
  askedAt: string;
  decidedAt?: string;
  executionArn: string;
  version: number;
}

export interface StageVote {
  requestId: string;
  stage: number;
  userId: string;
  decision: Decision;
  comment?: string;
  at: string;
}

export type StageRefusalCode = 'NOT_AWAITING_APPROVAL' | 'NOT_ASKED' | 'OWN_REQUEST' | 'ALREADY_VOTED';

export class StageRefusal extends Error {
  constructor(
    readonly code: StageRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'StageRefusal';
  }
}

/** The quorum a stage of the plan needs: one for the manager. */
export const stageQuorum = (plan: CatalogApprovalStage): number => (plan.kind === 'manager' ? 1 : plan.quorum);

/** Who a stage asks: the manager, or the group's members, never the requester; sorted, each once. */
export function stageApprovers(plan: CatalogApprovalStage, directory: { manager?: string; members?: readonly string[] }, requester: string): string[] {
  const candidates = plan.kind === 'manager' ? (directory.manager === undefined ? [] : [directory.manager]) : (directory.members ?? []);
  return [...new Set(candidates)].filter((user) => user !== requester).sort();
}

/** The stage the workflow opens: pending, or rejected at once when its approvers cannot reach its quorum. */
export function openStage(input: {
  request: Pick<ServiceRequest, 'id' | 'requester'>;
  index: number;
  plan: CatalogApprovalStage;
  directory: { manager?: string; members?: readonly string[] };
  executionArn: string;
  now: Date;
}): ApprovalStage {
  const approvers = stageApprovers(input.plan, input.directory, input.request.requester);
  const quorum = stageQuorum(input.plan);
  const at = input.now.toISOString();
  return {
    requestId: input.request.id,
    index: input.index,
    kind: input.plan.kind,
    ...(input.plan.kind === 'group' ? { group: input.plan.group } : {}),
    quorum,
    approvers,
    status: approvers.length < quorum ? 'rejected' : 'pending',
    approvals: 0,
    rejections: 0,
    attempt: 1,
    remindersSent: 0,
    askedAt: at,
    ...(approvers.length < quorum ? { decidedAt: at } : {}),
    executionArn: input.executionArn,
    version: 1,
  };
}

/** Counts one vote; the stage that results, decided or not. Refusals say why, in the order a voter can act on. */
export function castStageVote(
  stage: ApprovalStage,
  input: { userId: string; decision: Decision; comment?: string },
  context: { requester: string; alreadyVoted: boolean; now: Date },
): { stage: ApprovalStage; vote: StageVote } {
  if (stage.status !== 'pending') {
    throw new StageRefusal('NOT_AWAITING_APPROVAL', `Stage ${stage.index + 1} of this request is ${stage.status}: it takes no more votes`);
  }
  if (input.userId === context.requester) throw new StageRefusal('OWN_REQUEST', 'Nobody approves their own request');
  if (!stage.approvers.includes(input.userId)) {
    throw new StageRefusal(
      'NOT_ASKED',
      stage.kind === 'manager'
        ? "Only the requester's manager decides this stage"
        : `Only the members of ${stage.group} asked when the stage opened decide this stage`,
    );
  }
  if (context.alreadyVoted) throw new StageRefusal('ALREADY_VOTED', `You already voted on stage ${stage.index + 1} of this request`);

  const at = context.now.toISOString();
  const vote: StageVote = {
    requestId: stage.requestId,
    stage: stage.index,
    userId: input.userId,
    decision: input.decision,
    ...(input.comment === undefined ? {} : { comment: input.comment }),
    at,
  };
  const next: ApprovalStage = {
    ...stage,
    approvals: stage.approvals + (input.decision === 'approve' ? 1 : 0),
    rejections: stage.rejections + (input.decision === 'reject' ? 1 : 0),
    version: stage.version + 1,
  };
  if (next.rejections > 0) next.status = 'rejected';
  else if (next.approvals >= next.quorum) next.status = 'approved';
  if (next.status !== 'pending') next.decidedAt = at;
  return { stage: next, vote };
}

/** The stage as the request shows it. */
export function stageSummary(stage: ApprovalStage): RequestStageSummary {
  return {
    index: stage.index,
    kind: stage.kind,
    ...(stage.group === undefined ? {} : { group: stage.group }),
    approvers: [...stage.approvers],
    quorum: stage.quorum,
    status: stage.status,
    approvals: stage.approvals,
    rejections: stage.rejections,
    askedAt: stage.askedAt,
    ...(stage.decidedAt === undefined ? {} : { decidedAt: stage.decidedAt }),
  };
}

/** The next stage to decide: the first neither approved nor `waiting` behind a pending one; none when every stage is approved. */
export function nextStage(request: ServiceRequest): { done: true } | { done: false; index: number } | { ended: StageStatus; index: number } {
  for (const stage of request.stages) {
    if (stage.status === 'approved') continue;
    if (stage.status === 'waiting' || stage.status === 'pending') return { done: false, index: stage.index };
    return { ended: stage.status, index: stage.index };
  }
  return { done: true };
}

/** Statuses in which the approval part of the workflow still acts on the request. */
export const APPROVING_STATUSES: ReadonlySet<ServiceRequest['status']> = new Set(['submitted', 'awaiting_approval']);

export interface RequestMove {
  next: ServiceRequest;
  changes: FieldDiff[];
}

const bump = (request: ServiceRequest, now: Date, fields: Partial<ServiceRequest>): ServiceRequest => ({
  ...request,
  ...fields,
  updatedAt: now.toISOString(),
  version: request.version + 1,
});

const withStage = (request: ServiceRequest, summary: RequestStageSummary): RequestStageSummary[] =>
  request.stages.map((stage) => (stage.index === summary.index ? summary : stage));

/** The stage's summary and, if it changed, the request's status: one diff per field that moved. */
function moveRequest(request: ServiceRequest, stage: ApprovalStage, now: Date, fields: Partial<ServiceRequest>): RequestMove {
  const before = request.stages.find((s) => s.index === stage.index);
  const after = stageSummary(stage);
  const next = bump(request, now, { stages: withStage(request, after), ...fields });
  const changes: FieldDiff[] = [];
  if (JSON.stringify(before) !== JSON.stringify(after)) changes.push({ field: `stages.${stage.index}`, from: before ?? null, to: after });
  for (const [field, value] of Object.entries(fields)) {
    const from = (request as unknown as Record<string, unknown>)[field];
    if (JSON.stringify(from) !== JSON.stringify(value)) changes.push({ field, from: from ?? null, to: value ?? null });
  }
  return { next, changes };
}

/** The workflow asked the stage: the request awaits it (or is rejected at once when nobody can approve it). */
export function recordStageAsked(request: ServiceRequest, stage: ApprovalStage, now: Date): RequestMove {
  if (stage.status === 'rejected') {
    return moveRequest(request, stage, now, { status: 'rejected', currentStage: stage.index, rejection: { reason: 'rejected', stage: stage.index } });
  }
  return moveRequest(request, stage, now, { status: 'awaiting_approval', currentStage: stage.index });
}

/**
 * A vote was counted: the stage's tally; a rejection rejects the request, naming who; the approval
 * of the last stage approves the request (the workflow then starts its fulfilment).
 */
export function recordStageVote(request: ServiceRequest, stage: ApprovalStage, vote: StageVote, now: Date): RequestMove {
  if (stage.status === 'rejected') {
    return moveRequest(request, stage, now, { status: 'rejected', rejection: { reason: 'rejected', by: vote.userId, stage: stage.index } });
  }
  const allApproved = stage.status === 'approved' && request.stages.every((s) => s.index === stage.index || s.status === 'approved');
  return moveRequest(request, stage, now, allApproved ? { status: 'approved', approvedAt: now.toISOString() } : {});
}

/** Nobody decided after the reminders: the stage expired and the request is rejected as expired. */
export function recordStageExpired(request: ServiceRequest, stage: ApprovalStage, now: Date): { stage: ApprovalStage } & RequestMove {
  const expired: ApprovalStage = { ...stage, status: 'expired', decidedAt: now.toISOString(), version: stage.version + 1 };
  return { stage: expired, ...moveRequest(request, expired, now, { status: 'rejected', rejection: { reason: 'expired', stage: stage.index } }) };
}

/**
 * Every stage approved (or none to ask): fulfilment starts with its tasks. A request with stages is
 * `approved` by the vote that approved its last stage; one found still awaiting approval with every
 * stage approved (a write from before that rule) is approved here too.
 */
export function recordFulfilmentStarted(request: ServiceRequest, tasks: ServiceRequest['tasks'], now: Date): RequestMove {
  const approvedNow = request.stages.length > 0 && request.approvedAt === undefined;
  const at = now.toISOString();
  const next = bump(request, now, { status: 'in_fulfilment', tasks, ...(approvedNow ? { approvedAt: at } : {}) });
  const changes: FieldDiff[] = [
    { field: 'status', from: request.status, to: 'in_fulfilment' },
    ...(approvedNow ? [{ field: 'approvedAt', from: null, to: at }] : []),
    { field: 'tasks', from: request.tasks, to: tasks },
  ];
  return { next, changes };
}
