import { randomUUID } from 'node:crypto';
import type { RawHandler } from './aws-endpoint.ts';
import { type Invoke, invokeFunction } from './invoke.ts';

/**
 * Lambda's Invoke, locally (REST JSON: `POST /2015-03-31/functions/{FunctionName}/invocations`),
 * for what calls a function directly, as `npm run replay-dead-letters` does with a stream batch.
 * Function names are the route table's function ids. As in AWS, a function that throws answers
 * 200 with `X-Amz-Function-Error: Unhandled` and the error as the payload.
 */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export function lambdaHandler(invoke: Invoke = invokeFunction): RawHandler {
  return async (request, url, body, response) => {
    const match = INVOKE_PATH.exec(url.pathname);
    if (request.method !== 'POST' || match === null) return false;
    const name = decodeURIComponent(match[1] as string)
      .split(':')
      .at(-1) as string;
    const requestId = randomUUID();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
    if (request.headers['x-amz-invocation-type'] !== undefined && request.headers['x-amz-invocation-type'] !== 'RequestResponse') {
      response.writeHead(400, { ...headers, 'x-amzn-errortype': 'InvalidParameterValueException' });
      response.end(JSON.stringify({ Type: 'User', message: 'the local Lambda endpoint runs RequestResponse invocations only' }));
      return true;
    }
    let event: unknown;
    try {
      event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      response.writeHead(400, { ...headers, 'x-amzn-errortype': 'InvalidRequestContentException' });
      response.end(JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }));
      return true;
    }
    try {
      // As in AWS, the invocation's request id is the one the answer's x-amzn-requestid names.
      const result = await invoke(name, event, requestId);
      response.writeHead(200, headers);
      response.end(result === undefined ? 'null' : JSON.stringify(result));
    } catch (error) {
      const unknownFunction = /no function .* in functions\/routes.ts/.test(String(error));
      if (unknownFunction) {
        response.writeHead(404, { ...headers, 'x-amzn-errortype': 'ResourceNotFoundException' });
        response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
        return true;
      }
      response.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
      response.end(JSON.stringify({ errorType: (error as Error).name ?? 'Error', errorMessage: (error as Error).message ?? String(error) }));
    }
    return true;
  };
}
