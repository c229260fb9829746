import { serviceKey } from '../../directory/store/keys.ts';
import { type HistoryDraft, historyPut } from '../../shared/store/audit.ts';
import { batchGetAll } from '../../shared/store/batch-get.ts';
import { decodeCursor, encodeCursor, filterFingerprint, invalidCursor } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand, QueryCommand } from '../../shared/store/dynamodb.ts';
import { type OutboxKey, outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import type { Condition } from '../../shared/store/transaction.ts';
import { awsNameIdentifierOf } from '../domain/aws-identity.ts';
import {
  type AwsIdentity,
  CI_FIELD_ORDER,
  type Ci,
  type CiStatus,
  ciListSortKey,
  isOwnCiId,
  isServiceCiId,
  SERVICE_CLASS,
  type ServiceRecord,
  serviceAsCi,
} from '../domain/ci.ts';
import type { CiOutboxRecord } from '../domain/events.ts';
import { CI_HEADS } from '../heads.ts';
import { awsResourceKey, ciKey, ciPartition, externalIdKey } from './keys.ts';

/*
 * ci        pk CI#<id>   sk CI          entity ci; the CMDB's own CIs (ULID ids). Sparse list indexes,
 *           sort key <name lowercased>#<id> on each: gsi1 CIS (all), gsi2 CIS#CLASS#<class>,
 *           gsi3 CIS#OWNER#<ownerGroup>, gsi4 CIS#ENV#<environment>, gsi5 CIS#EXT#<externalId> (GET
 *           /cis?externalId= in one Query: the guard item would be a GetItem, then the CI's another).
 * history   pk CI#<id>   sk HISTORY#<ulid>   every write of the CI or its relationships
 * outbox    pk CI#<id>   sk OUTBOX#<eventId>
 * guards    pk CIEXT#<arn> / CIAWS#<account>#<region>#<type>#<resourceId>: { ciId }, written with
 *           the CI in one transaction, attribute_not_exists: no two CIs claim one resource.
 *
 * A service's CI is the directory's item SERVICE#<name> (functions/directory), read here, never
 * written: its history and relationships as a CI live in the partition CI#<name>.
 */

export const CI_ENTITY = 'ci';
const ALL_CIS = 'CIS';
const CLASS_PARTITION = (name: string) => `CIS#CLASS#${name}`;
const OWNER_PARTITION = (group: string) => `CIS#OWNER#${group}`;
const ENV_PARTITION = (environment: string) => `CIS#ENV#${environment}`;
const EXTERNAL_ID_PARTITION = (externalId: string) => `CIS#EXT#${externalId}`;

/** The CI's item with its index attributes; an index a CI has no value for leaves it out (sparse). */
export function ciItem(ci: Ci): Item {
  const sort = ciListSortKey(ci);
  return {
    ...ciKey(ci.id),
    entity: CI_ENTITY,
    gsi1pk: ALL_CIS,
    gsi1sk: sort,
    gsi2pk: CLASS_PARTITION(ci.class),
    gsi2sk: sort,
    ...(ci.ownerGroup === undefined ? {} : { gsi3pk: OWNER_PARTITION(ci.ownerGroup), gsi3sk: sort }),
    ...(ci.environment === undefined ? {} : { gsi4pk: ENV_PARTITION(ci.environment), gsi4sk: sort }),
    ...(ci.externalId === undefined ? {} : { gsi5pk: EXTERNAL_ID_PARTITION(ci.externalId), gsi5sk: sort }),
    ...ci,
  };
}

export const ciFromItem = (item: Item): Ci => withoutKeys<Ci>(item, CI_FIELD_ORDER);

/** A service's directory item as its CI (the directory's defaults: not urgent). */
export const serviceCiFromItem = (item: Item): Ci => serviceAsCi(item as unknown as ServiceRecord);

/** The item that holds a CI: its own, or the directory's for a service; undefined for an id that can be neither. */
function recordKey(id: string): { pk: string; sk: string } | undefined {
  if (isOwnCiId(id)) return ciKey(id);
  if (isServiceCiId(id)) return serviceKey(id);
  return undefined;
}

function fromRecordItem(item: Item): Ci {
  return item.entity === CI_ENTITY ? ciFromItem(item) : serviceCiFromItem(item);
}

/** One CI, own or a service, strongly consistent: one GetItem. */
export async function getCi(id: string): Promise<Ci | undefined> {
  const key = recordKey(id);
  if (key === undefined) return undefined;
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }));
  return item === undefined ? undefined : fromRecordItem(item);
}

/** Several CIs, services included, by id: one BatchGet round (100 keys a request, in flight together). Missing ids are absent. */
export async function getCis(ids: readonly string[]): Promise<Map<string, Ci>> {
  const wanted = [...new Set(ids)].flatMap((id) => {
    const key = recordKey(id);
    return key === undefined ? [] : [{ id, key }];
  });
  const found = new Map<string, Ci>();
  if (wanted.length === 0) return found;
  const items = await batchGetAll(
    wanted.map((w) => w.key),
    { consistentRead: true },
  );
  items.forEach((item, i) => {
    const entry = wanted[i];
    if (item !== undefined && entry !== undefined) found.set(entry.id, fromRecordItem(item));
  });
  return found;
}

async function ciIdOfGuard(key: { pk: string; sk: string }): Promise<string | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }));
  return typeof item?.ciId === 'string' ? item.ciId : undefined;
}

/** The CI that holds this external id (an ARN), if any: the guard item, then the CI. */
export async function findCiByExternalId(externalId: string): Promise<Ci | undefined> {
  const id = await ciIdOfGuard(externalIdKey(externalId));
  return id === undefined ? undefined : getCi(id);
}

/** The CI of an AWS resource as AWS Config and CloudFormation name it, if any. */
export async function findCiByAwsResource(accountId: string, region: string, resourceType: string, resourceId: string): Promise<Ci | undefined> {
  const id = await ciIdOfGuard(awsResourceKey(accountId, region, resourceType, resourceId));
  return id === undefined ? undefined : getCi(id);
}

// ---- Writes: the items of a CI's transaction (ci-write.ts assembles them) ----

/** Creates the CI: refused if its key is taken. */
export const ciCreatePut = (ci: Ci): TransactItem => ({ Put: { TableName: TABLE_NAME, Item: ciItem(ci), ConditionExpression: 'attribute_not_exists(pk)' } });

/**
 * Replaces the CI if it is still at `expectedVersion` and, when given, `condition` holds too (the
 * AWS feed's order checks). A refusal carries the item as it is now.
 */
export function ciReplacePut(ci: Ci, expectedVersion: number, condition?: Condition): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: ciItem(ci),
      ConditionExpression: condition === undefined ? 'version = :expected' : `version = :expected AND (${condition.expression})`,
      ExpressionAttributeValues: { ...condition?.values, ':expected': expectedVersion },
      ...(condition?.names === undefined ? {} : { ExpressionAttributeNames: condition.names }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

export const ciDeleteAtVersion = (id: string, expectedVersion: number): TransactItem => ({
  Delete: {
    TableName: TABLE_NAME,
    Key: ciKey(id),
    ConditionExpression: 'version = :expected',
    ExpressionAttributeValues: { ':expected': expectedVersion },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

/**
 * The guard items of the identities a CI claims (its external id, its AWS resource by id and, for
 * the types domain/aws-identity.ts lists, by name: CloudFormation and AWS Config find it by either).
 */
export function guardKeys(ci: Pick<Ci, 'externalId' | 'aws'>): { pk: string; sk: string }[] {
  const name = ci.aws === undefined ? undefined : awsNameIdentifierOf(ci.aws);
  return [
    ...(ci.externalId === undefined ? [] : [externalIdKey(ci.externalId)]),
    ...(ci.aws === undefined ? [] : [awsResourceKeyOf(ci.aws)]),
    ...(ci.aws === undefined || name === undefined ? [] : [awsResourceKey(ci.aws.accountId, ci.aws.region, ci.aws.resourceType, name)]),
  ];
}

export const awsResourceKeyOf = (aws: AwsIdentity) => awsResourceKey(aws.accountId, aws.region, aws.resourceType, aws.resourceId);

/** Claims an identity for `ciId`: refused, with the holder (ALL_OLD), when another CI holds it. */
export const guardPut = (key: { pk: string; sk: string }, ciId: string): TransactItem => ({
  Put: {
    TableName: TABLE_NAME,
    Item: { ...key, entity: 'ci-guard', ciId },
    ConditionExpression: 'attribute_not_exists(pk)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

/** Releases an identity the CI no longer claims (only if it is still this CI's). */
export const guardDelete = (key: { pk: string; sk: string }, ciId: string): TransactItem => ({
  Delete: {
    TableName: TABLE_NAME,
    Key: key,
    ConditionExpression: 'attribute_not_exists(pk) OR ciId = :ci',
    ExpressionAttributeValues: { ':ci': ciId },
  },
});

export const ciHistoryPut = (ciId: string, draft: HistoryDraft): TransactItem => historyPut(ciPartition(ciId), ciId, draft);

export const ciOutboxKey = (ciId: string, eventId: string): OutboxKey => outboxKey(ciPartition(ciId), eventId);

export const ciOutboxPut = (record: CiOutboxRecord, now: Date): TransactItem => outboxItemPut(ciOutboxKey(record.ciId, record.eventId), record, now);

// ---- Reads for the API: lists and history ----

export interface CiFilters {
  class?: string;
  ownerGroup?: string;
  environment?: string;
  status?: CiStatus;
  externalId?: string;
  /** A prefix of the name, case-insensitive. */
  q?: string;
}

/**
 * The CMDB's own CIs, by name (case-insensitive) then id. One index per request, chosen by the
 * most selective filter given (external id, then class, then owner group, then environment, else
 * all CIs); `q` is a prefix of the index sort key (every index sorts by name), `status` and the
 * filters the index does not serve narrow it with a filter expression. One Query, never a Scan.
 */
export async function listOwnCis(filters: CiFilters, limit: number, cursor: string | undefined): Promise<Page<Ci>> {
  const [index, partition] =
    filters.externalId !== undefined
      ? ['gsi5', EXTERNAL_ID_PARTITION(filters.externalId)]
      : filters.class !== undefined
        ? ['gsi2', CLASS_PARTITION(filters.class)]
        : filters.ownerGroup !== undefined
          ? ['gsi3', OWNER_PARTITION(filters.ownerGroup)]
          : filters.environment !== undefined
            ? ['gsi4', ENV_PARTITION(filters.environment)]
            : ['gsi1', ALL_CIS];
  const { keyCondition, names, values } = nameKeyCondition(index, partition, filters.q);
  const conditions: string[] = [];
  const narrow = (field: 'class' | 'ownerGroup' | 'environment' | 'status', indexed: string) => {
    const value = filters[field];
    if (value === undefined || index === indexed) return;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    conditions.push(`#${field} = :${field}`);
  };
  narrow('class', 'gsi2');
  narrow('ownerGroup', 'gsi3');
  narrow('environment', 'gsi4');
  narrow('status', '-');
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: index,
      KeyConditionExpression: keyCondition,
      ...(conditions.length === 0 ? {} : { FilterExpression: conditions.join(' AND ') }),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    limit,
    cursor,
    filterFingerprint({ ...filters, kind: 'cis' }),
    { projection: CI_FIELD_ORDER, heads: CI_HEADS },
  );
  return { ...page, items: page.items.map(ciFromItem) };
}

/**
 * The key condition of a list over an index whose sort key starts with the lower-cased name: the
 * partition, and with `q` the names that begin with it. `names` and `values` are the query's, for
 * the caller to add its filters to.
 */
function nameKeyCondition(
  index: string,
  partition: string,
  q: string | undefined,
): { keyCondition: string; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = { '#pk': `${index}pk` };
  const values: Record<string, unknown> = { ':pk': partition };
  if (q === undefined) return { keyCondition: '#pk = :pk', names, values };
  names['#sk'] = `${index}sk`;
  values[':q'] = q.toLowerCase();
  return { keyCondition: '#pk = :pk AND begins_with(#sk, :q)', names, values };
}

/**
 * The directory's services as CIs (GET /cis?class=service), by name: the directory's own list
 * index (gsi1 SERVICES), or its owner-group index when `ownerGroup` is given; `q` is a prefix of
 * the service name. Services have no environment and are always active: those filters leave
 * nothing or everything.
 */
export async function listServiceCis(filters: CiFilters, limit: number, cursor: string | undefined): Promise<Page<Ci>> {
  if (filters.environment !== undefined || filters.status === 'retired' || filters.externalId !== undefined) return { items: [] };
  const [index, partition] = filters.ownerGroup === undefined ? ['gsi1', 'SERVICES'] : ['gsi2', `SERVICES#OWNER#${filters.ownerGroup}`];
  const { keyCondition, names, values } = nameKeyCondition(index, partition, filters.q);
  const page = await queryPage(
    { TableName: TABLE_NAME, IndexName: index, KeyConditionExpression: keyCondition, ExpressionAttributeNames: names, ExpressionAttributeValues: values },
    limit,
    cursor,
    filterFingerprint({ ...filters, kind: 'cis', class: SERVICE_CLASS }),
  );
  return { ...page, items: page.items.map(serviceCiFromItem) };
}

/** Whether GET /cis with these filters lists the directory's services beside the CMDB's own CIs. */
export const listsServicesToo = (filters: CiFilters): boolean =>
  filters.class === undefined && filters.environment === undefined && filters.status !== 'retired' && filters.externalId === undefined;

/**
 * GET /cis without a class (and without a filter services cannot match): the CMDB's own CIs and
 * the directory's services in one list, one round of two Queries in parallel, merged by sort key.
 * Own CIs sort by `<name lowercased>#<id>`, services by their name (a lower-case slug, no `#`):
 * both compared as DynamoDB compares them (UTF-8 bytes), so a service sorts just before an own CI
 * of the same name, and the two never tie. The cursor is the last sort key emitted; each side
 * resumes after it with a key condition (`> :after`, or with `q` a range within the prefix).
 * A side that stopped early (its Limit, 1 MB) bounds the page: nothing past its last evaluated
 * key is emitted, since the other side's items beyond it cannot yet be placed.
 */
export async function listCisWithServices(filters: CiFilters, limit: number, cursor: string | undefined): Promise<Page<Ci>> {
  const fingerprint = filterFingerprint({ ...filters, kind: 'cis+services' });
  const resumed = cursor === undefined ? undefined : decodeCursor(cursor, fingerprint).after;
  const after = typeof resumed === 'string' ? resumed : undefined;
  const prefix = filters.q?.toLowerCase();
  if (cursor !== undefined && (after === undefined || (prefix !== undefined && !after.startsWith(prefix)))) throw invalidCursor();
  const ownerGroup = filters.ownerGroup;
  const sides = [
    {
      ...(ownerGroup === undefined ? { index: 'gsi1', partition: ALL_CIS } : { index: 'gsi3', partition: OWNER_PARTITION(ownerGroup) }),
      toCi: ciFromItem,
      own: true,
    },
    {
      ...(ownerGroup === undefined ? { index: 'gsi1', partition: 'SERVICES' } : { index: 'gsi2', partition: `SERVICES#OWNER#${ownerGroup}` }),
      toCi: serviceCiFromItem,
      own: false,
    },
  ];
  const results = await Promise.all(
    sides.map((side) => {
      const { index, partition, own } = side;
      const names: Record<string, string> = { '#pk': `${index}pk` };
      const values: Record<string, unknown> = { ':pk': partition };
      let keyCondition = '#pk = :pk';
      if (after !== undefined || prefix !== undefined) names['#sk'] = `${index}sk`;
      if (after !== undefined && prefix !== undefined) {
        // One condition on the sort key only: the keys after the cursor that still begin with the
        // prefix ('\0' makes the range exclusive of the cursor's own key).
        keyCondition += ' AND #sk BETWEEN :from AND :to';
        values[':from'] = `${after}\u0000`;
        values[':to'] = `${prefix}\u{10FFFF}`;
      } else if (after !== undefined) {
        keyCondition += ' AND #sk > :after';
        values[':after'] = after;
      } else if (prefix !== undefined) {
        keyCondition += ' AND begins_with(#sk, :q)';
        values[':q'] = prefix;
      }
      const status = own && filters.status !== undefined;
      if (status) {
        names['#status'] = 'status';
        values[':status'] = filters.status;
      }
      return db
        .send(
          new QueryCommand({
            TableName: TABLE_NAME,
            IndexName: index,
            KeyConditionExpression: keyCondition,
            ...(status ? { FilterExpression: '#status = :status' } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            // One more than a page, so a side that holds exactly the rest says it has ended.
            Limit: limit + 1,
          }),
        )
        .then((result) => ({ side, result }))
        .catch((error: unknown) => {
          // A hand-made cursor can make a key DynamoDB refuses (too long): the client's error.
          if (after !== undefined && (error as Error).name === 'ValidationException') throw invalidCursor();
          throw error;
        });
    }),
  );
  const sortKeyOf = (item: Item, index: string) => String(item[`${index}sk`]);
  const merged = results
    .flatMap(({ side, result }) => (result.Items ?? []).map((item) => ({ key: sortKeyOf(item, side.index), ci: side.toCi(item) })))
    .sort((a, b) => compareKeys(a.key, b.key));
  const bounds = results.flatMap(({ side, result }) => (result.LastEvaluatedKey === undefined ? [] : [sortKeyOf(result.LastEvaluatedKey as Item, side.index)]));
  const bound = bounds.sort(compareKeys)[0];
  const placeable = bound === undefined ? merged : merged.filter((entry) => compareKeys(entry.key, bound) <= 0);
  const page = placeable.slice(0, limit);
  const resumeAfter = placeable.length > limit ? page.at(-1)?.key : bound;
  return {
    items: page.map((entry) => entry.ci),
    ...(resumeAfter === undefined ? {} : { nextCursor: encodeCursor({ after: resumeAfter }, fingerprint) }),
  };
}

/** DynamoDB's order of string keys: their UTF-8 bytes (JavaScript's < compares UTF-16 units). */
const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export interface CiHistoryRecord extends HistoryDraft {
  id: string;
  ciId: string;
}

const HISTORY_FIELDS = ['id', 'ciId', 'at', 'actor', 'action', 'version', 'changes'];

/** A CI's audit trail (own or a service's as a CI), oldest first. */
export async function listCiHistory(ciId: string, options: { limit: number; cursor?: string }): Promise<Page<CiHistoryRecord>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': ciPartition(ciId), ':prefix': 'HISTORY#' },
    },
    options.limit,
    options.cursor,
    filterFingerprint({ ciId, kind: 'ci-history' }),
  );
  const items = page.items.map((item) => {
    const { subjectId, ...record } = withoutKeys<HistoryDraft & { id: string; subjectId: string }>(item);
    return withoutKeys<CiHistoryRecord>({ ...record, ciId: subjectId }, HISTORY_FIELDS);
  });
  return { ...page, items };
}
