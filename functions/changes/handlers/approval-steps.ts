import * as z from 'zod';
import type { FieldDiff } from '../../shared/domain/audit.ts';
import type { Recipients } from '../../shared/domain/outbox.ts';
import { eventFields, log, withLogContext } from '../../shared/log.ts';
import { newId } from '../../shared/store/audit.ts';
import type { TransactItem } from '../../shared/store/db.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { changeRequestWrite } from '../change-request-write.ts';
import { BOARDS, boardGroups, openRound, type Vote } from '../domain/approval.ts';
import { advanceByWorkflow, type Change, markRejected, markScheduled, recordStartCheck, startBlockers } from '../domain/change.ts';
import { type ApprovalReference, type ChangeEventType, changeOutboxRecord, requesterAndGroup } from '../domain/events.ts';
import { currentRound, readApprovals, readDirectory, roundCreate, roundReplace, type StoredRound, startHoldPut } from '../store/approval-store.ts';
import { blackoutsOverlapping } from '../store/blackout-store.ts';
import { type ChangeConfig, loadChangeConfig } from '../store/change-config-store.ts';
import { changeOutboxPut } from '../store/change-outbox.ts';
import { changeHistoryPut, changeUnchanged, getChangeById } from '../store/change-store.ts';
import { answerApproval, ChangeWithdrawn, resumeHeldStart } from '../workflow.ts';

/*
 * The Task states of statemachines/change-approval.asl.json, one function told apart by `step`.
 * Step Functions retries Tasks and the local runner replays executions after a restart, so every
 * step is idempotent: a round is opened once (later attempts only hand it the new token), a status
 * the change already has is not moved again, and a decision already reached is settled at once
 * with the new token. A change canceled, or submitted again since, ends the execution quietly
 * (ChangeWithdrawn, caught by the workflow).
 */

const WORKFLOW_ACTOR = 'change-approval';
/** Another writer (a voter, an agent) moved the change or the round between our read and our write: read again. */
const ATTEMPTS = 4;

const common = { changeId: z.string(), round: z.number().int().min(1), state: z.string(), executionArn: z.string() };
const board = z.enum(BOARDS);
const stepInput = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('request-approval'),
    ...common,
    taskToken: z.string(),
    type: z.string(),
    risk: z.string(),
    board,
    quorum: z.number().int().min(1),
    attempt: z.number().int().min(1),
    escalated: z.boolean(),
  }),
  z.object({ step: z.literal('remind'), ...common, board, quorum: z.number().int(), reminder: z.number().int().min(1) }),
  z.object({ step: z.literal('escalate'), ...common, board, quorum: z.number().int(), remindersSent: z.number().int() }),
  z.object({ step: z.literal('mark-expired'), ...common, board, attempts: z.number().int() }),
  z.object({ step: z.literal('mark-rejected'), ...common, board, cause: z.string().optional() }),
  z.object({
    step: z.literal('mark-scheduled'),
    ...common,
    type: z.string(),
    board,
    decision: z.string(),
    reviewRequired: z.boolean(),
    plannedStart: z.string(),
    waitForPlannedStart: z.boolean(),
  }),
  z.object({ step: z.literal('start-implementation'), ...common, type: z.string(), reviewRequired: z.boolean() }),
  z.object({ step: z.literal('check-start'), ...common }),
  z.object({ step: z.literal('hold-start'), ...common, taskToken: z.string() }),
]);
type StepInput = z.output<typeof stepInput>;
type Step<S extends StepInput['step']> = Extract<StepInput, { step: S }>;

const actor = { userId: WORKFLOW_ACTOR };

/** The statuses in which the round's workflow may still act on the change. */
const WAITING = new Set(['assess', 'authorize']);

async function loadFor(input: StepInput, statuses: ReadonlySet<string>): Promise<Change> {
  const change = await getChangeById(input.changeId);
  if (change === undefined) throw new ChangeWithdrawn(`Change ${input.changeId} does not exist`);
  if (change.submissions !== input.round)
    throw new ChangeWithdrawn(`${change.number} was submitted again (round ${change.submissions}); round ${input.round} is over`);
  if (!statuses.has(change.status)) throw new ChangeWithdrawn(`${change.number} is ${change.status}`);
  return change;
}

const reference = (round: StoredRound, decision?: ApprovalReference['decision']): ApprovalReference => ({
  round: round.round,
  board: round.board,
  quorum: round.quorum,
  approvals: round.approvals,
  rejections: round.rejections,
  ...(decision === undefined ? {} : { decision }),
});

/** Runs `attempt` again when a concurrent writer won the race on the change or the round. */
function retryOnRace<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  return retryOnConflict(attempt, {
    attempts: ATTEMPTS,
    isConflict: (error) => error instanceof TransactionRefused,
    onRetry: (_error, failed) => log.info('approval step raced another writer; reading again', { step: what, attempt: failed }),
  });
}

async function requestApproval(input: Step<'request-approval'>): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const [change, approvals] = await Promise.all([loadFor(input, WAITING), readApprovals(input.changeId)]);
    const existing = currentRound(approvals, input.round);

    // The first ask: the change is still `assess` (this step moves it on). Submission recorded the
    // round already (older submissions did not); the workflow's routing, quorum and the board's
    // members now are what count, so the round is rewritten from them, keeping when it was recorded.
    if (existing === undefined || (change.status === 'assess' && existing.status !== 'withdrawn')) {
      const config = await loadChangeConfig();
      const firstLook = await readDirectory([], input.board === 'owner-group' ? change.services : []);
      const groups = boardGroups(input.board, change, config, firstLook.owners);
      const { members } = await readDirectory(groups);
      const opened = openRound({
        changeId: change.id,
        round: input.round,
        board: input.board,
        groups,
        quorum: input.quorum,
        members,
        requester: change.createdBy,
        attempt: input.attempt,
        escalated: input.escalated,
        executionArn: input.executionArn,
        now,
      });
      // Votes cast since submission count, against the workflow's quorum.
      const round = existing === undefined ? opened : tallied({ ...opened, requestedAt: existing.requestedAt, version: existing.version + 1 }, existing, now);
      const decided = round.status !== 'pending';
      const { next, changes } = advanceByWorkflow(change, 'authorize', input.state, { actor, now });
      await transactWrite([
        ...changeRequestWrite({
          before: change,
          after: next,
          actor: WORKFLOW_ACTOR,
          changes,
          now,
          // A round decided before the ask asks nobody: the change just moves on.
          ...(decided
            ? {}
            : { event: { type: 'Change Approval Requested' as const, recipients: { users: round.asked, groups: [] }, approval: reference(round) } }),
        }),
        existing === undefined
          ? roundCreate({ ...round, taskToken: input.taskToken })
          : roundReplace({ ...round, taskToken: input.taskToken }, existing.version),
      ]);
      if (decided) await settleDecided(input.taskToken, round, approvals.votes);
      if (round.asked.length === 0)
        log.warn('nobody can approve this change: its board has no members other than the requester', { change: change.number, groups });
      return { requested: round.asked.length, round: round.round };
    }

    // A later attempt (after a reminder, the escalation, or a replay): the board keeps its votes and gets the new token.
    const next: StoredRound = {
      ...existing,
      taskToken: input.taskToken,
      attempt: input.attempt,
      escalated: existing.escalated || input.escalated,
      version: existing.version + 1,
    };
    await transactWrite([roundReplace(next, existing.version)]);
    await settleDecided(input.taskToken, existing, approvals.votes);
    return { requested: 0, round: existing.round, attempt: input.attempt };
  });
}

/** The round as the workflow opens it, with the votes cast since submission counted against its quorum. */
function tallied(opened: StoredRound, recorded: StoredRound, now: Date): StoredRound {
  const round: StoredRound = { ...opened, approvals: recorded.approvals, rejections: recorded.rejections };
  if (round.rejections > 0) round.status = 'rejected';
  else if (round.approvals >= round.quorum) round.status = 'approved';
  if (round.status !== 'pending') round.decidedAt = recorded.decidedAt ?? now.toISOString();
  return round;
}

/** A round already decided answers the token it was just handed, at once. */
async function settleDecided(taskToken: string, round: StoredRound, votes: readonly Vote[]): Promise<void> {
  if (round.status === 'approved') {
    const approvers = votes
      .filter((v) => v.round === round.round && v.decision === 'approve')
      .map((v) => v.userId)
      .sort();
    await answerApproval(taskToken, { approved: true, approvers });
  } else if (round.status === 'rejected') {
    const rejection = votes.find((v) => v.round === round.round && v.decision === 'reject');
    await answerApproval(taskToken, {
      approved: false,
      by: rejection?.userId ?? 'unknown',
      ...(rejection?.comment === undefined ? {} : { comment: rejection.comment }),
    });
  }
}

/**
 * A reminder or the escalation: the round records it and one outbox record tells the people concerned.
 * The change itself is not rewritten (its ETag does not move), only checked to exist; its history says
 * what happened to its approval.
 */
async function noteOnRound(
  input: StepInput,
  update: (round: StoredRound) => { next: StoredRound; changes: FieldDiff[] } | undefined,
  event: (round: StoredRound, change: Change, config: ChangeConfig) => { type: ChangeEventType; recipients: Recipients },
): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const [change, approvals, config] = await Promise.all([loadFor(input, WAITING), readApprovals(input.changeId), loadChangeConfig()]);
    const round = currentRound(approvals, input.round);
    if (round === undefined) throw new Error(`${change.number} has no approval round ${input.round}`);
    const updated = update(round);
    if (updated === undefined) return { already: true };
    const { type, recipients } = event(updated.next, change, config);
    const record = changeOutboxRecord({
      eventId: newId(),
      type,
      change,
      actor: WORKFLOW_ACTOR,
      occurredAt: now.toISOString(),
      recipients,
      approval: reference(updated.next),
    });
    const items: TransactItem[] = [
      roundReplace(updated.next, round.version),
      changeUnchanged(change),
      changeHistoryPut(change.id, { at: now.toISOString(), actor: WORKFLOW_ACTOR, action: 'updated', version: change.version, changes: updated.changes }),
      changeOutboxPut(record, now),
    ];
    await transactWrite(items);
    return { notified: recipients };
  });
}

const notYetVoted = (round: StoredRound, votes: readonly { userId: string; round: number }[]) =>
  round.asked.filter((user) => !votes.some((v) => v.round === round.round && v.userId === user));

async function remind(input: Step<'remind'>): Promise<unknown> {
  const { votes } = await readApprovals(input.changeId);
  return noteOnRound(
    input,
    (round) =>
      round.remindersSent >= input.reminder
        ? undefined
        : {
            next: { ...round, remindersSent: input.reminder, version: round.version + 1 },
            changes: [{ field: 'approval.remindersSent', from: round.remindersSent, to: input.reminder }],
          },
    (round) => ({ type: 'Change Approval Reminder', recipients: { users: notYetVoted(round, votes), groups: [] } }),
  );
}

async function escalate(input: Step<'escalate'>): Promise<unknown> {
  return noteOnRound(
    input,
    (round) =>
      round.escalated
        ? undefined
        : { next: { ...round, escalated: true, version: round.version + 1 }, changes: [{ field: 'approval.escalated', from: false, to: true }] },
    (_round, _change, config) => ({ type: 'Change Approval Escalated', recipients: { users: [], groups: [config.changeManagersGroup] } }),
  );
}

/** Ends the change as the workflow decided (rejected or expired), once. */
async function endRound(input: Step<'mark-rejected'> | Step<'mark-expired'>, outcome: 'rejected' | 'expired'): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const [change, approvals] = await Promise.all([loadFor(input, new Set([...WAITING, 'rejected'])), readApprovals(input.changeId)]);
    if (change.status === 'rejected') return { already: true };
    const round = currentRound(approvals, input.round);
    const rejection =
      input.step === 'mark-expired'
        ? { by: WORKFLOW_ACTOR, at: now.toISOString(), comment: `No decision from the ${input.board} board after ${input.attempts} waits and the escalation` }
        : rejectionFrom(
            input.cause,
            now,
            approvals.votes.find((v) => v.round === input.round && v.decision === 'reject'),
          );
    const { next, changes } = markRejected(change, rejection, input.state, { actor, now });
    const decided: StoredRound | undefined =
      round === undefined || round.status !== 'pending' ? undefined : { ...round, status: outcome, decidedAt: now.toISOString(), version: round.version + 1 };
    await transactWrite([
      ...changeRequestWrite({
        before: change,
        after: next,
        actor: WORKFLOW_ACTOR,
        changes,
        now,
        event: {
          type: outcome === 'expired' ? 'Change Expired' : 'Change Rejected',
          recipients: requesterAndGroup(change),
          ...(round === undefined ? {} : { approval: reference(decided ?? round, outcome) }),
        },
      }),
      ...(decided === undefined || round === undefined ? [] : [roundReplace(decided, round.version)]),
    ]);
    return { status: next.status };
  });
}

/** The rejection as the approvals API sent it (JSON `{ by, comment }` in the error's cause), else from the vote. */
function rejectionFrom(cause: string | undefined, now: Date, vote: { userId: string; comment?: string } | undefined) {
  let parsed: { by?: unknown; comment?: unknown } = {};
  try {
    parsed = JSON.parse(cause ?? '{}') as typeof parsed;
  } catch {
    parsed = { comment: cause };
  }
  const by = typeof parsed.by === 'string' ? parsed.by : (vote?.userId ?? 'unknown');
  const comment = typeof parsed.comment === 'string' ? parsed.comment : vote?.comment;
  return { by, at: now.toISOString(), ...(comment === undefined ? {} : { comment }) };
}

async function scheduled(input: Step<'mark-scheduled'>): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const [change, approvals] = await Promise.all([loadFor(input, new Set(['assess', 'authorize', 'scheduled'])), readApprovals(input.changeId)]);
    const round = currentRound(approvals, input.round);
    const waits = input.waitForPlannedStart && Date.parse(input.plannedStart) > now.getTime();
    const { next, changes } = markScheduled(
      change,
      { reviewRequired: input.reviewRequired, state: waits ? 'WaitForPlannedStart' : input.state },
      { actor, now },
    );
    if (changes.length === 0) return { already: true };
    await transactWrite(
      changeRequestWrite({
        before: change,
        after: next,
        actor: WORKFLOW_ACTOR,
        changes,
        now,
        event: {
          type: 'Change Scheduled',
          recipients: requesterAndGroup(change),
          ...(round === undefined ? {} : { approval: reference(round, 'approved') }),
        },
      }),
    );
    return { status: next.status, decision: input.decision };
  });
}

async function startImplementation(input: Step<'start-implementation'>): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const change = await loadFor(input, new Set(['scheduled', 'implement']));
    const { next, changes } = advanceByWorkflow(change, 'implement', input.state, { actor, now });
    if (changes.length === 0) return { notified: 'already' };
    await transactWrite(
      changeRequestWrite({
        before: change,
        after: next,
        actor: WORKFLOW_ACTOR,
        changes,
        now,
        // The implementers: the change's group; its requester hears of it too.
        event: { type: 'Change Implementation Started', recipients: requesterAndGroup(change) },
      }),
    );
    return { notified: change.assignmentGroup ?? change.createdBy };
  });
}

/**
 * Before the start: the freezes are read again, since one may have been declared after the change
 * was approved. A held start is recorded on the change (why, since when) and announced once; a
 * start no longer held has its block removed. The state the change then waits in is named for its
 * readers: AwaitStartOverride.
 */
async function checkStart(input: Step<'check-start'>): Promise<{ blocked: boolean; blackouts?: string[] }> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const change = await loadFor(input, new Set(['scheduled', 'implement']));
    // Started already (a retried step or a replay): nothing left to hold.
    if (change.status === 'implement') return { blocked: false };
    const blackouts = await blackoutsOverlapping(change.plannedStart, change.plannedEnd);
    const blockers = startBlockers(change, blackouts);
    const { next, changes } = recordStartCheck(change, blockers, 'AwaitStartOverride', { actor, now });
    if (changes.length > 0) {
      const newlyHeld = blockers.length > 0 && next.startBlocked !== change.startBlocked;
      const recipients = newlyHeld
        ? { ...requesterAndGroup(change), groups: [...requesterAndGroup(change).groups, (await loadChangeConfig()).changeManagersGroup] }
        : undefined;
      await transactWrite(
        changeRequestWrite({
          before: change,
          after: next,
          actor: WORKFLOW_ACTOR,
          changes,
          now,
          ...(recipients === undefined ? {} : { event: { type: 'Change Start Blocked' as const, recipients } }),
        }),
      );
    }
    return blockers.length === 0 ? { blocked: false } : { blocked: true, blackouts: blockers.map((b) => b.name) };
  });
}

/**
 * The held start waits for an admin: the token is kept where the override finds it, conditioned on
 * the change not having moved since it was read, so an override committed in between is never
 * missed (the step reads again, finds it, and answers its own token).
 */
async function holdStart(input: Step<'hold-start'>): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const change = await loadFor(input, new Set(['scheduled']));
    if (change.startOverride !== undefined) {
      await resumeHeldStart(input.taskToken, { by: change.startOverride.by });
      return { overridden: true };
    }
    await transactWrite([
      changeUnchanged(change),
      startHoldPut({ changeId: change.id, round: input.round, taskToken: input.taskToken, since: new Date().toISOString() }),
    ]);
    return { held: true };
  });
}

export const handler = withLogContext(runApprovalStep, eventFields('step', 'changeId', 'round', 'executionArn'));
async function runApprovalStep(event: unknown): Promise<unknown> {
  const parsed = stepInput.safeParse(event);
  // A malformed call is a bug in the workflow definition: fail loudly (the Task's Retry gives up, the alarm fires).
  if (!parsed.success) throw new Error(`Unexpected change approval step input: ${parsed.error.message}`);
  const input = parsed.data;
  switch (input.step) {
    case 'request-approval':
      return requestApproval(input);
    case 'remind':
      return remind(input);
    case 'escalate':
      return escalate(input);
    case 'mark-rejected':
      return endRound(input, 'rejected');
    case 'mark-expired':
      return endRound(input, 'expired');
    case 'mark-scheduled':
      return scheduled(input);
    case 'start-implementation':
      return startImplementation(input);
    case 'check-start':
      return checkStart(input);
    case 'hold-start':
      return holdStart(input);
  }
}
