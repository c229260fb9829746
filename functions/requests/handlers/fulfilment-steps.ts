import * as z from 'zod';
import { GROUPS, getRecord, USERS } from '../../directory/store/records.ts';
import { eventFields, log, withLogContext } from '../../shared/log.ts';
import { newId } from '../../shared/store/audit.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import {
  APPROVING_STATUSES,
  type ApprovalStage,
  nextStage,
  openStage,
  recordFulfilmentStarted,
  recordStageAsked,
  recordStageExpired,
  stageSummary,
} from '../domain/approval.ts';
import type { CatalogApprovalStage } from '../domain/catalog.ts';
import { requestEventRecord, stageReference } from '../domain/events.ts';
import type { ServiceRequest } from '../domain/request.ts';
import { requestWrite } from '../request-write.ts';
import { askedDelete, askedPut, commitWithAsked, readApprovals, type StoredStage, stageCreate, stageOf, stageReplace } from '../store/approval-store.ts';
import { requestOutboxPut } from '../store/request-outbox.ts';
import { getRequest, requestHistoryPut, requestUnchanged } from '../store/request-store.ts';
import { createFulfilmentTasks } from '../task-write.ts';
import { answerStage, RequestRejected, RequestWithdrawn } from '../workflow.ts';

/*
 * The Task states of statemachines/request-fulfilment.asl.json, one function told apart by `step`.
 * Step Functions retries Tasks and the local runner replays executions after a restart, so every
 * step is idempotent: a stage is opened once (a later ask only hands it the new token, its votes
 * kept), a reminder already counted is not sent again, a request already expired or in fulfilment
 * is not moved again, and a stage decided while its wait timed out is settled at once with the new
 * token. Writes are conditioned on the versions read; a step that lost a race reads again.
 * A request found canceled ends the execution quietly (RequestWithdrawn); one found rejected ends it
 * in Rejected (RequestRejected: the rejection was recorded by whoever rejected it).
 */

const WORKFLOW_ACTOR = 'request-fulfilment';
/** Another writer (a voter, the requester canceling) moved the request or the stage between our read and our write: read again. */
const ATTEMPTS = 4;

const common = { requestId: z.string(), state: z.string(), executionArn: z.string() };
const stepInput = z.discriminatedUnion('step', [
  z.object({ step: z.literal('next-stage'), ...common }),
  z.object({ step: z.literal('ask-stage'), ...common, stage: z.number().int().min(0), attempt: z.number().int().min(1), taskToken: z.string() }),
  z.object({ step: z.literal('remind'), ...common, stage: z.number().int().min(0), reminder: z.number().int().min(1) }),
  z.object({ step: z.literal('expire'), ...common, stage: z.number().int().min(0), attempts: z.number().int().min(1) }),
  z.object({ step: z.literal('start-fulfilment'), ...common }),
]);
type StepInput = z.output<typeof stepInput>;
type Step<S extends StepInput['step']> = Extract<StepInput, { step: S }>;

/** Runs `attempt` again when a concurrent writer won the race on the request or the stage. */
function retryOnRace<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  return retryOnConflict(attempt, {
    attempts: ATTEMPTS,
    isConflict: (error) => error instanceof TransactionRefused,
    onRetry: (_error, failed) => log.info('fulfilment step raced another writer; reading again', { step: what, attempt: failed }),
  });
}

/**
 * The request, if the workflow may still act on it in `statuses`: a canceled (or vanished) one
 * withdraws the execution, a rejected one ends it in Rejected.
 */
async function loadFor(requestId: string, statuses: ReadonlySet<ServiceRequest['status']>): Promise<ServiceRequest> {
  const request = await getRequest(requestId);
  if (request === undefined) throw new RequestWithdrawn(`Request ${requestId} does not exist`);
  if (statuses.has(request.status)) return request;
  if (request.status === 'rejected') throw new RequestRejected(`${request.number} is rejected`);
  throw new RequestWithdrawn(`${request.number} is ${request.status}`);
}

const FULFILLING = new Set<ServiceRequest['status']>(['approved', 'in_fulfilment', 'fulfilled', 'closed_incomplete', 'closed']);
/**
 * Where a stage's wait may find its request: still approving, or `approved` by the vote on the last
 * stage that landed just as the wait timed out (its answer then went to a dead token); the reminder
 * passes and the next ask settles the approval with its new token.
 */
const DECIDING = new Set<ServiceRequest['status']>([...APPROVING_STATUSES, 'approved']);

async function nextStageStep(input: Step<'next-stage'>): Promise<{ done: boolean; stage?: number; stageCount: number }> {
  const request = await loadFor(input.requestId, new Set([...APPROVING_STATUSES, ...FULFILLING]));
  const stageCount = request.stages.length;
  // Already past its approvals (a retried step or a replay): StartFulfilment finds what is done.
  if (FULFILLING.has(request.status)) return { done: true, stageCount };
  const next = nextStage(request);
  if ('ended' in next) {
    if (next.ended === 'withdrawn') throw new RequestWithdrawn(`${request.number}: stage ${next.index + 1} was withdrawn`);
    throw new RequestRejected(`${request.number}: stage ${next.index + 1} is ${next.ended}`);
  }
  return next.done ? { done: true, stageCount } : { done: false, stage: next.index, stageCount };
}

/** Who the stage can ask: the requester's manager (as copied at submission, else the directory's now), or the group's members. */
async function stageDirectory(request: ServiceRequest, plan: CatalogApprovalStage): Promise<{ manager?: string; members?: readonly string[] }> {
  if (plan.kind === 'manager') {
    if (request.manager !== undefined) return { manager: request.manager };
    const user = await getRecord<{ createdAt: string; updatedAt: string; version: number; manager?: string }>(USERS, request.requester);
    return typeof user?.manager === 'string' ? { manager: user.manager } : {};
  }
  const group = await getRecord<{ createdAt: string; updatedAt: string; version: number; members?: string[] }>(GROUPS, plan.group);
  return { members: group?.members ?? [] };
}

/** A stage already decided answers the token it was just handed, at once. */
async function settleDecided(taskToken: string, stage: StoredStage, request: ServiceRequest): Promise<void> {
  if (stage.status === 'approved') {
    await answerStage(taskToken, { approved: true, stage: stage.index });
    return;
  }
  if (stage.status === 'rejected' || stage.status === 'expired') throw new RequestRejected(`${request.number}: stage ${stage.index + 1} is ${stage.status}`);
  if (stage.status === 'withdrawn') throw new RequestWithdrawn(`${request.number}: stage ${stage.index + 1} was withdrawn`);
}

async function askStage(input: Step<'ask-stage'>): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const [request, approvals] = await Promise.all([loadFor(input.requestId, DECIDING), readApprovals(input.requestId)]);
    const existing = stageOf(approvals, input.stage);

    if (existing !== undefined) {
      // A later ask (after a reminder, or a replay): the approvers keep their votes and the stage gets the new token.
      if (existing.status !== 'pending') {
        await settleDecided(input.taskToken, existing, request);
        return { stage: existing.index, decided: existing.status };
      }
      const next: StoredStage = {
        ...existing,
        taskToken: input.taskToken,
        attempt: input.attempt,
        executionArn: input.executionArn,
        version: existing.version + 1,
      };
      await transactWrite([stageReplace(next, existing.version)]);
      return { stage: existing.index, attempt: input.attempt };
    }

    const plan = request.plan.approval.stages[input.stage];
    if (plan === undefined) throw new Error(`${request.number} has no approval stage ${input.stage}`);
    const stage: ApprovalStage = openStage({
      request,
      index: input.stage,
      plan,
      directory: await stageDirectory(request, plan),
      executionArn: input.executionArn,
      now,
    });
    const { next, changes } = recordStageAsked(request, stage, now);
    const reference = stageReference(stageSummary(stage));
    const asking = stage.status === 'pending';
    await commitWithAsked(
      [
        ...requestWrite({
          before: request,
          after: next,
          actor: WORKFLOW_ACTOR,
          changes,
          now,
          // Nobody can approve it: the request is rejected at once (Request Rejected to the requester).
          event: asking ? { type: 'Request Approval Requested', stage: reference } : { type: 'Request Rejected', stage: reference },
        }),
        stageCreate({ ...stage, taskToken: input.taskToken }),
      ],
      asking ? stage.approvers.map((user) => askedPut(request, stage.index, user, stage.askedAt)) : [],
    );
    if (!asking) {
      log.warn('nobody can approve this stage: the request is rejected', { request: request.number, stage: stage.index, approvers: stage.approvers });
      throw new RequestRejected(`${request.number}: nobody can approve stage ${stage.index + 1} (${stage.approvers.length} approvers, quorum ${stage.quorum})`);
    }
    return { stage: stage.index, asked: stage.approvers.length };
  });
}

async function remind(input: Step<'remind'>): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const [request, approvals] = await Promise.all([loadFor(input.requestId, DECIDING), readApprovals(input.requestId)]);
    const stage = stageOf(approvals, input.stage);
    if (stage === undefined) throw new Error(`${request.number} has no asked stage ${input.stage}`);
    // Counted already (a retried step), or decided meanwhile: the next ask settles it.
    if (stage.remindersSent >= input.reminder || stage.status !== 'pending') return { reminded: 0 };
    const voted = new Set(approvals.votes.filter((v) => v.stage === stage.index).map((v) => v.userId));
    const waitingOn = stage.approvers.filter((user) => !voted.has(user));
    const next: StoredStage = { ...stage, remindersSent: input.reminder, version: stage.version + 1 };
    const record = requestEventRecord('Request Approval Reminder', request, {
      eventId: newId(),
      actor: WORKFLOW_ACTOR,
      occurredAt: now.toISOString(),
      recipients: { users: waitingOn, groups: [] },
      stage: { ...stageReference(stageSummary(stage)), approvers: waitingOn },
    });
    // The request itself does not change (its ETag stays): it is checked, and its history says what happened to its stage.
    await transactWrite([
      stageReplace(next, stage.version),
      requestUnchanged(request),
      requestHistoryPut(request.id, {
        at: now.toISOString(),
        actor: WORKFLOW_ACTOR,
        action: 'updated',
        version: request.version,
        changes: [{ field: `stages.${stage.index}.remindersSent`, from: stage.remindersSent, to: input.reminder }],
      }),
      requestOutboxPut(record, now),
    ]);
    return { reminded: waitingOn.length };
  });
}

/** What the Expire state leads to: `expired` (the request is rejected as expired), or the decision reached while the wait ran out. */
type ExpiryOutcome = { outcome: 'expired' | 'approved' | 'rejected' };

async function expire(input: Step<'expire'>): Promise<ExpiryOutcome> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const [request, approvals] = await Promise.all([loadFor(input.requestId, new Set([...DECIDING, 'rejected'])), readApprovals(input.requestId)]);
    if (request.status === 'rejected') return { outcome: request.rejection?.reason === 'expired' ? 'expired' : 'rejected' };
    const stage = stageOf(approvals, input.stage);
    if (stage === undefined) throw new Error(`${request.number} has no asked stage ${input.stage}`);
    if (stage.status === 'approved') return { outcome: 'approved' };
    if (stage.status !== 'pending') throw new RequestRejected(`${request.number}: stage ${stage.index + 1} is ${stage.status}`);
    const { stage: expired, next, changes } = recordStageExpired(request, stage, now);
    const voted = new Set(approvals.votes.filter((v) => v.stage === stage.index).map((v) => v.userId));
    await commitWithAsked(
      [
        ...requestWrite({
          before: request,
          after: next,
          actor: WORKFLOW_ACTOR,
          changes,
          now,
          event: { type: 'Request Expired', stage: stageReference(stageSummary(expired)) },
        }),
        stageReplace({ ...expired, ...(stage.taskToken === undefined ? {} : { taskToken: stage.taskToken }) }, stage.version),
      ],
      stage.approvers.filter((user) => !voted.has(user)).map((user) => askedDelete(request.id, stage.index, user)),
    );
    return { outcome: 'expired' };
  });
}

async function startFulfilment(input: Step<'start-fulfilment'>): Promise<unknown> {
  return retryOnRace(input.step, async () => {
    const now = new Date();
    const request = await loadFor(input.requestId, new Set([...APPROVING_STATUSES, ...FULFILLING]));
    // Started already (a retried step or a replay): nothing left to do.
    if (request.status !== 'submitted' && request.status !== 'awaiting_approval' && request.status !== 'approved') {
      return { status: request.status, tasks: request.tasks.length };
    }
    const next = nextStage(request);
    if (!('done' in next) || !next.done) throw new Error(`${request.number} is not approved: stage ${next.index + 1} is not decided`);
    const draft = await createFulfilmentTasks(request, now, { actor: WORKFLOW_ACTOR });
    const moved = recordFulfilmentStarted(request, draft.summaries, now);
    // Normally the last approval's vote approved it; if not, approved first, then in fulfilment: both events, one write.
    const approved =
      request.stages.length > 0 && request.status !== 'approved'
        ? [
            requestOutboxPut(
              requestEventRecord(
                'Request Approved',
                { ...moved.next, status: 'approved' },
                { eventId: newId(), actor: WORKFLOW_ACTOR, occurredAt: now.toISOString() },
              ),
              now,
            ),
          ]
        : [];
    await transactWrite([
      ...approved,
      ...requestWrite({ before: request, after: moved.next, actor: WORKFLOW_ACTOR, changes: moved.changes, now, event: { type: 'Request In Fulfilment' } }),
      ...draft.entries,
    ]);
    return { status: moved.next.status, tasks: draft.tasks.map((task) => task.number) };
  });
}

export const handler = withLogContext(runFulfilmentStep, eventFields('step', 'requestId', 'stage', 'executionArn'));
async function runFulfilmentStep(event: unknown): Promise<unknown> {
  const parsed = stepInput.safeParse(event);
  // A malformed call is a bug in the workflow definition: fail loudly (the Task's Retry gives up, the alarm fires).
  if (!parsed.success) throw new Error(`Unexpected request fulfilment step input: ${parsed.error.message}`);
  const input = parsed.data;
  switch (input.step) {
    case 'next-stage':
      return nextStageStep(input);
    case 'ask-stage':
      return askStage(input);
    case 'remind':
      return remind(input);
    case 'expire':
      return expire(input);
    case 'start-fulfilment':
      return startFulfilment(input);
  }
}
