/**
 * Expected business failures, with stable codes. The domain knows nothing of HTTP: the adapter
 * (functions/incidents/responses.ts) maps codes to status codes.
 */
export type IncidentErrorCode = 'INVALID_TRANSITION' | 'FIELD_REQUIRED' | 'FIELD_NOT_ALLOWED' | 'NOTHING_TO_CHANGE';

export class IncidentRuleError extends Error {
  constructor(
    readonly code: IncidentErrorCode,
    message: string,
    readonly field?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'IncidentRuleError';
  }
}
