import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ApiRequestLog } from '../../local/http-server.ts';
import { type LocalStack, startLocalStack } from '../../local/runtime.ts';
import { client, type Reply } from '../support/api.ts';
import { type CapturedLogs, captureLogLines } from '../support/logs.ts';

/*
 * A 5xx over real HTTP names API Gateway's request id, in the body and the `apigw-requestid`
 * header; the local access log (what `npm start` prints per request; in AWS the stage's access log
 * `requestId`) names the same id; and every line the function logged for that request carries it
 * as `correlation_id`, beside the Lambda request id. A file of its own: the test deletes the table.
 */
let stack: LocalStack;
const accessLog: ApiRequestLog[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableName: `test-${randomUUID()}`,
    httpPort: 0,
    seed: false,
    printPublished: false,
    onRequest: (request) => accessLog.push(request),
  });
});

afterAll(async () => {
  await stack.stop();
});

describe('request ids', () => {
  it('a 5xx answer, the access log and every log line of the request carry the same API Gateway request id', async () => {
    const token = await stack.token('alice', ['agent']);
    const dynamo = new DynamoDBClient({
      endpoint: stack.dynamoDbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await dynamo.send(new DeleteTableCommand({ TableName: stack.tableName }));

    const logs: CapturedLogs = captureLogLines();
    let reply: Reply;
    try {
      reply = await client(stack.url, token).post('/incidents', { title: 'into the void' });
    } finally {
      logs.restore();
    }
    expect(reply.status).toBe(500);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    const requestId = reply.headers.get('apigw-requestid');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.body).toMatchObject({ type: 'tag:open-itsm,2026:problem/internal-error', status: 500, requestId });
    expect(reply.body.detail).toContain(requestId);

    await expect.poll(() => accessLog.find((entry) => entry.requestId === requestId)).toMatchObject({ method: 'POST', path: '/incidents', status: 500 });

    const lines = logs.lines().filter((line) => line.entry.correlation_id === requestId);
    expect(lines.map((line) => line.entry.message)).toContain('unhandled error');
    const lambdaRequestIds = new Set(lines.map((line) => line.entry.function_request_id));
    expect(lambdaRequestIds.size).toBe(1);
    const [lambdaRequestId] = [...lambdaRequestIds];
    expect(lambdaRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lambdaRequestId).not.toBe(requestId);
    for (const { entry } of lines) expect(entry).toMatchObject({ function_name: 'local-createIncident', service: 'open-itsm' });
  });
});
