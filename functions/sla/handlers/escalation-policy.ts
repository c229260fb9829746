import { userKey } from '../../directory/store/keys.ts';
import { GROUPS, getRecord, missingRecords, USERS } from '../../directory/store/records.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { defined } from '../../shared/defined.ts';
import { type FieldError, fieldError, forbidden, notFound, preconditionFailed, preconditionRequired, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { diffFields } from '../../shared/store/audit.ts';
import { type FieldCheck, fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
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
/** Records are plain JSON: compared field by field for their history. */
const diff = (before: object, after: object) => diffFields(before as Record<string, unknown>, after as Record<string, unknown>, FIELDS);

type Presentable = EscalationPolicy & { createdAt?: string; updatedAt?: string; version: number };

const present = ({ group, levels, repeat, createdAt, updatedAt, version }: Presentable, status = 200): ApiResult => ({
  status,
  body: { group, levels, repeat, isDefault: version === 0, ...(createdAt === undefined ? {} : { createdAt, updatedAt }), version },
  headers: { etag: etagOf(version), location: `/groups/${encodeURIComponent(group)}/escalation-policy` },
});

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

async function put(request: ApiRequest): Promise<ApiResult> {
  if (!request.principal.isAdmin) throw forbidden('Only admins can change escalation policies');
  const group = request.pathParam('name');
  const ifMatch = request.header('if-match');
  // Creating the group's own policy needs no If-Match (or the default's "0"); replacing one does.
  const expected = ifMatch === undefined ? undefined : request.ifMatch();
  const body = request.body(putEscalationPolicyBody);
  const policy = canonicalEscalationPolicy({ group, ...body });

  const current = await read(group);
  const currentVersion = current?.version ?? 0;
  if (current !== undefined && expected === undefined) throw preconditionRequired();
  expected?.check(currentVersion);
  const changes = diff(current ?? {}, policy);
  if (current !== undefined && changes.length === 0) return present(current);
  await checkUsers(policy);

  const at = new Date().toISOString();
  const record: EscalationPolicyRecord = { ...policy, createdAt: current?.createdAt ?? at, updatedAt: at, version: currentVersion + 1 };
  const items = escalationPolicyItems(record, currentVersion, request.principal.userId, changes);
  const userChecks = newUserChecks(policy, current);
  try {
    await transactWrite([...items, ...fieldCheckItems(userChecks)]);
  } catch (error) {
    if (error instanceof TransactionRefused) {
      if (error.has(ESCALATION_GROUP_CHECK)) throw notFound(`Group ${group}`);
      if (error.has(ESCALATION_POLICY_ITEM)) {
        const current = error.item(ESCALATION_POLICY_ITEM);
        throw preconditionFailed(etagOf(current === undefined ? 0 : Number(current.version)));
      }
      const errors = fieldCheckErrors(error, userChecks);
      if (errors.length > 0) throw validationFailed(errors);
    }
    throw error;
  }
  return present(record, current === undefined ? 201 : 200);
}

export const handler = httpHandler(
  byRoute({
    'GET /groups/{name}/escalation-policy': async (request) => {
      if (!request.principal.isAgent) throw forbidden('Only agents and admins can read escalation policies');
      const group = request.pathParam('name');
      return present((await read(group)) ?? defaultFor(group));
    },
    'PUT /groups/{name}/escalation-policy': put,
  }),
);
