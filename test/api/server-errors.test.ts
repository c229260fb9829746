import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { client, startTestStack } from '../support/api.ts';

// A file of its own: handlers bind to one table per process, and this test deletes it.
describe('server errors', () => {
  it('a 5xx is problem+json that carries no internal message or stack', async () => {
    const broken = await startTestStack({ seed: false });
    expect((await broken.anonymous.get('/health')).status).toBe(200);
    try {
      const dynamo = new DynamoDBClient({
        endpoint: broken.dynamoDbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await dynamo.send(new DeleteTableCommand({ TableName: broken.tableName }));
      const token = await broken.token('alice', ['agent']);
      const reply = await client(broken.url, token).post('/incidents', { title: 'into the void' });
      expect(reply.status).toBe(500);
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
      const text = JSON.stringify(reply.body);
      expect(text).not.toMatch(/ResourceNotFound|non-existent|Cannot do operations|\.ts:|at /);
      expect(reply.body).toMatchObject({ status: 500, title: expect.any(String) });
      const health = await broken.anonymous.get('/health');
      expect(health.status).toBe(503);
    } finally {
      await broken.stop();
    }
  });
});
