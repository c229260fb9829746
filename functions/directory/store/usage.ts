import { BatchGetCommand, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { hasActiveIntegrations, listIntegrations } from '../../ingestion/store/integration-store.ts';
import { db, type Item, TABLE_NAME } from '../../shared/store/db.ts';
import { escalationPolicyKey } from './keys.ts';
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
  | 'incident'
  | 'change';

export interface Reference {
  kind: ReferenceKind;
  /** The record's id or name, as its own API addresses it. */
  id: string;
  /** Incidents and changes: the human number. */
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

/** Incidents that can still move (a resolved one may be reopened): the ones a deletion would strand. */
const INCIDENT_NOT_FINAL = ['new', 'in_progress', 'on_hold', 'resolved'] as const;
const CHANGE_NOT_FINAL = ['draft', 'assess', 'authorize', 'scheduled', 'implement', 'review'] as const;

/** Every item of a Query, following pages, until `max` items matched (filters may leave pages empty). */
async function queryAll(input: QueryCommandInput, max: number): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && items.length < max);
  return items.slice(0, max);
}

const byIndex = (index: string, partition: string, filter?: { expression: string; names?: Record<string, string>; values: Item }): QueryCommandInput => ({
  TableName: TABLE_NAME,
  IndexName: index,
  KeyConditionExpression: `${index}pk = :pk`,
  ...(filter === undefined ? {} : { FilterExpression: filter.expression }),
  ...(filter?.names === undefined ? {} : { ExpressionAttributeNames: filter.names }),
  ExpressionAttributeValues: { ':pk': partition, ...filter?.values },
});

/**
 * Incidents and changes that are not final and name the record, one Query per status partition
 * (gsi2): the work is bounded by how much is open now, not by the years of closed records a
 * group's or a service's own index partition would hold.
 */
async function openRecords(
  entity: 'incident' | 'change',
  filter: { expression: string; names?: Record<string, string>; values: Item },
  fieldsOf: (item: Item) => string[],
  max: number,
): Promise<Reference[]> {
  const statuses = entity === 'incident' ? INCIDENT_NOT_FINAL : CHANGE_NOT_FINAL;
  const prefix = entity === 'incident' ? 'INCIDENT#STATUS#' : 'CHANGE#STATUS#';
  const pages = await Promise.all(statuses.map((status) => queryAll(byIndex('gsi2', `${prefix}${status}`, filter), max)));
  return pages.flat().flatMap((item) => fieldsOf(item).map((field) => ({ kind: entity, id: String(item.id), number: String(item.number), field })));
}

const named = (kind: ReferenceKind, field: string, key = 'name') => (item: Item): Reference => ({ kind, id: String(item[key]), field });

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
      .then(({ Item }) => BOARD_FIELDS.filter((field) => Item?.[field] === group).map((field): Reference => ({ kind: 'change-config', id: 'change-config', field }))),
    queryAll(byIndex('gsi1', 'CHANGE-TEMPLATE', { expression: 'assignmentGroup = :group', values }), max).then((items) => items.map(named('change-template', 'assignmentGroup'))),
    openRecords('incident', { expression: 'assignmentGroup = :group', values }, () => ['assignmentGroup'], max),
    openRecords('change', { expression: 'assignmentGroup = :group', values }, () => ['assignmentGroup'], max),
  ]);
  return usage(found);
}

export async function serviceUsage(service: string, now: string): Promise<Usage> {
  const max = MAX_LISTED_REFERENCES + 1;
  const values = { ':service': service };
  const found = await Promise.all(
    [
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
      queryAll(byIndex('gsi1', 'CHANGE-TEMPLATE', { expression: 'contains(services, :service)', values }), max).then((items) => items.map(named('change-template', 'services'))),
      // Windows are sorted by their end: the ones that have not ended are one key range. An ended
      // window is a record of the past; it may keep the name.
      queryAll(
        {
          ...byIndex('gsi1', 'BLACKOUT', { expression: 'contains(services, :service)', values: { ...values, ':now': now } }),
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :now',
        },
        max,
      ).then((items) => items.map(named('blackout-window', 'services'))),
      openRecords('incident', { expression: 'service = :service', values }, () => ['service'], max),
      openRecords('change', { expression: 'contains(services, :service)', values }, () => ['services'], max),
    ] as Promise<Reference[]>[],
  );
  return usage(found);
}

async function activeIntegrationKeys(service: string, max: number): Promise<Reference[]> {
  // One GetItem answers the usual case, a service with no live key; only then are ids listed.
  if (!(await hasActiveIntegrations(service))) return [];
  const found: Reference[] = [];
  let cursor: string | undefined;
  do {
    const page = await listIntegrations(service, 100, cursor);
    for (const key of page.items) if (key.revokedAt === undefined) found.push({ kind: 'integration-key', id: key.id, field: 'service' });
    cursor = page.nextCursor;
  } while (cursor !== undefined && found.length < max);
  return found;
}

export interface UserUsage extends Usage {
  /** The groups the user is a member of (not their manager): the user leaves them on deletion. */
  memberOf: Item[];
}

/**
 * Groups keep their members as a list on the group item (no index answers "groups of a user"),
 * so this reads the groups partition of gsi1, which is bounded by the number of groups, and the
 * groups' escalation policies by key.
 */
export async function userUsage(user: string): Promise<UserUsage> {
  const max = MAX_LISTED_REFERENCES + 1;
  const [groups, incidents] = await Promise.all([
    queryAll(byIndex('gsi1', GROUPS.listPartition), Number.MAX_SAFE_INTEGER),
    openRecords(
      'incident',
      { expression: 'assignee = :user OR caller = :user', values: { ':user': user } },
      (item) => (['assignee', 'caller'] as const).filter((field) => item[field] === user),
      max,
    ),
  ]);
  const managed = groups.filter((group) => group.manager === user).map(named('group', 'manager'));
  const policies = await escalationPoliciesNaming(
    user,
    groups.map((group) => String(group.name)),
  );
  return {
    ...usage([managed, policies, incidents]),
    memberOf: groups.filter((group) => Array.isArray(group.members) && (group.members as unknown[]).includes(user)),
  };
}

interface PolicyLevel {
  notify?: { users?: string[] };
}

async function escalationPoliciesNaming(user: string, groups: string[]): Promise<Reference[]> {
  const found: Reference[] = [];
  for (let start = 0; start < groups.length; start += 100) {
    let keys: Item[] = groups.slice(start, start + 100).map(escalationPolicyKey);
    for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
      const result = await db.send(new BatchGetCommand({ RequestItems: { [TABLE_NAME]: { Keys: keys, ConsistentRead: true } } }));
      for (const policy of result.Responses?.[TABLE_NAME] ?? []) {
        const levels = (policy.levels as PolicyLevel[] | undefined) ?? [];
        if (levels.some((level) => level.notify?.users?.includes(user) === true)) found.push({ kind: 'escalation-policy', id: String(policy.group), field: 'levels.notify.users' });
      }
      keys = result.UnprocessedKeys?.[TABLE_NAME]?.Keys ?? [];
    }
    if (keys.length > 0) throw new Error('BatchGetItem left keys unprocessed after retries');
  }
  return found;
}
