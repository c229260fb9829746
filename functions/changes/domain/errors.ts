/**
 * Expected business failures of change enablement, with stable codes. The domain knows nothing of
 * HTTP: the adapter maps codes to status codes, as it does for incidents.
 */
export type ChangeErrorCode =
  | 'INVALID_TRANSITION'
  | 'INVALID_WINDOW'
  | 'NOT_EDITABLE'
  | 'FIELD_REQUIRED'
  | 'FIELD_NOT_ALLOWED'
  | 'NOTHING_TO_CHANGE'
  | 'NOT_BLOCKED';

export class ChangeRuleError extends Error {
  constructor(
    readonly code: ChangeErrorCode,
    message: string,
    readonly field?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ChangeRuleError';
  }
}
