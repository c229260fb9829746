import * as z from 'zod';
import type { RelationshipType } from './relationship-types.ts';

/*
 * The AWS feed's rules (docs/cmdb.md, "A CMDB that AWS fills"): what an AWS Config configuration
 * item, a CloudFormation resource or stack status change, or an item of
 * `aws configservice batch-get-resource-config` says a configuration item should be. Pure: the
 * apply logic (feed/) finds the CIs and writes them.
 */

/** The EventBridge sources and detail-types the feed takes; anything else is recorded as ignored. */
export const CONFIG_ITEM_CHANGE = 'Config Configuration Item Change';
export const CLOUDFORMATION_RESOURCE_STATUS_CHANGE = 'CloudFormation Resource Status Change';
export const CLOUDFORMATION_STACK_STATUS_CHANGE = 'CloudFormation Stack Status Change';
export const FEED_DETAIL_TYPES = [CONFIG_ITEM_CHANGE, CLOUDFORMATION_RESOURCE_STATUS_CHANGE, CLOUDFORMATION_STACK_STATUS_CHANGE] as const;
export const FEED_SOURCES = ['aws.config', 'aws.cloudformation'] as const;

/** Who the feed's writes are by, in history and events. */
export const AWS_CONFIG_ACTOR = 'aws-config';
export const CLOUDFORMATION_ACTOR = 'cloudformation';

export const CLOUDFORMATION_STACK_TYPE = 'AWS::CloudFormation::Stack';

/**
 * AWS resource types and the class of their CIs. Any other type is `generic`: the feed never
 * refuses a resource for its type.
 */
export const CLASS_OF_AWS_RESOURCE_TYPE: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function': 'lambda_function',
  'AWS::DynamoDB::Table': 'dynamodb_table',
  'AWS::EC2::Instance': 'ec2_instance',
  'AWS::EC2::Host': 'host',
  'AWS::RDS::DBInstance': 'rds_instance',
  'AWS::RDS::DBCluster': 'database',
  'AWS::DocDB::DBCluster': 'database',
  'AWS::ElastiCache::CacheCluster': 'database',
  'AWS::S3::Bucket': 's3_bucket',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'load_balancer',
  'AWS::ElasticLoadBalancing::LoadBalancer': 'load_balancer',
  'AWS::SQS::Queue': 'queue',
  'AWS::SNS::Topic': 'topic',
  'AWS::ApiGateway::RestApi': 'api',
  'AWS::ApiGatewayV2::Api': 'api',
  'AWS::EC2::VPC': 'network',
  'AWS::EC2::Subnet': 'network',
  'AWS::EC2::SecurityGroup': 'network',
  'AWS::EC2::InternetGateway': 'network',
  'AWS::EC2::NatGateway': 'network',
  'AWS::EC2::TransitGateway': 'network',
};
export const GENERIC_CLASS = 'generic';

export const classOfAwsResourceType = (resourceType: string): string => CLASS_OF_AWS_RESOURCE_TYPE[resourceType] ?? GENERIC_CLASS;

/**
 * AWS Config's relationship names ("Is associated with Role", "Is contained in Vpc", ...) read as
 * the CMDB's types, by their leading words (case-insensitive; the rest names the target's kind).
 * The resource that reports the relationship is `from`, the related resource the target:
 *
 * | Config says              | CMDB type      | stored as               |
 * |--------------------------|----------------|-------------------------|
 * | Is contained in X        | contained_by   | X contains resource     |
 * | Contains X               | contains       | resource contains X     |
 * | Is associated with X     | depends_on     | resource depends_on X   |
 * | Is attached to X         | depends_on     | resource depends_on X   |
 * | Uses X / Is using X      | depends_on     | resource depends_on X   |
 * | Is used by X             | used_by        | X depends_on resource   |
 * | Runs on X / Is running on X | runs_on     | resource runs_on X      |
 * | Hosts X                  | hosts          | X runs_on resource      |
 * | any other name           | connects_to    | (smaller id first)      |
 *
 * An unknown name still relates the two (connects_to, which impact follows both ways) rather than
 * losing what Config reported.
 */
const CONFIG_RELATIONSHIP_PREFIXES: readonly (readonly [string, RelationshipType])[] = [
  ['is contained in ', 'contained_by'],
  ['contains ', 'contains'],
  ['is associated with ', 'depends_on'],
  ['is attached to ', 'depends_on'],
  ['is using ', 'depends_on'],
  ['uses ', 'depends_on'],
  ['is used by ', 'used_by'],
  ['is running on ', 'runs_on'],
  ['runs on ', 'runs_on'],
  ['hosts ', 'hosts'],
];

export function relationshipTypeOfConfigName(name: string): RelationshipType {
  const words = `${name.trim().toLowerCase().replace(/\s+/g, ' ')} `;
  for (const [prefix, type] of CONFIG_RELATIONSHIP_PREFIXES) if (words.startsWith(prefix)) return type;
  return 'connects_to';
}

/** Resource types AWS Config records in the pseudo-region `global` whichever region reports them. */
const GLOBAL_TYPE_PREFIXES = ['AWS::IAM::', 'AWS::Route53::', 'AWS::CloudFront::'];
const regionOfRelated = (resourceType: string, region: string): string =>
  GLOBAL_TYPE_PREFIXES.some((prefix) => resourceType.startsWith(prefix)) ? 'global' : region;

/** An AWS resource as AWS Config names it: the identity a CI of the feed is found by. */
export interface AwsResourceRef {
  readonly accountId: string;
  readonly region: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly resourceName?: string;
}

/** One string naming a resource, for logs, the event record and import failures. */
export const resourceKeyOf = (ref: AwsResourceRef): string => `${ref.accountId}/${ref.region}/${ref.resourceType}/${ref.resourceId}`;

/** A relationship as Config reports it, read as the CMDB's type, from the reporting resource to `target`. */
export interface FedRelationship {
  readonly type: RelationshipType;
  readonly target: AwsResourceRef;
  /** Config's own words, kept for the event record. */
  readonly configName: string;
}

/** The owner group and environment tags (GET/PUT /cmdb-config). */
export interface TagMapping {
  readonly ownerGroupTag: string;
  readonly environmentTag: string;
}
export const DEFAULT_TAG_MAPPING: TagMapping = { ownerGroupTag: 'itsm:owner-group', environmentTag: 'itsm:environment' };

/** What one configuration item says its CI should be. Absent parts were not carried and are kept as they are. */
export interface FedCiState {
  readonly resource: AwsResourceRef;
  readonly class: string;
  readonly name: string;
  readonly externalId?: string;
  readonly status: 'active' | 'retired';
  /** When AWS Config captured it (ISO 8601, milliseconds, UTC): the order per resource. */
  readonly captureTime: string;
  /** Absent when the item carried no configuration (an oversized notification's summary). */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** Absent when the item carried no tags: owner group and environment are then left as they are. */
  readonly tags?: { readonly ownerGroup?: string; readonly environment?: string };
  /** Absent when the item carried no relationships (oversized notifications, batch-get items). */
  readonly relationships?: readonly FedRelationship[];
}

/*
 * Shapes as AWS writes them. Loose on purpose: AWS adds fields, and a field the feed does not use
 * must never make it refuse an item.
 */
const relationshipShape = z.looseObject({
  resourceType: z.string().min(1),
  resourceId: z.string().min(1).optional(),
  resourceName: z.string().min(1).optional(),
  name: z.string(),
});
const tagsShape = z.record(z.string(), z.string());

/** The members a configuration item has in every form AWS Config writes it (only the account's name differs). */
const resourceMembers = {
  awsRegion: z.string().min(1),
  resourceType: z.string().min(1),
  resourceId: z.string().min(1),
  resourceName: z.string().optional(),
  configurationItemCaptureTime: z.string().min(1),
  configurationItemStatus: z.string().min(1),
};

/**
 * `detail.configurationItemSummary` of an OversizedConfigurationItemChangeNotification: the members
 * every change notification's item has (the ARN is `ARN` there, `arn` in older ones).
 */
export const configurationItemSummaryShape = z.looseObject({
  ARN: z.string().optional(),
  arn: z.string().optional(),
  awsAccountId: z.string().min(1),
  ...resourceMembers,
});

/** `detail.configurationItem` of a change notification: the summary's members and what it carries besides. */
export const configurationItemShape = configurationItemSummaryShape.extend({
  tags: tagsShape.nullish(),
  relationships: z.array(relationshipShape).nullish(),
  configuration: z.unknown().optional(),
});
export type ConfigurationItem = z.output<typeof configurationItemShape>;

/** One of `baseConfigurationItems` printed by `aws configservice batch-get-resource-config`. */
export const baseConfigurationItemShape = z.looseObject({
  arn: z.string().optional(),
  accountId: z.string().min(1),
  ...resourceMembers,
  /** A JSON document as a string. */
  configuration: z.string().optional(),
  /** Values are JSON documents as strings. */
  supplementaryConfiguration: z.record(z.string(), z.string()).optional(),
});
export type BaseConfigurationItem = z.output<typeof baseConfigurationItemShape>;

const configDetailShape = z.looseObject({
  messageType: z.string().optional(),
  configurationItem: configurationItemShape.optional(),
  configurationItemSummary: configurationItemSummaryShape.optional(),
});

const cloudFormationResourceDetailShape = z.looseObject({
  'stack-id': z.string().min(1),
  'logical-resource-id': z.string().optional(),
  'physical-resource-id': z.string().optional(),
  'resource-type': z.string().min(1),
  'status-details': z.looseObject({ status: z.string().min(1), 'status-reason': z.string().optional() }),
});
const cloudFormationStackDetailShape = z.looseObject({
  'stack-id': z.string().min(1),
  'status-details': z.looseObject({ status: z.string().min(1), 'status-reason': z.string().optional() }),
});

/** The EventBridge envelope, as the queue's message body holds it. */
export const feedEnvelopeShape = z.looseObject({
  id: z.string().min(1).max(256),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().optional(),
  detail: z.unknown(),
});
export type FeedEnvelope = z.output<typeof feedEnvelopeShape>;

/** A CloudFormation stack as a CI: its stack id is its ARN, its name the ARN's fifth part. */
export interface FedStack {
  readonly resource: AwsResourceRef;
  readonly name: string;
  readonly externalId: string;
}

/** What a resource status does to the resource's place in its stack. */
export type StackMembership = 'present' | 'deleted' | 'released';

export type FeedEvent =
  | { readonly kind: 'config-item'; readonly eventId: string; readonly state: FedCiState; readonly oversized: boolean }
  | {
      readonly kind: 'cloudformation-resource';
      readonly eventId: string;
      /** The event's time (EventBridge `time`, normalized): CloudFormation's order per resource. */
      readonly time?: string;
      readonly stack: FedStack;
      readonly resource: AwsResourceRef;
      readonly class: string;
      readonly status: string;
      readonly membership: StackMembership;
    }
  | {
      readonly kind: 'cloudformation-stack';
      readonly eventId: string;
      readonly time?: string;
      readonly stack: FedStack;
      readonly status: string;
      readonly deleted: boolean;
    };

export type ReadFeedEvent = { readonly ok: true; readonly event: FeedEvent } | { readonly ok: false; readonly reason: string };

/**
 * Timestamps compared as text must share one format: AWS writes some with milliseconds and some
 * without. Undefined when it is not a time.
 */
export function normalizedTime(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const DELETED_STATUSES = new Set(['ResourceDeleted', 'ResourceDeletedNotRecorded']);
const PRESENT_STATUSES = new Set(['OK', 'ResourceDiscovered']);

/** An item's status as a CI status; undefined for statuses that say nothing of the resource (ResourceNotRecorded). */
function ciStatusOf(configurationItemStatus: string): 'active' | 'retired' | undefined {
  if (PRESENT_STATUSES.has(configurationItemStatus)) return 'active';
  if (DELETED_STATUSES.has(configurationItemStatus)) return 'retired';
  return undefined;
}

/**
 * Attributes the CI keeps of a resource's configuration, per class: a few facts an agent looks
 * for (runtime, size, state), not the whole document, which AWS Config keeps. Each is
 * [attribute, path in the configuration]; what the configuration lacks is left out.
 */
const ATTRIBUTE_PATHS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  lambda_function: [
    ['runtime', 'runtime'],
    ['handler', 'handler'],
    ['memorySize', 'memorySize'],
    ['timeout', 'timeout'],
    ['packageType', 'packageType'],
    ['architectures', 'architectures'],
    ['role', 'role'],
  ],
  dynamodb_table: [
    ['tableStatus', 'tableStatus'],
    ['billingMode', 'billingModeSummary.billingMode'],
    ['streamEnabled', 'streamSpecification.streamEnabled'],
  ],
  ec2_instance: [
    ['instanceType', 'instanceType'],
    ['state', 'state.name'],
    ['imageId', 'imageId'],
    ['privateIpAddress', 'privateIpAddress'],
    ['availabilityZone', 'placement.availabilityZone'],
    ['vpcId', 'vpcId'],
  ],
  rds_instance: [
    ['engine', 'engine'],
    ['engineVersion', 'engineVersion'],
    ['instanceClass', 'dBInstanceClass'],
    ['status', 'dBInstanceStatus'],
    ['multiAZ', 'multiAZ'],
  ],
  database: [
    ['engine', 'engine'],
    ['engineVersion', 'engineVersion'],
    ['status', 'status'],
  ],
  s3_bucket: [['creationDate', 'creationDate']],
  load_balancer: [
    ['type', 'type'],
    ['scheme', 'scheme'],
    ['dnsName', 'dNSName'],
    ['state', 'state.code'],
    ['vpcId', 'vpcId'],
  ],
  network: [
    ['cidrBlock', 'cidrBlock'],
    ['vpcId', 'vpcId'],
    ['availabilityZone', 'availabilityZone'],
    ['state', 'state'],
  ],
  api: [
    ['protocolType', 'protocolType'],
    ['endpointTypes', 'endpointConfiguration.types'],
  ],
};

const isScalar = (value: unknown): value is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof value);

function valueAt(document: unknown, path: string): unknown {
  let value = document;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The attributes a CI of `ciClass` keeps of `configuration` (scalars, or lists of scalars). */
export function attributesOf(ciClass: string, configuration: unknown): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [name, path] of ATTRIBUTE_PATHS[ciClass] ?? []) {
    const value = valueAt(configuration, path);
    if (isScalar(value)) attributes[name] = value;
    else if (Array.isArray(value) && value.length > 0 && value.every(isScalar)) attributes[name] = value;
  }
  return attributes;
}

/** Owner group and environment from the resource's tags, by the configured tag names (an empty value is none). */
export function ownershipOf(tags: Readonly<Record<string, string>>, mapping: TagMapping): { ownerGroup?: string; environment?: string } {
  const ownerGroup = tags[mapping.ownerGroupTag]?.trim();
  const environment = tags[mapping.environmentTag]?.trim();
  return { ...(ownerGroup ? { ownerGroup } : {}), ...(environment ? { environment } : {}) };
}

function relationshipsOf(item: ConfigurationItem): FedRelationship[] {
  const seen = new Set<string>();
  const relationships: FedRelationship[] = [];
  for (const related of item.relationships ?? []) {
    // A relationship naming only its target's name (some types) is found by that name.
    const resourceId = related.resourceId ?? related.resourceName;
    if (resourceId === undefined) continue;
    const target: AwsResourceRef = {
      accountId: item.awsAccountId,
      region: regionOfRelated(related.resourceType, item.awsRegion),
      resourceType: related.resourceType,
      resourceId,
      ...(related.resourceName === undefined ? {} : { resourceName: related.resourceName }),
    };
    const type = relationshipTypeOfConfigName(related.name);
    const key = `${type}|${resourceKeyOf(target)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    relationships.push({ type, target, configName: related.name });
  }
  return relationships;
}

function refOf(item: { accountId: string; awsRegion: string; resourceType: string; resourceId: string; resourceName?: string | undefined }): AwsResourceRef {
  return {
    accountId: item.accountId,
    region: item.awsRegion,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    ...(item.resourceName ? { resourceName: item.resourceName } : {}),
  };
}

type Mapped = { ok: true; state: FedCiState } | { ok: false; reason: string };

function stateOf(
  item: z.output<typeof configurationItemSummaryShape> | ConfigurationItem,
  parts: { configuration?: unknown; tags?: Readonly<Record<string, string>>; relationships?: readonly FedRelationship[] },
  mapping: TagMapping,
): Mapped {
  const status = ciStatusOf(item.configurationItemStatus);
  if (status === undefined) return { ok: false, reason: `configuration item status '${item.configurationItemStatus}' says nothing of the resource` };
  const captureTime = normalizedTime(item.configurationItemCaptureTime);
  if (captureTime === undefined) return { ok: false, reason: `configurationItemCaptureTime '${item.configurationItemCaptureTime}' is not a time` };
  const resource = refOf({ ...item, accountId: item.awsAccountId });
  const ciClass = classOfAwsResourceType(item.resourceType);
  const arn = item.ARN ?? item.arn;
  return {
    ok: true,
    state: {
      resource,
      class: ciClass,
      name: item.resourceName || item.resourceId,
      ...(arn ? { externalId: arn } : {}),
      status,
      captureTime,
      // A deleted resource's item carries no configuration: its attributes stay as they were.
      ...(parts.configuration !== undefined && parts.configuration !== null ? { attributes: attributesOf(ciClass, parts.configuration) } : {}),
      ...(parts.tags === undefined ? {} : { tags: ownershipOf(parts.tags, mapping) }),
      ...(parts.relationships === undefined ? {} : { relationships: parts.relationships }),
    },
  };
}

/**
 * A change notification's item. A deleted resource's item carries neither tags nor relationships
 * AWS still reports: its relationships are then none (the resource is gone), its tags are kept.
 */
export function stateOfConfigurationItem(item: ConfigurationItem, mapping: TagMapping): Mapped {
  const deleted = DELETED_STATUSES.has(item.configurationItemStatus);
  return stateOf(
    item,
    {
      configuration: item.configuration,
      ...(item.tags == null || deleted ? {} : { tags: item.tags }),
      relationships: deleted ? [] : relationshipsOf(item),
    },
    mapping,
  );
}

/** An oversized notification's summary: no configuration, tags or relationships, only what it carries. */
export function stateOfConfigurationItemSummary(summary: z.output<typeof configurationItemSummaryShape>, mapping: TagMapping): Mapped {
  const deleted = DELETED_STATUSES.has(summary.configurationItemStatus);
  return stateOf(summary, deleted ? { relationships: [] } : {}, mapping);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Tags as AWS writes them in configurations: a map, or a list of {key, value} / {Key, Value}. */
function tagsFrom(value: unknown): Record<string, string> | undefined {
  if (Array.isArray(value)) {
    const tags: Record<string, string> = {};
    for (const tag of value) {
      if (tag === null || typeof tag !== 'object') continue;
      const { key, Key, value: lower, Value } = tag as Record<string, unknown>;
      const name = key ?? Key;
      const text = lower ?? Value;
      if (typeof name === 'string' && typeof text === 'string') tags[name] = text;
    }
    return tags;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    return Object.fromEntries(entries);
  }
  return undefined;
}

/**
 * An item of `batch-get-resource-config`. Base items carry no tags or relationships of their own:
 * tags are read from the supplementary configuration (`Tags`, or S3's `BucketTaggingConfiguration`)
 * or the configuration's `tags` when there; relationships are left as they are.
 */
export function stateOfBaseConfigurationItem(item: BaseConfigurationItem, mapping: TagMapping): Mapped {
  const configuration = parseJson(item.configuration);
  const supplementary = item.supplementaryConfiguration ?? {};
  const bucketTagging = parseJson(supplementary.BucketTaggingConfiguration) as { tagSets?: { tags?: unknown }[] } | undefined;
  const tags =
    tagsFrom(parseJson(supplementary.Tags)) ??
    tagsFrom(bucketTagging?.tagSets?.[0]?.tags) ??
    tagsFrom((configuration as { tags?: unknown } | undefined)?.tags ?? (configuration as { Tags?: unknown } | undefined)?.Tags);
  const summary = { ...item, awsAccountId: item.accountId };
  return stateOf(summary, { configuration, ...(tags === undefined ? {} : { tags }) }, mapping);
}

/** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>` as a stack CI; undefined if it is not one. */
export function stackOf(stackId: string): FedStack | undefined {
  const match = /^arn:[^:]+:cloudformation:([^:]+):([^:]+):stack\/([^/]+)\/.+$/.exec(stackId);
  if (match === null) return undefined;
  const [, region, accountId, name] = match as unknown as [string, string, string, string];
  return { resource: { accountId, region, resourceType: CLOUDFORMATION_STACK_TYPE, resourceId: stackId, resourceName: name }, name, externalId: stackId };
}

/** Resource statuses that say the resource exists in its stack, was deleted with it, or left it (DeletionPolicy Retain). */
const RESOURCE_MEMBERSHIP: Readonly<Record<string, StackMembership>> = {
  CREATE_COMPLETE: 'present',
  UPDATE_COMPLETE: 'present',
  IMPORT_COMPLETE: 'present',
  DELETE_COMPLETE: 'deleted',
  DELETE_SKIPPED: 'released',
};
const STACK_PRESENT = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);
const STACK_DELETED = new Set(['DELETE_COMPLETE']);

function timeOf(envelope: FeedEnvelope): { time?: string } {
  const time = envelope.time === undefined ? undefined : normalizedTime(envelope.time);
  return time === undefined ? {} : { time };
}

/**
 * What a bus event means to the CMDB, or why it means nothing (a status in progress, a detail-type
 * the feed does not take, a malformed detail). The reason is recorded with the event.
 */
export function readFeedEvent(envelope: FeedEnvelope, mapping: TagMapping): ReadFeedEvent {
  const eventId = envelope.id;
  const detailType = envelope['detail-type'];
  if (envelope.source === 'aws.config' && detailType === CONFIG_ITEM_CHANGE) {
    const detail = configDetailShape.safeParse(envelope.detail);
    if (!detail.success) return { ok: false, reason: `malformed Config detail: ${detail.error.issues[0]?.message ?? 'invalid'}` };
    const oversized = detail.data.messageType === 'OversizedConfigurationItemChangeNotification';
    const mapped =
      detail.data.configurationItem !== undefined
        ? stateOfConfigurationItem(detail.data.configurationItem, mapping)
        : detail.data.configurationItemSummary !== undefined
          ? stateOfConfigurationItemSummary(detail.data.configurationItemSummary, mapping)
          : ({ ok: false, reason: 'the detail carries neither configurationItem nor configurationItemSummary' } as const);
    return mapped.ok ? { ok: true, event: { kind: 'config-item', eventId, state: mapped.state, oversized } } : mapped;
  }
  if (envelope.source === 'aws.cloudformation' && detailType === CLOUDFORMATION_RESOURCE_STATUS_CHANGE) {
    const detail = cloudFormationResourceDetailShape.safeParse(envelope.detail);
    if (!detail.success) return { ok: false, reason: `malformed CloudFormation detail: ${detail.error.issues[0]?.message ?? 'invalid'}` };
    const stack = stackOf(detail.data['stack-id']);
    if (stack === undefined) return { ok: false, reason: `stack-id '${detail.data['stack-id']}' is not a stack ARN` };
    const status = detail.data['status-details'].status;
    const membership = RESOURCE_MEMBERSHIP[status];
    if (membership === undefined) return { ok: false, reason: `resource status '${status}' changes nothing in the CMDB` };
    const physicalId = detail.data['physical-resource-id'];
    if (!physicalId) return { ok: false, reason: 'the resource has no physical-resource-id' };
    const resourceType = detail.data['resource-type'];
    const resource: AwsResourceRef = {
      accountId: stack.resource.accountId,
      region: regionOfRelated(resourceType, stack.resource.region),
      resourceType,
      resourceId: physicalId,
    };
    return {
      ok: true,
      event: {
        kind: 'cloudformation-resource',
        eventId,
        ...timeOf(envelope),
        stack,
        resource,
        class: classOfAwsResourceType(resourceType),
        status,
        membership,
      },
    };
  }
  if (envelope.source === 'aws.cloudformation' && detailType === CLOUDFORMATION_STACK_STATUS_CHANGE) {
    const detail = cloudFormationStackDetailShape.safeParse(envelope.detail);
    if (!detail.success) return { ok: false, reason: `malformed CloudFormation detail: ${detail.error.issues[0]?.message ?? 'invalid'}` };
    const stack = stackOf(detail.data['stack-id']);
    if (stack === undefined) return { ok: false, reason: `stack-id '${detail.data['stack-id']}' is not a stack ARN` };
    const status = detail.data['status-details'].status;
    if (!STACK_PRESENT.has(status) && !STACK_DELETED.has(status)) return { ok: false, reason: `stack status '${status}' changes nothing in the CMDB` };
    return { ok: true, event: { kind: 'cloudformation-stack', eventId, ...timeOf(envelope), stack, status, deleted: STACK_DELETED.has(status) } };
  }
  return { ok: false, reason: `the AWS feed takes no '${detailType}' events from '${envelope.source}'` };
}

/** Items per import: what one batch-get-resource-config call returns at most (100 resource keys). */
export const MAX_IMPORTED_ITEMS = 100;

/** The body of POST /cis/import: the JSON `batch-get-resource-config` prints, or a bare list of its items. */
export const importBody = z.union([
  z.strictObject({ baseConfigurationItems: z.array(z.unknown()), unprocessedResourceKeys: z.array(z.unknown()).optional() }),
  z.array(z.unknown()),
]);
