import { createServer } from 'node:http';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { freshTable } from '../support/table.ts';

/**
 * POST /v2/enqueue when the table refuses to record: the answer is PagerDuty's shape, and the
 * rate-limit slot the event took is given back. DynamoDB Local is reached through a proxy that
 * fails every PutItem while `failPuts` is set (the SDK retries them, then gives up).
 */
const table = await freshTable();
let failPuts = false;
const proxy = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    void (async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (failPuts && target.endsWith('.PutItem')) {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected failure' }));
        return;
      }
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length')) as Record<
        string,
        string
      >;
      const upstream = await fetch(`${table.endpoint}${request.url ?? '/'}`, { method: request.method ?? 'POST', headers, body: Buffer.concat(chunks) });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/x-amz-json-1.0' });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    })();
  });
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
process.env.AWS_MAX_ATTEMPTS = '2';

const { handler } = await import('../../functions/ingestion/handlers/enqueue.ts');
const integrations = await import('../../functions/ingestion/store/integration-store.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
const { serviceKey } = await import('../../functions/directory/store/keys.ts');
afterAll(async () => {
  proxy.close();
  await table.stop();
});

async function enqueue(body: unknown): Promise<APIGatewayProxyStructuredResultV2> {
  const event = {
    version: '2.0',
    routeKey: 'POST /v2/enqueue',
    rawPath: '/v2/enqueue',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path: '/v2/enqueue' }, requestId: 'r-enqueue-500' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  return (await handler(event, { awsRequestId: 'test' } as Context)) as APIGatewayProxyStructuredResultV2;
}

describe('POST /v2/enqueue when the event cannot be recorded', () => {
  it("answers 500 in PagerDuty's shape and gives the rate-limit slot back", async () => {
    await table.raw.send(new PutCommand({ TableName: table.tableName, Item: { ...serviceKey('svc'), entity: 'service', name: 'svc' } }));
    const routingKey = integrations.generateRoutingKey();
    const at = new Date().toISOString();
    const integration = {
      id: 'i-1',
      service: 'svc',
      name: 'one a minute',
      keyHint: routingKey.slice(-4),
      rateLimitPerMinute: 1,
      createdAt: at,
      createdBy: 'ada',
    };
    await transactWrite(integrations.createIntegrationItems(routingKey, integration, { at, actor: 'ada', action: 'updated', version: 0, changes: [] }));
    const trigger = { routing_key: routingKey, event_action: 'trigger', payload: { summary: 'Disk full', source: 'web-1', severity: 'error' } };

    failPuts = true;
    const failed = await enqueue(trigger);
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body as string)).toEqual({ status: 'error', message: expect.any(String), errors: [expect.any(String)] });
    // Like every 5xx, it names API Gateway's request id (requestContext.requestId), for the caller to quote.
    expect(JSON.parse(failed.body as string).message).toContain('quote request id r-enqueue-500');

    failPuts = false;
    // The only slot of the minute was given back: this one is recorded (unless the minute turned, which also frees it).
    const minute = Math.floor(Date.now() / 60_000);
    const recorded = await enqueue(trigger);
    expect(recorded.statusCode).toBe(202);
    const next = await enqueue(trigger);
    if (Math.floor(Date.now() / 60_000) === minute) expect(next.statusCode).toBe(429);
  });
});
