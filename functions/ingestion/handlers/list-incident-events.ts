import { readVisibleIncident } from '../../incidents/access.ts';
import { forbidden } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { scanJson } from '../domain/json-text.ts';
import { pageQuery } from '../schemas/ingestion.ts';
import { listIncidentEvents, type StoredEvent } from '../store/alert-store.ts';

/** The raw events that touched an incident, oldest first, for as long as they are retained. Agents only. */
export const handler = httpHandler(async (request) => {
  const { limit, cursor } = request.query(pageQuery);
  const page = await readVisibleIncident(request.principal, request.pathParam('id'), (incidentId) => listIncidentEvents(incidentId, limit, cursor));
  if (!request.principal.isAgent) throw forbidden('Only agents can read the events of an incident');
  return { status: 200, body: { ...page, items: page.items.map(served) } };
});

/**
 * The raw event parsed (`raw`) when JSON.parse reads it without loss and JSON.stringify can write
 * it back; otherwise its text as sent (`rawJson`): integers above 2^53 or 1e400 stay what they were.
 * Events recorded before raw text was kept hold `raw` already.
 */
function served(event: StoredEvent) {
  const { rawJson, rawParts: _parts, raw, scope, ...facts } = event;
  return { ...facts, ...rawOf(rawJson, raw), scope };
}

function rawOf(rawJson: string | undefined, raw: unknown): { raw?: unknown; rawJson?: string } {
  if (rawJson === undefined) return raw === undefined ? {} : { raw };
  let faithful = false;
  try {
    faithful = scanJson(rawJson).root.faithful;
  } catch {
    // Stored text is always JSON; if not, serve it as it is.
  }
  return faithful ? { raw: JSON.parse(rawJson) as unknown } : { rawJson };
}
