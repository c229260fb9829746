import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

/*
 * A group or a service a knowledge article names cannot be deleted (409 group-in-use /
 * service-in-use, `references` naming the article): its owner group and its services, those of the
 * published content and of the version being written alike. A retired article is final (like a
 * closed incident): it no longer holds the names. The directory reads the knowledge area's marker
 * items by key shape (functions/knowledge/store/keys.ts articleNameKey); the articles here are
 * written through the API, so a shape that moves fails this test.
 *
 * Directory (local/seed.ts): alice writes articles; bob and nina are members of the groups made here.
 */
let stack: TestStack;
let ada: Client;
let alice: Client;
let bob: Client;

type Article = Record<string, any> & { id: string; number: string; version: number };

beforeAll(async () => {
  stack = await startTestStack();
  ada = await admin(stack);
  alice = await agent(stack, 'alice');
  bob = await agent(stack, 'bob');
});
afterAll(() => stack.stop());

const etag = async (path: string) => (await ada.get(path)).headers.get('etag')!;
const deleteGroup = async (name: string) => ada.delete(`/groups/${name}`, { 'if-match': await etag(`/groups/${name}`) });
const deleteService = async (name: string) => ada.delete(`/services/${name}`, { 'if-match': await etag(`/services/${name}`) });

async function step(client: Client, article: Article, path: string, body?: unknown): Promise<Article> {
  const current = await client.get(`/articles/${article.id}`);
  const reply = await client.post(`/articles/${article.id}/${path}`, body, { 'if-match': `"${current.body.version}"` });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

async function edit(article: Article, changes: Record<string, unknown>): Promise<Article> {
  const current = (await alice.get(`/articles/${article.id}`)).body;
  const reply = await alice.put(
    `/articles/${article.id}`,
    { title: current.title, body: current.body, audience: current.audience, ownerGroup: current.ownerGroup, services: current.services, ...changes },
    { 'if-match': `"${current.version}"` },
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

const reference = (article: Article, field: string) => ({ kind: 'article', id: article.id, number: article.number, field });

describe('deleting a group or a service an article names', () => {
  it('is refused while an article that is not retired names it (its content or the version being written), allowed once none does', async () => {
    for (const name of ['dk-owners', 'dk-next']) expect((await ada.post('/groups', { name, members: ['bob', 'nina'] })).status).toBe(201);
    for (const name of ['dk-vpn', 'dk-mail', 'dk-old']) {
      expect((await ada.post('/services', { name, ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    }
    const created = await alice.post('/articles', {
      title: 'Reach the VPN',
      body: 'Open the client.',
      ownerGroup: 'dk-owners',
      audience: 'internal',
      services: ['dk-vpn', 'dk-old'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const article: Article = created.body;

    // A draft names its owner group and its services.
    const group = await deleteGroup('dk-owners');
    expect(group.status).toBe(409);
    expect(group.body.type).toMatch(/group-in-use$/);
    expect(group.body.references).toEqual([reference(article, 'ownerGroup')]);
    const service = await deleteService('dk-vpn');
    expect(service.status).toBe(409);
    expect(service.body.type).toMatch(/service-in-use$/);
    expect(service.body.references).toEqual([reference(article, 'services')]);

    // A draft edited no longer names what it dropped.
    await edit(article, { services: ['dk-vpn'] });
    expect((await deleteService('dk-old')).status).toBe(204);

    // Published, then edited: the version being written names another group and one more service,
    // while the published content keeps the first ones; all of them are named.
    await step(alice, article, 'submit');
    await step(bob, article, 'review', { decision: 'approve' });
    await edit(article, { ownerGroup: 'dk-next', services: ['dk-vpn', 'dk-mail'] });
    expect((await deleteService('dk-mail')).body.references).toEqual([reference(article, 'services')]);
    expect((await deleteGroup('dk-next')).body.references).toEqual([reference(article, 'ownerGroup')]);
    expect((await deleteGroup('dk-owners')).status).toBe(409);

    // That version published: the first group is no longer named.
    await step(alice, article, 'submit');
    await step(bob, article, 'review', { decision: 'approve' });
    expect((await deleteGroup('dk-owners')).status).toBe(204);
    expect((await deleteGroup('dk-next')).status).toBe(409);

    // Retired, the article is final: it keeps the names as they were, and holds none.
    const retired = await step(bob, article, 'retire');
    expect(retired).toMatchObject({ status: 'retired', ownerGroup: 'dk-next', services: ['dk-vpn', 'dk-mail'] });
    expect((await deleteGroup('dk-next')).status).toBe(204);
    expect((await deleteService('dk-vpn')).status).toBe(204);
    expect((await deleteService('dk-mail')).status).toBe(204);
  });
});
