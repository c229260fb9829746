/**
 * Demo directory for a first start: people, groups and services to assign incidents to. Loaded
 * through the public API with an admin token, so seeding exercises the same code as real use.
 */
export const DEMO_USERS = [
  { id: 'ada', displayName: 'Ada Admin', email: 'ada@example.com', groups: ['admin'] },
  { id: 'alice', displayName: 'Alice Agent', email: 'alice@example.com', groups: ['agent'] },
  { id: 'bob', displayName: 'Bob Agent', email: 'bob@example.com', groups: ['agent'] },
  { id: 'nina', displayName: 'Nina Network', email: 'nina@example.com', groups: ['agent'] },
  { id: 'carol', displayName: 'Carol Requester', email: 'carol@example.com', groups: [] },
  { id: 'dave', displayName: 'Dave Requester', email: 'dave@example.com', groups: [] },
] as const;

export const DEMO_GROUPS = [
  { name: 'service-desk', displayName: 'Service Desk', members: ['alice', 'bob'], manager: 'ada' },
  { name: 'network', displayName: 'Network Operations', members: ['nina', 'bob'], manager: 'ada' },
  { name: 'database', displayName: 'Database Team', members: ['bob'], manager: 'ada' },
  { name: 'cab', displayName: 'Change Advisory Board', members: ['ada', 'alice', 'nina'], manager: 'ada' },
  { name: 'ecab', displayName: 'Emergency CAB', members: ['ada', 'alice'], manager: 'ada' },
];

export const DEMO_SERVICES = [
  { name: 'payments', displayName: 'Payments', ownerGroup: 'database', criticality: 'critical' },
  { name: 'email', displayName: 'Email', ownerGroup: 'service-desk', criticality: 'high' },
  { name: 'vpn', displayName: 'VPN', ownerGroup: 'network', criticality: 'medium' },
  { name: 'intranet', displayName: 'Intranet', ownerGroup: 'service-desk', criticality: 'low' },
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

/** Creates whatever of the demo directory is missing; returns how many records it created. */
export async function seedDemoData(baseUrl: string, adminToken: string): Promise<number> {
  let created = 0;
  for (const { id, displayName, email } of DEMO_USERS) {
    if (await ensure(baseUrl, adminToken, `/users/${id}`, { method: 'PUT', path: `/users/${id}`, body: { displayName, email } })) created++;
  }
  for (const group of DEMO_GROUPS) {
    if (await ensure(baseUrl, adminToken, `/groups/${group.name}`, { method: 'POST', path: '/groups', body: group })) created++;
  }
  for (const service of DEMO_SERVICES) {
    if (await ensure(baseUrl, adminToken, `/services/${service.name}`, { method: 'POST', path: '/services', body: service })) created++;
  }
  return created;
}
