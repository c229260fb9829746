import { randomBytes } from 'node:crypto';
import { AwsError, type AwsJsonService } from '../aws-endpoint.ts';
import type { RunnerContext } from './context.ts';
import type { Json, JsonObject } from './json.ts';
import { MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH, MAX_PAYLOAD_BYTES, MAX_TOKEN_LENGTH } from './limits.ts';
import type { Execution, Live, PendingToken } from './records.ts';
import { optionalString } from './service-input.ts';

/**
 * Task tokens (`.waitForTaskToken`), which the library lacks: `$$.Task.Token` hands out a fresh
 * token while a Task's Parameters are evaluated, the Task's attempt registers it in
 * `RunnerContext.tokens` (tasks.ts), and SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat
 * settle it. A token names its execution, so a token no longer waited for can be told apart from
 * one never handed out (TaskTimedOut vs TaskDoesNotExist, as AWS answers).
 */

export function issueToken(executionArn: string): string {
  return Buffer.from(JSON.stringify({ v: 1, x: executionArn, n: randomBytes(16).toString('base64url') })).toString('base64url');
}

/** `$$.Task`: its Token getter issues one token per attempt, claimed by the Task's handler right after. */
export function taskContext(execution: Execution, live: Live): object {
  const task = {};
  Object.defineProperty(task, 'Token', {
    enumerable: true,
    get: () => {
      live.unclaimedToken ??= issueToken(execution.executionArn);
      return live.unclaimedToken;
    },
  });
  return task;
}

function pendingToken(runner: Pick<RunnerContext, 'tokens' | 'executions'>, input: JsonObject): PendingToken {
  const token = input.taskToken;
  if (typeof token !== 'string' || token === '') {
    throw new AwsError('ValidationException', "1 validation error detected: Value null at 'taskToken' failed to satisfy constraint: Member must not be null");
  }
  const pending = runner.tokens.get(token);
  if (pending !== undefined) return pending;
  let executionArn: unknown;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; x?: unknown };
    executionArn = decoded.v === 1 ? decoded.x : undefined;
  } catch {
    executionArn = undefined;
  }
  if (token.length > MAX_TOKEN_LENGTH || typeof executionArn !== 'string') throw new AwsError('InvalidToken', 'Invalid Token: the task token is malformed');
  // A token of an execution this endpoint knows, no longer waited for: its task timed out, failed, or its execution ended.
  if (runner.executions.has(executionArn)) throw new AwsError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
  throw new AwsError('TaskDoesNotExist', 'Task Does Not Exist: no execution here handed out this token');
}

/** The Step Functions operations that complete a waiting Task. */
export function taskTokenOperations(runner: RunnerContext): AwsJsonService['operations'] {
  return {
    SendTaskSuccess: async (input) => {
      const pending = pendingToken(runner, input);
      const output = input.output;
      if (typeof output !== 'string')
        throw new AwsError('ValidationException', "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null");
      if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) throw new AwsError('InvalidOutput', `Invalid Output: larger than ${MAX_PAYLOAD_BYTES} bytes`);
      let parsed: Json;
      try {
        parsed = JSON.parse(output) as Json;
      } catch (error) {
        throw new AwsError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
      }
      pending.succeed(parsed);
      return {};
    },

    SendTaskFailure: async (input) => {
      const pending = pendingToken(runner, input);
      pending.fail(optionalString(input, 'error', MAX_ERROR_LENGTH), optionalString(input, 'cause', MAX_CAUSE_LENGTH));
      return {};
    },

    SendTaskHeartbeat: async (input) => {
      pendingToken(runner, input).heartbeat();
      return {};
    },
  };
}
