import { referenceChecks, referenceErrors } from '../../directory/store/references.ts';
import { validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { TransactionRefused } from '../../shared/store/db.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { creationChanges, openIncident } from '../domain/incident.ts';
import { incidentResponse } from '../problems.ts';
import { createChecks } from '../requester-rules.ts';
import { createIncidentBody } from '../schemas/incident.ts';
import { allocateIncidentNumber, incidentCreate, incidentHistoryPut, newId } from '../store/incident-store.ts';

/** Two round trips: take a number (and the matrix), then one transaction with the audit record. */
export const handler = httpHandler(async (request) => {
  const input = request.body(createIncidentBody);
  const principal = request.principal;
  createChecks(principal, input);
  const claim = claimIdempotencyKey(request, input);

  const now = new Date();
  const settings = await allocateIncidentNumber();
  const incident = openIncident(input, { id: newId(), sequence: settings.sequence, actor: principal, now, matrix: settings.matrix });
  const references = referenceChecks(input);
  const items = [
    incidentCreate(incident),
    incidentHistoryPut(incident.id, { at: incident.createdAt, actor: principal.userId, action: 'created', version: 1, changes: creationChanges(incident) }),
  ];
  try {
    return await commitIdempotently(
      [...items, ...references.items],
      claim,
      incidentResponse(201, incident),
      now,
    );
  } catch (error) {
    if (error instanceof TransactionRefused) {
      const errors = referenceErrors(error, references, items.length);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
});

