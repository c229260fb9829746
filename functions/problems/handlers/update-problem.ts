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
 * Two round trips: the problem (with the priority matrix when impact or urgency changes, and the
 * fix's change request when one is named, all in flight together), then one transaction checking
 * the version and the directory records the patch names anew.
 */
export const handler = httpHandler(async (request) => {
  const principal = request.principal;
  const idOrNumber = request.pathParam('id');
  assertProblemAgent(principal, `Problem ${idOrNumber}`);
  const ifMatch = request.ifMatch();
  const body = request.body(updateProblemBody);

  const changeRef = body.fix?.change ?? undefined;
  const [problem, matrix, change] = await Promise.all([
    findProblem(idOrNumber),
    body.impact !== undefined || body.urgency !== undefined ? priorityMatrixInForce() : undefined,
    changeRef === undefined ? undefined : resolveFixChange(changeRef),
  ]);
  if (problem === undefined) throw notFound(`Problem ${idOrNumber}`);
  ifMatch.check(problem.version);

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
  const { next, changes } = await mapProblemErrors(() =>
    applyProblemPatch(problem, patch, { actor: principal, now, ...(matrix === undefined ? {} : { matrix }) }),
  );
  // A patch restating the current values changes nothing: no write, no new version.
  if (changes.length === 0) return problemResponse(200, problem);

  const items = problemWrite({ before: problem, after: next, actor: principal.userId, changes, now });
  const references = problemReferenceChecks(problem, next);
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
