/**
 * Demo directory for a first start: people, groups and services to assign incidents to. Loaded
 * through the public API with an admin token, so seeding exercises the same code as real use.
 */
export const DEMO_USERS = [
  { id: 'ada', displayName: 'Ada Admin', email: 'ada@example.com', groups: ['admin'] },
  { id: 'alice', displayName: 'Alice Agent', email: 'alice@example.com', groups: ['agent'] },
  { id: 'bob', displayName: 'Bob Agent', email: 'bob@example.com', groups: ['agent'] },
  { id: 'nina', displayName: 'Nina Network', email: 'nina@example.com', groups: ['agent'] },
  // Their managers approve what the catalog's manager stages ask (issue 15); managers are seeded first.
  { id: 'carol', displayName: 'Carol Requester', email: 'carol@example.com', groups: [], manager: 'bob' },
  { id: 'dave', displayName: 'Dave Requester', email: 'dave@example.com', groups: [], manager: 'alice' },
] as const;

export const DEMO_GROUPS = [
  { name: 'service-desk', displayName: 'Service Desk', members: ['alice', 'bob'], manager: 'ada' },
  { name: 'network', displayName: 'Network Operations', members: ['nina', 'bob'], manager: 'ada' },
  { name: 'database', displayName: 'Database Team', members: ['bob'], manager: 'ada' },
  { name: 'cab', displayName: 'Change Advisory Board', members: ['ada', 'alice', 'nina'], manager: 'ada' },
  { name: 'ecab', displayName: 'Emergency CAB', members: ['ada', 'alice'], manager: 'ada' },
  { name: 'change-managers', displayName: 'Change Managers', members: ['ada'], manager: 'ada' },
  // The groups the seeded service catalog names (seedRequestDefaults creates them empty).
  { name: 'procurement', displayName: 'Procurement', members: ['bob'], manager: 'ada' },
  { name: 'identity-admins', displayName: 'Identity Administrators', members: ['alice'], manager: 'ada' },
  { name: 'access-managers', displayName: 'Application Access Managers', members: ['nina'], manager: 'ada' },
  { name: 'licence-managers', displayName: 'Licence Managers', members: ['ada'], manager: 'ada' },
];

export const DEMO_SERVICES = [
  { name: 'payments', displayName: 'Payments', ownerGroup: 'database', criticality: 'critical' },
  { name: 'email', displayName: 'Email', ownerGroup: 'service-desk', criticality: 'high' },
  { name: 'vpn', displayName: 'VPN', ownerGroup: 'network', criticality: 'medium' },
  { name: 'intranet', displayName: 'Intranet', ownerGroup: 'service-desk', criticality: 'low' },
];

/** A standard change agents can raise at once (POST /changes with `type: standard, template`). */
export const DEMO_CHANGE_TEMPLATES = [
  {
    name: 'restart-intranet-web',
    title: 'Restart the intranet web servers',
    description: 'Rolling restart of the intranet web tier, one node at a time, behind the load balancer',
    services: ['intranet'],
    // Configuration items are CMDB ids (issue 14), which the demo's CIs do not have before they are created.
    configurationItems: [],
    implementationPlan: 'Drain one node from the load balancer, restart the web service, check /health, put it back; then the next node',
    backoutPlan: 'Put the drained node back into the load balancer as it was; the other node keeps serving',
    testPlan: 'GET /health on each node answers 200; the intranet home page loads through the load balancer',
    outageRequired: false,
    assignmentGroup: 'service-desk',
  },
];

async function ensure(baseUrl: string, token: string, path: string, create: { method: string; path: string; body: unknown }): Promise<boolean> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const existing = await fetch(`${baseUrl}${path}`, { headers });
  if (existing.status === 200) return false;
  const response = await fetch(`${baseUrl}${create.path}`, {
    method: create.method,
    headers: { ...headers, 'idempotency-key': `seed:${path}` },
    body: JSON.stringify(create.body),
  });
  if (response.status >= 300) throw new Error(`Seeding ${path} failed: ${response.status} ${await response.text()}`);
  return true;
}

/**
 * The change boards (`cab`, `ecab`, `change-managers`) are also created by seedChangeDefaults, the
 * afterDeploy function the runtime runs before the HTTP API (and so this seed) starts: empty,
 * since only admins know who sits on a board. A board found exactly as that seeding left it
 * (version 1, no members) is therefore filled with the demo members rather than skipped, so the
 * demo can approve changes whichever of the two ran first. A group an admin has touched since
 * (any later version) is theirs and left alone.
 */
async function ensureGroup(baseUrl: string, token: string, group: (typeof DEMO_GROUPS)[number]): Promise<boolean> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const existing = await fetch(`${baseUrl}/groups/${group.name}`, { headers });
  if (existing.status !== 200) return ensure(baseUrl, token, `/groups/${group.name}`, { method: 'POST', path: '/groups', body: group });
  const current = (await existing.json()) as { version: number; members: string[] };
  if (current.version !== 1 || current.members.length > 0) return false;
  const { name: _name, ...fields } = group;
  const response = await fetch(`${baseUrl}/groups/${group.name}`, {
    method: 'PUT',
    headers: { ...headers, 'if-match': existing.headers.get('etag') ?? '"1"' },
    body: JSON.stringify(fields),
  });
  // 412: someone changed it meanwhile, which makes it theirs too.
  if (response.status === 412) return false;
  if (response.status >= 300) throw new Error(`Seeding /groups/${group.name} failed: ${response.status} ${await response.text()}`);
  return true;
}

/**
 * A demo user, created when missing. One created before users had managers (version 1, no manager)
 * is given the demo's manager, so the catalog's manager approvals work on an older data folder too;
 * a user an admin has touched since (any later version) is left alone.
 */
async function ensureUser(baseUrl: string, token: string, user: (typeof DEMO_USERS)[number]): Promise<boolean> {
  const { id, displayName, email } = user;
  const manager = 'manager' in user ? user.manager : undefined;
  const body = { displayName, email, ...(manager === undefined ? {} : { manager }) };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const existing = await fetch(`${baseUrl}/users/${id}`, { headers });
  if (existing.status !== 200) return ensure(baseUrl, token, `/users/${id}`, { method: 'PUT', path: `/users/${id}`, body });
  const current = (await existing.json()) as { version: number; manager?: string };
  if (manager === undefined || current.manager !== undefined || current.version !== 1) return false;
  const response = await fetch(`${baseUrl}/users/${id}`, {
    method: 'PUT',
    headers: { ...headers, 'if-match': existing.headers.get('etag') ?? '"1"' },
    body: JSON.stringify(body),
  });
  if (response.status === 412) return false;
  if (response.status >= 300) throw new Error(`Seeding /users/${id} failed: ${response.status} ${await response.text()}`);
  return true;
}

/** Creates whatever of the demo directory is missing; returns how many records it created (or filled in). */
export async function seedDemoData(baseUrl: string, adminToken: string): Promise<number> {
  let created = 0;
  for (const user of DEMO_USERS) {
    if (await ensureUser(baseUrl, adminToken, user)) created++;
  }
  for (const group of DEMO_GROUPS) {
    if (await ensureGroup(baseUrl, adminToken, group)) created++;
  }
  for (const service of DEMO_SERVICES) {
    if (await ensure(baseUrl, adminToken, `/services/${service.name}`, { method: 'POST', path: '/services', body: service })) created++;
  }
  // After the services and groups they name.
  for (const template of DEMO_CHANGE_TEMPLATES) {
    if (await ensure(baseUrl, adminToken, `/change-templates/${template.name}`, { method: 'POST', path: '/change-templates', body: template })) created++;
  }
  return created;
}
