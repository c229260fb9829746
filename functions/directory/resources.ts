import type { CrudRecord, CrudResource } from '../shared/crud/crud.ts';
import { conflict, fieldError, validationFailed } from '../shared/errors.ts';
import { diffFields } from '../shared/store/audit.ts';
import { TABLE_NAME } from '../shared/store/db.ts';
import type { FieldCheck } from '../shared/store/field-checks.ts';
import { directoryListQuery } from './schemas/directory.ts';
import { escalationPolicyKey, groupKey, userKey } from './store/keys.ts';
import { directoryRecordStore, GROUPS, missingRecords, recordFromItem, replaceRecordItems, SERVICES, USERS, type VersionedRecord } from './store/records.ts';
import { directoryRecordLive } from './store/references.ts';
import { groupUsage, serviceUsage, type Usage, userUsage } from './store/usage.ts';
import { emailHolder, getUser, releaseEmail, userRecordStore } from './store/users.ts';

/**
 * A transaction holds at most 100 writes: the user's delete, history and e-mail index item take 3,
 * each group it leaves 2 (the group and its history).
 */
export const MAX_GROUPS_LEFT_ON_DELETE = 45;

/** The 409's detail; its extensions list what still names the record (capped; `truncated` says there is more). */
function inUseDetail(label: string, id: string, found: Usage, advice: string): string {
  const count = `${found.references.length}${found.truncated ? '+' : ''}`;
  return `${label} '${id}' is still named by ${count} record${count === '1' ? '' : 's'} (see references); ${advice}`;
}
const inUseExtensions = (found: Usage) => ({ references: found.references, truncated: found.truncated });

/**
 * Users a group write may check inside its transaction (it holds at most 100 writes): beyond
 * this, members added in one write are only read before it (docs/directory.md).
 */
const MAX_CHECKED_NEW_MEMBERS = 90;

/**
 * Members and the manager must be known users, so that assignment to them can work. They are read
 * first, so that each missing one gets its own error with its index; the ones this write adds are
 * also checked in its transaction, so that a user whose delete is looking for their groups cannot
 * be added meanwhile.
 */
async function validateGroup(fields: Record<string, unknown>, current?: CrudRecord): Promise<FieldCheck[]> {
  const members = (fields.members as string[] | undefined) ?? [];
  const manager = fields.manager as string | undefined;
  const missing = await missingRecords(USERS, manager === undefined ? members : [...members, manager]);
  if (missing.size > 0) {
    const errors = members.flatMap((member, i) => (missing.has(member) ? [fieldError('body', ['members', i], `There is no user '${member}'`)] : []));
    if (manager !== undefined && missing.has(manager)) errors.push(fieldError('body', ['manager'], `There is no user '${manager}'`));
    throw validationFailed(errors);
  }
  const before = new Set((current?.members as string[] | undefined) ?? []);
  const checks: FieldCheck[] = [];
  const check = (field: string, user: string) => {
    checks.push({
      item: directoryRecordLive(userKey(user)),
      refusal: (old) => ({ path: [field], message: old === undefined ? `There is no user '${user}'` : `User '${user}' is being deleted` }),
    });
  };
  const added = [...new Set(members)].filter((m) => !before.has(m)).slice(0, MAX_CHECKED_NEW_MEMBERS);
  for (const member of added) check('members', member);
  // One transaction may check an item once: a new manager who is also a new member is checked as the member.
  if (manager !== undefined && manager !== current?.manager && !added.includes(manager)) check('manager', manager);
  return checks;
}

/** Who reads and writes the directory, and what a refusal says. */
const directoryAccess = (basePath: string, readableByRequesters = false): CrudResource['access'] => ({
  readableByRequesters,
  readDenied: `Only agents and admins can read ${basePath}`,
  writeDenied: 'Only admins can change the directory',
});

export const groupResource: CrudResource = {
  label: 'Group',
  idParam: 'name',
  idField: 'name',
  basePath: '/groups',
  fields: ['displayName', 'description', 'email', 'members', 'manager'],
  store: directoryRecordStore(GROUPS),
  access: directoryAccess('/groups'),
  listQuery: directoryListQuery,
  validate: (fields, { current }) => validateGroup(fields, current),
  // A group created again under the same name must not inherit the old group's escalation policy.
  ownedItems: (name) => [escalationPolicyKey(name)],
  beforeDelete: async (name) => {
    const found = await groupUsage(name);
    if (found.references.length > 0) {
      throw conflict(
        'group-in-use',
        'Group in use',
        inUseDetail(
          'Group',
          name,
          found,
          'give them another group (catalog items too), or close or cancel the incidents, changes, problems and fulfilment tasks, first',
        ),
        inUseExtensions(found),
      );
    }
    return undefined;
  },
};

export const serviceResource: CrudResource = {
  label: 'Service',
  idParam: 'name',
  idField: 'name',
  basePath: '/services',
  store: directoryRecordStore(SERVICES),
  access: directoryAccess('/services', true),
  listQuery: directoryListQuery,
  // A deleted service's keys would keep opening incidents, and a new service of the same name
  // would inherit them: they are references like any other, to revoke first.
  beforeDelete: async (name, { now }) => {
    const found = await serviceUsage(name, now);
    if (found.references.length > 0) {
      const advice = `revoke its integration keys (DELETE /services/${name}/integrations/{id}) and change or end the others first`;
      throw conflict('service-in-use', 'Service in use', inUseDetail('Service', name, found, advice), inUseExtensions(found));
    }
    return undefined;
  },
  fields: ['displayName', 'description', 'ownerGroup', 'criticality', 'severityMapping', 'urgent'],
  // The owner group is checked inside the write's own transaction: no window for it to vanish. A
  // new owner also may not be a group whose delete is looking for the services it owns; a service
  // that keeps its owner already names it, and that delete will find it and be refused.
  validate: (fields, { current }) => {
    const group = String(fields.ownerGroup);
    const kept = current?.ownerGroup === group;
    return [
      {
        item: kept
          ? { ConditionCheck: { TableName: TABLE_NAME, Key: groupKey(group), ConditionExpression: 'attribute_exists(pk)' } }
          : directoryRecordLive(groupKey(group)),
        refusal: (old) => ({ path: ['ownerGroup'], message: old === undefined ? `There is no group named '${group}'` : `Group '${group}' is being deleted` }),
      },
    ];
  },
};

export const userResource: CrudResource = {
  label: 'User',
  idParam: 'userId',
  idField: 'id',
  basePath: '/users',
  store: userRecordStore(),
  access: directoryAccess('/users'),
  listQuery: directoryListQuery,
  fields: ['displayName', 'email', 'manager', 'active'],
  checkShape: (fields, id) => {
    if (fields.manager === id) throw validationFailed([fieldError('body', ['manager'], 'A user cannot be their own manager')]);
  },
  // A new manager is checked in the write's transaction (exists, not being deleted), as a group's
  // new members are; a kept one already names them, and their delete finds it (usage.ts).
  validate: (fields, { current }) => {
    const manager = fields.manager;
    if (typeof manager !== 'string' || manager === current?.manager) return [];
    return [
      {
        item: directoryRecordLive(userKey(manager)),
        refusal: (old) => ({ path: ['manager'], message: old === undefined ? `There is no user '${manager}'` : `User '${manager}' is being deleted` }),
      },
    ];
  },
  // Membership and the e-mail address are the user's own: they go with them. Everything else that
  // names them is someone else's decision (who manages a group or a person, who an escalation
  // pages, who works an incident).
  beforeDelete: async (id, { actor, now }) => {
    const [found, user] = await Promise.all([userUsage(id), getUser(id)]);
    // Their address goes with them, if the index gives it to them (a user written before the index
    // may share it with another, who keeps it). Read here, so that the delete never fails on it.
    const holdsEmail = user?.email !== undefined && (await emailHolder(user.email)) === id;
    if (found.references.length > 0) {
      throw conflict(
        'user-in-use',
        'User in use',
        inUseDetail('User', id, found, 'reassign them (or their reports, another manager) first, or keep the user and set active to false'),
        inUseExtensions(found),
      );
    }
    if (found.memberOf.length > MAX_GROUPS_LEFT_ON_DELETE) {
      throw conflict(
        'user-in-use',
        'User in use',
        `User '${id}' is a member of ${found.memberOf.length} groups; remove them from some (at most ${MAX_GROUPS_LEFT_ON_DELETE} are left in one delete) first`,
        {
          references: [],
          truncated: true,
        },
      );
    }
    const leftGroups = found.memberOf.flatMap((item) => {
      const group = recordFromItem<VersionedRecord & { name: string; members: string[] }>(GROUPS, item);
      const next = { ...group, members: group.members.filter((member) => member !== id), updatedAt: now, version: group.version + 1 };
      return replaceRecordItems(GROUPS, group.name, next, group.version, actor, diffFields(group, next, ['members']));
    });
    // The user read here is the version the delete commits at (its delete is conditioned on it).
    return holdsEmail && user?.email !== undefined ? [...leftGroups, releaseEmail(id, user.email)] : leftGroups;
  },
};

/**
 * The same resource for the one replace that must leave the old address's index item alone: the
 * user's old address is held by another user (both were written before addresses were unique).
 */
export const userResourceKeepingOldEmail: CrudResource = { ...userResource, store: userRecordStore({ releaseOldEmail: false }) };
