import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { ensureTable } from '../../local/table.ts';

export interface StoreTable {
  readonly tableName: string;
  /** The run's DynamoDB Local itself (not through the counter). */
  readonly endpoint: string;
  /** Counts every request the store modules send (they talk to DynamoDB Local through it). */
  readonly counter: RequestCounter;
  /** A client of our own, straight to DynamoDB Local, to inspect the table without being counted. */
  readonly raw: DynamoDBDocumentClient;
  /** Every item of one partition, by key order. */
  partition(pk: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * A fresh table on the run's shared DynamoDB Local, and the process environment the store modules
 * read at load, exactly as local/runtime.ts sets it. Call it BEFORE importing any store module
 * (functions/shared/store/db.ts builds its client at module scope), then `await import(...)` them.
 */
export async function freshTable(): Promise<StoreTable> {
  const endpoint = inject('dynamoDbEndpoint');
  const tableName = `store-${randomUUID()}`;
  const counter = await startRequestCounter(endpoint);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: counter.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, tableName);
  const raw = DynamoDBDocumentClient.from(client);

  return {
    tableName,
    endpoint,
    counter,
    raw,
    partition: async (pk) => {
      const result = await raw.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
      );
      return result.Items ?? [];
    },
    stop: async () => {
      raw.destroy();
      await counter.stop();
    },
  };
}
