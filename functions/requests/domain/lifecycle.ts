import type { FieldDiff } from '../../shared/domain/audit.ts';
import type { RequestActor, RequestStatus, ServiceRequest } from './request.ts';

/*
 * Where a request may go, and who may move it (docs/requests.md):
 *   submitted -> awaiting_approval (its first stage asked) -> approved (every stage approved)
 *     -> in_fulfilment (its tasks created) -> fulfilled (every task closed complete)
 *                                          | closed_incomplete (every task closed, one or more incomplete)
 *   fulfilled -> closed (the requester or an agent)
 *   submitted (no stages) -> in_fulfilment
 *   awaiting_approval -> rejected (a stage rejected, or expired after its reminders)
 *   submitted | awaiting_approval | approved -> canceled (the requester or an agent; stops the workflow)
 * The workflow's steps and the tasks make the moves nobody asks for through the API.
 */

export const REQUEST_TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  submitted: ['awaiting_approval', 'in_fulfilment', 'canceled'],
  awaiting_approval: ['approved', 'rejected', 'canceled'],
  approved: ['in_fulfilment', 'canceled'],
  in_fulfilment: ['fulfilled', 'closed_incomplete'],
  fulfilled: ['closed'],
  closed_incomplete: [],
  closed: [],
  rejected: [],
  canceled: [],
};

/** Before fulfilment starts, a request can still be taken back. */
export const CANCELABLE_STATUSES: readonly RequestStatus[] = ['submitted', 'awaiting_approval', 'approved'];

/**
 * The moves a caller can make through the API (POST /requests/{id}/cancel, PATCH to closed): what a
 * refused move's `allowedTransitions` lists, as incidents and changes list what their PATCH can do.
 * The workflow's and the tasks' moves are not the caller's to make.
 */
export const CALLER_TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  submitted: ['canceled'],
  awaiting_approval: ['canceled'],
  approved: ['canceled'],
  in_fulfilment: [],
  fulfilled: ['closed'],
  closed_incomplete: [],
  closed: [],
  rejected: [],
  canceled: [],
};

/** What moves the request on when the caller cannot: said in a refusal's detail. */
function whoMovesIt(status: RequestStatus): string {
  switch (status) {
    case 'submitted':
    case 'approved':
      return 'its workflow moves it on';
    case 'awaiting_approval':
      return 'its approvers decide';
    case 'in_fulfilment':
      return 'its tasks must be closed: it becomes fulfilled (or closed_incomplete) when the last one closes';
    default:
      return 'it is final';
  }
}

/** A refused move: 409 `invalid-transition` listing the moves the caller can make from here (none, often). */
function invalidTransition(request: ServiceRequest, to: RequestStatus, rule: string): RequestRuleError {
  const allowed = CALLER_TRANSITIONS[request.status];
  const instead = allowed.length === 0 ? whoMovesIt(request.status) : `from ${request.status} you can make it ${allowed.join(', ')}`;
  return new RequestRuleError('INVALID_TRANSITION', `${request.number} is ${request.status}: ${rule}; ${instead}`, {
    from: request.status,
    to,
    allowedTransitions: [...allowed],
  });
}

export const canTransition = (from: RequestStatus, to: RequestStatus): boolean => REQUEST_TRANSITIONS[from].includes(to);

export type RequestRuleCode = 'INVALID_TRANSITION' | 'NOT_ALLOWED';

/** A rule of the request lifecycle refused the move: a stable code the handlers map to HTTP (responses.ts). */
export class RequestRuleError extends Error {
  constructor(
    readonly code: RequestRuleCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RequestRuleError';
  }
}

function assertTransition(request: ServiceRequest, to: RequestStatus): void {
  if (!canTransition(request.status, to)) throw invalidTransition(request, to, `it cannot become ${to}`);
}

/** The requester of the request, or any agent. */
export const isRequesterOrAgent = (request: ServiceRequest, actor: RequestActor): boolean => actor.isAgent || actor.userId === request.requester;

const changed = (before: ServiceRequest, after: ServiceRequest, fields: readonly (keyof ServiceRequest)[]): FieldDiff[] =>
  fields.flatMap((field) => {
    const from = before[field] ?? null;
    const to = after[field] ?? null;
    return JSON.stringify(from) === JSON.stringify(to) ? [] : [{ field, from, to }];
  });

/**
 * Cancels the request: from submitted, awaiting_approval or approved, by its requester or an
 * agent. A stage still pending is withdrawn (its approvers are no longer asked).
 */
export function cancelRequest(
  request: ServiceRequest,
  input: { actor: RequestActor; reason?: string; now: Date },
): { after: ServiceRequest; changes: FieldDiff[] } {
  if (!isRequesterOrAgent(request, input.actor)) {
    throw new RequestRuleError('NOT_ALLOWED', `Only the requester of ${request.number} or an agent can cancel it`);
  }
  if (!CANCELABLE_STATUSES.includes(request.status)) {
    throw invalidTransition(request, 'canceled', `a request can be canceled only before its fulfilment starts (${CANCELABLE_STATUSES.join(', ')})`);
  }
  const at = input.now.toISOString();
  const { currentStage: _current, ...rest } = request;
  const after: ServiceRequest = {
    ...rest,
    status: 'canceled',
    stages: request.stages.map((stage) => (stage.status === 'pending' ? { ...stage, status: 'withdrawn', decidedAt: at } : stage)),
    cancellation: { by: input.actor.userId, ...(input.reason === undefined ? {} : { reason: input.reason }) },
    updatedAt: at,
    version: request.version + 1,
  };
  return { after, changes: changed(request, after, ['status', 'stages', 'currentStage', 'cancellation']) };
}

/** The stage that was pending when the request was canceled (its asked approvers are let go), if any. */
export const pendingStage = (request: ServiceRequest) => request.stages.find((stage) => stage.status === 'pending');

/** Closes a fulfilled request: its requester confirms, or an agent does. */
export function closeRequest(request: ServiceRequest, input: { actor: RequestActor; now: Date }): { after: ServiceRequest; changes: FieldDiff[] } {
  if (!isRequesterOrAgent(request, input.actor)) {
    throw new RequestRuleError('NOT_ALLOWED', `Only the requester of ${request.number} or an agent can close it`);
  }
  assertTransition(request, 'closed');
  const at = input.now.toISOString();
  const after: ServiceRequest = { ...request, status: 'closed', closedAt: at, updatedAt: at, version: request.version + 1 };
  return { after, changes: changed(request, after, ['status', 'closedAt']) };
}
