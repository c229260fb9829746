import { type References, referenceChecks } from '../../directory/store/references.ts';
import { knownErrorsFor } from '../../known-errors/incident-matches.ts';
import { notFound, preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { etagOf, httpHandler } from '../../shared/http/handler.ts';
import { fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import type { SlaConfig } from '../../sla/domain/types.ts';
import { loadSlaConfig } from '../../sla/store/config-store.ts';
import { assertIncidentAgent, findIncident, isIncidentNumber } from '../access.ts';
import {
  addedConfigurationItems,
  configurationItemChecks,
  downstreamServices,
  missingConfigurationItemErrors,
  missingConfigurationItems,
} from '../configuration-items.ts';
import { applyIncidentPatch, type Incident, type IncidentPatch, impactMoves, OPEN_INCIDENT_STATUSES } from '../domain/incident.ts';
import { INCIDENT_ITEM, incidentWrite, needsSlaConfig } from '../incident-write.ts';
import { incidentResponse, mapIncidentDomainErrors } from '../responses.ts';
import { updateIncidentBody } from '../schemas/incident.ts';
import { pointerDelete } from '../store/alert-pointer.ts';
import { getIncidentAndSettings, getIncidentSettings, type IncidentSettings } from '../store/incident-store.ts';

/** Only references that the patch changes are checked; an assignee must belong to the group. */
function changedReferences(before: Incident, after: Incident): References {
  const refs: References = {};
  if (after.service !== undefined && after.service !== before.service) refs.service = after.service;
  const assigneeChanged = after.assignee !== before.assignee;
  const groupChanged = after.assignmentGroup !== before.assignmentGroup;
  if (after.assignee !== undefined && assigneeChanged) refs.assignee = after.assignee;
  if (after.assignmentGroup !== undefined && (groupChanged || (assigneeChanged && after.assignee !== undefined))) {
    refs.assignmentGroup = after.assignmentGroup;
    if (after.assignee !== undefined) refs.assignee = after.assignee;
  }
  return refs;
}

/**
 * An incident opened by events stops collecting them when it is resolved, canceled or closed: the
 * next trigger with its dedup key opens a new incident (PagerDuty's semantics).
 */
function closeAlert(before: Incident, after: Incident) {
  const closes = OPEN_INCIDENT_STATUSES.includes(before.status) && !OPEN_INCIDENT_STATUSES.includes(after.status);
  if (!closes || after.dedupKey === undefined || after.dedupScope === undefined) return [];
  return [pointerDelete(after.dedupScope, after.dedupKey, after.id)];
}

/** Reads the incident (and the matrix only when priority may change) in one round trip when addressed by id. */
async function load(idOrNumber: string, needsMatrix: boolean): Promise<{ incident?: Incident; settings?: IncidentSettings }> {
  if (needsMatrix && !isIncidentNumber(idOrNumber)) return getIncidentAndSettings(idOrNumber);
  const [incident, settings] = await Promise.all([findIncident(idOrNumber), needsMatrix ? getIncidentSettings() : undefined]);
  return { ...(incident === undefined ? {} : { incident }), ...(settings === undefined ? {} : { settings }) };
}

/** Fields that can change which SLA policy applies: their PATCH reads the policies alongside the incident. */
const mayReselectPolicy = (patch: IncidentPatch): boolean =>
  patch.impact !== undefined || patch.urgency !== undefined || patch.service !== undefined || patch.category !== undefined;

export const handler = httpHandler(async (request) => {
  const idOrNumber = request.pathParam('id');
  const ifMatch = request.ifMatch();
  const patch = request.body(updateIncidentBody);
  const principal = request.principal;

  // Configuration items the patch names are checked, and their impact read, beside the incident.
  const named = patch.configurationItems ?? [];
  const [{ incident, settings }, preloadedConfig, missing, preloadedDownstream] = await Promise.all([
    load(idOrNumber, patch.impact !== undefined || patch.urgency !== undefined),
    mayReselectPolicy(patch) ? loadSlaConfig() : undefined,
    missingConfigurationItems(named),
    named.length === 0 ? undefined : downstreamServices(named),
  ]);
  if (incident === undefined) throw notFound(`Incident ${idOrNumber}`);
  assertIncidentAgent(principal, incident, idOrNumber);
  ifMatch.check(incident.version);
  // Only the ids the patch adds must exist: one deleted since the incident named it blocks nothing.
  const added = addedConfigurationItems(incident.configurationItems, named);
  const refused = missing.filter((id) => added.includes(id));
  if (refused.length > 0) throw validationFailed(missingConfigurationItemErrors(refused, named));

  const now = new Date();
  const patched = (downstream?: readonly string[]) =>
    mapIncidentDomainErrors(() =>
      applyIncidentPatch(incident, patch, {
        actor: principal,
        now,
        ...(settings === undefined ? {} : { matrix: settings.matrix }),
        ...(downstream === undefined ? {} : { downstream }),
      }),
    );
  let { next, changes } = await patched(preloadedDownstream);
  // A new service on an incident that keeps its configuration items: their impact is read now
  // (its rounds are added to this patch only).
  if (preloadedDownstream === undefined && impactMoves(incident, next)) {
    ({ next, changes } = await patched(await downstreamServices(next.configurationItems ?? [])));
  }
  // The known errors match the incident as it is after the patch, known only now: their lookup
  // goes out with the transaction (the same round trip), or alone when the patch changes nothing.
  if (changes.length === 0) return incidentResponse(200, incident, await knownErrorsFor(incident));

  const slaConfig: SlaConfig | undefined = preloadedConfig ?? (needsSlaConfig(incident, next) ? await loadSlaConfig() : undefined);
  const change = incidentWrite({ before: incident, after: next, actor: principal.userId, changes, now, ...(slaConfig === undefined ? {} : { slaConfig }) });
  const references = referenceChecks(changedReferences(incident, next));
  // The CIs the patch adds must still exist when it is written (one deleted since the read is refused as missing).
  references.push(...configurationItemChecks(added, named, references));
  const items = [...change.items, ...closeAlert(incident, next)];
  const knownErrors = knownErrorsFor(next);
  try {
    await transactWrite([...items, ...fieldCheckItems(references)]);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      if (error.has(INCIDENT_ITEM)) {
        const current = error.item(INCIDENT_ITEM);
        throw preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
      }
      const errors = fieldCheckErrors(error, references);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
  return incidentResponse(200, change.incident, await knownErrors);
});
