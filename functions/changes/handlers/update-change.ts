import { preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { etagOf, httpHandler } from '../../shared/http/handler.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertChangeAgent, loadChange } from '../access.ts';
import { CHANGE_ITEM, changeReferenceChecks, changeRequestWrite } from '../change-request-write.ts';
import { addedConfigurationItems, unknownConfigurationItemErrors, unknownConfigurationItems } from '../configuration-items.ts';
import { applyChangePatch, type ChangePatch } from '../domain/change.ts';
import { changeResponse, mapChangeErrors } from '../responses.ts';
import { canonicalWindow, updateChangeBody } from '../schemas/change.ts';
import { roundWithdrawal } from '../store/approval-store.ts';
import { stopApproval } from '../workflow.ts';

/**
 * Edits the plan of a draft or a change under assessment. Two round trips for a draft: the read
 * (for the domain rules, beside the configuration items the patch names), then one transaction
 * checking the version and the references the patch adds. A change under assessment goes back to draft (see applyChangePatch): one more read for its
 * approval round, which the transaction withdraws, and its workflow is stopped after the commit.
 */
export const handler = httpHandler(async (request) => {
  const principal = request.principal;
  assertChangeAgent(principal);
  const idOrNumber = request.pathParam('id');
  const ifMatch = request.ifMatch();
  const body = request.body(updateChangeBody);
  const patch: ChangePatch = { ...body, ...canonicalWindow(body) };

  // The items the patch names are read beside the change (one BatchGet, when it names any); only
  // those the change did not name already must exist, so its free text from before the CMDB
  // does not block an unrelated edit.
  const [change, unknownItems] = await Promise.all([loadChange(idOrNumber), unknownConfigurationItems(patch.configurationItems ?? [])]);
  ifMatch.check(change.version);
  const added = new Set(addedConfigurationItems(change.configurationItems, patch.configurationItems).filter((id) => unknownItems.has(id)));
  if (added.size > 0) throw validationFailed(unknownConfigurationItemErrors(added, patch.configurationItems ?? [], ['configurationItems']));
  const now = new Date();
  const { next, changes } = await mapChangeErrors(() => applyChangePatch(change, patch, { actor: principal, now }));
  // A patch restating the current values changes nothing: no write, no new version.
  if (changes.length === 0) return changeResponse(200, change);

  const backToDraft = change.status !== 'draft' && next.status === 'draft';
  const items = changeRequestWrite({ before: change, after: next, actor: principal.userId, changes, now });
  const references = changeReferenceChecks(change, next);
  // Even a round decided before the workflow asked: its decision was about the plan before the edit.
  const round = backToDraft ? await roundWithdrawal(change, now, () => true) : [];
  try {
    await transactWrite([...items, ...references.items, ...round]);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      // The workflow moved the change on (it asked the board) since it was read: it is no longer editable.
      if (error.has(CHANGE_ITEM)) {
        const current = error.item(CHANGE_ITEM);
        throw preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
      }
      const errors = references.errors(error);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
  if (backToDraft) await stopApproval(change, 'ChangeEdited', principal.userId);
  return changeResponse(200, next);
});
