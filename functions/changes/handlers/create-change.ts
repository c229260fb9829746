import { fieldError, validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { assertChangeAgent } from '../access.ts';
import { changeReferenceChecks, changeRequestWrite } from '../change-request-write.ts';
import { unknownConfigurationItemErrors, unknownConfigurationItems } from '../configuration-items.ts';
import { creationDiffs, type NewChange, openChange } from '../domain/change.ts';
import { changeResponse, mapChangeErrors } from '../responses.ts';
import { type CreateChangeBody, canonicalWindow, createChangeBody, TEMPLATE_FIELDS } from '../schemas/change.ts';
import { allocateChangeNumber, newId } from '../store/change-store.ts';
import { type ChangeTemplate, getChangeTemplate } from '../store/template-store.ts';

/** What can be refused before anything is read: the type decides which fields a request may carry. */
function checkShape(input: CreateChangeBody): void {
  if (input.type !== 'standard') {
    if (input.template !== undefined) {
      throw validationFailed([fieldError('body', ['template'], 'Only a standard change is raised from a template')]);
    }
    if (input.title === undefined) throw validationFailed([fieldError('body', ['title'], `A ${input.type} change needs a title`)]);
    return;
  }
  if (input.template === undefined) {
    throw validationFailed([fieldError('body', ['template'], 'A standard change is raised from a pre-approved template (GET /change-templates)')]);
  }
  // The template's scope and plan are what was pre-approved: a request may not bring its own.
  const own = TEMPLATE_FIELDS.filter((field) => input[field] !== undefined);
  if (own.length > 0) {
    throw validationFailed(own.map((field) => fieldError('body', [field], `A standard change takes its ${field} from template '${input.template}'`)));
  }
}

function fromTemplate(input: CreateChangeBody, template: ChangeTemplate | undefined): NewChange {
  if (template === undefined) {
    throw validationFailed([fieldError('body', ['template'], `There is no change template named '${input.template}'`)]);
  }
  if (!template.active) {
    throw validationFailed([
      fieldError('body', ['template'], `Change template '${template.name}' is retired: standard changes are raised only from active templates`),
    ]);
  }
  const assignmentGroup = input.assignmentGroup ?? template.assignmentGroup;
  return {
    type: 'standard',
    template: template.name,
    title: input.title ?? template.title,
    ...(template.description === undefined ? {} : { description: template.description }),
    ...(input.justification === undefined ? {} : { justification: input.justification }),
    services: template.services,
    configurationItems: template.configurationItems,
    plannedStart: input.plannedStart,
    plannedEnd: input.plannedEnd,
    implementationPlan: template.implementationPlan,
    backoutPlan: template.backoutPlan,
    ...(template.testPlan === undefined ? {} : { testPlan: template.testPlan }),
    outageRequired: template.outageRequired,
    ...(assignmentGroup === undefined ? {} : { assignmentGroup }),
  };
}

/**
 * Two round trips: take a number while reading the template (standard changes) and the
 * configuration items the request names (one BatchGet, when it names any), then one transaction
 * with the change, its service copies, history, outbox record and the reference checks.
 */
export const handler = httpHandler(async (request) => {
  const principal = request.principal;
  assertChangeAgent(principal);
  const input = request.body(createChangeBody);
  checkShape(input);
  const claim = claimIdempotencyKey(request, input);

  const now = new Date();
  // A standard change's items are its template's, checked when the template was written (and again at submission).
  const requestedItems = input.configurationItems ?? [];
  const [sequence, template, unknownItems] = await Promise.all([
    allocateChangeNumber(),
    input.template === undefined ? undefined : getChangeTemplate(input.template),
    unknownConfigurationItems(requestedItems),
  ]);
  if (unknownItems.size > 0) throw validationFailed(unknownConfigurationItemErrors(unknownItems, requestedItems, ['configurationItems']));
  const { template: _template, ...fields } = input;
  const requested: NewChange = input.type === 'standard' ? fromTemplate(input, template) : { ...fields, title: input.title as string };
  const draft: NewChange = { ...requested, ...canonicalWindow(requested) };
  const change = await mapChangeErrors(() => openChange(draft, { id: newId(), sequence, actor: principal, now }));

  const items = changeRequestWrite({ after: change, actor: principal.userId, changes: creationDiffs(change), now });
  // A standard change's services (and group, unless the request named one) are the template's: it is at fault.
  const references = changeReferenceChecks(undefined, change, (field, index) =>
    template !== undefined && (field === 'services' || input.assignmentGroup === undefined)
      ? { path: ['template'], message: `Template '${template.name}' names a ${field === 'services' ? 'service' : 'group'} that is gone` }
      : { path: index === undefined ? [field] : [field, index] },
  );
  try {
    return await commitIdempotently([...items, ...references.items], claim, changeResponse(201, change), now);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      const errors = references.errors(error);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
});
