import { conflict, fieldError, validationFailed } from '../shared/errors.ts';
import { TABLE_NAME } from '../shared/store/db.ts';
import type { DirectoryResource } from './crud.ts';
import { hasActiveIntegrations } from '../ingestion/store/integration-store.ts';
import { escalationPolicyKey, groupKey } from './store/keys.ts';
import { GROUPS, groupOwnsServices, missingRecords, SERVICES, USERS } from './store/records.ts';

/** Members and the manager must be known users, so that assignment to them can work. */
async function validateGroup(fields: Record<string, unknown>) {
  const members = (fields.members as string[] | undefined) ?? [];
  const manager = fields.manager as string | undefined;
  const missing = await missingRecords(USERS, manager === undefined ? members : [...members, manager]);
  if (missing.size === 0) return undefined;
  const errors = members.flatMap((member, i) => (missing.has(member) ? [fieldError('body', ['members', i], `There is no user '${member}'`)] : []));
  if (manager !== undefined && missing.has(manager)) errors.push(fieldError('body', ['manager'], `There is no user '${manager}'`));
  throw validationFailed(errors);
}

export const groupResource: DirectoryResource = {
  kind: GROUPS,
  label: 'Group',
  idParam: 'name',
  idField: 'name',
  basePath: '/groups',
  fields: ['displayName', 'description', 'email', 'members', 'manager'],
  validate: validateGroup,
  // A group created again under the same name must not inherit the old group's escalation policy.
  ownedItems: (name) => [escalationPolicyKey(name)],
  beforeDelete: async (name) => {
    if (await groupOwnsServices(name)) {
      throw conflict('group-in-use', 'Group in use', `Group '${name}' owns services; give them another owner group first`);
    }
  },
};

export const serviceResource: DirectoryResource = {
  kind: SERVICES,
  label: 'Service',
  idParam: 'name',
  idField: 'name',
  basePath: '/services',
  readableByRequesters: true,
  // A deleted service's keys would keep opening incidents, and a new service of the same name
  // would inherit them: revoke them first.
  beforeDelete: async (name) => {
    if (await hasActiveIntegrations(name)) {
      throw conflict('service-in-use', 'Service in use', `Service '${name}' has integration keys; revoke them first (DELETE /services/${name}/integrations/{id})`);
    }
  },
  fields: ['displayName', 'description', 'ownerGroup', 'criticality', 'severityMapping'],
  // The owner group is checked inside the write's own transaction: no window for it to vanish.
  validate: async (fields) => ({
    items: [{ ConditionCheck: { TableName: TABLE_NAME, Key: groupKey(String(fields.ownerGroup)), ConditionExpression: 'attribute_exists(pk)' } }],
    failures: [{ field: 'ownerGroup', message: () => `There is no group named '${String(fields.ownerGroup)}'` }],
  }),
};

export const userResource: DirectoryResource = {
  kind: USERS,
  label: 'User',
  idParam: 'userId',
  idField: 'id',
  basePath: '/users',
  fields: ['displayName', 'email', 'active'],
};
