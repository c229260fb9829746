import { referenceChecks } from '../directory/store/references.ts';
import { forbidden, validationFailed } from '../shared/errors.ts';
import type { ApiResult } from '../shared/http/handler.ts';
import type { Principal } from '../shared/http/principal.ts';
import { fieldCheckErrors, fieldCheckItems } from '../shared/store/field-checks.ts';
import { commitIdempotently, type IdempotencyClaim } from '../shared/store/idempotency.ts';
import { retryOnConflict } from '../shared/store/retry.ts';
import { named, type TransactionEntry, TransactionRefused } from '../shared/store/transaction.ts';
import { loadSlaConfig } from '../sla/store/config-store.ts';
import { loadVisibleIncident } from './access.ts';
import { configurationItemChecks, downstreamServices, missingConfigurationItemErrors, missingConfigurationItems } from './configuration-items.ts';
import { incidentNoteRecipients, incidentOutboxRecord } from './domain/events.ts';
import { creationDiffs, type Incident, type NewIncident, openIncident, recordFirstResponse } from './domain/incident.ts';
import { INCIDENT_ITEM, incidentWrite } from './incident-write.ts';
import { createChecks } from './requester-rules.ts';
import { incidentOutboxPut } from './store/incident-outbox.ts';
import { allocateIncidentNumber, type IncidentNote, incidentExists, incidentHistoryPut, incidentNotePut, newId } from './store/incident-store.ts';

/*
 * The incident's create and add-note writes, whoever asks: POST /incidents and
 * POST /incidents/{id}/notes (their handlers), and e-mail (operations.ts). One path each, so an
 * incident opened by mail has the same number, clocks, history and event as one opened over HTTP.
 */

/**
 * Two round trips: take a number (and the matrix) while reading the SLA policies and, for an agent,
 * the known errors the incident matches (and, when it names configuration items, checking them
 * with one BatchGet while their impact is searched, a Query round per level); then one transaction with the audit record, the outbox
 * record, the clocks started and a check that each configuration item named still exists. Requesters are not shown known errors: workarounds are the service
 * desk's notes and may name internals. The HTTP answer is the caller's (`respond`): e-mail needs the
 * incident, not its API shape.
 */
export interface CreateIncidentOptions<Matches> {
  /** The idempotency key's claim, taken once the requester rules have passed (their 403 comes first). */
  readonly claimFor: () => IdempotencyClaim | undefined;
  /** The answer to give (and to replay), from the incident written and, for an agent, its known errors. */
  readonly respond: (incident: Incident, knownErrors: Matches | undefined) => ApiResult;
  /** The known errors an agent's new incident matches; e-mail, a requester's, looks none up. */
  readonly knownErrorsFor?: (input: NewIncident) => Promise<Matches>;
}

export async function createIncident<Matches>(principal: Principal, input: NewIncident, options: CreateIncidentOptions<Matches>): Promise<ApiResult> {
  createChecks(principal, input);
  const claim = options.claimFor();
  const now = new Date();
  const configurationItems = input.configurationItems ?? [];
  // Configuration items are checked and their impact read beside the number: no round trip is
  // added for an incident that names none; one that does waits for the impact's rounds.
  const [settings, slaConfig, knownErrors, missing, downstream] = await Promise.all([
    allocateIncidentNumber(),
    loadSlaConfig(),
    principal.isAgent ? options.knownErrorsFor?.(input) : undefined,
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
    return await commitIdempotently([...items, ...fieldCheckItems(references)], claim, options.respond(incident, knownErrors), now);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      const errors = fieldCheckErrors(error, references);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
}

const FIRST_RESPONSE_ATTEMPTS = 3;

/**
 * Requesters comment publicly on their own incidents; agents write work notes (internal) or public
 * ones. An agent's first public note is the incident's first response, recorded in the same
 * transaction; if the incident changed meanwhile, the note is retried against the fresh version.
 * `claim`: the idempotency key's, made for `/incidents/<id>/notes` once the incident is known.
 */
export function addIncidentNote(
  principal: Principal,
  idOrNumber: string,
  input: { body: string; visibility?: 'work' | 'public' | undefined },
  claimFor: (incidentId: string) => IdempotencyClaim | undefined,
): Promise<ApiResult> {
  return retryOnConflict(() => addNoteOnce(principal, idOrNumber, input, claimFor), {
    attempts: FIRST_RESPONSE_ATTEMPTS,
    isConflict: (error) => error instanceof TransactionRefused && error.has(INCIDENT_ITEM),
  });
}

async function addNoteOnce(
  principal: Principal,
  idOrNumber: string,
  input: { body: string; visibility?: 'work' | 'public' | undefined },
  claimFor: (incidentId: string) => IdempotencyClaim | undefined,
): Promise<ApiResult> {
  const incident = await loadVisibleIncident(principal, idOrNumber);
  if (!principal.isAgent && input.visibility === 'work') throw forbidden('Only agents can write work notes');
  const claim = claimFor(incident.id);

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
