import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.ts';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Client {
  request<T = any>(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<Reply<T>>;
  get<T = any>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
  post<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  patch<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  put<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  delete<T = any>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
}

export function client(baseUrl: string, token?: string): Client {
  const request = async (method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {}) => {
    const headers: Record<string, string> = { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers: { ...headers, ...options.headers }, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // leave as text
    }
    return { status: response.status, headers: response.headers, body: parsed as any };
  };
  return {
    request,
    get: (path, headers) => request('GET', path, { ...(headers ? { headers } : {}) }),
    post: (path, body, headers) => request('POST', path, { body, ...(headers ? { headers } : {}) }),
    patch: (path, body, headers) => request('PATCH', path, { body, ...(headers ? { headers } : {}) }),
    put: (path, body, headers) => request('PUT', path, { body, ...(headers ? { headers } : {}) }),
    delete: (path, headers) => request('DELETE', path, { ...(headers ? { headers } : {}) }),
  };
}

export interface TestStack extends LocalStack {
  /** A client acting as `sub` with the given groups (agent, admin). */
  as(sub: string, groups?: string[]): Promise<Client>;
  anonymous: Client;
}

/**
 * The real local stack on the run's shared DynamoDB Local, with a fresh table for this file and the
 * demo directory (users ada/alice/bob/nina/carol/dave, groups, services) seeded through the API.
 */
export async function startTestStack(
  options: { dynamoDbEndpoint?: string; seed?: boolean; workflowTimeScale?: number; functionTimeoutScale?: number; snsEndpoint?: string } = {},
): Promise<TestStack> {
  const stack = await startLocalStack({
    dynamoDbEndpoint: options.dynamoDbEndpoint ?? inject('dynamoDbEndpoint'),
    tableName: `test-${randomUUID()}`,
    httpPort: 0,
    seed: options.seed ?? true,
    printPublished: false,
    ...(options.workflowTimeScale === undefined ? {} : { workflowTimeScale: options.workflowTimeScale }),
    ...(options.functionTimeoutScale === undefined ? {} : { functionTimeoutScale: options.functionTimeoutScale }),
    ...(options.snsEndpoint === undefined ? {} : { snsEndpoint: options.snsEndpoint }),
  });
  return {
    ...stack,
    as: async (sub, groups = []) => client(stack.url, await stack.token(sub, groups)),
    anonymous: client(stack.url),
  };
}

export const agent = (stack: TestStack, sub = 'alice') => stack.as(sub, ['agent']);
export const admin = (stack: TestStack, sub = 'ada') => stack.as(sub, ['admin']);
export const requester = (stack: TestStack, sub = 'carol') => stack.as(sub, []);
