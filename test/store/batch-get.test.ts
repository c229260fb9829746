import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchGetCommand, type BatchGetCommandOutput, type DocumentCommand, type ResponseMetadata } from '../../functions/shared/store/dynamodb.ts';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const { batchGetAll, batchGetExisting } = await import('../../functions/shared/store/batch-get.ts');
const { db, putNew } = await import('../../functions/shared/store/db.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
afterAll(() => table.stop());

const key = (n: number) => ({ pk: `BATCH#${String(n).padStart(3, '0')}`, sk: 'ITEM' });
const STORED = 250;

/**
 * Every BatchGetItem request as DynamoDB Local gets it (keys per request), and, while `withhold` is
 * set, a throttled table: each request loses its last `withhold` keys before it is sent, and they
 * come back as UnprocessedKeys, as DynamoDB answers when it reads only part of a batch. The store
 * module's own client does the sending: only its `send` is wrapped.
 */
const requests: number[] = [];
let withhold = 0;
const send = db.send.bind(db);
db.send = (async (command: DocumentCommand<object, ResponseMetadata>) => {
  if (!(command instanceof BatchGetCommand)) return send(command);
  const input = command.input;
  const [tableName, request] = Object.entries(input.RequestItems ?? {})[0] ?? [];
  if (tableName === undefined || request?.Keys === undefined) return send(command);
  const held = withhold > 0 && request.Keys.length > 1 ? request.Keys.slice(-Math.min(withhold, request.Keys.length - 1)) : [];
  const sent = request.Keys.slice(0, request.Keys.length - held.length);
  requests.push(sent.length);
  const output: BatchGetCommandOutput = await send(new BatchGetCommand({ ...input, RequestItems: { [tableName]: { ...request, Keys: sent } } }));
  if (held.length > 0) output.UnprocessedKeys = { [tableName]: { ...request, Keys: held } };
  return output;
}) as typeof db.send;

beforeAll(async () => {
  for (let start = 0; start < STORED; start += 100) {
    const items = Array.from({ length: Math.min(100, STORED - start) }, (_, i) => putNew({ ...key(start + i), entity: 'batch-test', n: start + i, text: 'x' }));
    await transactWrite(items);
  }
});

beforeEach(() => {
  requests.length = 0;
  withhold = 0;
});

describe('batchGetAll', () => {
  it('reads 250 keys in three requests of at most 100, in the order asked, with undefined where there is no item', async () => {
    const asked = [...Array.from({ length: STORED }, (_, i) => key(STORED - 1 - i)), key(900), key(7)];
    const items = await batchGetAll(asked, { consistentRead: true });
    // 251 distinct keys: key(7) is asked twice and read once.
    expect(requests.sort((a, b) => b - a)).toEqual([100, 100, 51]);
    expect(items).toHaveLength(asked.length);
    expect(items.slice(0, STORED).map((item) => item?.n)).toEqual(Array.from({ length: STORED }, (_, i) => STORED - 1 - i));
    // A key absent from the table, and one asked twice (read once, answered at both places).
    expect(items[STORED]).toBeUndefined();
    expect(items[STORED + 1]).toMatchObject({ n: 7, text: 'x' });
  });

  it('answers the existing items each once, in the order of their keys', async () => {
    const items = await batchGetExisting([key(9), key(900), key(1), key(9)]);
    expect(items.map((item) => item.n)).toEqual([9, 1]);
  });

  it('reads only the attributes asked for, besides the key, whatever their names', async () => {
    const [item] = await batchGetAll([key(3)], { attributes: ['n'] });
    expect(item).toEqual({ pk: key(3).pk, sk: 'ITEM', n: 3 });
  });

  it('asks again for unprocessed keys, after a pause, until all are read', async () => {
    withhold = 30;
    const asked = Array.from({ length: 120 }, (_, i) => key(i));
    const pauses: number[] = [];
    const items = await batchGetExisting(asked, {
      backoff: (attempt) => {
        pauses.push(attempt);
        if (attempt === 1) withhold = 0;
        return 1;
      },
    });
    expect(items.map((item) => item.n)).toEqual(asked.map((_, i) => i));
    // Two chunks (100 and 20 keys), each losing 30 or 19 keys to the throttle once, then read again.
    expect(requests.sort((a, b) => b - a)).toEqual([70, 30, 19, 1]);
    expect(pauses).toEqual([1, 1]);
  });

  it('gives up with an error when keys stay unprocessed', async () => {
    withhold = 10;
    await expect(
      batchGetAll(
        Array.from({ length: 20 }, (_, i) => key(i)),
        { attempts: 3, backoff: () => 1 },
      ),
    ).rejects.toThrow(/unprocessed after 3 requests/);
    // Each request reads all but the last of what it is given: 10 of 20, then 1 of 10, 1 of 9.
    expect(requests).toEqual([10, 1, 1]);
  });
});
