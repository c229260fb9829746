import type { Incident } from '../../incidents/domain/incident.ts';
import { indexChange, type SearchChange, type SearchDocument, searchDocumentId } from '../../shared/search/documents.ts';
import { joinedText, withNumber } from './text.ts';

export const incidentDocId = (incidentId: string): string => searchDocumentId('incident', incidentId);

/**
 * An incident in the `tickets` index, whatever its status (a closed incident is what "solved
 * before" is made of): its title, its description and resolution notes as text, its number and
 * category as keywords. `requester` is its caller, the one requester who may find it (functions/incidents
 * access.ts: a requester sees only the incidents they raised).
 */
export function incidentDocument(incident: Incident): SearchDocument {
  return {
    id: incidentDocId(incident.id),
    kind: 'incident',
    recordId: incident.id,
    number: incident.number,
    title: incident.title,
    text: joinedText([incident.description, incident.resolutionNotes]),
    keywords: withNumber(incident.number, incident.category === undefined ? [] : [incident.category]),
    status: incident.status,
    services: incident.service === undefined ? [] : [incident.service],
    audience: 'internal',
    requester: incident.caller,
    ...(incident.category === undefined ? {} : { category: incident.category }),
    updatedAt: incident.updatedAt,
    version: incident.version,
  };
}

export function incidentChange(incident: Incident, at: string): SearchChange {
  return indexChange(incidentDocument(incident), at);
}
