import {
  addedConfigurationItems,
  configurationItemChecks,
  downstreamServices,
  missingConfigurationItemErrors,
  missingConfigurationItems,
} from '../../incidents/configuration-items.ts';
import { impactMoves } from '../../incidents/domain/incident.ts';
import { priorityMatrixInForce } from '../../incidents/reads.ts';
import { notFound, preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { etagOf, httpHandler } from '../../shared/http/handler.ts';
import { fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertProblemAgent, findProblem } from '../access.ts';
import { applyProblemPatch, type ProblemPatch } from '../domain/problem.ts';
import { resolveFixChange } from '../fix-change.ts';
import { PROBLEM_ITEM, problemReferenceChecks, problemWrite } from '../problem-write.ts';
import { mapProblemErrors, problemResponse } from '../responses.ts';
import { updateProblemBody } from '../schemas/problem.ts';

/**
 * Two round trips: the problem (with the priority matrix when impact or urgency changes, the
 * fix's change request when one is named, and the configuration items the patch names and their
 * impact, all in flight together), then one transaction checking
 * the version, the directory records and the configuration items the patch names anew.
 */
export const handler = httpHandler(async (request) => {
  const principal = request.principal;
  const idOrNumber = request.pathParam('id');
  assertProblemAgent(principal, `Problem ${idOrNumber}`);
  const ifMatch = request.ifMatch();
  const body = request.body(updateProblemBody);

  const changeRef = body.fix?.change ?? undefined;
  const named = body.configurationItems ?? [];
  const [problem, matrix, change, missing, preloadedDownstream] = await Promise.all([
    findProblem(idOrNumber),
    body.impact !== undefined || body.urgency !== undefined ? priorityMatrixInForce() : undefined,
    changeRef === undefined ? undefined : resolveFixChange(changeRef),
    missingConfigurationItems(named),
    named.length === 0 ? undefined : downstreamServices(named),
  ]);
  if (problem === undefined) throw notFound(`Problem ${idOrNumber}`);
  ifMatch.check(problem.version);
  // Only the ids the patch adds must exist, as on incidents.
  const added = addedConfigurationItems(problem.configurationItems, named);
  const refused = missing.filter((id) => added.includes(id));
  if (refused.length > 0) throw validationFailed(missingConfigurationItemErrors(refused, named));

  const { fix, ...fields } = body;
  const patch: ProblemPatch = {
    ...fields,
    ...(fix === undefined
      ? {}
      : {
          fix: fix === null ? null : { ...(fix.text === undefined ? {} : { text: fix.text }), ...(fix.change === undefined ? {} : { change: change ?? null }) },
        }),
  };
  const now = new Date();
  const patched = (downstream?: readonly string[]) =>
    mapProblemErrors(() =>
      applyProblemPatch(problem, patch, {
        actor: principal,
        now,
        ...(matrix === undefined ? {} : { matrix }),
        ...(downstream === undefined ? {} : { downstream }),
      }),
    );
  let { next, changes } = await patched(preloadedDownstream);
  // A new service on a problem that keeps its configuration items: their impact is read now.
  if (preloadedDownstream === undefined && impactMoves(problem, next)) {
    ({ next, changes } = await patched(await downstreamServices(next.configurationItems ?? [])));
  }
  // A patch restating the current values changes nothing: no write, no new version.
  if (changes.length === 0) return problemResponse(200, problem);

  const items = problemWrite({ before: problem, after: next, actor: principal.userId, changes, now });
  const references = problemReferenceChecks(problem, next);
  // The CIs the patch adds must still exist when it is written, as on incidents.
  references.push(...configurationItemChecks(added, named, references));
  try {
    await transactWrite([...items, ...fieldCheckItems(references)]);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      if (error.has(PROBLEM_ITEM)) {
        const current = error.item(PROBLEM_ITEM);
        throw preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
      }
      const errors = fieldCheckErrors(error, references);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
  return problemResponse(200, next);
});
