import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Incident, openIncident } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import { freshTable } from '../support/table.ts';

const table = await freshTable();
const { referenceChecks } = await import('../../functions/directory/store/references.ts');
const { fieldCheckErrors, fieldCheckItems } = await import('../../functions/shared/store/field-checks.ts');
const records = await import('../../functions/directory/store/records.ts');
const store = await import('../../functions/incidents/store/incident-store.ts');
const { named, transactWrite, TransactionRefused } = await import('../../functions/shared/store/transaction.ts');
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
  return openIncident(
    { title: 'refs' },
    { id: store.newId(), sequence: ++sequence, actor: { userId: 'alice' }, now: new Date(), matrix: DEFAULT_PRIORITY_MATRIX },
  );
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
    await transactWrite([...items, ...fieldCheckItems(checks)]);
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    return { incident, errors: fieldCheckErrors(error, checks), stored: await table.partition(`INCIDENT#${incident.id}`) };
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
    expect(referenceChecks({})).toEqual([]);
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
      named('incident', store.incidentReplace(next, 1)),
      store.incidentHistoryPut(incident.id, {
        at: next.updatedAt,
        actor: 'alice',
        action: 'updated',
        version: 2,
        changes: [{ field: 'service', from: null, to: 'printing' }],
      }),
    ];
    let refused: unknown;
    try {
      await transactWrite([...items, ...fieldCheckItems(checks)]);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TransactionRefused);
    const error = refused as InstanceType<typeof TransactionRefused>;
    expect(error.has('incident')).toBe(false); // the incident was at the expected version
    expect(fieldCheckErrors(error, checks).map((e) => e.path)).toEqual(['service']);
    expect(await store.getIncidentById(incident.id)).toEqual(incident);
    expect((await table.partition(`INCIDENT#${incident.id}`)).filter((i) => i.entity === 'history')).toHaveLength(1);
  });
});

describe('a record being deleted (retireRecord)', () => {
  const future = () => new Date(Date.now() + 30_000).toISOString();

  it('cannot be named anew while its delete looks for what names it, and says so on the field at fault', async () => {
    await transactWrite(records.createRecordItems(records.GROUPS, 'leaving', { name: 'leaving', members: ['alice'], ...meta }, 'ada', []));
    const until = future();
    expect(await records.retireRecord(records.GROUPS, 'leaving', 1, until)).toEqual({ retired: true });
    // The marker is storage, not part of the record, and not a new version.
    expect(await records.getRecord(records.GROUPS, 'leaving')).toEqual({ name: 'leaving', members: ['alice'], ...meta });

    const { errors, stored } = await createWith({ assignmentGroup: 'leaving', assignee: 'alice' });
    expect(stored).toEqual([]);
    expect(errors).toEqual([{ location: 'body', path: 'assignmentGroup', pointer: '#/assignmentGroup', message: "Group 'leaving' is being deleted" }]);

    // A refused delete takes its marker back: the group can be named again.
    await records.unretireRecord(records.GROUPS, 'leaving', until);
    expect((await createWith({ assignmentGroup: 'leaving', assignee: 'alice' })).errors).toEqual([]);
  });

  it('refuses services and users being deleted too', async () => {
    await transactWrite([
      ...records.createRecordItems(records.USERS, 'quitter', { id: 'quitter', displayName: 'Q', active: true, ...meta }, 'ada', []),
      ...records.createRecordItems(records.SERVICES, 'sunset', { name: 'sunset', ownerGroup: 'network', criticality: 'low', ...meta }, 'ada', []),
    ]);
    await records.retireRecord(records.USERS, 'quitter', 1, future());
    await records.retireRecord(records.SERVICES, 'sunset', 1, future());
    const { errors } = await createWith({ service: 'sunset', assignee: 'quitter' });
    expect(errors.map((e) => e.message)).toEqual(["Service 'sunset' is being deleted", "User 'quitter' is being deleted"]);
  });

  it('is refused by the check other areas put in their writes (SLA policies, boards, templates, blackout windows, integration keys)', async () => {
    const { directoryRecordLive } = await import('../../functions/directory/store/references.ts');
    const { serviceKey } = await import('../../functions/directory/store/keys.ts');
    await expect(transactWrite([directoryRecordLive(serviceKey('sunset'))])).rejects.toBeInstanceOf(TransactionRefused);
    await expect(transactWrite([directoryRecordLive(serviceKey('email'))])).resolves.toBeUndefined();
  });

  it('expires by itself: a delete that never finished does not block the record for ever', async () => {
    await transactWrite(records.createRecordItems(records.GROUPS, 'stuck', { name: 'stuck', members: [], ...meta }, 'ada', []));
    await records.retireRecord(records.GROUPS, 'stuck', 1, new Date(Date.now() - 1000).toISOString());
    expect((await createWith({ assignmentGroup: 'stuck' })).errors).toEqual([]);
  });

  it('is refused at a version other than the one read (412 material), and absent records are told apart (404)', async () => {
    expect(await records.retireRecord(records.GROUPS, 'network', 9, future())).toMatchObject({ retired: false, current: { version: 1 } });
    expect(await records.retireRecord(records.GROUPS, 'no-such-group', 1, future())).toEqual({ retired: false });
  });

  it('lets the delete through only while the marker it set is there: a replace meanwhile wins', async () => {
    await transactWrite(records.createRecordItems(records.GROUPS, 'contested', { name: 'contested', members: [], ...meta }, 'ada', []));
    const until = future();
    await records.retireRecord(records.GROUPS, 'contested', 1, until);
    await transactWrite(records.replaceRecordItems(records.GROUPS, 'contested', { name: 'contested', members: ['alice'], ...meta, version: 2 }, 1, 'ada', []));
    await expect(transactWrite(records.deleteRecordItems(records.GROUPS, 'contested', 1, 'ada', at, until))).rejects.toBeInstanceOf(TransactionRefused);
    expect(await records.getRecord(records.GROUPS, 'contested')).toMatchObject({ version: 2 });
  });

  it('lets the delete through only while its marker holds: a delete whose hold lapsed is refused', async () => {
    await transactWrite(records.createRecordItems(records.GROUPS, 'lapsed', { name: 'lapsed', members: [], ...meta }, 'ada', []));
    const until = new Date(Date.now() - 1000).toISOString();
    await records.retireRecord(records.GROUPS, 'lapsed', 1, until);
    // The marker is still this delete's and the version is the one read, but writes naming the group pass again.
    await expect(transactWrite(records.deleteRecordItems(records.GROUPS, 'lapsed', 1, 'ada', new Date().toISOString(), until))).rejects.toBeInstanceOf(
      TransactionRefused,
    );
    expect(await records.getRecord(records.GROUPS, 'lapsed')).toMatchObject({ version: 1 });
  });
});
