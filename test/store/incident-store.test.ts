import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { applyIncidentPatch, type Incident, type IncidentPatch, type NewIncident, openIncident } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import type { IncidentFilters } from '../../functions/incidents/schemas/incident.ts';
import { freshTable } from '../support/table.ts';

// The environment first, then the store modules (their DynamoDB client is built at load).
const table = await freshTable();
const store = await import('../../functions/incidents/store/incident-store.ts');
const { named, transactWrite, TransactionRefused } = await import('../../functions/shared/store/transaction.ts');
const { HttpError } = await import('../../functions/shared/errors.ts');
afterAll(() => table.stop());

const alice = { userId: 'alice' };
/** Every incident this file created, by id, as last written. */
const created = new Map<string, Incident>();

async function createIncident(input: Partial<NewIncident> = {}): Promise<Incident> {
  const settings = await store.allocateIncidentNumber();
  const now = new Date();
  const incident = openIncident(
    { title: 'Something broke', ...input },
    { id: store.newId(), sequence: settings.sequence, actor: alice, now, matrix: settings.matrix },
  );
  await transactWrite([
    store.incidentCreate(incident),
    store.incidentHistoryPut(incident.id, { at: incident.createdAt, actor: alice.userId, action: 'created', version: 1, changes: [] }),
  ]);
  created.set(incident.id, incident);
  return incident;
}

async function update(current: Incident, patch: IncidentPatch): Promise<Incident> {
  const { next, changes } = applyIncidentPatch(current, patch, { actor: alice, now: new Date(), matrix: (await store.getIncidentSettings()).matrix });
  await transactWrite([
    store.incidentReplace(next, current.version),
    store.incidentHistoryPut(next.id, { at: next.updatedAt, actor: alice.userId, action: 'updated', version: next.version, changes }),
  ]);
  created.set(next.id, next);
  return next;
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

const historyOf = async (id: string) => (await table.partition(`INCIDENT#${id}`)).filter((item) => item.entity === 'history');

describe('creating an incident', () => {
  it('writes the incident and its history record in one transaction', async () => {
    table.counter.reset();
    const incident = await createIncident({ title: 'Mail is down', impact: 1, urgency: 1, service: 'email' });
    expect(table.counter.operations()).toEqual(['UpdateItem', 'TransactWriteItems']);

    expect(await store.getIncidentById(incident.id)).toEqual(incident);
    expect(await store.getIncidentByNumber(incident.number)).toEqual(incident);
    const items = await table.partition(`INCIDENT#${incident.id}`);
    expect(items.map((item) => item.entity).sort()).toEqual(['history', 'incident']);
    expect(items.find((item) => item.entity === 'history')).toMatchObject({ subjectId: incident.id, action: 'created', version: 1, actor: 'alice' });
  });

  it('writes neither the incident nor its history when a condition in the transaction fails', async () => {
    const settings = await store.allocateIncidentNumber();
    const incident = openIncident(
      { title: 'Never stored' },
      { id: store.newId(), sequence: settings.sequence, actor: alice, now: new Date(), matrix: settings.matrix },
    );
    const error = await refusal(() =>
      transactWrite([
        named('incident', store.incidentCreate(incident)),
        store.incidentHistoryPut(incident.id, { at: incident.createdAt, actor: 'alice', action: 'created', version: 1, changes: [] }),
        named('service', {
          ConditionCheck: { TableName: table.tableName, Key: { pk: 'SERVICE#nope', sk: 'SERVICE' }, ConditionExpression: 'attribute_exists(pk)' },
        }),
      ]),
    );
    expect(error.has('service')).toBe(true);
    expect(error.has('incident')).toBe(false);
    expect(await table.partition(`INCIDENT#${incident.id}`)).toEqual([]);
    expect(await store.getIncidentByNumber(incident.number)).toBeUndefined();
  });

  it('refuses a second create with the same id and adds no history', async () => {
    const incident = await createIncident();
    const error = await refusal(() =>
      transactWrite([
        named('incident', store.incidentCreate({ ...incident, title: 'overwrite?' })),
        store.incidentHistoryPut(incident.id, { at: incident.createdAt, actor: 'mallory', action: 'created', version: 1, changes: [] }),
      ]),
    );
    expect(error.has('incident')).toBe(true);
    expect((await store.getIncidentById(incident.id))?.title).toBe(incident.title);
    expect(await historyOf(incident.id)).toHaveLength(1);
  });
});

describe('optimistic locking', () => {
  it('a replace at a stale version fails on its condition, returns the current item, writes no history', async () => {
    const v1 = await createIncident({ assignmentGroup: 'network' });
    const v2 = await update(v1, { status: 'in_progress' });
    expect(v2.version).toBe(2);

    const { next: stale } = applyIncidentPatch(v1, { title: 'edited from an old read' }, { actor: alice, now: new Date() });
    const error = await refusal(() =>
      transactWrite([
        named('incident', store.incidentReplace(stale, v1.version)),
        store.incidentHistoryPut(v1.id, { at: stale.updatedAt, actor: 'alice', action: 'updated', version: stale.version, changes: [] }),
      ]),
    );
    expect(error.refused).toEqual(['incident']);
    expect(error.item('incident')).toMatchObject({ version: 2, status: 'in_progress' });
    expect(await store.getIncidentById(v1.id)).toEqual(v2);
    expect((await historyOf(v1.id)).map((h) => h.version).sort()).toEqual([1, 2]);
  });

  it('of concurrent replaces at the same version, exactly one wins', async () => {
    const v1 = await createIncident();
    const titles = Array.from({ length: 8 }, (_, i) => `contender ${i}`);
    const results = await Promise.allSettled(
      titles.map((title) => {
        const { next, changes } = applyIncidentPatch(v1, { title }, { actor: alice, now: new Date() });
        return transactWrite([
          named('incident', store.incidentReplace(next, v1.version)),
          store.incidentHistoryPut(v1.id, { at: next.updatedAt, actor: 'alice', action: 'updated', version: next.version, changes }),
        ]).then(() => title);
      }),
    );
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.status === 'rejected')) {
      expect(loser.reason).toBeInstanceOf(TransactionRefused);
      // Refused on the version condition (the handler's 412), not left as a conflict (a 500).
      expect((loser.reason as InstanceType<typeof TransactionRefused>).item('incident')).toMatchObject({ version: 2 });
    }

    const stored = await store.getIncidentById(v1.id);
    expect(stored).toMatchObject({ version: 2, title: (winners[0] as PromiseFulfilledResult<string>).value });
    const history = await historyOf(v1.id);
    expect(history).toHaveLength(2);
    expect(history.find((h) => h.action === 'updated')?.changes).toEqual([{ field: 'title', from: v1.title, to: stored?.title }]);
    created.set(v1.id, stored!);
  });
});

describe('incident numbers', () => {
  it('are unique under 50 concurrent allocations, without gaps', async () => {
    const before = (await store.getIncidentSettings()).sequence;
    const settings = await Promise.all(Array.from({ length: 50 }, () => store.allocateIncidentNumber()));
    const sequences = settings.map((s) => s.sequence).sort((a, b) => a - b);
    expect(new Set(sequences).size).toBe(50);
    expect(sequences).toEqual(Array.from({ length: 50 }, (_, i) => before + 1 + i));
    expect(settings.every((s) => s.matrixVersion === 0 && s.matrix['1']['1'] === 'P1')).toBe(true);
  });
});

describe('history', () => {
  it('is append-only: a second put of the same record fails and leaves the first intact', async () => {
    const incident = await createIncident();
    const put = store.incidentHistoryPut(incident.id, {
      at: new Date().toISOString(),
      actor: 'alice',
      action: 'note_added',
      version: 1,
      changes: [],
      noteVisibility: 'work',
    });
    await transactWrite([put]);
    const again = structuredClone(put);
    (again.Put!.Item as Record<string, unknown>).actor = 'mallory';
    const error = await refusal(() => transactWrite([named('history', again)]));
    expect(error.has('history')).toBe(true);
    const notes = (await historyOf(incident.id)).filter((h) => h.action === 'note_added');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.actor).toBe('alice');
  });

  it('lists oldest first and hides work-note records from requesters', async () => {
    const incident = await createIncident();
    const updated = await update(incident, { status: 'in_progress' });
    await transactWrite([
      store.incidentHistoryPut(incident.id, {
        at: new Date().toISOString(),
        actor: 'alice',
        action: 'note_added',
        version: 2,
        changes: [],
        noteVisibility: 'work',
      }),
    ]);
    const all = await store.listIncidentHistory(incident.id, { includeWork: true, limit: 10 });
    expect(all.items.map((h) => h.action)).toEqual(['created', 'updated', 'note_added']);
    expect(all.items[1]).toMatchObject({
      incidentId: incident.id,
      version: updated.version,
      changes: [{ field: 'status', from: 'new', to: 'in_progress' }, expect.objectContaining({ field: 'acknowledgedAt' })],
    });
    expect(all.nextCursor).toBeUndefined();
    const visible = await store.listIncidentHistory(incident.id, { includeWork: false, limit: 10 });
    expect(visible.items.map((h) => h.action)).toEqual(['created', 'updated']);
  });
});

// ---------------------------------------------------------------------------------------------

/** Newest first means by number, descending. */
const newestFirst = (incidents: Iterable<Incident>) => [...incidents].sort((a, b) => b.number.localeCompare(a.number)).map((i) => i.number);

async function listAll(filters: IncidentFilters, limit: number): Promise<{ pages: Incident[][]; cursors: (string | undefined)[] }> {
  const pages: Incident[][] = [];
  const cursors: (string | undefined)[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listIncidents(filters, limit, cursor);
    pages.push(page.items);
    cursors.push(page.nextCursor);
    cursor = page.nextCursor;
    expect(pages.length).toBeLessThan(100);
  } while (cursor !== undefined);
  return { pages, cursors };
}

describe('listing incidents', () => {
  const GROUPS = ['network', 'database', 'desktop'];
  const PEOPLE = ['bob', 'nina', undefined];
  const SERVICES = ['email', 'vpn'];
  const CALLERS = ['carol', 'dave', 'erin', 'frank'];

  it('seeds 60 more incidents in assorted states', async () => {
    // Seeding is not under test: numbers reserved in one UpdateItem, final states computed by the
    // domain, items (exactly as incidentCreate writes them) stored in a few BatchWriteItems.
    const reserved = await table.raw.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: store.SETTINGS_KEY,
        UpdateExpression: 'ADD #sequence :n',
        ExpressionAttributeNames: { '#sequence': 'sequence' },
        ExpressionAttributeValues: { ':n': 60 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const firstSequence = (reserved.Attributes?.sequence as number) - 59;
    const now = new Date();
    const seeded = Array.from({ length: 60 }, (_, i) => {
      let incident = openIncident(
        {
          title: `incident ${i}`,
          impact: ((i % 3) + 1) as 1 | 2 | 3,
          urgency: ((Math.floor(i / 3) % 3) + 1) as 1 | 2 | 3,
          assignmentGroup: GROUPS[i % 3],
          ...(PEOPLE[i % 3] === undefined ? {} : { assignee: PEOPLE[i % 3] }),
          service: SERVICES[i % 2],
          caller: CALLERS[i % 4],
        },
        { id: store.newId(), sequence: firstSequence + i, actor: alice, now, matrix: DEFAULT_PRIORITY_MATRIX },
      );
      const walk = (patch: IncidentPatch) => (incident = applyIncidentPatch(incident, patch, { actor: alice, now }).next);
      if (i % 5 !== 0) walk({ status: 'in_progress' });
      if (i % 5 === 2) walk({ status: 'on_hold', holdReason: 'awaiting_vendor' });
      if (i % 5 === 3) walk({ status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'fixed' });
      if (i % 10 === 3) walk({ status: 'closed' });
      return incident;
    });
    for (let start = 0; start < seeded.length; start += 25) {
      const batch = seeded.slice(start, start + 25).map((incident) => ({ PutRequest: { Item: store.incidentCreate(incident).Put!.Item! } }));
      const result = await table.raw.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: batch } }));
      expect(result.UnprocessedItems?.[table.tableName] ?? []).toEqual([]);
    }
    for (const incident of seeded) created.set(incident.id, incident);
    expect(created.size).toBe(66);
  });

  it('pages through every incident exactly once, newest first, the last page without a cursor', async () => {
    table.counter.reset();
    const { pages, cursors } = await listAll({}, 25);
    const total = created.size;
    expect(pages.map((p) => p.length)).toEqual([...Array(Math.floor(total / 25)).fill(25), ...(total % 25 === 0 ? [] : [total % 25])]);
    expect(cursors.at(-1)).toBeUndefined();
    expect(cursors.slice(0, -1).every((c) => typeof c === 'string')).toBe(true);
    const numbers = pages.flat().map((i) => i.number);
    expect(numbers).toEqual(newestFirst(created.values()));
    expect(new Set(pages.flat().map((i) => i.id)).size).toBe(total);
    // One Query per page, never a Scan. Every incident is a kept queue (a head,
    // functions/shared/store/queue-heads.ts); no stream consumer keeps one in this table, so the
    // first page looks for it (a GetItem) and reads the index.
    expect(table.counter.operations()).toEqual(['GetItem', ...pages.map(() => 'Query')]);
  });

  it('returns the stored incidents, without storage attributes', async () => {
    const { items } = await store.listIncidents({}, 100);
    for (const item of items) {
      expect(item).toEqual(created.get(item.id));
      expect(Object.keys(item).some((k) => k === 'pk' || k === 'sk' || k === 'entity' || k.startsWith('gsi'))).toBe(false);
    }
  });

  it('a page that ends on the last item has no cursor', async () => {
    const callers = [...created.values()].filter((i) => i.caller === 'carol');
    const page = await store.listIncidents({ caller: ['carol'] }, callers.length);
    expect(page.items).toHaveLength(callers.length);
    expect(page.nextCursor).toBeUndefined();
    const all = await store.listIncidents({}, created.size);
    expect(all.nextCursor).toBeUndefined();
  });

  const single: [keyof Incident & keyof IncidentFilters, string][] = [
    ['status', 'new'],
    ['status', 'in_progress'],
    ['status', 'on_hold'],
    ['status', 'resolved'],
    ['status', 'closed'],
    ['priority', 'P1'],
    ['priority', 'P3'],
    ['priority', 'P4'],
    ['assignmentGroup', 'network'],
    ['assignmentGroup', 'desktop'],
    ['assignee', 'bob'],
    ['assignee', 'nina'],
    ['service', 'email'],
    ['service', 'vpn'],
    ['caller', 'dave'],
    ['caller', 'alice'],
  ];
  it.each(single)('filter %s=%s returns exactly the matching incidents, newest first, by Query', async (filter, value) => {
    const expected = [...created.values()].filter((i) => i[filter] === value);
    table.counter.reset();
    const { pages } = await listAll({ [filter]: [value] } as IncidentFilters, 7);
    expect(pages.flat().map((i) => i.number)).toEqual(newestFirst(expected));
    for (const incident of pages.flat()) expect(incident[filter]).toBe(value);
    // One key condition on the filter's own index: one Query per page (a status queue's first page
    // looks for its head first, which no consumer keeps in this table).
    expect(table.counter.operations()).toEqual([...(filter === 'status' ? ['GetItem'] : []), ...pages.map(() => 'Query')]);
  });

  const combined: Record<string, string>[] = [
    { status: 'in_progress', priority: 'P3' },
    { assignmentGroup: 'network', status: 'new' },
    { assignee: 'bob', service: 'email' },
    { caller: 'carol', service: 'email', status: 'resolved' },
    { assignmentGroup: 'database', assignee: 'bob' }, // nothing matches: bob is only in network
    { caller: 'frank', priority: 'P1', assignee: 'nina' },
  ];
  it.each(combined)('combined filters %j narrow with a filter expression, still by Query', async (filters) => {
    const expected = [...created.values()].filter((i) => Object.entries(filters).every(([k, v]) => i[k as keyof Incident] === v));
    table.counter.reset();
    const { pages, cursors } = await listAll(Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, [v]])), 4);
    expect(pages.flat().map((i) => i.number)).toEqual(newestFirst(expected));
    expect(cursors.at(-1)).toBeUndefined();
    expect(table.counter.operations().every((op) => op === 'Query')).toBe(true);
  });

  it('follows changes: a cleared assignee leaves the assignee index, a status change moves indexes', async () => {
    const incident = [...created.values()].find((i) => i.assignee === 'nina' && i.status === 'new')!;
    const next = await update(incident, { assignee: null, status: 'in_progress' });
    const nina = await listAll({ assignee: ['nina'] }, 100);
    expect(nina.pages.flat().map((i) => i.id)).not.toContain(next.id);
    const fresh = await listAll({ status: ['new'] }, 100);
    expect(fresh.pages.flat().map((i) => i.id)).not.toContain(next.id);
    const working = await listAll({ status: ['in_progress'] }, 100);
    expect(working.pages.flat().find((i) => i.id === next.id)).toEqual(next);
  });

  it('refuses a cursor issued for other filters', async () => {
    const first = await store.listIncidents({ status: ['in_progress'] }, 2);
    expect(first.nextCursor).toBeDefined();
    for (const other of [{ status: ['resolved'] }, {}, { status: ['in_progress'], priority: ['P1'] }] as IncidentFilters[]) {
      await expect(store.listIncidents(other, 2, first.nextCursor)).rejects.toMatchObject({ status: 400, slug: 'invalid-cursor' });
    }
    await expect(store.listIncidents({ status: ['in_progress'] }, 2, first.nextCursor)).resolves.toMatchObject({ items: expect.any(Array) });
  });

  it('refuses a tampered cursor as a client error (400), never a storage error', async () => {
    const first = await store.listIncidents({ status: ['in_progress'] }, 2);
    const decoded = JSON.parse(Buffer.from(first.nextCursor!, 'base64url').toString('utf8')) as { k: Record<string, string>; f: string };
    const tampered = [
      `${first.nextCursor!.slice(0, 10)}AAAA${first.nextCursor!.slice(14)}`,
      // Same fingerprint, but the key of another index partition, or no key at all.
      Buffer.from(JSON.stringify({ ...decoded, k: { ...decoded.k, gsi2pk: 'INCIDENT#STATUS#new' } })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...decoded, k: {} })).toString('base64url'),
    ];
    for (const cursor of tampered) {
      let error: unknown;
      try {
        await store.listIncidents({ status: ['in_progress'] }, 2, cursor);
      } catch (e) {
        error = e;
      }
      expect(error, cursor).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 400, slug: 'invalid-cursor' });
    }
  });
});
