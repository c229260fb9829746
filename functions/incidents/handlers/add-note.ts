import { forbidden } from '../../shared/errors.ts';
import { type ApiRequest, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { named, type TransactionEntry, TransactionRefused } from '../../shared/store/transaction.ts';
import { loadVisibleIncident } from '../access.ts';
import { incidentNoteRecipients, incidentOutboxRecord } from '../domain/events.ts';
import { recordFirstResponse } from '../domain/incident.ts';
import { INCIDENT_ITEM, incidentWrite } from '../incident-write.ts';
import { addNoteBody } from '../schemas/incident.ts';
import { incidentOutboxPut } from '../store/incident-outbox.ts';
import { type IncidentNote, incidentExists, incidentHistoryPut, incidentNotePut, newId } from '../store/incident-store.ts';

const FIRST_RESPONSE_ATTEMPTS = 3;

/**
 * Requesters comment publicly on their own incidents; agents write work notes (internal) or public
 * ones. An agent's first public note is the incident's first response, recorded in the same
 * transaction; if the incident changed meanwhile, the note is retried against the fresh version.
 */
async function addNote(request: ApiRequest) {
  const input = request.body(addNoteBody);
  const principal = request.principal;
  const idOrNumber = request.pathParam('id');
  const incident = await loadVisibleIncident(principal, idOrNumber);
  if (!principal.isAgent && input.visibility === 'work') throw forbidden('Only agents can write work notes');
  const claim = claimIdempotencyKey(request, input, `/incidents/${incident.id}/notes`);

  const now = new Date();
  const note: IncidentNote = {
    id: newId(),
    incidentId: incident.id,
    body: input.body,
    visibility: principal.isAgent ? (input.visibility ?? 'work') : 'public',
    author: principal.userId,
    createdAt: now.toISOString(),
  };
  const { next, changes } =
    principal.isAgent && note.visibility === 'public' ? recordFirstResponse(incident, { actor: principal, now }) : { next: incident, changes: [] };
  // Every note is announced (which note, never its body); a first response also moves the clocks.
  const reference = { id: note.id, visibility: note.visibility, author: note.author };
  const event = { type: 'Incident Note Added' as const, recipients: incidentNoteRecipients(incident, reference, principal.isAgent), note: reference };
  // The incident's item either way: its replacement (first response) or a check that it exists.
  const items: TransactionEntry[] =
    changes.length > 0
      ? incidentWrite({ before: incident, after: next, actor: principal.userId, changes, now, noteVisibility: note.visibility, event }).items
      : [
          named(INCIDENT_ITEM, incidentExists(incident)),
          incidentHistoryPut(incident.id, {
            at: note.createdAt,
            actor: principal.userId,
            action: 'note_added',
            version: next.version,
            changes,
            noteVisibility: note.visibility,
          }),
          incidentOutboxPut(incidentOutboxRecord({ eventId: newId(), incident, actor: principal.userId, occurredAt: note.createdAt, ...event }), now),
        ];
  items.push(incidentNotePut(note));
  return commitIdempotently(items, claim, { status: 201, body: note }, now);
}

export const handler = httpHandler((request) =>
  retryOnConflict(() => addNote(request), {
    attempts: FIRST_RESPONSE_ATTEMPTS,
    isConflict: (error) => error instanceof TransactionRefused && error.has(INCIDENT_ITEM),
  }),
);
