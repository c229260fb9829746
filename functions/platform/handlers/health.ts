import { HttpError } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { db, TABLE_NAME } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * Healthy means the function runs and its table answers a key read; nothing about the data leaks.
 * A table that does not answer is a 503 (unavailable, retry later), which load balancers and
 * uptime monitors treat as "down", not a 500 that reads as a bug.
 */
export const handler = httpHandler(
  async () => {
    try {
      await db.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
    } catch (error) {
      log.error('health check: the table did not answer', { error });
      throw new HttpError(503, 'unavailable', 'Service unavailable', 'The API cannot reach its storage; retry later', {}, NO_STORE);
    }
    return { status: 200, body: { status: 'ok' }, headers: NO_STORE };
  },
  { authenticated: false },
);
