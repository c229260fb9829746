import type * as z from 'zod';
import { conflict, forbidden, HttpError, notFound, preconditionFailed } from '../../shared/errors.ts';
import { type ApiRequest, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertChangeAgent, findChange } from '../access.ts';
import { CHANGE_ITEM, changeRequestWrite } from '../change-request-write.ts';
import { reachOf } from '../configuration-items.ts';
import { type ApprovalRound, boardFor, boardGroups, openRound } from '../domain/approval.ts';
import { type Change, recordSubmission } from '../domain/change.ts';
import { type Conflict, findConflicts } from '../domain/conflicts.ts';
import { assertChangeTransition } from '../domain/lifecycle.ts';
import { assessRisk, CRITICALITIES, type Criticality, impactedServicesOf } from '../domain/risk.ts';
import { changeResponse, mapChangeErrors } from '../responses.ts';
import { submitChangeBody } from '../schemas/approval.ts';
import { readDirectory, roundCreate } from '../store/approval-store.ts';
import { blackoutsOverlapping } from '../store/blackout-store.ts';
import { type ChangeConfig, loadChangeConfig } from '../store/change-config-store.ts';
import { changeStats, changesOverlapping } from '../store/change-store.ts';
import { approvalExecution, startApproval } from '../workflow.ts';

/*
 * POST /changes/{id}/submit: the change is assessed and handed to the approval workflow.
 *
 * Three round trips before the write: the change, then everything assessment needs in parallel (the
 * configuration with its risk rules, the affected services' criticality and owners, the failure
 * history of past changes on them, the schedule and the freezes around the window), then the
 * members of the board the change goes to. A change naming configuration items also reads, beside
 * the second round, their records and their impact both ways (configuration-items.ts reachOf): up
 * to three more rounds of Queries and a BatchGet for a graph three relationships deep. Then one transaction (the change in `assess` with its
 * risk, conflicts and execution ARN, its approval round, its history and outbox), then
 * StartExecution. The round is written here, not by the workflow, so that GET /changes/{id}/approvals
 * shows who will decide as soon as submit answers; the workflow's first step takes it over.
 * The execution is named after the change and its round, so its ARN is written before it exists,
 * and a submit retried after StartExecution failed starts that same execution.
 */

type SubmitBody = z.output<typeof submitChangeBody>;

/** Changes that hold their window: approved or under way. */
const HOLDS_WINDOW = new Set(['scheduled', 'implement']);

interface Assessment {
  config: ChangeConfig;
  conflicts: Conflict[];
  risk: ReturnType<typeof assessRisk> & { impactedServices: string[] };
  owners: ReadonlyMap<string, string>;
}

/**
 * The change names configuration items the CMDB does not have: 409 `configuration-items-not-in-cmdb`,
 * `configurationItems` listing each with its index in the change's list, to replace with PATCH.
 */
function configurationItemsNotInCmdb(change: Change, unknown: ReadonlySet<string>): HttpError {
  const items = change.configurationItems.flatMap((value, index) => (unknown.has(value) ? [{ index, value }] : []));
  return conflict(
    'configuration-items-not-in-cmdb',
    'The change names configuration items the CMDB does not have',
    `Change ${change.number} names ${items.map((item) => `'${item.value}' (configurationItems.${item.index})`).join(', ')}, which ${items.length === 1 ? 'is' : 'are'} not a CI id (free text from before the CMDB, or a CI deleted since): replace ${items.length === 1 ? 'it' : 'them'} with CI ids (PATCH /changes/${change.number}), then submit again`,
    { configurationItems: items },
  );
}

async function assess(change: Change): Promise<Assessment> {
  const [config, directory, stats, overlapping, blackouts, reach] = await Promise.all([
    loadChangeConfig(),
    readDirectory([], change.services),
    changeStats(change.services),
    changesOverlapping(change.plannedStart, change.plannedEnd),
    blackoutsOverlapping(change.plannedStart, change.plannedEnd),
    reachOf(change.configurationItems),
  ]);
  // Free text kept from before the CMDB, or a CI deleted since: what is not in the CMDB cannot be
  // assessed. The stored change is at fault, not the submit body (which has no such field): 409,
  // naming the items to replace with PATCH.
  if (reach.unknown.size > 0) throw configurationItemsNotInCmdb(change, reach.unknown);
  const scheduled = overlapping.filter((other) => HOLDS_WINDOW.has(other.status));
  const conflicts = findConflicts(change, scheduled, blackouts, reach.neighbourhood);
  const impactedServices = impactedServicesOf(change.services, reach.downstreamServices);
  const history = { total: 0, failed: 0 };
  for (const service of new Set(change.services)) {
    history.total += stats.get(service)?.total ?? 0;
    history.failed += stats.get(service)?.failed ?? 0;
  }
  const criticalityOf = (service: string): Criticality => {
    const value = directory.criticality.get(service);
    // A service deleted since the change named it counts as medium: unknown is not harmless.
    return (CRITICALITIES as readonly string[]).includes(value ?? '') ? (value as Criticality) : 'medium';
  };
  const risk = assessRisk(
    {
      type: change.type,
      services: [...new Set(change.services)].map((name) => ({ name, criticality: criticalityOf(name) })),
      configurationItems: change.configurationItems,
      impactedServices,
      outageRequired: change.outageRequired,
      conflictCount: conflicts.length,
      history,
    },
    config.riskRules,
  );
  return { config, conflicts, risk: { ...risk, impactedServices }, owners: directory.owners };
}

/** The round the submission opens, as the workflow will ask it (attempt 0: on record, not asked yet); none for a pre-approved change. */
async function roundFor(change: Change, assessment: Assessment, round: number, executionArn: string, now: Date): Promise<ApprovalRound | undefined> {
  const board = boardFor(change.type, assessment.risk.level);
  if (board === 'none') return undefined;
  const groups = boardGroups(board, change, assessment.config, assessment.owners);
  const { members } = await readDirectory(groups);
  return openRound({
    changeId: change.id,
    round,
    board,
    groups,
    quorum: board === 'cab' ? assessment.config.cabQuorum : 1,
    members,
    requester: change.createdBy,
    attempt: 0,
    escalated: false,
    executionArn,
    now,
  });
}

const needsOverride = (change: Change, conflicts: readonly Conflict[]): boolean => change.type !== 'emergency' && conflicts.some((c) => c.kind === 'blackout');

/** Inside a freeze only an emergency goes ahead, or a change an admin lets through with a reason. */
function checkBlackouts(change: Change, conflicts: readonly Conflict[], body: SubmitBody, isAdmin: boolean): void {
  const freezes = conflicts.filter((c) => c.kind === 'blackout');
  if (body.blackoutOverride !== undefined && !isAdmin) throw forbidden('Only admins may override a blackout window');
  if (!needsOverride(change, conflicts) || body.blackoutOverride !== undefined) return;
  throw conflict(
    'blackout-conflict',
    'Inside a blackout window',
    `The planned window overlaps ${freezes.map((f) => (f.kind === 'blackout' ? f.name : '')).join(', ')}: move the window, raise it as an emergency, or have an admin submit it with blackoutOverride`,
    { blackouts: freezes },
  );
}

/** The body is optional: most submissions carry none. */
function bodyOf(request: ApiRequest): SubmitBody {
  return request.rawBody() === undefined ? {} : request.body(submitChangeBody);
}

export const handler = httpHandler(async (request) => {
  assertChangeAgent(request.principal);
  const idOrNumber = request.pathParam('id');
  const ifMatch = request.ifMatch();
  const body = bodyOf(request);

  const change = await findChange(idOrNumber);
  if (change === undefined) throw notFound(`Change ${idOrNumber}`);
  ifMatch.check(change.version);

  // Submitted, and its workflow has not asked the board yet (it moves the change to authorize when it
  // does): StartExecution may have failed after the commit. Starting it again is safe: an execution
  // of that name already running is this one.
  if (change.status === 'assess' && change.workflow !== undefined) {
    await startApproval(change, await loadChangeConfig());
    return changeResponse(200, change);
  }

  // The lifecycle first: a change that cannot be submitted is refused before the reads.
  await mapChangeErrors(() => assertChangeTransition(change.status, 'assess'));
  const assessment = await assess(change);
  const { config, conflicts, risk } = assessment;
  checkBlackouts(change, conflicts, body, request.principal.isAdmin);

  const now = new Date();
  const { executionArn } = approvalExecution(change, change.submissions + 1);
  const round = await roundFor(change, assessment, change.submissions + 1, executionArn, now);
  const { next, changes } = await mapChangeErrors(() =>
    recordSubmission(
      change,
      // An override is recorded only where it was needed: inside a freeze, for a change that is not an emergency.
      {
        risk,
        conflicts,
        executionArn,
        ...(body.blackoutOverride === undefined || !needsOverride(change, conflicts) ? {} : { blackoutOverride: body.blackoutOverride }),
      },
      { actor: request.principal, now },
    ),
  );
  try {
    await transactWrite([
      ...changeRequestWrite({ before: change, after: next, actor: request.principal.userId, changes, now }),
      ...(round === undefined ? [] : [roundCreate(round)]),
    ]);
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(CHANGE_ITEM)) {
      const current = error.item(CHANGE_ITEM);
      throw preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
    }
    throw error;
  }

  try {
    await startApproval(next, config);
  } catch (error) {
    log.error('change submitted but its approval workflow did not start', { change: next.number, error });
    throw new HttpError(
      503,
      'workflow-not-started',
      'Approval workflow not started',
      `${next.number} was submitted, but its approval workflow could not be started: submit it again (with the new ETag) to retry`,
      { etag: etagOf(next.version) },
    );
  }
  return changeResponse(200, next);
});
