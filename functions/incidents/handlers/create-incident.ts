import { referenceChecks } from '../../directory/store/references.ts';
import { knownErrorsFor } from '../../known-errors/incident-matches.ts';
import { validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { loadSlaConfig } from '../../sla/store/config-store.ts';
import { configurationItemChecks, downstreamServices, missingConfigurationItemErrors, missingConfigurationItems } from '../configuration-items.ts';
import { creationDiffs, openIncident } from '../domain/incident.ts';
import { incidentWrite } from '../incident-write.ts';
import { createChecks } from '../requester-rules.ts';
import { incidentResponse } from '../responses.ts';
import { createIncidentBody } from '../schemas/incident.ts';
import { allocateIncidentNumber, newId } from '../store/incident-store.ts';

/**
 * Two round trips: take a number (and the matrix) while reading the SLA policies and, for an agent,
 * the known errors the incident matches (and, when it names configuration items, checking them
 * with one BatchGet while their impact is searched, a Query round per level); then one transaction with the audit record, the outbox
 * record, the clocks started and a check that each configuration item named still exists. Requesters are not shown known errors: workarounds are the service
 * desk's notes and may name internals.
 */
export const handler = httpHandler(async (request) => {
  const input = request.body(createIncidentBody);
  const principal = request.principal;
  createChecks(principal, input);
  const claim = claimIdempotencyKey(request, input);

  const now = new Date();
  const configurationItems = input.configurationItems ?? [];
  // Configuration items are checked and their impact read beside the number: no round trip is
  // added for an incident that names none; one that does waits for the impact's rounds.
  const [settings, slaConfig, knownErrors, missing, downstream] = await Promise.all([
    allocateIncidentNumber(),
    loadSlaConfig(),
    principal.isAgent ? knownErrorsFor(input) : undefined,
    missingConfigurationItems(configurationItems),
    configurationItems.length === 0 ? undefined : downstreamServices(configurationItems),
  ]);
  if (missing.length > 0) throw validationFailed(missingConfigurationItemErrors(missing, configurationItems));
  const opened = openIncident(input, {
    id: newId(),
    sequence: settings.sequence,
    actor: principal,
    now,
    matrix: settings.matrix,
    ...(downstream === undefined ? {} : { downstream }),
  });
  const { incident, items } = incidentWrite({ after: opened, actor: principal.userId, changes: creationDiffs(opened), now, slaConfig });
  const references = referenceChecks(input);
  // Every CI named is new to the incident: each must still exist when the incident is written.
  references.push(...configurationItemChecks(configurationItems, configurationItems, references));
  try {
    return await commitIdempotently([...items, ...fieldCheckItems(references)], claim, incidentResponse(201, incident, knownErrors), now);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      const errors = fieldCheckErrors(error, references);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
});
