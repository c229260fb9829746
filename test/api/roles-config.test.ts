import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startTestStack, type TestStack } from '../support/api.ts';

/**
 * Which claim and which group names give which role is configuration (GROUPS_CLAIM, ROLE_GROUPS),
 * read by the functions at load: set here before the local stack loads any handler.
 */
const saved = {
  GROUPS_CLAIM: process.env.GROUPS_CLAIM,
  ROLE_GROUPS: process.env.ROLE_GROUPS,
  REQUESTER_INCIDENT_FIELDS: process.env.REQUESTER_INCIDENT_FIELDS,
};
let stack: TestStack;
let admin: Client;
let deskAgent: Client;
let staff: Client;

beforeAll(async () => {
  process.env.GROUPS_CLAIM = 'groups';
  process.env.ROLE_GROUPS = JSON.stringify({ admin: ['itsm-admins'], agent: ['service-desk', 'network-team'], requester: ['staff'] });
  process.env.REQUESTER_INCIDENT_FIELDS = 'none';
  stack = await startTestStack();
  admin = await stack.as('ada', ['itsm-admins']);
  deskAgent = await stack.as('alice', ['service-desk']);
  staff = await stack.as('carol', ['staff']);
});
afterAll(async () => {
  await stack?.stop();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('configured role groups', () => {
  it('give the roles they are configured for (seeding ran as the configured admin group)', async () => {
    expect((await admin.post('/groups', { name: 'configured', members: [] })).status).toBe(201);
    expect((await deskAgent.get('/groups')).status).toBe(200);
    expect((await deskAgent.post('/groups', { name: 'not-mine', members: [] })).status).toBe(403);
    expect((await (await stack.as('nina', ['network-team'])).get('/config/priority-matrix')).status).toBe(200);
    const raised = await staff.post('/incidents', { title: 'Configured requester' });
    expect(raised.status).toBe(201);
    expect((await staff.get('/groups')).status).toBe(403);
  });

  it('the default names give nothing once others are configured', async () => {
    const oldAdmin = await stack.as('mallory', ['admin', 'agent']);
    expect((await oldAdmin.get('/groups')).status).toBe(403);
  });

  it('with requester groups configured, callers in none of the groups are refused everywhere', async () => {
    const outsider = await stack.as('guest', ['contractors']);
    const reply = await outsider.post('/incidents', { title: 'Let me in' });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect((await outsider.get('/incidents')).status).toBe(403);
  });

  it('requesters set neither impact nor urgency when REQUESTER_INCIDENT_FIELDS is none', async () => {
    const reply = await staff.post('/incidents', { title: 'Urgent for me', urgency: 1 });
    expect(reply.status).toBe(403);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(['urgency']);
    const raised = await staff.post('/incidents', { title: 'Assess it for me' });
    expect(raised.body).toMatchObject({ impact: 3, urgency: 3 });
  });

  it('reads the configured claim, not cognito:groups', async () => {
    const { mintToken } = await import('../../local/identity.ts');
    const { client } = await import('../support/api.ts');
    const wrongClaim = client(stack.url, await mintToken(stack.signingKey, { sub: 'ada', groups: ['itsm-admins'], groupsClaim: 'cognito:groups' }));
    expect((await wrongClaim.get('/groups')).status).toBe(403);
  });
});
