import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionId } from '../functions/routes.ts';
import { lambdaContext, loadHandler } from './http-server.ts';

/**
 * Invokes a function the way an event source mapping does: the event goes to the handler Lambda
 * runs, with a Lambda-like context, and the handler's result (a batch response) comes back.
 * The local EventBridge endpoint and the stream poller take one, so tests can hand them a
 * function of their own instead of a module of the route table.
 */
export type Invoke = (functionId: string, event: unknown, requestId?: string) => Promise<unknown>;

/** `requestId` becomes the context's awsRequestId (the Lambda request id the function logs); a fresh one without it. */
export const invokeFunction: Invoke = async (functionId, event, requestId = randomUUID()) => {
  if (!Object.hasOwn(FUNCTIONS, functionId)) throw new Error(`no function ${functionId} in functions/routes.ts`);
  const id = functionId as FunctionId;
  const handler = (await loadHandler(id)) as unknown as (event: unknown, context: Context) => Promise<unknown>;
  return handler(event, lambdaContext(id, requestId));
};

/** Retries of a delivery that failed: `attempts` in all, waiting base * 2^(n-1) (at most max) between them. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const backoff = (policy: RetryPolicy, failedAttempts: number): number =>
  Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
