import { httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import { addIncidentNote } from '../commands.ts';
import { addNoteBody } from '../schemas/incident.ts';

/** POST /incidents/{id}/notes: the add-note write (commands.ts), which e-mail replies share. */
export const handler = httpHandler((request) => {
  const input = request.body(addNoteBody);
  return addIncidentNote(request.principal, request.pathParam('id'), input, (incidentId) =>
    claimIdempotencyKey(request, input, `/incidents/${incidentId}/notes`),
  );
});
