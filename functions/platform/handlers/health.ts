import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { httpHandler } from '../../shared/http/handler.ts';
import { db, TABLE_NAME } from '../../shared/store/db.ts';

/** Healthy means the function runs and its table answers a key read; nothing about the data leaks. */
export const handler = httpHandler(
  async () => {
    await db.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
    return { status: 200, body: { status: 'ok' }, headers: { 'cache-control': 'no-store' } };
  },
  { authenticated: false },
);
