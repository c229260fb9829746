import { afterAll, describe, expect, it } from 'vitest';
import {
  applyChangePatch,
  type Change,
  type ChangePatch,
  creationDiffs,
  moveChangeTo,
  type NewChange,
  openChange,
} from '../../functions/changes/domain/change.ts';
import type { ChangeStatus } from '../../functions/changes/domain/lifecycle.ts';
import type { ChangeFilters } from '../../functions/changes/schemas/change.ts';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const store = await import('../../functions/changes/store/change-store.ts');
const { CHANGE_ITEM, changeRequestWrite } = await import('../../functions/changes/change-request-write.ts');
const { named, transactWrite, TransactionRefused } = await import('../../functions/shared/store/transaction.ts');
const { HttpError } = await import('../../functions/shared/errors.ts');
afterAll(() => table.stop());

const alice = { userId: 'alice' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Windows are planned relative to a fixed day, so the window tests do not depend on the clock. */
const BASE = Date.parse('2031-03-01T00:00:00.000Z');
const at = (ms: number) => new Date(BASE + ms).toISOString();

/** Every change this file wrote, by id, as last written. */
const written = new Map<string, Change>();

const PLANS = { implementationPlan: 'Roll the new build out node by node', backoutPlan: 'Roll back to the previous build' };

async function create(input: Partial<NewChange> = {}): Promise<Change> {
  const sequence = await store.allocateChangeNumber();
  const now = new Date();
  const change = openChange(
    { type: 'normal', title: 'Patch the web tier', plannedStart: at(0), plannedEnd: at(2 * HOUR), services: ['email'], ...PLANS, ...input },
    { id: store.newId(), sequence, actor: alice, now },
  );
  await transactWrite(changeRequestWrite({ after: change, actor: 'alice', changes: creationDiffs(change), now }));
  written.set(change.id, change);
  return change;
}

async function patch(current: Change, changePatch: ChangePatch): Promise<Change> {
  const now = new Date();
  const { next, changes } = applyChangePatch(current, changePatch, { actor: alice, now });
  await transactWrite(changeRequestWrite({ before: current, after: next, actor: 'alice', changes, now }));
  written.set(next.id, next);
  return next;
}

/** Walks the lifecycle (as the workflow's steps would), one write per move. */
async function walk(current: Change, ...statuses: ChangeStatus[]): Promise<Change> {
  let change = current;
  for (const status of statuses) {
    const now = new Date();
    const { next, changes } = moveChangeTo(change, status, { actor: alice, now });
    await transactWrite(changeRequestWrite({ before: change, after: next, actor: 'alice', changes, now }));
    change = next;
  }
  written.set(change.id, change);
  return change;
}

async function refusal(run: () => Promise<unknown>): Promise<InstanceType<typeof TransactionRefused>> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(TransactionRefused);
    return error as InstanceType<typeof TransactionRefused>;
  }
  throw new Error('the transaction was not refused');
}

const partition = (id: string) => table.partition(`CHANGE#${id}`);
const ofEntity = async (id: string, entity: string) => (await partition(id)).filter((item) => item.entity === entity);

describe('creating a change', () => {
  it('writes the change, a copy per service, its history and its outbox record in one transaction', async () => {
    table.counter.reset();
    const change = await create({ title: 'Upgrade the mail relays', services: ['email', 'vpn'], assignmentGroup: 'network' });
    expect(table.counter.operations()).toEqual(['UpdateItem', 'TransactWriteItems']);
    expect(change.number).toMatch(/^CHG\d{7}$/);

    expect(await store.getChangeById(change.id)).toEqual(change);
    expect(await store.getChangeByNumber(change.number)).toEqual(change);
    const items = await partition(change.id);
    expect(items.map((item) => `${item.entity} ${item.sk}`).sort()).toEqual([
      'change CHANGE',
      'change-service SERVICE#email',
      'change-service SERVICE#vpn',
      expect.stringMatching(/^history HISTORY#/),
      expect.stringMatching(/^outbox OUTBOX#/),
    ]);
    const history = items.find((item) => item.entity === 'history');
    expect(history).toMatchObject({ subjectId: change.id, action: 'created', version: 1, actor: 'alice' });
    expect(history?.changes).toEqual(creationDiffs(change));
    const outbox = items.find((item) => item.entity === 'outbox');
    expect(outbox).toMatchObject({ changeId: change.id, detail: { type: 'Change Created', actor: 'alice', change: { id: change.id, number: change.number } } });
    expect(outbox?.notification).toMatchObject({ recipients: { users: [], groups: ['network'] } });
  });

  it('keeps each copy in its service partition only, never in the change lists', async () => {
    const change = await create({ services: ['payments'] });
    const copy = (await ofEntity(change.id, 'change-service'))[0]!;
    expect(copy).toMatchObject({ gsi6pk: 'CHANGE#SERVICE#payments', gsi6sk: change.number, title: change.title, status: 'draft', version: 1 });
    expect(
      Object.keys(copy)
        .filter((key) => key.startsWith('gsi'))
        .sort(),
    ).toEqual(['gsi6pk', 'gsi6sk']);
    const item = (await ofEntity(change.id, 'change'))[0]!;
    expect(item).toMatchObject({
      gsi1pk: 'CHANGE',
      gsi1sk: change.number,
      gsi2pk: 'CHANGE#STATUS#draft',
      gsi3pk: 'CHANGE#TYPE#normal',
      gsi5pk: 'CHANGE#PLANNED',
      gsi5sk: `${change.plannedStart}#${change.number}`,
    });
    // Sparse: no group, no group partition.
    expect(item.gsi4pk).toBeUndefined();
  });

  it('refuses a second create with the same id and leaves no trace of it', async () => {
    const change = await create();
    const again = { ...change, title: 'A twin' };
    const error = await refusal(() => transactWrite(changeRequestWrite({ after: again, actor: 'mallory', changes: creationDiffs(again), now: new Date() })));
    expect(error.has(CHANGE_ITEM)).toBe(true);
    expect(await store.getChangeById(change.id)).toEqual(change);
    expect(await ofEntity(change.id, 'history')).toHaveLength(1);
    expect(await ofEntity(change.id, 'outbox')).toHaveLength(1);
  });

  it('writes nothing when a condition appended by the caller fails', async () => {
    const sequence = await store.allocateChangeNumber();
    const now = new Date();
    const change = openChange(
      { type: 'normal', title: 'Never stored', plannedStart: at(0), plannedEnd: at(HOUR), services: ['vpn'] },
      { id: store.newId(), sequence, actor: alice, now },
    );
    const items = changeRequestWrite({ after: change, actor: 'alice', changes: creationDiffs(change), now });
    const error = await refusal(() =>
      transactWrite([
        ...items,
        named('service', {
          ConditionCheck: { TableName: table.tableName, Key: { pk: 'SERVICE#nope', sk: 'SERVICE' }, ConditionExpression: 'attribute_exists(pk)' },
        }),
      ]),
    );
    expect(error.refused).toEqual(['service']);
    expect(await partition(change.id)).toEqual([]);
    expect(await store.getChangeByNumber(change.number)).toBeUndefined();
  });
});

describe('the one write path', () => {
  it('moves the service copies with the change: updated, added, and deleted when a service is dropped', async () => {
    const v1 = await create({ services: ['email', 'vpn'] });
    const v2 = await patch(v1, { services: ['vpn', 'intranet'], title: 'Retitled' });
    const copies = await ofEntity(v1.id, 'change-service');
    expect(copies.map((copy) => copy.sk).sort()).toEqual(['SERVICE#intranet', 'SERVICE#vpn']);
    for (const copy of copies) expect(copy).toMatchObject({ title: 'Retitled', version: 2, services: ['vpn', 'intranet'] });

    const v3 = await walk(v2, 'assess');
    for (const copy of await ofEntity(v1.id, 'change-service')) expect(copy).toMatchObject({ status: 'assess', version: v3.version });
    const history = await ofEntity(v1.id, 'history');
    expect(history.map((h) => h.version).sort()).toEqual([1, 2, 3]);
    const types = (await ofEntity(v1.id, 'outbox')).map((o) => (o.detail as { type: string }).type).sort();
    expect(types).toEqual(['Change Created', 'Change Submitted', 'Change Updated']);
  });

  it("a replace at a stale version fails on the change's item, returns the current item, writes nothing", async () => {
    const v1 = await create();
    const v2 = await patch(v1, { title: 'Second' });
    const { next: stale, changes } = applyChangePatch(v1, { title: 'From an old read', services: ['payments'] }, { actor: alice, now: new Date() });
    const error = await refusal(() => transactWrite(changeRequestWrite({ before: v1, after: stale, actor: 'alice', changes, now: new Date() })));
    expect(error.item(CHANGE_ITEM)).toMatchObject({ version: 2, title: 'Second' });
    expect(await store.getChangeById(v1.id)).toEqual(v2);
    expect((await ofEntity(v1.id, 'change-service')).map((copy) => copy.sk)).toEqual(['SERVICE#email']);
    expect(await ofEntity(v1.id, 'history')).toHaveLength(2);
  });

  it('of concurrent writes at the same version, exactly one wins', async () => {
    const v1 = await create();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => {
        const { next, changes } = applyChangePatch(v1, { title: `contender ${i}` }, { actor: alice, now: new Date() });
        return transactWrite(changeRequestWrite({ before: v1, after: next, actor: 'alice', changes, now: new Date() }));
      }),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const loser of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect((loser.reason as InstanceType<typeof TransactionRefused>).item(CHANGE_ITEM)).toMatchObject({ version: 2 });
    }
    written.set(v1.id, (await store.getChangeById(v1.id))!);
  });

  it('a write that leaves the change as it was (a note) checks its version and rewrites nothing', async () => {
    const change = await create({ services: ['email'] });
    const now = new Date();
    const note = { id: store.newId(), changeId: change.id, body: 'Vendor confirmed the window', author: 'bob', createdAt: now.toISOString() };
    const event = {
      type: 'Change Note Added' as const,
      recipients: { users: [], groups: [] },
      note: { id: note.id, visibility: 'work' as const, author: 'bob' },
    };
    const items = changeRequestWrite({ before: change, after: change, actor: 'bob', changes: [], now, action: 'note_added', event });
    expect(items[0]).toMatchObject({ name: CHANGE_ITEM, item: { ConditionCheck: expect.anything() } });
    expect(items.some((entry) => ('item' in entry ? entry.item : entry).Put?.Item?.entity === 'change-service')).toBe(false);
    await transactWrite([...items, store.changeNotePut(note)]);
    expect(await store.getChangeById(change.id)).toEqual(change);
    expect((await ofEntity(change.id, 'history')).find((h) => h.action === 'note_added')).toMatchObject({ version: 1, changes: [] });

    const moved = await patch(change, { title: 'Moved on' });
    const stale = changeRequestWrite({
      before: change,
      after: change,
      actor: 'bob',
      changes: [],
      now,
      action: 'note_added',
      event: { ...event, note: { ...event.note, id: store.newId() } },
    });
    const error = await refusal(() => transactWrite(stale));
    expect(error.item(CHANGE_ITEM)).toMatchObject({ version: moved.version });
  });

  it('refuses to build a write whose version does not follow its content', () => {
    const change = openChange(
      { type: 'normal', title: 'x', plannedStart: at(0), plannedEnd: at(HOUR) },
      { id: store.newId(), sequence: 1, actor: alice, now: new Date() },
    );
    const renamed = { ...change, title: 'y' };
    expect(() =>
      changeRequestWrite({ before: change, after: renamed, actor: 'a', changes: [{ field: 'title', from: 'x', to: 'y' }], now: new Date() }),
    ).toThrow(/new version/);
    expect(() => changeRequestWrite({ before: change, after: { ...renamed, version: 3 }, actor: 'a', changes: [], now: new Date() })).toThrow(/not 3/);
  });
});

describe('change numbers', () => {
  it('are unique under 40 concurrent allocations, without gaps', async () => {
    const sequences = (await Promise.all(Array.from({ length: 40 }, () => store.allocateChangeNumber()))).sort((a, b) => a - b);
    expect(new Set(sequences).size).toBe(40);
    expect(sequences.at(-1)! - sequences[0]!).toBe(39);
    const item = (await table.partition('CONFIG#CHANGES')).find((i) => i.sk === 'SEQUENCE');
    expect(item).toMatchObject({ entity: 'change-sequence', sequence: sequences.at(-1) });
  });
});

// ---------------------------------------------------------------------------------------------

const newestFirst = (changes: Iterable<Change>) => [...changes].sort((a, b) => b.number.localeCompare(a.number)).map((c) => c.number);
const byPlannedStart = (changes: Iterable<Change>) =>
  [...changes].sort((a, b) => a.plannedStart.localeCompare(b.plannedStart) || a.number.localeCompare(b.number)).map((c) => c.number);
const overlapsWindow = (change: Change, from?: string, to?: string) =>
  (from === undefined || Date.parse(change.plannedEnd) > Date.parse(from)) && (to === undefined || Date.parse(change.plannedStart) < Date.parse(to));

/** The filters as these tests write them, one value each; the list takes several per filter. */
type OneEach = { [K in keyof ChangeFilters]?: string };
const asFilters = (filters: OneEach): ChangeFilters =>
  Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, k.startsWith('planned') ? v : [v]])) as ChangeFilters;

async function listAll(filters: OneEach, limit: number): Promise<{ pages: Change[][]; cursors: (string | undefined)[] }> {
  const pages: Change[][] = [];
  const cursors: (string | undefined)[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listChanges(asFilters(filters), limit, cursor);
    pages.push(page.items);
    cursors.push(page.nextCursor);
    cursor = page.nextCursor;
    expect(pages.length).toBeLessThan(100);
  } while (cursor !== undefined);
  return { pages, cursors };
}

describe('listing changes', () => {
  const GROUPS = ['network', 'database', undefined];
  const SERVICE_SETS = [['email'], ['vpn', 'email'], ['payments'], []];
  const TYPES = ['normal', 'emergency', 'standard'] as const;

  it('seeds 36 more changes in assorted states and windows', async () => {
    for (let i = 0; i < 36; i++) {
      // Windows from 10 days before BASE to 25 days after it, 1 hour to 12 days long.
      const start = -10 * DAY + i * DAY + (i % 4) * HOUR;
      const length = i % 6 === 0 ? 12 * DAY : (1 + (i % 5)) * HOUR;
      let change = await create({
        title: `change ${i}`,
        type: TYPES[i % 3],
        ...(TYPES[i % 3] === 'standard' ? { template: 'restart-web-tier' } : {}),
        services: SERVICE_SETS[i % 4],
        ...(GROUPS[i % 3] === undefined ? {} : { assignmentGroup: GROUPS[i % 3] }),
        plannedStart: at(start),
        plannedEnd: at(start + length),
      });
      if (i % 4 === 1) change = await walk(change, 'assess');
      if (i % 4 === 2) change = await walk(change, 'assess', 'authorize', 'scheduled');
      if (i % 8 === 3) change = await walk(change, 'canceled');
    }
    expect(written.size).toBeGreaterThanOrEqual(36);
  });

  it('pages through every change exactly once, newest first, one Query per page', async () => {
    table.counter.reset();
    const { pages, cursors } = await listAll({}, 20);
    expect(pages.flat().map((c) => c.number)).toEqual(newestFirst(written.values()));
    expect(cursors.at(-1)).toBeUndefined();
    // Every change is a kept queue (a head, functions/shared/store/queue-heads.ts); no stream
    // consumer keeps one in this table, so the first page looks for it (a GetItem) and reads the index.
    expect(table.counter.operations()).toEqual(['GetItem', ...pages.map(() => 'Query')]);
  });

  it('returns the stored changes, without storage attributes', async () => {
    const { items } = await store.listChanges({}, 100);
    for (const item of items) {
      expect(item).toEqual(written.get(item.id));
      expect(Object.keys(item).some((k) => k === 'pk' || k === 'sk' || k === 'entity' || k.startsWith('gsi'))).toBe(false);
    }
  });

  const single: OneEach[] = [
    { status: 'draft' },
    { status: 'scheduled' },
    { status: 'canceled' },
    { type: 'emergency' },
    { assignmentGroup: 'network' },
    { service: 'email' },
    { service: 'payments' },
    { service: 'intranet' },
  ];
  it.each(single)('filter %j returns exactly the matching changes, newest first, one Query per page', async (filters) => {
    const [[name, value]] = Object.entries(filters) as [[keyof OneEach, string]];
    const matches = (c: Change) => (name === 'service' ? c.services.includes(value) : c[name as keyof Change] === value);
    const expected = [...written.values()].filter(matches);
    expect(expected.length).toBeGreaterThan(0);
    table.counter.reset();
    const { pages } = await listAll(filters, 6);
    expect(pages.flat().map((c) => c.number)).toEqual(newestFirst(expected));
    // The filter is the key condition of its own index: one Query per page, nothing filtered away
    // (a status queue's first page looks for its head first, which no consumer keeps here).
    expect(table.counter.operations()).toEqual([...(name === 'status' ? ['GetItem'] : []), ...pages.map(() => 'Query')]);
  });

  const combined: OneEach[] = [
    { service: 'email', status: 'assess' },
    { assignmentGroup: 'database', service: 'email' },
    { status: 'draft', type: 'normal' },
    { assignmentGroup: 'network', type: 'standard', status: 'scheduled' },
    { service: 'payments', type: 'emergency' },
  ];
  it.each(combined)('combined filters %j narrow with a filter expression, still by Query', async (filters) => {
    const expected = [...written.values()].filter((c) =>
      Object.entries(filters).every(([k, v]) => (k === 'service' ? c.services.includes(v) : c[k as keyof Change] === v)),
    );
    table.counter.reset();
    const { pages, cursors } = await listAll(filters, 4);
    expect(pages.flat().map((c) => c.number)).toEqual(newestFirst(expected));
    expect(cursors.at(-1)).toBeUndefined();
    expect(table.counter.operations().every((op) => op === 'Query')).toBe(true);
  });

  const windows: OneEach[] = [
    { plannedFrom: at(0), plannedTo: at(3 * DAY) },
    { plannedFrom: at(5 * DAY + 30 * 60_000), plannedTo: at(5 * DAY + 31 * 60_000) },
    { plannedFrom: at(20 * DAY) },
    { plannedTo: at(-5 * DAY) },
    { plannedFrom: at(-2 * DAY), plannedTo: at(2 * DAY), service: 'email' },
    { plannedFrom: at(-12 * DAY), plannedTo: at(30 * DAY), status: 'scheduled', assignmentGroup: 'network' },
    { plannedFrom: at(40 * DAY) },
  ];
  it.each(windows)('planned window %j: the overlapping changes, by planned start', async (filters) => {
    const { plannedFrom, plannedTo, ...others } = filters;
    const expected = [...written.values()].filter(
      (c) =>
        overlapsWindow(c, plannedFrom, plannedTo) &&
        Object.entries(others).every(([k, v]) => (k === 'service' ? c.services.includes(v) : c[k as keyof Change] === v)),
    );
    table.counter.reset();
    const { pages } = await listAll(filters, 5);
    expect(pages.flat().map((c) => c.number)).toEqual(byPlannedStart(expected));
    expect(table.counter.operations().every((op) => op === 'Query')).toBe(true);
  });

  it('windows are half-open: a change ending at plannedFrom or starting at plannedTo is not in it', async () => {
    const change = await create({ plannedStart: at(50 * DAY), plannedEnd: at(50 * DAY + 2 * HOUR), title: 'edge' });
    const numbers = async (filters: OneEach) => (await store.listChanges(asFilters(filters), 100)).items.map((c) => c.number);
    expect(await numbers({ plannedFrom: at(50 * DAY + 2 * HOUR) })).not.toContain(change.number);
    expect(await numbers({ plannedFrom: at(49 * DAY), plannedTo: at(50 * DAY) })).not.toContain(change.number);
    expect(await numbers({ plannedTo: at(50 * DAY) })).not.toContain(change.number);
    expect(await numbers({ plannedFrom: at(50 * DAY + 2 * HOUR - 1) })).toContain(change.number);
    expect(await numbers({ plannedFrom: at(49 * DAY), plannedTo: at(50 * DAY + 1) })).toContain(change.number);
    // Instants in another spelling of the same moment bound the same way.
    expect(await numbers({ plannedTo: '2031-04-20T00:00:00Z' })).not.toContain(change.number);
    expect(await numbers({ plannedFrom: '2031-04-20T01:59:59.999Z', plannedTo: '2031-04-20T00:00:00.001Z' })).toContain(change.number);
  });

  it('a change whose services change moves between the service lists', async () => {
    const change = await create({ services: ['intranet'], title: 'mover' });
    const inService = async (service: string) => (await store.listChanges(asFilters({ service }), 100)).items.some((c) => c.id === change.id);
    expect(await inService('intranet')).toBe(true);
    const moved = await patch(change, { services: ['payments'] });
    expect(await inService('intranet')).toBe(false);
    expect(await inService('payments')).toBe(true);
    expect((await store.listChanges(asFilters({ service: 'payments' }), 100)).items.find((c) => c.id === change.id)).toEqual(moved);
  });

  it('refuses a cursor issued for other filters', async () => {
    const page = await store.listChanges(asFilters({ status: 'draft' }), 2);
    expect(page.nextCursor).toBeDefined();
    await expect(store.listChanges(asFilters({ status: 'assess' }), 2, page.nextCursor)).rejects.toBeInstanceOf(HttpError);
    await expect(store.listChanges({ plannedFrom: at(0) }, 2, page.nextCursor)).rejects.toBeInstanceOf(HttpError);
  });
});

describe('changes overlapping a range', () => {
  it('are every change, whatever its status, whose window overlaps [from, to), from one bounded Query', async () => {
    const from = at(-1 * DAY);
    const to = at(4 * DAY);
    table.counter.reset();
    const found = await store.changesOverlapping(from, to);
    expect(table.counter.operations()).toEqual(['Query']);
    const expected = [...written.values()].filter((c) => overlapsWindow(c, from, to));
    expect(found.map((c) => c.number).sort()).toEqual(expected.map((c) => c.number).sort());
    expect(new Set(found.map((c) => c.status)).size).toBeGreaterThan(2);
  });

  it('include a change that started up to 31 days before the range and still runs', async () => {
    const long = await create({ plannedStart: at(100 * DAY), plannedEnd: at(130 * DAY), title: 'month-long migration' });
    const found = await store.changesOverlapping(at(129 * DAY), at(129 * DAY + HOUR));
    expect(found.map((c) => c.id)).toContain(long.id);
    expect(await store.changesOverlapping(at(130 * DAY), at(131 * DAY))).toEqual([]);
  });

  it('are none for an empty or inverted range', async () => {
    expect(await store.changesOverlapping(at(0), at(0))).toEqual([]);
    expect(await store.changesOverlapping(at(DAY), at(0))).toEqual([]);
  });
});

describe('change outcome statistics', () => {
  it('count implemented changes and failures per service, read in one BatchGetItem', async () => {
    await transactWrite(store.changeStatsUpdates(['stat-a', 'stat-b', 'stat-a'], false));
    await transactWrite(store.changeStatsUpdates(['stat-a'], true));
    await transactWrite(store.changeStatsUpdates(['stat-a', 'stat-b'], true));
    table.counter.reset();
    const stats = await store.changeStats(['stat-a', 'stat-b', 'stat-none', 'stat-a']);
    expect(table.counter.operations()).toEqual(['BatchGetItem']);
    expect(stats).toEqual(
      new Map([
        ['stat-a', { total: 3, failed: 2 }],
        ['stat-b', { total: 2, failed: 1 }],
        ['stat-none', { total: 0, failed: 0 }],
      ]),
    );
    expect(await store.changeStats([])).toEqual(new Map());
    expect((await table.partition('CHANGE-STATS#stat-b'))[0]).toMatchObject({ entity: 'change-stats', sk: 'STATS', service: 'stat-b' });
  });

  it("updates ride in the caller's transaction: refused with it, counted with it", async () => {
    const change = await create();
    const { next, changes } = applyChangePatch(change, { title: 'with stats' }, { actor: alice, now: new Date() });
    const items = [...changeRequestWrite({ before: { ...change, version: 99 }, after: { ...next, version: 100 }, actor: 'a', changes, now: new Date() })];
    await refusal(() => transactWrite([...items, ...store.changeStatsUpdates(['stat-c'], true)]));
    expect((await store.changeStats(['stat-c'])).get('stat-c')).toEqual({ total: 0, failed: 0 });
  });
});

describe('notes and history', () => {
  it('list oldest first, page by page', async () => {
    const change = await create();
    const bodies = ['first', 'second', 'third', 'fourth', 'fifth'];
    for (const body of bodies) {
      const now = new Date();
      const current = (await store.getChangeById(change.id))!;
      const note = { id: store.newId(), changeId: change.id, body, author: 'bob', createdAt: now.toISOString() };
      const event = {
        type: 'Change Note Added' as const,
        recipients: { users: [], groups: [] },
        note: { id: note.id, visibility: 'work' as const, author: 'bob' },
      };
      await transactWrite([
        ...changeRequestWrite({ before: current, after: current, actor: 'bob', changes: [], now, action: 'note_added', event }),
        store.changeNotePut(note),
      ]);
    }
    await patch(change, { title: 'After the notes' });

    const first = await store.listChangeNotes(change.id, { limit: 3 });
    expect(first.items.map((n) => n.body)).toEqual(['first', 'second', 'third']);
    expect(first.items[0]).toEqual({ id: expect.any(String), changeId: change.id, body: 'first', author: 'bob', createdAt: expect.any(String) });
    const rest = await store.listChangeNotes(change.id, { limit: 3, cursor: first.nextCursor! });
    expect(rest.items.map((n) => n.body)).toEqual(['fourth', 'fifth']);
    expect(rest.nextCursor).toBeUndefined();

    const history = await store.listChangeHistory(change.id, { limit: 10 });
    expect(history.items.map((h) => h.action)).toEqual(['created', 'note_added', 'note_added', 'note_added', 'note_added', 'note_added', 'updated']);
    expect(history.items.at(-1)).toEqual({
      id: expect.any(String),
      changeId: change.id,
      at: expect.any(String),
      actor: 'alice',
      action: 'updated',
      version: 2,
      changes: [{ field: 'title', from: change.title, to: 'After the notes' }],
    });
    await expect(store.listChangeHistory(change.id, { limit: 3, cursor: first.nextCursor! })).rejects.toBeInstanceOf(HttpError);
  });
});
