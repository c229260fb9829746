import type * as z from 'zod';
import { userKey } from '../../directory/store/keys.ts';
import { GROUPS, getRecord, missingRecords, USERS } from '../../directory/store/records.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { fieldCommitChecks, getSingleton, putSingleton, type SingletonResource } from '../../shared/crud/singleton.ts';
import { defined } from '../../shared/defined.ts';
import { type FieldError, fieldError, notFound, validationFailed } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import type { FieldCheck } from '../../shared/store/field-checks.ts';
import { DEFAULT_ESCALATION_POLICY } from '../defaults.ts';
import type { EscalationPolicy } from '../domain/types.ts';
import { putEscalationPolicyBody } from '../schemas/escalation-policy.ts';
import {
  canonicalEscalationPolicy,
  ESCALATION_GROUP_CHECK,
  ESCALATION_POLICY_ITEM,
  type EscalationPolicyRecord,
  escalationPolicyItems,
  getEscalationPolicyRecord,
} from '../store/config-store.ts';

/*
 * /groups/{name}/escalation-policy: who is told, level by level, when an incident of the group
 * breaches. Every group has one: its own, or the default (version 0, `isDefault`), so a client
 * reads and writes it the same way either way.
 */

const FIELDS = ['levels', 'repeat'];

type Presentable = EscalationPolicy & { createdAt?: string; updatedAt?: string; version: number };

const defaultFor = (group: string): Presentable => ({ ...canonicalEscalationPolicy({ group, ...DEFAULT_ESCALATION_POLICY }), version: 0 });

/** The group and its own policy, read together; 404 when the group does not exist. */
async function read(group: string): Promise<EscalationPolicyRecord | undefined> {
  const [record, policy] = await Promise.all([getRecord(GROUPS, group), getEscalationPolicyRecord(group)]);
  if (record === undefined) throw notFound(`Group ${group}`);
  return policy;
}

/**
 * Users one write checks inside its transaction (it holds at most 100 items, 3 of them the
 * policy's own): beyond this, users added in one write are only read before it (docs/directory.md).
 */
const MAX_CHECKED_NEW_USERS = 90;

/** Where each named user sits in the body, for the field error of a user refused at commit. */
const userPaths = (policy: EscalationPolicy): Map<string, (string | number)[]> => {
  const paths = new Map<string, (string | number)[]>();
  for (const [i, level] of policy.levels.entries()) {
    for (const [j, user] of (level.notify.users ?? []).entries()) {
      if (!paths.has(user)) paths.set(user, ['levels', i, 'notify', 'users', j]);
    }
  }
  return paths;
};

/**
 * The users this write adds to the policy must exist and not be being deleted at the instant it
 * commits: a user's delete reads the policies that name them, so one added while it looks would be
 * missed. Users the policy already named need no check: that delete finds them in either version.
 */
function newUserChecks(policy: EscalationPolicy, current: EscalationPolicy | undefined): FieldCheck[] {
  const before = new Set(current?.levels.flatMap((level) => level.notify.users ?? []) ?? []);
  const paths = userPaths(policy);
  const users = [...paths.keys()].filter((user) => !before.has(user)).slice(0, MAX_CHECKED_NEW_USERS);
  return users.map((user) => ({
    item: directoryRecordLive(userKey(user)),
    refusal: (old) => ({
      path: defined(paths.get(user), `the body path of user ${user}`),
      message: old === undefined ? `There is no user '${user}'` : `User '${user}' is being deleted`,
    }),
  }));
}

/** Named users must exist, so that a breach notifies someone real. */
async function checkUsers(policy: EscalationPolicy): Promise<void> {
  const named = policy.levels.flatMap((level) => level.notify.users ?? []);
  if (named.length === 0) return;
  const missing = await missingRecords(USERS, named);
  if (missing.size === 0) return;
  const errors: FieldError[] = [];
  policy.levels.forEach((level, i) => {
    (level.notify.users ?? []).forEach((user, j) => {
      if (missing.has(user)) errors.push(fieldError('body', ['levels', i, 'notify', 'users', j], `There is no user '${user}'`));
    });
  });
  throw validationFailed(errors);
}

/**
 * Every group has a policy: its own, or the default at version 0. Writing the group's own first
 * needs no If-Match (or the default's "0") and answers 201; replacing it needs one.
 */
const escalationPolicy: SingletonResource<Presentable, EscalationPolicy, string, z.infer<typeof putEscalationPolicyBody>> = {
  access: { readDenied: 'Only agents and admins can read escalation policies', writeDenied: 'Only admins can change escalation policies' },
  fields: FIELDS,
  keyOf: (request) => request.pathParam('name'),
  load: async (group) => (await read(group)) ?? defaultFor(group),
  fieldsOf: (body, group) => canonicalEscalationPolicy({ group, ...body }),
  validate: async (policy, { current }) => {
    await checkUsers(policy);
    return fieldCommitChecks(newUserChecks(policy, current.version === 0 ? undefined : current));
  },
  record: (policy, { current, at, version }) => ({ ...policy, createdAt: current.createdAt ?? at, updatedAt: at, version }),
  writeItems: (record, expected, actor, changes) => escalationPolicyItems(record as EscalationPolicyRecord, expected, actor, changes),
  itemName: ESCALATION_POLICY_ITEM,
  onRefused: (refused, group) => {
    if (refused.has(ESCALATION_GROUP_CHECK)) throw notFound(`Group ${group}`);
  },
  createsWithoutIfMatch: true,
  historyFromNothing: true,
  body: ({ group, levels, repeat, createdAt, updatedAt, version }) => ({
    group,
    levels,
    repeat,
    isDefault: version === 0,
    ...(createdAt === undefined ? {} : { createdAt, updatedAt }),
    version,
  }),
  location: (group) => `/groups/${encodeURIComponent(group)}/escalation-policy`,
};

export const handler = httpHandler(
  byRoute({
    'GET /groups/{name}/escalation-policy': getSingleton(escalationPolicy),
    'PUT /groups/{name}/escalation-policy': putSingleton(escalationPolicy, putEscalationPolicyBody),
  }),
);
