import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

/**
 * One JSON line per log event, written by Powertools for AWS Lambda's Logger: its standard keys
 * (`level`, `message`, `timestamp`, `service`, `xray_trace_id`, and per invocation `cold_start`,
 * `function_name`, `function_arn`, `function_memory_size`, `function_request_id`), then the fields
 * the caller passes. An HTTP invocation adds `correlation_id`, API Gateway's request id: the
 * `requestId` of the access log, the `apigw-requestid` response header and the `requestId` of a
 * 5xx body. Callers pass structured context; request bodies and headers are never logged, so
 * tokens and personal data stay out of the logs.
 *
 * The per-invocation keys live in an AsyncLocalStorage, not in the Logger's own state (what its
 * `injectLambdaContext` middleware sets): that state belongs to the module, so two invocations
 * running at once in one process (the local runtime serves concurrent requests from one module)
 * would write each other's ids. Scoped this way, every line carries the ids of the invocation
 * that wrote it, in Lambda and locally alike.
 */
const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'open-itsm',
  // Powertools matches level names in capitals; LOG_LEVEL (infra/config.ts) is lower case.
  // Lambda's own log-level control (AWS_LAMBDA_LOG_LEVEL), when set, still wins inside Logger.
  ...(process.env.LOG_LEVEL === undefined ? {} : { logLevel: process.env.LOG_LEVEL.toUpperCase() as 'INFO' }),
});

export type LogFields = Record<string, unknown>;

interface Invocation {
  readonly keys: LogFields;
}

const invocations = new AsyncLocalStorage<Invocation>();
/** The first invocation this module instance serves is its cold start. */
let coldStart = true;

function lambdaKeys(context: Partial<Context> | undefined): LogFields {
  const wasCold = coldStart;
  coldStart = false;
  return {
    cold_start: wasCold,
    function_arn: context?.invokedFunctionArn,
    function_memory_size: context?.memoryLimitInMB === undefined ? undefined : Number(context.memoryLimitInMB),
    function_name: context?.functionName,
    function_request_id: context?.awsRequestId,
  };
}

/**
 * Runs one invocation of a handler with its log keys: the Lambda context's, plus what `keysOf`
 * reads from the event (API Gateway's request id for HTTP). Every line `log` writes while the
 * invocation runs, in any async continuation of it, carries them.
 */
export function withLogContext<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  keysOf: (event: E) => LogFields = () => ({}),
): (event: E, context: Context) => Promise<R> {
  return (event, context) => invocations.run({ keys: { ...lambdaKeys(context), ...keysOf(event) } }, () => handler(event, context));
}

/**
 * For withLogContext: the named top-level fields of an event, when they are strings or numbers
 * (a workflow task's step, record and execution ARN). Name only ids: never a token or free text.
 */
export function eventFields(...names: string[]): (event: unknown) => LogFields {
  return (event) => {
    const fields: LogFields = {};
    if (event === null || typeof event !== 'object') return fields;
    for (const name of names) {
      const value = (event as Record<string, unknown>)[name];
      if (typeof value === 'string' || typeof value === 'number') fields[name] = value;
    }
    return fields;
  };
}

type Level = 'debug' | 'info' | 'warn' | 'error';

function write(level: Level, message: string, fields: LogFields): void {
  const invocation = invocations.getStore();
  // Powertools formats an Error found under any key (name, location, message, stack, cause).
  logger[level](message, invocation === undefined ? fields : { ...invocation.keys, ...fields });
}

export const log = {
  debug: (message: string, fields: LogFields = {}) => write('debug', message, fields),
  info: (message: string, fields: LogFields = {}) => write('info', message, fields),
  warn: (message: string, fields: LogFields = {}) => write('warn', message, fields),
  error: (message: string, fields: LogFields = {}) => write('error', message, fields),
};
