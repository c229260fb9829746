import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { db, type Item, TABLE_NAME } from '../../shared/store/db.ts';
import { GetCommand, type QueryCommandInput } from '../../shared/store/dynamodb.ts';
import { queryAll } from '../../shared/store/pagination.ts';
import { escalationPolicyKey, groupKey } from './keys.ts';
import { GROUPS } from './records.ts';

/*
 * What still names a group, a service or a user, found the way each area stores it: key Queries
 * on the table and its indexes and GetItems, never a Scan. The directory sits below the work areas
 * (docs/data-model.md), so the key shapes are read here as documented there rather than by
 * importing those areas' stores; test/api/directory.test.ts writes every kind through its own API
 * and would catch a shape that moved.
 */

export type ReferenceKind =
  | 'service'
  | 'change-config'
  | 'change-template'
  | 'blackout-window'
  | 'sla-policy'
  | 'escalation-policy'
  | 'integration-key'
  | 'group'
  | 'user'
  | 'incident'
  | 'change'
  | 'problem'
  | 'problem-config'
  | 'ci-relationship'
  | 'ci'
  | 'catalog-item'
  | 'request'
  | 'task'
  | 'article';

export interface Reference {
  kind: ReferenceKind;
  /** The record's id or name, as its own API addresses it. */
  id: string;
  /** Incidents, changes, problems, tasks, requests and articles: the human number. */
  number?: string;
  /** The field of that record that names this one. */
  field: string;
}

export interface Usage {
  references: Reference[];
  /** More records name it than `references` lists. */
  truncated: boolean;
}

/** How many references one refusal lists; enough to act on, small enough for any response. */
export const MAX_LISTED_REFERENCES = 20;

/**
 * Records that can still move, the ones a deletion would strand: a resolved incident or problem
 * may be reopened, so it counts; closed, canceled (and rejected) ones are records of the past.
 * Written out here rather than imported: the work areas sit above the directory.
 */
const NOT_FINAL = {
  incident: ['new', 'in_progress', 'on_hold', 'resolved'],
  change: ['draft', 'assess', 'authorize', 'scheduled', 'implement', 'review'],
  problem: ['new', 'assess', 'root_cause_analysis', 'fix_in_progress', 'resolved'],
  // Fulfilment tasks (functions/requests/domain/task.ts): closed_complete and closed_incomplete are final.
  task: ['pending', 'open', 'work_in_progress'],
  // Service requests (functions/requests/domain/request.ts): a fulfilled one may still be closed.
  request: ['submitted', 'awaiting_approval', 'approved', 'in_fulfilment', 'fulfilled'],
} as const;

const byIndex = (index: string, partition: string, filter?: { expression: string; names?: Record<string, string>; values: Item }): QueryCommandInput => ({
  TableName: TABLE_NAME,
  IndexName: index,
  KeyConditionExpression: `${index}pk = :pk`,
  ...(filter === undefined ? {} : { FilterExpression: filter.expression }),
  ...(filter?.names === undefined ? {} : { ExpressionAttributeNames: filter.names }),
  ExpressionAttributeValues: { ':pk': partition, ...filter?.values },
});

/**
 * The index partitions of incidents, changes and problems that hold exactly the records naming one
 * directory record through one field (functions/incidents/store/incident-store.ts,
 * functions/changes/store/change-store.ts, functions/problems/store/problem-store.ts; a change's
 * services are indexed through one copy of the change per service).
 */
const NAMING_PARTITIONS = {
  incident: {
    assignmentGroup: { index: 'gsi4', prefix: 'INCIDENT#GROUP#' },
    service: { index: 'gsi6', prefix: 'INCIDENT#SERVICE#' },
    assignee: { index: 'gsi5', prefix: 'INCIDENT#ASSIGNEE#' },
    caller: { index: 'gsi7', prefix: 'INCIDENT#CALLER#' },
  },
  change: {
    assignmentGroup: { index: 'gsi4', prefix: 'CHANGE#GROUP#' },
    services: { index: 'gsi6', prefix: 'CHANGE#SERVICE#' },
  },
  problem: {
    assignmentGroup: { index: 'gsi4', prefix: 'PROBLEM#GROUP#' },
    assignee: { index: 'gsi5', prefix: 'PROBLEM#ASSIGNEE#' },
    service: { index: 'gsi6', prefix: 'PROBLEM#SERVICE#' },
  },
  // Fulfilment tasks (functions/requests/store/keys.ts taskIndexes).
  task: {
    assignmentGroup: { index: 'gsi2', prefix: 'TASK#GROUP#' },
    assignee: { index: 'gsi4', prefix: 'TASK#ASSIGNEE#' },
  },
  // Service requests (functions/requests/store/keys.ts requestIndexes).
  request: {
    requester: { index: 'gsi7', prefix: 'REQUEST#REQUESTER#' },
  },
} as const;

/**
 * Incidents, changes, problems, fulfilment tasks and service requests that are not final and name `id` through `field`: one Query of that
 * record's own index partition, filtered on status, newest first, stopping at `max`. It reads only
 * the records that name this one (closed ones included, up to the cap), however much other work
 * is open.
 */
async function openRecords<E extends keyof typeof NAMING_PARTITIONS>(
  entity: E,
  field: keyof (typeof NAMING_PARTITIONS)[E] & string,
  id: string,
  max: number,
): Promise<Reference[]> {
  const { index, prefix } = NAMING_PARTITIONS[entity][field] as { index: string; prefix: string };
  const statuses: readonly string[] = NOT_FINAL[entity];
  const placeholders = statuses.map((_, i) => `:status${i}`);
  const items = await queryAll(
    {
      ...byIndex(index, `${prefix}${id}`, {
        expression: `#status IN (${placeholders.join(', ')})`,
        names: { '#status': 'status' },
        values: Object.fromEntries(statuses.map((status, i) => [placeholders[i], status])),
      }),
      ScanIndexForward: false,
    },
    max,
  );
  return items.map((item) => ({ kind: entity, id: String(item.id), number: String(item.number), field }));
}

/*
 * Knowledge articles (functions/knowledge/store/keys.ts articleNameKey, read by key shape: the
 * knowledge area sits above the directory). An article that is not retired has one marker item per
 * directory record it names (its owner group, its services; those of the version being written
 * too), in gsi6 ARTICLE#GROUP#<group> and gsi7 ARTICLE#SERVICE#<service>: one Query each, of
 * exactly those articles. Retiring an article deletes its markers (retired is final, like a
 * closed incident; it keeps the name as it was).
 */
// Exported for test/unit/directory-article-names.test.ts, which holds these against knowledge's keys.
export const ARTICLE_NAMES = {
  ownerGroup: { index: 'gsi6', prefix: 'ARTICLE#GROUP#' },
  services: { index: 'gsi7', prefix: 'ARTICLE#SERVICE#' },
} as const;

async function articlesNaming(field: keyof typeof ARTICLE_NAMES, name: string, max: number): Promise<Reference[]> {
  const { index, prefix } = ARTICLE_NAMES[field];
  const items = await queryAll({ ...byIndex(index, `${prefix}${name}`), ScanIndexForward: false }, max);
  return items.map((item) => ({ kind: 'article', id: String(item.articleId), number: String(item.number), field }));
}

const named =
  (kind: ReferenceKind, field: string, key = 'name') =>
  (item: Item): Reference => ({ kind, id: String(item[key]), field });

function usage(found: Reference[][]): Usage {
  const all = found.flat();
  return { references: all.slice(0, MAX_LISTED_REFERENCES), truncated: all.length > MAX_LISTED_REFERENCES };
}

const BOARD_FIELDS = ['cabGroup', 'emergencyGroup', 'changeManagersGroup'] as const;

export async function groupUsage(group: string): Promise<Usage> {
  const max = MAX_LISTED_REFERENCES + 1;
  const values = { ':group': group };
  const found = await Promise.all([
    queryAll(byIndex('gsi2', `SERVICES#OWNER#${group}`), max).then((items) => items.map(named('service', 'ownerGroup'))),
    db
      .send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: 'CONFIG#CHANGES', sk: 'CONFIG' }, ConsistentRead: true }))
      .then(({ Item }) =>
        BOARD_FIELDS.filter((field) => Item?.[field] === group).map((field): Reference => ({ kind: 'change-config', id: 'change-config', field })),
      ),
    queryAll(byIndex('gsi1', 'CHANGE-TEMPLATE', { expression: 'assignmentGroup = :group', values }), max).then((items) =>
      items.map(named('change-template', 'assignmentGroup')),
    ),
    openRecords('incident', 'assignmentGroup', group, max),
    openRecords('change', 'assignmentGroup', group, max),
    openRecords('problem', 'assignmentGroup', group, max),
    // The CMDB's CIs it owns (functions/cmdb/store/ci-store.ts, read by key shape: the CMDB sits
    // above the directory): gsi3 CIS#OWNER#<group> holds exactly the CIs naming it as ownerGroup,
    // retired ones included (a retired CI still names its owner).
    queryAll(byIndex('gsi3', `CIS#OWNER#${group}`), max).then((items) => items.map(named('ci', 'ownerGroup', 'id'))),
    catalogItemsNaming(group, max),
    openRecords('task', 'assignmentGroup', group, max),
    requestsBeforeFulfilmentNaming(group, max),
    articlesNaming('ownerGroup', group, max),
  ]);
  return usage(found);
}

/*
 * The service catalog's items (functions/requests/store/catalog-store.ts and keys.ts, read by key
 * shape: the requests area sits above the directory). The current item of each (pk CATALOG#<id>,
 * sk ITEM) is in gsi1 partition CATALOG; it names groups inside lists of maps, which no index
 * answers and no filter expression reaches, so the whole partition is read (only the attributes
 * that name groups) and matched here. The catalog is small (tens of items, each a few KB: one or
 * two Query pages); a catalog of thousands of items would make group deletes read it all, and
 * would then want a sparse index of the groups each item names. Inactive items count (they can be
 * made active again); versions (sk VERSION#) are the past and keep the name as it was. A request
 * copies its item's plan when submitted: one in flight when its item changed can name a group the
 * item no longer names, which this does not see (docs/directory.md).
 */
async function catalogItemsNaming(group: string, max: number): Promise<Reference[]> {
  const items = await queryAll(
    {
      ...byIndex('gsi1', 'CATALOG'),
      ProjectionExpression: '#id, orderableBy, approval, fulfilment',
      ExpressionAttributeNames: { '#id': 'id' },
    },
    Number.MAX_SAFE_INTEGER,
  );
  const found: Reference[] = [];
  for (const item of items) {
    for (const field of catalogFieldsNaming(item, group)) {
      if (found.length >= max) return found;
      found.push({ kind: 'catalog-item', id: String(item.id), field });
    }
  }
  return found;
}

/**
 * Service requests copy their item's approval and fulfilment plan when submitted
 * (functions/requests/domain/request.ts `plan`): until fulfilment starts (its tasks are then
 * found above), a request can name a group its item no longer names. They are read from the
 * status partitions of gsi2 (`REQUEST#STATUS#<status>`) of the statuses before fulfilment, only
 * the attributes needed, and matched here (the plan is a list of maps, which no filter reaches):
 * the cost is the requests waiting for approval, read only when a group is deleted.
 */
const BEFORE_FULFILMENT = ['submitted', 'awaiting_approval', 'approved'] as const;

async function requestsBeforeFulfilmentNaming(group: string, max: number): Promise<Reference[]> {
  const pages = await Promise.all(
    BEFORE_FULFILMENT.map((status) =>
      queryAll(
        {
          ...byIndex('gsi2', `REQUEST#STATUS#${status}`),
          ProjectionExpression: '#id, #number, #plan',
          ExpressionAttributeNames: { '#id': 'id', '#number': 'number', '#plan': 'plan' },
        },
        Number.MAX_SAFE_INTEGER,
      ),
    ),
  );
  const found: Reference[] = [];
  for (const request of pages.flat()) {
    for (const field of catalogFieldsNaming((request.plan as Item | undefined) ?? {}, group)) {
      if (found.length >= max) return found;
      found.push({ kind: 'request', id: String(request.id), number: String(request.number), field: `plan.${field}` });
    }
  }
  return found;
}

interface StoredCatalogPlan {
  orderableBy?: { groups?: unknown[] };
  approval?: { stages?: { kind?: string; group?: unknown }[] };
  fulfilment?: { tasks?: { assignmentGroup?: unknown }[] };
}

/** The fields of a catalog item that name `group`, as paths with indexes (`approval.stages.0.group`). */
function catalogFieldsNaming(item: Item, group: string): string[] {
  const plan = item as StoredCatalogPlan;
  return [
    ...(plan.orderableBy?.groups ?? []).flatMap((named, i) => (named === group ? [`orderableBy.groups.${i}`] : [])),
    ...(plan.approval?.stages ?? []).flatMap((stage, i) => (stage.group === group ? [`approval.stages.${i}.group`] : [])),
    ...(plan.fulfilment?.tasks ?? []).flatMap((task, i) => (task.assignmentGroup === group ? [`fulfilment.tasks.${i}.assignmentGroup`] : [])),
  ];
}

export async function serviceUsage(service: string, now: string): Promise<Usage> {
  const max = MAX_LISTED_REFERENCES + 1;
  const values = { ':service': service };
  const found = await Promise.all([
    activeIntegrationKeys(service, max),
    queryAll(
      {
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :policies)',
        FilterExpression: 'appliesTo.service = :service',
        ExpressionAttributeValues: { ':pk': 'CONFIG#SLA', ':policies': 'POLICY#', ...values },
      },
      max,
    ).then((items) => items.map(named('sla-policy', 'appliesTo.service'))),
    queryAll(byIndex('gsi1', 'CHANGE-TEMPLATE', { expression: 'contains(services, :service)', values }), max).then((items) =>
      items.map(named('change-template', 'services')),
    ),
    // Windows are sorted by their end: the ones that have not ended are one key range. An ended
    // window is a record of the past; it may keep the name.
    queryAll(
      {
        ...byIndex('gsi1', 'BLACKOUT', { expression: 'contains(services, :service)', values: { ...values, ':now': now } }),
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :now',
      },
      max,
    ).then((items) => items.map(named('blackout-window', 'services'))),
    openRecords('incident', 'service', service, max),
    openRecords('change', 'services', service, max),
    openRecords('problem', 'service', service, max),
    problemConfigNaming(service),
    ciRelationshipsNaming(service, max),
    articlesNaming('services', service, max),
  ] as Promise<Reference[]>[]);
  return usage(found);
}

/*
 * The problem configuration (functions/problems/store/problem-config-store.ts): one item,
 * CONFIG#PROBLEMS / RECURRENCE, whose `services` map gives services a recurrence rule of their own.
 * Read by key shape: the problems area sits above the directory.
 */
async function problemConfigNaming(service: string): Promise<Reference[]> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: 'CONFIG#PROBLEMS', sk: 'RECURRENCE' }, ConsistentRead: true }));
  const services = Item?.services as Record<string, unknown> | undefined;
  return services !== undefined && Object.hasOwn(services, service) ? [{ kind: 'problem-config', id: 'problem-config', field: `services.${service}` }] : [];
}

/*
 * A service is the CMDB's CI of class `service` (functions/cmdb/store/keys.ts, read by key shape:
 * the CMDB sits above the directory). Its relationships are stored once, in the source's partition:
 *   relationship  pk CI#<source>  sk REL#<type>#<target>   gsi1 CIREL#<target> / <type>#<source>
 * so those it names are in its partition CI#<service> and those naming it in gsi1 CIREL#<service>.
 * Each is a reference by the CI at its other end; removing it (DELETE /cis/{id}/relationships)
 * lets the service go.
 */
async function ciRelationshipsNaming(service: string, max: number): Promise<Reference[]> {
  const [named, naming] = await Promise.all([
    queryAll(
      {
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rel)',
        ExpressionAttributeValues: { ':pk': `CI#${service}`, ':rel': 'REL#' },
      },
      max,
    ),
    queryAll(byIndex('gsi1', `CIREL#${service}`), max),
  ]);
  return [
    ...named.map((item): Reference => ({ kind: 'ci-relationship', id: String(item.target), field: String(item.type) })),
    ...naming.map((item): Reference => ({ kind: 'ci-relationship', id: String(item.source), field: String(item.type) })),
  ];
}

/*
 * Integration keys (functions/ingestion/store/integration-store.ts), read by their key shapes: the
 * ingestion area sits above the directory and is not imported from here.
 *   live count  pk INTEGRATIONS#SERVICE#<service>  sk LIVE  liveKeys (moves with create and revoke)
 *   live keys   gsi3 INTEGRATIONS#LIVE#<service>   (sparse: revoking a key removes it)
 */
async function activeIntegrationKeys(service: string, max: number): Promise<Reference[]> {
  // One GetItem answers the usual case, a service with no live key; only then are live ids listed.
  const count = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: `INTEGRATIONS#SERVICE#${service}`, sk: 'LIVE' }, ConsistentRead: true }));
  if (((count.Item?.liveKeys as number | undefined) ?? 0) <= 0) return [];
  const live = await queryAll(byIndex('gsi3', `INTEGRATIONS#LIVE#${service}`), max);
  return live.map((key) => ({ kind: 'integration-key', id: String(key.id), field: 'service' }));
}

export interface UserUsage extends Usage {
  /**
   * The groups the user is a member of (not their manager), as stored now (strongly consistent
   * reads): the user leaves them on deletion, conditioned on these versions.
   */
  memberOf: Item[];
}

/**
 * Groups keep their members as a list on the group item (no index answers "groups of a user"),
 * so this reads the groups partition of gsi1, which is bounded by the number of groups, and the
 * groups' escalation policies by key. The index may lag a group write; the groups it names as the
 * user's are read again by key, consistently, so that the cascade is built on their versions now.
 */
export async function userUsage(user: string): Promise<UserUsage> {
  const max = MAX_LISTED_REFERENCES + 1;
  const [groups, reports, assigned, called, problemsAssigned, tasksAssigned, requested] = await Promise.all([
    queryAll(byIndex('gsi1', GROUPS.listPartition), Number.MAX_SAFE_INTEGER),
    // The users whose manager they are (records.ts USERS indexes: gsi2 USERS#MANAGER#<user>).
    queryAll(byIndex('gsi2', `USERS#MANAGER#${user}`), max).then((items) => items.map(named('user', 'manager', 'id'))),
    openRecords('incident', 'assignee', user, max),
    openRecords('incident', 'caller', user, max),
    openRecords('problem', 'assignee', user, max),
    openRecords('task', 'assignee', user, max),
    openRecords('request', 'requester', user, max),
  ]);
  const managed = groups.filter((group) => group.manager === user).map(named('group', 'manager'));
  const isMember = (group: Item) => Array.isArray(group.members) && (group.members as unknown[]).includes(user);
  const [policies, memberGroups] = await Promise.all([
    escalationPoliciesNaming(
      user,
      groups.map((group) => String(group.name)),
    ),
    getConsistently(groups.filter(isMember).map((group) => groupKey(String(group.name)))),
  ]);
  return {
    ...usage([managed, reports, policies, assigned, called, problemsAssigned, tasksAssigned, requested]),
    memberOf: memberGroups.filter(isMember),
  };
}

/** Items by key, strongly consistent (one BatchGetItem per 100 keys); absent ones are left out. */
async function getConsistently(keysAsListed: Item[]): Promise<Item[]> {
  // A lagging index can list a group twice: batchGetExisting reads each key once.
  return batchGetExisting(
    keysAsListed.map((key) => ({ pk: String(key.pk), sk: String(key.sk) })),
    { consistentRead: true },
  );
}

interface PolicyLevel {
  notify?: { users?: string[] };
}

async function escalationPoliciesNaming(user: string, groups: string[]): Promise<Reference[]> {
  const policies = await getConsistently(groups.map(escalationPolicyKey));
  return policies
    .filter((policy) => ((policy.levels as PolicyLevel[] | undefined) ?? []).some((level) => level.notify?.users?.includes(user) === true))
    .map((policy) => ({ kind: 'escalation-policy', id: String(policy.group), field: 'levels.notify.users' }));
}
