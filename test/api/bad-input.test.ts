import { get as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor, filterFingerprint } from '../../functions/shared/store/cursor.ts';
import { mintToken } from '../../local/identity.ts';
import { agent, type Client, client, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let alice: Client;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
});
afterAll(() => stack.stop());

const incidentCount = async () => (await alice.get('/incidents?limit=100')).body.items.length;

function expectProblemDetails(reply: { status: number; headers: Headers; body: any }, status: number) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
  expect(reply.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  expect(JSON.stringify(reply.body)).not.toMatch(/\bat \S+:\d+:\d+|node_modules|Error:/);
}

describe('bad input gets a clear 4xx and writes nothing', () => {
  it('malformed JSON: 400', async () => {
    const before = await incidentCount();
    const reply = await alice.request('POST', '/incidents', { raw: '{"title": "broken",', headers: { 'content-type': 'application/json' } });
    expectProblemDetails(reply, 400);
    expect(reply.body.type).toMatch(/malformed-json/);
    expect(await incidentCount()).toBe(before);
  });

  it('every invalid field is named with its path, pointer and message', async () => {
    const reply = await alice.post('/incidents', { title: '', impact: 7, urgency: '2', assignee: 42, description: ['x'] });
    expectProblemDetails(reply, 400);
    const byPath = Object.fromEntries(reply.body.errors.map((e: { path: string }) => [e.path, e]));
    expect(Object.keys(byPath).sort()).toEqual(['assignee', 'description', 'impact', 'title', 'urgency']);
    expect(byPath.impact).toMatchObject({ location: 'body', pointer: '#/impact', message: expect.any(String) });
    expect(await incidentCount()).toBe(0);
  });

  it('a missing title and a title over 200 characters', async () => {
    expect((await alice.post('/incidents', {})).body.errors.map((e: { path: string }) => e.path)).toEqual(['title']);
    const long = await alice.post('/incidents', { title: 'x'.repeat(201) });
    expectProblemDetails(long, 400);
    expect(long.body.errors[0].path).toBe('title');
  });

  it('unknown fields are refused by name', async () => {
    const reply = await alice.post('/incidents', { title: 'ok', severity: 'high', status: 'resolved' });
    expectProblemDetails(reply, 400);
    expect(reply.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['severity', 'status']);
    expect(reply.body.errors[0].message).toMatch(/Unknown field/);
  });

  it('a body that is not an object', async () => {
    for (const raw of ['[]', '"title"', 'null', '42']) {
      const reply = await alice.request('POST', '/incidents', { raw, headers: { 'content-type': 'application/json' } });
      expect(reply.status, raw).toBe(400);
    }
  });

  it('bodies over 64 KB: 413', async () => {
    const reply = await alice.post('/incidents', { title: 'big', description: 'x'.repeat(70 * 1024) });
    expectProblemDetails(reply, 413);
    expect(await incidentCount()).toBe(0);
  });

  it('a body that is not JSON: 415; no body at all: 400', async () => {
    const reply = await alice.request('POST', '/incidents', { raw: 'title=hello', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblemDetails(reply, 415);
    expectProblemDetails(await alice.request('POST', '/incidents'), 400);
  });

  it('bad query parameters: limit over 100, unknown filters, invalid enum values, a forged cursor', async () => {
    const limit = await alice.get('/incidents?limit=101');
    expectProblemDetails(limit, 400);
    expect(limit.body.errors[0]).toMatchObject({ location: 'query', path: 'limit' });
    expectProblemDetails(await alice.get('/incidents?limit=0'), 400);
    expectProblemDetails(await alice.get('/incidents?colour=red'), 400);
    expectProblemDetails(await alice.get('/incidents?status=sleeping'), 400);
    const cursor = await alice.get('/incidents?cursor=not-a-cursor');
    expectProblemDetails(cursor, 400);
    expect(cursor.body.errors[0].path).toBe('cursor');
  });

  it('a cursor from one filter cannot be replayed against another', async () => {
    for (let i = 0; i < 3; i++) await alice.post('/incidents', { title: `paged ${i}`, service: 'email' });
    const page = await alice.get('/incidents?service=email&limit=1');
    expect(page.body.nextCursor).toBeDefined();
    const replayed = await alice.get(`/incidents?service=vpn&limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expectProblemDetails(replayed, 400);
  });

  it('a hand-made cursor pointing into another partition is a 400, not a 500 or a leak', async () => {
    const carol = await stack.as('carol', []);
    await carol.post('/incidents', { title: 'carol 1' });
    const fingerprint = filterFingerprint({ caller: 'carol', kind: 'incidents' });
    const forged = encodeCursor({ pk: 'INCIDENT#X', sk: 'INCIDENT', gsi7pk: 'INCIDENT#CALLER#alice', gsi7sk: 'INC0001001' }, fingerprint);
    const reply = await carol.get(`/incidents?cursor=${forged}`);
    expectProblemDetails(reply, 400);
    expect(reply.body.errors[0]).toMatchObject({ location: 'query', path: 'cursor' });
  });

  it('unknown routes and methods get the gateway 404', async () => {
    expect((await alice.get('/nothing-here')).status).toBe(404);
    expect((await alice.request('DELETE', '/incidents')).status).toBe(404);
  });
});

describe('text fields refuse control characters and unpaired surrogates, naming the field', () => {
  const admin = () => stack.as('ada', ['admin']);
  const paths = (reply: { body: { errors?: { path: string; location: string; message: string }[] } }) =>
    (reply.body.errors ?? []).map((e) => `${e.location}:${e.path}`);

  it('incidents: a control character in a title, a line break in a one-line field, a lone surrogate in the description', async () => {
    const before = await incidentCount();
    const bell = await alice.post('/incidents', { title: 'Printer \u0007 beeps' });
    expectProblemDetails(bell, 400);
    expect(bell.body.type).toMatch(/validation-error$/);
    expect(paths(bell)).toEqual(['body:title']);
    expect(bell.body.errors[0].message).toMatch(/control character U\+0007/);

    const newline = await alice.post('/incidents', { title: 'Two\nlines', category: 'tab\there' });
    expectProblemDetails(newline, 400);
    expect(paths(newline).sort()).toEqual(['body:category', 'body:title']);

    const surrogate = await alice.post('/incidents', { title: 'Broken emoji', description: 'half a smile \ud83d here' });
    expectProblemDetails(surrogate, 400);
    expect(paths(surrogate)).toEqual(['body:description']);
    expect(surrogate.body.errors[0].message).toMatch(/unpaired surrogate U\+D83D/);

    for (const control of ['\u0000', '\u001b[31m', '\u007f', '\u0085', '\udc00']) {
      const reply = await alice.post('/incidents', { title: 'ok', description: `text ${control} text` });
      expect(reply.status, JSON.stringify(control)).toBe(400);
    }
    expect(await incidentCount()).toBe(before);
  });

  it('multi-line fields keep tabs, line breaks and real emoji', async () => {
    const description = 'Steps:\r\n\t1. open 😀\n\t2. print';
    const created = await alice.post('/incidents', { title: 'Printer jams 😀', description });
    expect(created.status).toBe(201);
    expect(created.body.description).toBe(description);
    const note = await alice.post(`/incidents/${created.body.id}/notes`, { body: 'line one\nline two\u0000' });
    expectProblemDetails(note, 400);
    expect(paths(note)).toEqual(['body:body']);
  });

  it('the directory and changes get the same rule, nested fields included', async () => {
    const ada = await admin();
    const group = await ada.post('/groups', { name: 'ctrl-chars', displayName: 'Escape\u001b', members: [] });
    expectProblemDetails(group, 400);
    expect(paths(group)).toEqual(['body:displayName']);
    expect((await ada.get('/groups/ctrl-chars')).status).toBe(404);

    const change = await alice.post('/changes', {
      type: 'normal',
      title: 'Patch the VPN gateways',
      services: ['vpn'],
      configurationItems: ['vpn-gw-1', 'vpn\u0000gw-2'],
      plannedStart: '2032-06-01T00:00:00.000Z',
      plannedEnd: '2032-06-01T02:00:00.000Z',
      implementationPlan: 'Fail over\n\tpatch \ud800',
      backoutPlan: 'Fail back',
    });
    expectProblemDetails(change, 400);
    expect(paths(change).sort()).toEqual(['body:configurationItems.1', 'body:implementationPlan']);
  });

  it('query parameters too', async () => {
    const reply = await alice.get(`/incidents?cursor=${encodeURIComponent('abc\u0001')}`);
    expectProblemDetails(reply, 400);
    expect(paths(reply)).toEqual(['query:cursor']);
    expect(reply.body.errors[0].message).toMatch(/control character U\+0001/);
  });
});

describe('authentication, as the JWT authorizer does it', () => {
  it('401 without a token, with a malformed one, an expired one, a wrong audience or issuer, or a foreign key', async () => {
    const key = stack.signingKey;
    const expired = await mintToken(key, { sub: 'alice', groups: ['agent'], expiresInSeconds: -60 });
    const wrongAudience = await mintToken(key, { sub: 'alice', groups: ['agent'], audience: 'someone-else' });
    const wrongIssuer = await mintToken(key, { sub: 'alice', groups: ['agent'], issuer: 'https://evil.invalid' });
    const [header, payload] = (await mintToken(key, { sub: 'alice', groups: ['admin'] })).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ sub: 'mallory', 'cognito:groups': ['admin'], aud: 'itsm-local', iss: 'https://local-idp.itsm.invalid', exp: 9999999999 })).toString('base64url')}.${'x'.repeat(43)}`;
    for (const [name, token] of Object.entries({ expired, wrongAudience, wrongIssuer, unsigned, tampered, garbage: 'abc.def' })) {
      const reply = await client(stack.url, token).get('/incidents');
      expect(reply.status, name).toBe(401);
      expect(reply.body, name).toEqual({ message: 'Unauthorized' });
    }
    expect((await stack.anonymous.get('/incidents')).status).toBe(401);
    expect((await stack.anonymous.post('/incidents', { title: 'anonymous' })).status).toBe(401);
  });

  it('public routes need no token', async () => {
    const health = await stack.anonymous.get('/health');
    expect(health.status).toBe(200);
    const openapi = await stack.anonymous.get('/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toMatch(/^3\.1\./);
  });

  it('/openapi.json is gzip to a client asking for it (fetch does, and unzips it), plain JSON to one that does not (curl)', async () => {
    const zipped = await stack.anonymous.get('/openapi.json');
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toBe('accept-encoding');
    expect(zipped.body.openapi).toMatch(/^3\.1\./);

    // node:http sends no Accept-Encoding and unzips nothing, as curl without --compressed.
    const plain = await new Promise<{ headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      httpGet(`${stack.url}/openapi.json`, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      }).on('error', reject);
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-type']).toBe('application/json');
    expect(JSON.parse(plain.text)).toEqual(zipped.body);
  });
});
