import { configurationItemChecks, downstreamServices, missingConfigurationItemErrors, missingConfigurationItems } from '../../incidents/configuration-items.ts';
import { priorityMatrixInForce } from '../../incidents/reads.ts';
import { validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { assertProblemAgent } from '../access.ts';
import { openProblem, problemCreationChanges } from '../domain/problem.ts';
import { resolveFixChange } from '../fix-change.ts';
import { problemReferenceChecks, problemWrite } from '../problem-write.ts';
import { problemResponse } from '../responses.ts';
import { createProblemBody } from '../schemas/problem.ts';
import { allocateProblemNumber, newId } from '../store/problem-store.ts';

/**
 * Two round trips: take a number while reading the priority matrix (and the fix's change request,
 * when one is named; the configuration items, when some are named, checked with one BatchGet while
 * their impact is searched, a Query round per level), then one transaction with the problem, its history, its outbox record and
 * the checks that its service, group, assignee and configuration items exist.
 */
export const handler = httpHandler(async (request) => {
  const principal = request.principal;
  assertProblemAgent(principal);
  const input = request.body(createProblemBody);
  const claim = claimIdempotencyKey(request, input);

  const now = new Date();
  const changeRef = input.fix?.change;
  const configurationItems = input.configurationItems ?? [];
  const [sequence, matrix, change, missing, downstream] = await Promise.all([
    allocateProblemNumber(),
    priorityMatrixInForce(),
    changeRef === undefined ? undefined : resolveFixChange(changeRef),
    missingConfigurationItems(configurationItems),
    configurationItems.length === 0 ? undefined : downstreamServices(configurationItems),
  ]);
  if (missing.length > 0) throw validationFailed(missingConfigurationItemErrors(missing, configurationItems));
  const { fix, ...fields } = input;
  const problem = openProblem(
    {
      ...fields,
      ...(fix === undefined ? {} : { fix: { ...(fix.text === undefined ? {} : { text: fix.text }), ...(change === undefined ? {} : { change }) } }),
    },
    { id: newId(), sequence, actor: principal, now, matrix, ...(downstream === undefined ? {} : { downstream }) },
  );
  const items = problemWrite({ after: problem, actor: principal.userId, changes: problemCreationChanges(problem), now });
  const references = problemReferenceChecks(undefined, problem);
  // Every CI named is new to the problem: each must still exist when the problem is written.
  references.push(...configurationItemChecks(configurationItems, configurationItems, references));
  try {
    return await commitIdempotently([...items, ...fieldCheckItems(references)], claim, problemResponse(201, problem), now);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      const errors = fieldCheckErrors(error, references);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
});
