import type { FieldDiff } from '../../shared/domain/audit.ts';

/*
 * Configuration items: what a CI is, which classes exist, and the pure rules of a write (what a
 * create or an update may change, and the field differences its history records). No storage, no
 * HTTP: ci-write.ts applies these and stores the result.
 */

/** The classes every deployment has. `generic` is an AWS resource type with no mapping: it is never refused. */
export const BUILT_IN_CI_CLASSES = [
  'service',
  'application',
  'lambda_function',
  'dynamodb_table',
  'ec2_instance',
  'rds_instance',
  's3_bucket',
  'load_balancer',
  'queue',
  'topic',
  'api',
  'database',
  'host',
  'network',
  'generic',
] as const;
export type BuiltInCiClass = (typeof BUILT_IN_CI_CLASSES)[number];

/** Class names: lowercase letters, digits, `_` and `-` (the built-in ones use `_`). */
export const CI_CLASS_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const isBuiltInCiClass = (name: string): name is BuiltInCiClass => (BUILT_IN_CI_CLASSES as readonly string[]).includes(name);

/** The class of the directory's services: its CIs are the directory's records, written through /services. */
export const SERVICE_CLASS = 'service';

export const CI_STATUSES = ['active', 'retired'] as const;
export type CiStatus = (typeof CI_STATUSES)[number];

/** Who keeps the CI right: people through the API, or one of the AWS feeds. */
export const CI_SOURCES = ['manual', 'aws-config', 'cloudformation'] as const;
export type CiSource = (typeof CI_SOURCES)[number];

/** An AWS resource as AWS Config and CloudFormation name it. */
export interface AwsIdentity {
  accountId: string;
  region: string;
  /** AWS Config's resource type, e.g. `AWS::Lambda::Function`. */
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  /** When AWS Config captured the configuration this CI reflects (ISO 8601). */
  captureTime?: string;
  /** The CloudFormation stack that owns the resource. */
  stackId?: string;
}

/** A configuration item, as the API shows it (fields in this order). */
export interface Ci {
  /** A ULID for the CMDB's own CIs; a service's name for the CIs of class `service`. */
  id: string;
  class: string;
  name: string;
  description?: string;
  ownerGroup?: string;
  environment?: string;
  status: CiStatus;
  attributes: Record<string, unknown>;
  source: CiSource;
  /** The ARN of an AWS resource; unique across CIs. */
  externalId?: string;
  aws?: AwsIdentity;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export const CI_FIELD_ORDER = [
  'id',
  'class',
  'name',
  'description',
  'ownerGroup',
  'environment',
  'status',
  'attributes',
  'source',
  'externalId',
  'aws',
  'createdAt',
  'updatedAt',
  'version',
] as const satisfies readonly (keyof Ci)[];

/**
 * A deletion removes at most this many relationships with the CI. A transaction holds 100 items:
 * the deletion's own take up to 10 (the CI, its relationship count, 3 guard items, 2 AWS feed
 * items, its history and event, a class count), and each relationship up to 3 (itself, a history
 * record at the other end, the other end's relationship count).
 */
export const MAX_RELATIONSHIPS_DELETED_WITH_CI = 30;

/** What another area, an impact path or an event shows of a CI. */
export interface CiSummary {
  id: string;
  class: string;
  name: string;
  ownerGroup?: string;
  environment?: string;
  status: CiStatus;
}

export function summarizeCi(ci: Ci): CiSummary {
  return {
    id: ci.id,
    class: ci.class,
    name: ci.name,
    ...(ci.ownerGroup === undefined ? {} : { ownerGroup: ci.ownerGroup }),
    ...(ci.environment === undefined ? {} : { environment: ci.environment }),
    status: ci.status,
  };
}

/** What a create gives; everything else (id, timestamps, version) the write sets. */
export interface CiInput {
  class: string;
  name: string;
  description?: string;
  ownerGroup?: string;
  environment?: string;
  /** Default `active`. */
  status?: CiStatus;
  /** Default `{}`. */
  attributes?: Record<string, unknown>;
  externalId?: string;
  aws?: AwsIdentity;
}

/**
 * What an update changes: absent members stay as they are, `null` removes an optional one. A PUT
 * gives every member (replaceAsPatch); the AWS feed gives what its event says.
 */
export interface CiPatch {
  class?: string;
  name?: string;
  description?: string | null;
  ownerGroup?: string | null;
  environment?: string | null;
  status?: CiStatus;
  attributes?: Record<string, unknown>;
  externalId?: string | null;
  aws?: AwsIdentity | null;
}

/** Fields every write sets anew (or never changes): a history record and an event leave them out. */
const FIELDS_NOT_COMPARED = ['id', 'createdAt', 'updatedAt', 'version'] as const;
type ComparedField = Exclude<(typeof CI_FIELD_ORDER)[number], (typeof FIELDS_NOT_COMPARED)[number]>;

/** Fields a history record and an event compare: every field a write can change, in CI_FIELD_ORDER. */
export const CI_HISTORY_FIELDS: readonly ComparedField[] = CI_FIELD_ORDER.filter(
  (field): field is ComparedField => !(FIELDS_NOT_COMPARED as readonly string[]).includes(field),
);

/** The new CI: `active` with no attributes unless given, version 1. */
export function newCi(input: CiInput, meta: { id: string; source: CiSource; now: string }): Ci {
  return {
    id: meta.id,
    class: input.class,
    name: input.name,
    ...(input.description === undefined ? {} : { description: input.description }),
    ...(input.ownerGroup === undefined ? {} : { ownerGroup: input.ownerGroup }),
    ...(input.environment === undefined ? {} : { environment: input.environment }),
    status: input.status ?? 'active',
    attributes: input.attributes ?? {},
    source: meta.source,
    ...(input.externalId === undefined ? {} : { externalId: input.externalId }),
    ...(input.aws === undefined ? {} : { aws: input.aws }),
    createdAt: meta.now,
    updatedAt: meta.now,
    version: 1,
  };
}

const OPTIONAL_FIELDS = ['description', 'ownerGroup', 'environment', 'externalId', 'aws'] as const;

/**
 * The CI after a patch, and what differs. Nothing different: the CI itself, unchanged (same
 * version, no diffs), so a write that changes nothing writes nothing. `source` records who made
 * the last change that changed something.
 */
export function applyCiPatch(ci: Ci, patch: CiPatch, meta: { source: CiSource; now: string }): { after: Ci; changes: FieldDiff[] } {
  const next: Record<string, unknown> = { ...ci };
  for (const field of ['class', 'name', 'status', 'attributes'] as const) {
    if (patch[field] !== undefined) next[field] = patch[field];
  }
  for (const field of OPTIONAL_FIELDS) {
    const value = patch[field];
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  const changes = ciDiffs(ci, next as unknown as Ci).filter((diff) => diff.field !== 'source');
  if (changes.length === 0) return { after: ci, changes: [] };
  const after = { ...(next as unknown as Ci), source: meta.source, updatedAt: meta.now, version: ci.version + 1 };
  return { after, changes: ciDiffs(ci, after) };
}

/** A PUT replaces the CI: every field it leaves out is removed (attributes: emptied). */
export function replaceAsPatch(body: Omit<CiInput, 'aws'>): CiPatch {
  return {
    class: body.class,
    name: body.name,
    description: body.description ?? null,
    ownerGroup: body.ownerGroup ?? null,
    environment: body.environment ?? null,
    status: body.status ?? 'active',
    attributes: body.attributes ?? {},
    externalId: body.externalId ?? null,
  };
}

/** Field differences for history and events; attributes compare as a whole, regardless of key order. */
export function ciDiffs(before: Ci | undefined, after: Ci): FieldDiff[] {
  const changes: FieldDiff[] = [];
  for (const field of CI_HISTORY_FIELDS) {
    const from = before?.[field] ?? null;
    const to = after[field] ?? null;
    if (canonical(from) !== canonical(to)) changes.push({ field, from, to });
  }
  return changes;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * CI ids are ULIDs (26 characters of Crockford's base 32); a service's CI id is its name, a
 * lowercase slug, which can never be one: the id alone tells which record to read.
 */
const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const isOwnCiId = (id: string): boolean => ULID_PATTERN.test(id);
const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const isServiceCiId = (id: string): boolean => SERVICE_NAME_PATTERN.test(id);

/** A directory service record, as much of it as its CI shows. */
export interface ServiceRecord {
  name: string;
  displayName?: string;
  description?: string;
  ownerGroup: string;
  criticality?: string;
  urgent?: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * A service as the CI of class `service`: the directory's one record, shown, never copied. Its
 * version is the service's, so its ETag moves with every change made through /services.
 */
export function serviceAsCi(service: ServiceRecord): Ci {
  return {
    id: service.name,
    class: SERVICE_CLASS,
    name: service.displayName ?? service.name,
    ...(service.description === undefined ? {} : { description: service.description }),
    ownerGroup: service.ownerGroup,
    status: 'active',
    attributes: {
      ...(service.criticality === undefined ? {} : { criticality: service.criticality }),
      urgent: service.urgent ?? false,
    },
    source: 'manual',
    createdAt: service.createdAt,
    updatedAt: service.updatedAt,
    version: service.version,
  };
}

/** The sort key every CI list index shares: by name (case-insensitive), then id, so two CIs of one name both list. */
export const ciListSortKey = (ci: Pick<Ci, 'id' | 'name'>): string => `${ci.name.toLowerCase()}#${ci.id}`;
