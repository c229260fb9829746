/** AWS's limits and this runner's bounds, in one place so the files enforcing them agree. */

export const STATUSES: readonly string[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT = '000000000000';
/** setTimeout's ceiling (2^31-1 ms) in whole seconds: the library's timer on a Task, never reached first. */
export const LIBRARY_TASK_TIMEOUT_SECONDS = 2_147_483;
/** Our own timers stop here, below the library's, so they always fire first. */
export const MAX_TIMER_SECONDS = 24 * 24 * 60 * 60;
export const FINISHED_KEPT = 1000;
export const STATE_VERSION = 1;
export const MAX_NAME_LENGTH = 80;
export const MAX_TOKEN_LENGTH = 2048;
export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_ERROR_LENGTH = 256;
export const MAX_CAUSE_LENGTH = 32_768;
/** Characters AWS refuses in execution names (whitespace, brackets, wildcards, punctuation, controls). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern finds control characters to refuse them in names, as AWS does
export const BAD_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
export const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;
export const LAMBDA_INVOKE = /^arn:aws[\w-]*:states:::lambda:(invoke(?:\.waitForTaskToken)?)$/;
export const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:stateMachine:[^:]+$/;
export const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/;
