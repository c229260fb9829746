import type { KnownErrorMatch } from '../known-errors/domain/known-error.ts';
import { conflict, fieldError, HttpError, validationFailed } from '../shared/errors.ts';
import { type ApiResult, etagOf } from '../shared/http/handler.ts';
import { IncidentRuleError } from './domain/errors.ts';
import type { Incident } from './domain/incident.ts';
import { presentIncident } from './present.ts';

/** Maps the domain's stable error codes to HTTP: the only place that knows both. */
export function toIncidentHttpError(error: unknown): unknown {
  if (!(error instanceof IncidentRuleError)) return error;
  switch (error.code) {
    case 'INVALID_TRANSITION':
      return conflict('invalid-transition', 'Transition not allowed', error.message, error.details);
    case 'FIELD_REQUIRED':
    case 'FIELD_NOT_ALLOWED':
      return validationFailed([fieldError('body', [error.field ?? ''], error.message)], error.message);
    case 'NOTHING_TO_CHANGE':
      return new HttpError(400, 'empty-patch', 'Nothing to change', error.message);
  }
}

export async function mapIncidentDomainErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toIncidentHttpError(error);
  }
}

export const incidentHeaders = (id: string, version: number): Record<string, string> => ({
  etag: etagOf(version),
  location: `/incidents/${id}`,
});

/**
 * Every incident response, whichever handler wrote it, lists its fields in the documented order.
 * Create and update add the known errors the incident matches, when they looked them up for an
 * agent and found any (computed for the answer, never stored on the incident).
 */
export const incidentResponse = (status: number, incident: Incident, knownErrors?: readonly KnownErrorMatch[]): ApiResult => ({
  status,
  body: {
    ...presentIncident(incident),
    ...(knownErrors === undefined || knownErrors.length === 0 ? {} : { knownErrors }),
  },
  headers: incidentHeaders(incident.id, incident.version),
});
