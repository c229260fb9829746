import { forbidden } from '../../shared/errors.ts';
import { type ApiRequest, httpHandler } from '../../shared/http/handler.ts';
import { TransactionRefused } from '../../shared/store/db.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { loadVisibleIncident } from '../access.ts';
import { recordFirstResponse } from '../domain/incident.ts';
import { addNoteBody } from '../schemas/incident.ts';
import { incidentChange } from '../change.ts';
import { incidentOutboxRecord, noteRecipients } from '../domain/events.ts';
import { incidentOutboxPut } from '../store/incident-outbox.ts';
import { incidentExists, incidentHistoryPut, newId, type Note, notePut } from '../store/incident-store.ts';

const FIRST_RESPONSE_ATTEMPTS = 3;

/**
 * Requesters comment publicly on their own incidents; agents write work notes (internal) or public
 * ones. An agent's first public note is the incident's first response, recorded in the same
 * transaction; if the incident changed meanwhile, the note is retried against the fresh version.
 */
async function addNote(request: ApiRequest, attempt: number) {
  const input = request.body(addNoteBody);
  const principal = request.principal;
  const idOrNumber = request.pathParam('id');
  const incident = await loadVisibleIncident(principal, idOrNumber);
  if (!principal.isAgent && input.visibility === 'work') throw forbidden('Only agents can write work notes');
  const claim = claimIdempotencyKey(request, input, `/incidents/${incident.id}/notes`);

  const now = new Date();
  const note: Note = {
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
  const event = { type: 'Incident Note Added' as const, recipients: noteRecipients(incident, reference, principal.isAgent), note: reference };
  // Item 0 is the incident either way: its replacement (first response) or a check that it exists.
  const items =
    changes.length > 0
      ? incidentChange({ before: incident, after: next, actor: principal.userId, changes, now, noteVisibility: note.visibility, event }).items
      : [
          incidentExists(incident),
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
  items.push(notePut(note));
  try {
    return await commitIdempotently(items, claim, { status: 201, body: note }, now);
  } catch (error) {
    const incidentMoved = error instanceof TransactionRefused && error.failedAt(0) !== undefined;
    if (incidentMoved && attempt < FIRST_RESPONSE_ATTEMPTS) return addNote(request, attempt + 1);
    throw error;
  }
}

export const handler = httpHandler((request) => addNote(request, 1));
