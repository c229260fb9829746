import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Incident, openIncident } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import { freshTable } from '../support/table.ts';

const table = await freshTable();
const { referenceChecks, referenceErrors } = await import('../../functions/directory/store/references.ts');
const records = await import('../../functions/directory/store/records.ts');
const store = await import('../../functions/incidents/store/incident-store.ts');
const { transactWrite, TransactionRefused } = await import('../../functions/shared/store/db.ts');
afterAll(() => table.stop());

const at = new Date().toISOString();
const meta = { createdAt: at, updatedAt: at, version: 1 };

beforeAll(async () => {
  await transactWrite([
    ...records.createRecordItems(records.USERS, 'alice', { id: 'alice', displayName: 'Alice', active: true, ...meta }, 'ada', []),
    ...records.createRecordItems(records.USERS, 'bob', { id: 'bob', displayName: 'Bob', active: true, ...meta }, 'ada', []),
    ...records.createRecordItems(records.GROUPS, 'network', { name: 'network', members: ['alice'], ...meta }, 'ada', []),
    ...records.createRecordItems(records.GROUPS, 'retired', { name: 'retired', members: [], ...meta }, 'ada', []),
    ...records.createRecordItems(records.SERVICES, 'email', { name: 'email', ownerGroup: 'network', criticality: 'high', ...meta }, 'ada', []),
  ]);
});

let sequence = 0;
function draft(): Incident {
  return openIncident({ title: 'refs' }, { id: store.newId(), sequence: ++sequence, actor: { userId: 'alice' }, now: new Date(), matrix: DEFAULT_PRIORITY_MATRIX });
}

/** Creates an incident with the given references checked in its transaction, as the create handler does. */
async function createWith(refs: Parameters<typeof referenceChecks>[0]) {
  const incident = { ...draft(), ...refs };
  const items = [
    store.incidentCreate(incident),
    store.incidentHistoryPut(incident.id, { at: incident.createdAt, actor: 'alice', action: 'created', version: 1, changes: [] }),
  ];
  const checks = referenceChecks(refs);
  try {
    await transactWrite([...items, ...checks.items]);
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    return { incident, errors: referenceErrors(error, checks, items.length), stored: await table.partition(`INCIDENT#${incident.id}`) };
  }
  return { incident, errors: [], stored: await table.partition(`INCIDENT#${incident.id}`) };
}

describe('directory reference checks', () => {
  it('let the write through when every reference exists (and the assignee is a member)', async () => {
    const { incident, errors, stored } = await createWith({ service: 'email', assignmentGroup: 'network', assignee: 'alice' });
    expect(errors).toEqual([]);
    expect(stored).toHaveLength(2);
    expect(await store.getIncidentById(incident.id)).toMatchObject({ service: 'email', assignmentGroup: 'network', assignee: 'alice' });
  });

  it('check nothing when nothing is referenced', () => {
    expect(referenceChecks({})).toEqual({ items: [], failures: [] });
  });

  it.each([
    ['a service', { service: 'printing' }, [{ path: 'service', message: "There is no service named 'printing'" }]],
    ['a group', { assignmentGroup: 'facilities' }, [{ path: 'assignmentGroup', message: "There is no group named 'facilities'" }]],
    ['a user', { assignee: 'zoe' }, [{ path: 'assignee', message: "There is no user 'zoe'" }]],
    [
      'a group and its assignee',
      { assignmentGroup: 'facilities', assignee: 'zoe' },
      [
        { path: 'assignmentGroup', message: "There is no group named 'facilities'" },
        { path: 'assignee', message: "There is no user 'zoe'" },
      ],
    ],
    [
      'everything',
      { service: 'printing', assignmentGroup: 'facilities', assignee: 'zoe' },
      [
        { path: 'service', message: "There is no service named 'printing'" },
        { path: 'assignmentGroup', message: "There is no group named 'facilities'" },
        { path: 'assignee', message: "There is no user 'zoe'" },
      ],
    ],
  ])('fail the whole transaction when %s does not exist, naming the field', async (_label, refs, expected) => {
    const { errors, stored } = await createWith(refs);
    expect(stored).toEqual([]);
    expect(errors).toEqual(expected.map((e) => ({ location: 'body', pointer: `#/${e.path}`, ...e })));
  });

  it('fail when the assignee exists but is not a member of the group, blaming the assignee', async () => {
    const { errors, stored } = await createWith({ assignmentGroup: 'network', assignee: 'bob' });
    expect(stored).toEqual([]);
    expect(errors).toEqual([{ location: 'body', path: 'assignee', pointer: '#/assignee', message: "'bob' is not a member of group 'network'" }]);
  });

  it('say the assignee does not exist rather than that they are not a member (one error per field)', async () => {
    const { errors } = await createWith({ assignmentGroup: 'network', assignee: 'zoe' });
    expect(errors).toEqual([{ location: 'body', path: 'assignee', pointer: '#/assignee', message: "There is no user 'zoe'" }]);
  });

  it('hold at the instant of commit: a group deleted after it was read fails the write', async () => {
    expect(await records.getRecord(records.GROUPS, 'retired')).toBeDefined();
    await transactWrite(records.deleteRecordItems(records.GROUPS, 'retired', 1, 'ada', new Date().toISOString()));
    const { errors, stored } = await createWith({ assignmentGroup: 'retired' });
    expect(stored).toEqual([]);
    expect(errors.map((e) => e.path)).toEqual(['assignmentGroup']);
  });

  it('travel in the same transaction, costing no extra round trip', async () => {
    table.counter.reset();
    await createWith({ service: 'email', assignmentGroup: 'network', assignee: 'alice' });
    expect(table.counter.operations()).toEqual(['TransactWriteItems']);
  });

  it('also guard an update: a replace naming a missing service is refused and changes nothing', async () => {
    const { incident } = await createWith({});
    const next = { ...incident, service: 'printing', version: 2 };
    const checks = referenceChecks({ service: 'printing' });
    const items = [
      store.incidentReplace(next, 1),
      store.incidentHistoryPut(incident.id, { at: next.updatedAt, actor: 'alice', action: 'updated', version: 2, changes: [{ field: 'service', from: null, to: 'printing' }] }),
    ];
    let refused: unknown;
    try {
      await transactWrite([...items, ...checks.items]);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TransactionRefused);
    const error = refused as InstanceType<typeof TransactionRefused>;
    expect(error.failedAt(0)).toBeUndefined(); // the incident was at the expected version
    expect(referenceErrors(error, checks, items.length).map((e) => e.path)).toEqual(['service']);
    expect(await store.getIncidentById(incident.id)).toEqual(incident);
    expect((await table.partition(`INCIDENT#${incident.id}`)).filter((i) => i.entity === 'history')).toHaveLength(1);
  });
});
