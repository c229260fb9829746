/**
 * Expected business failures of problem management, with stable codes. The domain knows nothing of
 * HTTP: the adapter (functions/problems/responses.ts) maps codes to status codes, as incidents' does.
 */
export type ProblemErrorCode = 'INVALID_TRANSITION' | 'FIELD_REQUIRED' | 'FIELD_NOT_ALLOWED' | 'NOTHING_TO_CHANGE';

export class ProblemRuleError extends Error {
  constructor(
    readonly code: ProblemErrorCode,
    message: string,
    readonly field?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ProblemRuleError';
  }
}
