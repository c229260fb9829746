import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.ts';

describe('startLocalStack wires the event sources', () => {
  let dataDir: string;
  let stack: LocalStack;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'itsm-runtime-'));
    stack = await startLocalStack({ dynamoDbEndpoint: inject('dynamoDbEndpoint'), tableName: `runtime-${randomUUID()}`, httpPort: 0, awsPort: 0, dataDir });
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the AWS endpoint on loopback and points the SDK at it', async () => {
    expect(stack.awsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.AWS_ENDPOINT_URL_EVENTBRIDGE).toBe(stack.awsEndpoint);
    expect(process.env.EVENT_RETENTION_DAYS).toBe('30');
    const response = await fetch(`${stack.awsEndpoint}/local/dead-letters`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    expect(stack.deadLetters()).toEqual([]);
  });

  it('accepts PutEvents from the SDK with its default endpoint resolution, and settles', async () => {
    const events = new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      // Matches no rule: accepted and not routed, so this test does not depend on the ingestion handlers.
      const reply = await events.send(
        new PutEventsCommand({ Entries: [{ EventBusName: 'itsm-ingestion', Source: 'com.example', DetailType: 'Something Else', Detail: '{}' }] }),
      );
      expect(reply.FailedEntryCount).toBe(0);
    } finally {
      events.destroy();
    }
    const started = performance.now();
    await stack.settled();
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('keeps the stream positions in the data folder', async () => {
    const db = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      // A record no consumer wants: skipped, and the position moves past it all the same.
      await db.send(new PutItemCommand({ TableName: stack.tableName, Item: { pk: { S: 'TEST#x' }, sk: { S: 'x' }, entity: { S: 'test' } } }));
    } finally {
      db.destroy();
    }
    await stack.settled();
    const stored = JSON.parse(readFileSync(join(dataDir, 'stream-checkpoints.json'), 'utf8'));
    expect(stored.streamArn).toContain(`table/${stack.tableName}/stream/`);
    expect(Object.values(stored.consumers.applyAlertEvents)).toEqual([{ sequenceNumber: expect.stringMatching(/^\d+$/) }]);
  });
});
