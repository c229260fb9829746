import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnownErrorSource } from '../../functions/known-errors/domain/known-error.ts';
import { freshTable } from '../support/table.ts';

/*
 * The known-error projection against DynamoDB Local: what knownErrorEntries writes as a problem is
 * published, edited, moved and withdrawn, and the Queries that read it (GET /known-errors and the
 * incident lookup), counted on the wire.
 */

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const { knownErrorEntries, listKnownErrors, matchKnownErrors } = await import('../../functions/known-errors/store/known-error-store.ts');
const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
afterAll(() => table.stop());

let sequence = 0;
/** Problems as this file last wrote them, by id. */
const problems = new Map<string, KnownErrorSource>();

/** Writes what the problem's write unit would add to its transaction for this change (nothing else). */
async function write(next: KnownErrorSource): Promise<number> {
  const entries = knownErrorEntries(problems.get(next.id), next);
  if (entries.length > 0) await transactWrite(entries);
  problems.set(next.id, next);
  return entries.length;
}

async function publish(fields: Partial<KnownErrorSource>): Promise<KnownErrorSource> {
  const n = ++sequence;
  const problem: KnownErrorSource = {
    id: `01JKNOWNERROR${String(n).padStart(13, '0')}`,
    number: `PRB${String(1000 + n).padStart(7, '0')}`,
    title: `problem ${n}`,
    status: 'root_cause_analysis',
    updatedAt: `2030-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
    knownError: true,
    knownErrorPublishedAt: `2030-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
    workaround: `workaround ${n}`,
    ...fields,
  };
  await write(problem);
  return problem;
}

const numbers = (items: { number: string }[]) => items.map((item) => item.number);

describe('knownErrorEntries', () => {
  it('writes nothing for a problem that publishes nothing, and nothing when its known error did not change', async () => {
    const draft: KnownErrorSource = {
      id: '01JDRAFT00000000000000000A',
      number: 'PRB0000001',
      title: 'draft',
      status: 'new',
      updatedAt: '2030-01-01T00:00:00.000Z',
    };
    expect(await write(draft)).toBe(0);
    const published = await publish({ service: 'vpn' });
    expect(await write({ ...published, updatedAt: '2030-02-01T00:00:00.000Z', status: 'fix_in_progress' })).toBe(0);
  });

  it('one item per key: all, configuration item, service, category', async () => {
    const problem = await publish({ service: 'email', configurationItem: 'MX-01', category: 'Mail' });
    const sk = `${problem.knownErrorPublishedAt}#${problem.id}`;
    for (const pk of ['KNOWN_ERROR#ALL', 'KNOWN_ERROR#CI#mx-01', 'KNOWN_ERROR#SERVICE#email', 'KNOWN_ERROR#CATEGORY#mail']) {
      const items = (await table.partition(pk)).filter((item) => item.sk === sk);
      expect(items, pk).toHaveLength(1);
      expect(items[0]).toMatchObject({
        entity: 'known-error',
        problemId: problem.id,
        workaround: problem.workaround,
        configurationItem: 'MX-01',
        category: 'Mail',
      });
    }
  });

  it('follows the problem: a new workaround is rewritten, a moved field moves, unpublishing and canceling delete', async () => {
    const problem = await publish({ service: 'storage', category: 'Disks' });
    const sk = `${problem.knownErrorPublishedAt}#${problem.id}`;
    const itemIn = async (pk: string) => (await table.partition(pk)).find((item) => item.sk === sk);

    expect(await write({ ...problem, workaround: 'Free some space' })).toBe(3);
    expect((await itemIn('KNOWN_ERROR#SERVICE#storage'))?.workaround).toBe('Free some space');

    const moved = { ...problem, workaround: 'Free some space', service: 'backup' };
    // Every item carries the problem's fields, so each is rewritten; the old service's goes.
    expect(await write(moved)).toBe(4);
    expect(await itemIn('KNOWN_ERROR#SERVICE#storage')).toBeUndefined();
    expect(await itemIn('KNOWN_ERROR#SERVICE#backup')).toBeDefined();

    expect(await write({ ...moved, knownError: false })).toBe(3);
    for (const pk of ['KNOWN_ERROR#ALL', 'KNOWN_ERROR#SERVICE#backup', 'KNOWN_ERROR#CATEGORY#disks']) expect(await itemIn(pk), pk).toBeUndefined();

    await write(moved);
    expect(await itemIn('KNOWN_ERROR#ALL')).toBeDefined();
    expect(await write({ ...moved, status: 'canceled' })).toBe(3);
    expect(await itemIn('KNOWN_ERROR#ALL')).toBeUndefined();
  });
});

describe('reading the projection', () => {
  const found: Record<string, KnownErrorSource> = {};

  beforeAll(async () => {
    found.ciOld = await publish({ service: 'crm', configurationItem: 'APP-7', category: 'Software' });
    found.service1 = await publish({ service: 'crm' });
    found.category = await publish({ category: 'software' });
    found.ciNew = await publish({ service: 'crm', configurationItem: 'app-7' });
    found.service2 = await publish({ service: 'crm', category: 'Hardware' });
    found.service3 = await publish({ service: 'crm' });
    found.service4 = await publish({ service: 'crm' });
    found.unpublished = await publish({ service: 'crm', knownError: false });
  });

  it('lists by one filter newest first, in pages without gaps', async () => {
    const first = await listKnownErrors({ service: 'crm' }, 4, undefined);
    expect(numbers(first.items)).toEqual(numbers([found.service4, found.service3, found.service2, found.ciNew] as KnownErrorSource[]));
    expect(first.nextCursor).toBeDefined();
    const second = await listKnownErrors({ service: 'crm' }, 4, first.nextCursor);
    expect(numbers(second.items)).toEqual(numbers([found.service1, found.ciOld] as KnownErrorSource[]));
    expect(second.nextCursor).toBeUndefined();
  });

  it('one filter, or none, is one Query', async () => {
    for (const filters of [{ service: 'crm' }, { configurationItem: 'APP-7' }, { category: 'software' }, {}]) {
      table.counter.reset();
      await listKnownErrors(filters, 10, undefined);
      expect(table.counter.operations(), JSON.stringify(filters)).toEqual(['Query']);
    }
  });

  it('free-text filters match whatever the case; several filters narrow the most specific one', async () => {
    expect(numbers((await listKnownErrors({ configurationItem: ' app-7' }, 10, undefined)).items)).toEqual(
      numbers([found.ciNew, found.ciOld] as KnownErrorSource[]),
    );
    expect(numbers((await listKnownErrors({ service: 'crm', category: 'SOFTWARE' }, 10, undefined)).items)).toEqual(
      numbers([found.ciOld] as KnownErrorSource[]),
    );
    expect((await listKnownErrors({ service: 'crm', configurationItem: 'nothing-here' }, 10, undefined)).items).toEqual([]);
  });

  it('a cursor belongs to its filters', async () => {
    const page = await listKnownErrors({ service: 'crm' }, 1, undefined);
    await expect(listKnownErrors({ category: 'software' }, 1, page.nextCursor)).rejects.toMatchObject({ status: 400 });
  });

  it('an incident gets at most 5, configuration item first, then service, then category, each problem once, in one round trip', async () => {
    table.counter.reset();
    // A simulated network delay makes concurrent requests overlap on the wire, as in AWS.
    table.counter.setLatency(20);
    const matches = await matchKnownErrors({ configurationItem: 'App-7', service: 'crm', category: 'Software' }).finally(() => table.counter.setLatency(0));
    expect(table.counter.rounds().map((round) => round.sort())).toEqual([['Query', 'Query', 'Query']]);
    expect(matches.map((m) => [m.number, m.matchedOn])).toEqual([
      [found.ciNew?.number, 'configurationItem'],
      [found.ciOld?.number, 'configurationItem'],
      [found.service4?.number, 'service'],
      [found.service3?.number, 'service'],
      [found.service2?.number, 'service'],
    ]);
    expect(matches[0]).toEqual({
      problemId: found.ciNew?.id,
      number: found.ciNew?.number,
      title: found.ciNew?.title,
      workaround: found.ciNew?.workaround,
      service: 'crm',
      configurationItem: 'app-7',
      publishedAt: found.ciNew?.knownErrorPublishedAt,
      matchedOn: 'configurationItem',
    });
  });

  it('an incident without those fields sends no Query', async () => {
    table.counter.reset();
    expect(await matchKnownErrors({})).toEqual([]);
    expect(table.counter.operations()).toEqual([]);
  });
});
