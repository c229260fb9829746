import { referenceChecks } from '../../directory/store/references.ts';
import { validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { loadSlaConfig } from '../../sla/store/config-store.ts';
import { creationChanges, openIncident } from '../domain/incident.ts';
import { incidentWrite } from '../incident-write.ts';
import { createChecks } from '../requester-rules.ts';
import { incidentResponse } from '../responses.ts';
import { createIncidentBody } from '../schemas/incident.ts';
import { allocateIncidentNumber, newId } from '../store/incident-store.ts';

/**
 * Two round trips: take a number (and the matrix) while reading the SLA policies, then one
 * transaction with the audit record, the outbox record and the clocks started.
 */
export const handler = httpHandler(async (request) => {
  const input = request.body(createIncidentBody);
  const principal = request.principal;
  createChecks(principal, input);
  const claim = claimIdempotencyKey(request, input);

  const now = new Date();
  const [settings, slaConfig] = await Promise.all([allocateIncidentNumber(), loadSlaConfig()]);
  const opened = openIncident(input, { id: newId(), sequence: settings.sequence, actor: principal, now, matrix: settings.matrix });
  const { incident, items } = incidentWrite({ after: opened, actor: principal.userId, changes: creationChanges(opened), now, slaConfig });
  const references = referenceChecks(input);
  try {
    return await commitIdempotently([...items, ...fieldCheckItems(references)], claim, incidentResponse(201, incident), now);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      const errors = fieldCheckErrors(error, references);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
});
