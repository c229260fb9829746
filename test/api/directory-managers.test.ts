import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

/*
 * A user's manager (a user id, checked like any directory reference) and the uniqueness of users'
 * e-mail addresses (case-insensitive), kept by an index item written in the user's own
 * transaction and read by findUserByEmail (the store, against the same DynamoDB Local table).
 */
let stack: TestStack;
let ada: Client;
let alice: Client;
let findUserByEmail: typeof import('../../functions/directory/store/users.ts').findUserByEmail;
let getUser: typeof import('../../functions/directory/store/users.ts').getUser;
let getUsers: typeof import('../../functions/directory/store/users.ts').getUsers;

beforeAll(async () => {
  stack = await startTestStack();
  ada = await admin(stack);
  alice = await agent(stack);
  // The stack set the environment the store modules read at load.
  ({ findUserByEmail, getUser, getUsers } = await import('../../functions/directory/store/users.ts'));
});
afterAll(() => stack.stop());

const etag = async (path: string) => (await ada.get(path)).headers.get('etag')!;

describe('a user’s manager', () => {
  it('is an existing user, not the user themself, and is shown', async () => {
    const created = await ada.put('/users/mgr-ivy', { displayName: 'Ivy', manager: 'ada' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'mgr-ivy', manager: 'ada' });
    expect((await alice.get('/users/mgr-ivy')).body.manager).toBe('ada');

    const unknown = await ada.put('/users/mgr-jon', { displayName: 'Jon', manager: 'nobody-here' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'manager', message: "There is no user 'nobody-here'" })]);
    expect((await alice.get('/users/mgr-jon')).status).toBe(404);

    const self = await ada.put('/users/mgr-ivy', { displayName: 'Ivy', manager: 'mgr-ivy' }, { 'if-match': '"1"' });
    expect(self.status).toBe(400);
    expect(self.body.errors[0].path).toBe('manager');
    const selfOnCreate = await ada.put('/users/mgr-kim', { displayName: 'Kim', manager: 'mgr-kim' });
    expect(selfOnCreate.status).toBe(400);

    // Replaced without a manager: removed, and it shows in history as any field change.
    const replaced = await ada.put('/users/mgr-ivy', { displayName: 'Ivy' }, { 'if-match': '"1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.manager).toBeUndefined();
    expect(replaced.body.version).toBe(2);
  });

  it('may not be deleted while someone names them as manager (409 user-in-use)', async () => {
    expect((await ada.put('/users/mgr-boss', { displayName: 'Boss' })).status).toBe(201);
    expect((await ada.put('/users/mgr-report', { displayName: 'Report', manager: 'mgr-boss' })).status).toBe(201);
    const refused = await ada.delete('/users/mgr-boss', { 'if-match': await etag('/users/mgr-boss') });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/user-in-use$/);
    expect(refused.body.references).toEqual([{ kind: 'user', id: 'mgr-report', field: 'manager' }]);

    // Another manager: the old one can go.
    expect((await ada.put('/users/mgr-report', { displayName: 'Report', manager: 'ada' }, { 'if-match': '"1"' })).status).toBe(200);
    expect((await ada.delete('/users/mgr-boss', { 'if-match': await etag('/users/mgr-boss') })).status).toBe(204);
    // A deleted user can no longer be named manager.
    const gone = await ada.put('/users/mgr-report', { displayName: 'Report', manager: 'mgr-boss' }, { 'if-match': '"2"' });
    expect(gone.status).toBe(400);
    expect(gone.body.errors[0].path).toBe('manager');
  });

  it('getUser and getUsers read what the API wrote', async () => {
    expect((await ada.put('/users/mgr-lee', { displayName: 'Lee', manager: 'ada', email: 'lee@example.org' })).status).toBe(201);
    expect(await getUser('mgr-lee')).toMatchObject({ id: 'mgr-lee', manager: 'ada', email: 'lee@example.org', active: true, version: 1 });
    expect(await getUser('mgr-nobody')).toBeUndefined();
    const users = await getUsers(['ada', 'mgr-nobody', 'mgr-lee']);
    expect(users.map((user) => user?.id)).toEqual(['ada', undefined, 'mgr-lee']);
  });
});

describe('a user’s e-mail', () => {
  it('is unique across users, case-insensitively (409 email-in-use), and moves with the user', async () => {
    expect((await ada.put('/users/mail-una', { displayName: 'Una', email: 'Una.Owens@Example.com' })).status).toBe(201);
    const taken = await ada.put('/users/mail-vic', { displayName: 'Vic', email: 'una.owens@example.COM' });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ type: expect.stringMatching(/email-in-use$/), user: 'mail-una' });
    expect((await alice.get('/users/mail-vic')).status).toBe(404);

    // Vic takes another address; changing to Una's is refused and leaves Vic as he was.
    expect((await ada.put('/users/mail-vic', { displayName: 'Vic', email: 'vic@example.com' })).status).toBe(201);
    const moveOnto = await ada.put('/users/mail-vic', { displayName: 'Vic', email: 'UNA.OWENS@example.com' }, { 'if-match': '"1"' });
    expect(moveOnto.status).toBe(409);
    expect((await alice.get('/users/mail-vic')).body).toMatchObject({ email: 'vic@example.com', version: 1 });

    // Una changes only the case: still hers. Then she moves to a new address, and the old one is free.
    expect((await ada.put('/users/mail-una', { displayName: 'Una', email: 'una.owens@example.com' }, { 'if-match': '"1"' })).status).toBe(200);
    expect((await findUserByEmail('UNA.owens@example.com'))?.id).toBe('mail-una');
    expect((await ada.put('/users/mail-una', { displayName: 'Una', email: 'una@example.net' }, { 'if-match': '"2"' })).status).toBe(200);
    expect(await findUserByEmail('una.owens@example.com')).toBeUndefined();
    expect((await findUserByEmail('Una@Example.NET'))?.id).toBe('mail-una');
    expect((await ada.put('/users/mail-vic', { displayName: 'Vic', email: 'Una.Owens@example.com' }, { 'if-match': '"1"' })).status).toBe(200);
    expect((await findUserByEmail('una.owens@example.com'))?.id).toBe('mail-vic');

    // Removing the address frees it; deleting the user frees theirs.
    expect((await ada.put('/users/mail-una', { displayName: 'Una' }, { 'if-match': '"3"' })).status).toBe(200);
    expect(await findUserByEmail('una@example.net')).toBeUndefined();
    expect((await ada.put('/users/mail-wes', { displayName: 'Wes', email: 'una@example.net' })).status).toBe(201);
    expect((await ada.delete('/users/mail-wes', { 'if-match': '"1"' })).status).toBe(204);
    expect(await findUserByEmail('una@example.net')).toBeUndefined();
    expect((await ada.put('/users/mail-xan', { displayName: 'Xan', email: 'una@example.net' })).status).toBe(201);
  });

  it('findUserByEmail returns an inactive user as inactive, and the seeded users', async () => {
    expect((await ada.put('/users/mail-old', { displayName: 'Old', email: 'old@example.com', active: false })).status).toBe(201);
    expect(await findUserByEmail('old@example.com')).toMatchObject({ id: 'mail-old', active: false });
    expect(await findUserByEmail('nobody@example.com')).toBeUndefined();
    expect((await findUserByEmail('Carol@Example.com'))?.id).toBe('carol');
  });

  it('a user written before addresses were unique, sharing one with another, can change it or be deleted', async () => {
    const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
    const { UpdateCommand, DeleteCommand } = await import('../../functions/shared/store/dynamodb.ts');
    // As an earlier version left them: both have the address, the index gives it to the first.
    expect((await ada.put('/users/mail-dup-a', { displayName: 'A', email: 'shared@example.com' })).status).toBe(201);
    for (const id of ['mail-dup-b', 'mail-dup-c']) {
      expect((await ada.put(`/users/${id}`, { displayName: id, email: `${id}@example.com` })).status).toBe(201);
      await db.send(new DeleteCommand({ TableName: TABLE_NAME, Key: { pk: `USEREMAIL#${id}@example.com`, sk: 'USEREMAIL' } }));
      await db.send(
        new UpdateCommand({
          TableName: TABLE_NAME,
          Key: { pk: `USER#${id}`, sk: 'USER' },
          UpdateExpression: 'SET email = :e',
          ExpressionAttributeValues: { ':e': 'Shared@example.com' },
        }),
      );
    }
    expect((await findUserByEmail('shared@example.com'))?.id).toBe('mail-dup-a');

    const moved = await ada.put('/users/mail-dup-b', { displayName: 'B', email: 'b-new@example.com' }, { 'if-match': '"1"' });
    expect(moved.status).toBe(200);
    expect((await findUserByEmail('b-new@example.com'))?.id).toBe('mail-dup-b');
    expect((await ada.delete('/users/mail-dup-c', { 'if-match': '"1"' })).status).toBe(204);
    // The holder keeps the address throughout.
    expect((await findUserByEmail('shared@example.com'))?.id).toBe('mail-dup-a');
    expect((await ada.put('/users/mail-dup-d', { displayName: 'D', email: 'shared@example.com' })).status).toBe(409);
  });

  it('two users claiming one address at once: one gets it', async () => {
    const replies = await Promise.all(['mail-p1', 'mail-p2', 'mail-p3'].map((id) => ada.put(`/users/${id}`, { displayName: id, email: 'race@example.com' })));
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409]);
    const winner = replies.find((reply) => reply.status === 201)!.body.id;
    expect((await findUserByEmail('race@example.com'))?.id).toBe(winner);
  });
});
