import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const { Transaction, TransactionRefused, named, transactWrite } = await import('../../functions/shared/store/transaction.ts');
const { putNew, putAtVersion, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
const { fieldCheckErrors, fieldCheckItems } = await import('../../functions/shared/store/field-checks.ts');
const { retryOnConflict } = await import('../../functions/shared/store/retry.ts');
afterAll(() => table.stop());

type Refused = InstanceType<typeof TransactionRefused>;

async function refusal(run: () => Promise<unknown>): Promise<Refused> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(TransactionRefused);
    return error as Refused;
  }
  throw new Error('the transaction was not refused');
}

const key = (id: string) => ({ pk: `TX#${id}`, sk: 'TX' });

beforeAll(async () => {
  await transactWrite([
    putNew({ ...key('existing'), entity: 'tx-test', version: 3, title: 'As stored' }),
    putNew({ ...key('neighbour'), entity: 'tx-test', version: 1 }),
  ]);
});

describe('a refused transaction names what was refused', () => {
  // The same items in both orders: the refusal must name the same checks either way.
  const orders = [
    ['forwards', (items: unknown[]) => items],
    ['backwards', (items: unknown[]) => [...items].reverse()],
  ] as const;

  for (const [order, arrange] of orders) {
    it(`names the failed check and only it (${order})`, async () => {
      const fresh = `fresh-${order}`;
      const entries = arrange([
        named('record', putNew({ ...key(fresh), entity: 'tx-test', version: 1 })),
        named('group-exists', { ConditionCheck: { TableName: TABLE_NAME, Key: key('no-such-group'), ConditionExpression: 'attribute_exists(pk)' } }),
        named('existing-still-there', { ConditionCheck: { TableName: TABLE_NAME, Key: key('existing'), ConditionExpression: 'attribute_exists(pk)' } }),
      ]) as Parameters<typeof transactWrite>[0];
      const error = await refusal(() => transactWrite(entries));
      expect(error.refused).toEqual(['group-exists']);
      expect(error.has('group-exists')).toBe(true);
      expect(error.has('record')).toBe(false);
      expect(error.has('existing-still-there')).toBe(false);
      expect(error.conditionFailed).toBe(true);
      // All or nothing: the record was not created.
      expect(await table.partition(key(fresh).pk)).toEqual([]);
    });

    it(`returns the refused item as it is (ALL_OLD) under its name (${order})`, async () => {
      const tx = new Transaction();
      const stale = () => tx.putAtVersion('existing', { ...key('existing'), entity: 'tx-test', version: 2, title: 'From an old read' }, 1);
      const other = () => tx.put('other', { ...key(`other-${order}`), entity: 'tx-test' });
      if (order === 'forwards') {
        stale();
        other();
      } else {
        other();
        stale();
      }
      const error = await refusal(() => tx.commit());
      expect(error.refused).toEqual(['existing']);
      expect(error.item('existing')).toMatchObject({ version: 3, title: 'As stored' });
      expect(error.item('other')).toBeUndefined();
    });
  }

  it('says a condition failed even when the refused item has no name, and names nothing', async () => {
    const error = await refusal(() =>
      new Transaction([putAtVersion({ ...key('existing'), entity: 'tx-test', version: 9 }, 8)])
        .check('neighbour-check', key('neighbour'), { expression: 'version = :v', values: { ':v': 1 } })
        .commit(),
    );
    expect(error.conditionFailed).toBe(true);
    expect(error.conflicted).toBe(false);
    expect(error.refused).toEqual([]);
  });

  it('maps field checks to field errors by name, wherever they sit in the transaction', async () => {
    const checks = [
      {
        item: { ConditionCheck: { TableName: TABLE_NAME, Key: key('existing'), ConditionExpression: 'attribute_exists(pk)' } },
        refusal: () => ({ path: ['owner'], message: 'never refused' }),
      },
      {
        item: { ConditionCheck: { TableName: TABLE_NAME, Key: key('gone'), ConditionExpression: 'attribute_exists(pk)' } },
        refusal: (old: unknown) => ({ path: ['members', 1], message: old === undefined ? 'There is no gone' : 'unexpected' }),
      },
    ];
    for (const before of [true, false]) {
      const write = named('record', putNew({ ...key(`checked-${before}`), entity: 'tx-test' }));
      const entries = before ? [...fieldCheckItems(checks), write] : [write, ...fieldCheckItems(checks)];
      const error = await refusal(() => transactWrite(entries));
      expect(fieldCheckErrors(error, checks)).toEqual([{ location: 'body', path: 'members.1', pointer: '#/members/1', message: 'There is no gone' }]);
      expect(error.has('record')).toBe(false);
    }
  });

  it('refuses two items under one name before sending anything', () => {
    const check = { ConditionCheck: { TableName: TABLE_NAME, Key: key('existing'), ConditionExpression: 'attribute_exists(pk)' } };
    expect(() => new Transaction([named('same', check), named('same', check)])).toThrow(/named 'same'/);
  });

  it('commits in one round trip', async () => {
    table.counter.reset();
    await new Transaction()
      .putNew('a', { ...key('one-trip-a'), entity: 'tx-test' })
      .put('b', { ...key('one-trip-b'), entity: 'tx-test' })
      .check('existing', key('existing'), 'attribute_exists(pk)')
      .commit();
    expect(table.counter.operations()).toEqual(['TransactWriteItems']);
  });
});

describe('retryOnConflict', () => {
  const conflict = new Error('conflict');
  const isConflict = (error: unknown) => error === conflict;

  it('runs again while the run conflicts, up to the attempts given, then lets the last conflict through', async () => {
    const attempts: number[] = [];
    await expect(
      retryOnConflict(
        async (attempt) => {
          attempts.push(attempt);
          throw conflict;
        },
        { attempts: 4, isConflict },
      ),
    ).rejects.toBe(conflict);
    expect(attempts).toEqual([1, 2, 3, 4]);
  });

  it('returns the first success, and lets any other error through at once', async () => {
    let calls = 0;
    expect(
      await retryOnConflict(
        async () => {
          calls += 1;
          if (calls < 3) throw conflict;
          return 'done';
        },
        { attempts: 5, isConflict },
      ),
    ).toBe('done');
    expect(calls).toBe(3);

    const other = new Error('other');
    let tries = 0;
    await expect(
      retryOnConflict(
        async () => {
          tries += 1;
          throw other;
        },
        { attempts: 5, isConflict },
      ),
    ).rejects.toBe(other);
    expect(tries).toBe(1);
  });

  it('waits the backoff between attempts and reports each repeat', async () => {
    const waits: number[] = [];
    const repeats: number[] = [];
    const started = Date.now();
    await expect(
      retryOnConflict(
        async () => {
          throw conflict;
        },
        {
          attempts: 3,
          isConflict,
          backoff: (failed) => {
            waits.push(failed);
            return 20;
          },
          onRetry: (_error, failed) => repeats.push(failed),
        },
      ),
    ).rejects.toBe(conflict);
    expect(waits).toEqual([1, 2]);
    expect(repeats).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });
});
