import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RawHandler } from '../aws-endpoint.ts';
import { SchedulerError, validation } from './errors.ts';
import type { ScheduleOperations } from './operations.ts';
import { DEFAULT_GROUP } from './types.ts';
import { checkName } from './validation.ts';

/** Scheduler's REST JSON protocol: `GET /schedules` and `GET|POST|PUT|DELETE /schedules/{Name}`, errors in Scheduler's shape. */

function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(text);
}

/** Scheduler's error shape: the type in `x-amzn-errortype`, `{ Message }` in the body. */
function replyError(response: ServerResponse, error: SchedulerError): void {
  reply(response, error.status, { Message: error.message }, { 'x-amzn-errortype': error.code });
}

function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw validation('The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw validation('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/** The endpoint's handler: false for requests that are not Scheduler's, so the next service may take them. */
export function createSchedulerHandler(operations: ScheduleOperations, load: () => Promise<void>, log: (line: string) => void): RawHandler {
  return async (request, url, body, response) => {
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const single = /^\/schedules\/([^/]+)$/.exec(path);
    if (!(path === '/schedules' && method === 'GET') && !(single !== null && ['GET', 'POST', 'PUT', 'DELETE'].includes(method))) return false;
    try {
      await load();
      if (single === null) {
        reply(response, 200, operations.list(url.searchParams));
        return true;
      }
      let name: string;
      try {
        name = decodeURIComponent(single[1] as string);
      } catch {
        throw validation('The schedule name in the path is not valid.');
      }
      checkName(name, 'name');
      const group = url.searchParams.get('groupName') ?? DEFAULT_GROUP;
      if (method !== 'POST' && method !== 'PUT') checkName(group, 'groupName');
      let output: unknown;
      if (method === 'POST') output = await operations.create(name, jsonBody(body));
      else if (method === 'PUT') output = await operations.update(name, jsonBody(body));
      else if (method === 'GET') output = operations.get(name, group);
      else output = await operations.remove(name, group, url.searchParams.get('clientToken'));
      reply(response, 200, output);
    } catch (error) {
      if (error instanceof SchedulerError) {
        replyError(response, error);
      } else {
        log(`[scheduler] ${method} ${path} failed: ${String(error)}`);
        replyError(response, new SchedulerError('InternalServerException', 'the local Scheduler failed; see its console'));
      }
    }
    return true;
  };
}
