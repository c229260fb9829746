import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, type Client, startTestStack, type TestStack } from '../support/api.ts';

/*
 * A group the service catalog or fulfilment work still names cannot be deleted (409 group-in-use):
 * catalog items (who may order, approval stages, fulfilment tasks; the seeded catalog too),
 * fulfilment tasks that are not closed, and requests not yet in fulfilment (their copied plan).
 * The directory reads these by the requests area's key shapes without importing it; the tasks and
 * requests here are written with that area's own key functions (functions/requests/store/keys.ts),
 * so a key shape that moves fails this test.
 */
let stack: TestStack;
let ada: Client;
let keys: typeof import('../../functions/requests/store/keys.ts');
let store: typeof import('../../functions/shared/store/db.ts');
let lib: typeof import('../../functions/shared/store/dynamodb.ts');

beforeAll(async () => {
  stack = await startTestStack();
  ada = await admin(stack);
  // The stack set the environment the store modules read at load.
  keys = await import('../../functions/requests/store/keys.ts');
  store = await import('../../functions/shared/store/db.ts');
  lib = await import('../../functions/shared/store/dynamodb.ts');
});
afterAll(() => stack.stop());

const deleteGroup = async (name: string) => ada.delete(`/groups/${name}`, { 'if-match': (await ada.get(`/groups/${name}`)).headers.get('etag')! });
const put = (item: Record<string, unknown>) => store.db.send(new lib.PutCommand({ TableName: store.TABLE_NAME, Item: item }));

const form = { type: 'object', properties: { why: { title: 'Why', type: 'string' } } };

describe('deleting a group the catalog names', () => {
  it('is refused for a seeded catalog group, naming each item and field', async () => {
    const refused = await deleteGroup('procurement');
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/group-in-use$/);
    expect(refused.body.references).toContainEqual({ kind: 'catalog-item', id: 'new-laptop', field: 'fulfilment.tasks.0.assignmentGroup' });
    expect((await ada.get('/groups/procurement')).status).toBe(200);
  });

  it('is refused while an item names it (orderable by, approval stage, task; withdrawn too), allowed once none does', async () => {
    expect((await ada.post('/groups', { name: 'dirq-approvers', members: ['alice'] })).status).toBe(201);
    const item = {
      id: 'dirq-item',
      name: 'Directory check item',
      category: 'General',
      description: 'Names a group three ways',
      form,
      orderableBy: { groups: ['dirq-approvers'] },
      approval: { stages: [{ kind: 'manager' }, { kind: 'group', group: 'dirq-approvers', quorum: 1 }] },
      fulfilment: { mode: 'sequential', tasks: [{ name: 'Do it', assignmentGroup: 'dirq-approvers', description: 'For {{requester}}' }] },
    };
    expect((await ada.post('/catalog-items', item)).status).toBe(201);
    const refused = await deleteGroup('dirq-approvers');
    expect(refused.status).toBe(409);
    expect(refused.body.references).toEqual([
      { kind: 'catalog-item', id: 'dirq-item', field: 'orderableBy.groups.0' },
      { kind: 'catalog-item', id: 'dirq-item', field: 'approval.stages.1.group' },
      { kind: 'catalog-item', id: 'dirq-item', field: 'fulfilment.tasks.0.assignmentGroup' },
    ]);

    // Withdrawn, the item still names it (it can be offered again).
    const withdrawn = await ada.delete('/catalog-items/dirq-item', { 'if-match': (await ada.get('/catalog-items/dirq-item')).headers.get('etag')! });
    expect(withdrawn.status).toBe(204);
    expect((await deleteGroup('dirq-approvers')).status).toBe(409);

    // Another group everywhere: the group can go; earlier versions keep the name as it was.
    const { id: _id, ...fields } = item;
    const replaced = await ada.put(
      '/catalog-items/dirq-item',
      {
        ...fields,
        active: false,
        orderableBy: { groups: [] },
        approval: { stages: [{ kind: 'manager' }] },
        fulfilment: { mode: 'sequential', tasks: [{ name: 'Do it', assignmentGroup: 'service-desk', description: 'For {{requester}}' }] },
      },
      { 'if-match': (await ada.get('/catalog-items/dirq-item')).headers.get('etag')! },
    );
    expect(replaced.status).toBe(200);
    expect((await deleteGroup('dirq-approvers')).status).toBe(204);
  });
});

describe('deleting a group fulfilment work names', () => {
  it('is refused while a task is not closed, and while a request not yet in fulfilment plans for it', async () => {
    expect((await ada.post('/groups', { name: 'dirq-fulfillers' })).status).toBe(201);
    const createdAt = new Date().toISOString();
    const task = {
      id: '01DIRQTASK0000000000000001',
      number: 'TASK9990001',
      status: 'open',
      createdAt,
      assignmentGroup: 'dirq-fulfillers',
      requestId: '01DIRQREQUEST0000000000001',
      order: 1,
    };
    const writeTask = (status: string) => put({ ...keys.taskKey(task.id), entity: 'request-task', ...task, status, ...keys.taskIndexes({ ...task, status }) });
    await writeTask('open');
    const refused = await deleteGroup('dirq-fulfillers');
    expect(refused.status).toBe(409);
    expect(refused.body.references).toEqual([{ kind: 'task', id: task.id, number: task.number, field: 'assignmentGroup' }]);
    await writeTask('closed_complete');

    const request = {
      id: '01DIRQREQUEST0000000000002',
      number: 'REQ9990002',
      createdAt,
      requester: 'carol',
      item: { id: 'dirq-other', version: 1, name: 'x', category: 'General' },
      plan: {
        approval: { stages: [{ kind: 'group', group: 'dirq-fulfillers', quorum: 1 }] },
        fulfilment: {
          mode: 'parallel',
          tasks: [
            { name: 'a', assignmentGroup: 'service-desk', description: '' },
            { name: 'b', assignmentGroup: 'dirq-fulfillers', description: '' },
          ],
        },
        formTitles: {},
      },
    };
    const writeRequest = (status: string) =>
      put({ ...keys.requestKey(request.id), entity: 'request', ...request, status, ...keys.requestIndexes({ ...request, status }) });
    await writeRequest('awaiting_approval');
    const planned = await deleteGroup('dirq-fulfillers');
    expect(planned.status).toBe(409);
    expect(planned.body.references).toEqual([
      { kind: 'request', id: request.id, number: request.number, field: 'plan.approval.stages.0.group' },
      { kind: 'request', id: request.id, number: request.number, field: 'plan.fulfilment.tasks.1.assignmentGroup' },
    ]);
    // Once in fulfilment its tasks hold the group (closed here); a rejected request is the past.
    await writeRequest('rejected');
    expect((await deleteGroup('dirq-fulfillers')).status).toBe(204);
  });

  it('a user assigned an open task, or requesting an open request, cannot be deleted', async () => {
    expect((await ada.put('/users/dirq-worker', { displayName: 'Worker' })).status).toBe(201);
    const createdAt = new Date().toISOString();
    const task = {
      id: '01DIRQTASK0000000000000003',
      number: 'TASK9990003',
      createdAt,
      assignmentGroup: 'service-desk',
      assignee: 'dirq-worker',
      requestId: '01DIRQREQUEST0000000000004',
      order: 1,
    };
    const request = {
      id: '01DIRQREQUEST0000000000004',
      number: 'REQ9990004',
      createdAt,
      requester: 'dirq-worker',
      item: { id: 'dirq-other', version: 1, name: 'x', category: 'General' },
      plan: { approval: { stages: [] }, fulfilment: { mode: 'parallel', tasks: [] }, formTitles: {} },
    };
    const write = async (taskStatus: string, requestStatus: string) => {
      await put({ ...keys.taskKey(task.id), entity: 'request-task', ...task, status: taskStatus, ...keys.taskIndexes({ ...task, status: taskStatus }) });
      await put({
        ...keys.requestKey(request.id),
        entity: 'request',
        ...request,
        status: requestStatus,
        ...keys.requestIndexes({ ...request, status: requestStatus }),
      });
    };
    await write('work_in_progress', 'in_fulfilment');
    const etag = async () => (await ada.get('/users/dirq-worker')).headers.get('etag')!;
    const refused = await ada.delete('/users/dirq-worker', { 'if-match': await etag() });
    expect(refused.status).toBe(409);
    expect(refused.body.references).toEqual([
      { kind: 'task', id: task.id, number: task.number, field: 'assignee' },
      { kind: 'request', id: request.id, number: request.number, field: 'requester' },
    ]);
    await write('closed_incomplete', 'closed_incomplete');
    expect((await ada.delete('/users/dirq-worker', { 'if-match': await etag() })).status).toBe(204);
  });
});
