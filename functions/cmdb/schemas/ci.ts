import * as z from 'zod';
import { cursorParam, isoTimestamp, limitParam, slug } from '../../shared/schemas/common.ts';
import { CI_CLASS_NAME_PATTERN, CI_SOURCES, CI_STATUSES } from '../domain/ci.ts';

/* The CMDB API's shapes: configuration items, their history, classes and the CMDB configuration. */

const name = z.string().trim().min(1).max(200);
const description = z.string().max(20_000);
const className = z
  .string()
  .regex(CI_CLASS_NAME_PATTERN, 'Use 1-63 lowercase letters, digits, underscores and dashes')
  .describe('A CI class (GET /ci-classes): built-in or admin-defined');
const environment = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'Use 1-63 lowercase letters, digits, dots, dashes and underscores')
  .describe('e.g. prod, staging, dev');
const externalId = z.string().trim().min(1).max(2048).describe('The ARN of an AWS resource, or another system’s id; no two CIs may hold one');
const attributes = z
  .record(z.string(), z.unknown())
  .describe("Validated by the class's attributesSchema (GET /ci-classes/{name}) on every write that changes the class or the attributes");

const ciFields = {
  class: className,
  name,
  description: description.optional(),
  ownerGroup: slug.optional().describe('The group that owns the CI'),
  environment: environment.optional(),
  status: z.enum(CI_STATUSES).optional().describe('Default active'),
  attributes: attributes.optional().describe('Default {}'),
  externalId: externalId.optional(),
};

export const createCiBody = z.strictObject(ciFields).meta({ id: 'CreateCi' });
export type CreateCiBody = z.output<typeof createCiBody>;

export const replaceCiBody = z
  .strictObject(ciFields)
  .meta({ id: 'ReplaceCi', description: 'The whole CI: optional fields left out are removed (attributes emptied, status active)' });
export type ReplaceCiBody = z.output<typeof replaceCiBody>;

const awsIdentity = z
  .object({
    accountId: z.string(),
    region: z.string(),
    resourceType: z.string().describe('AWS Config resource type, e.g. AWS::Lambda::Function'),
    resourceId: z.string(),
    resourceName: z.string().optional(),
    captureTime: isoTimestamp.optional().describe('When AWS Config captured the configuration shown'),
    stackId: z.string().optional().describe('The CloudFormation stack that owns the resource'),
  })
  .describe('The AWS resource, for CIs the AWS feed keeps');

export const ciSchema = z
  .object({
    id: z.string().describe("A ULID for the CMDB's own CIs; the service's name for the CIs of class `service`"),
    class: z.string(),
    name: z.string().describe('For a service: its displayName (else its name)'),
    description: z.string().optional(),
    ownerGroup: z.string().optional(),
    environment: z.string().optional(),
    status: z.enum(CI_STATUSES),
    attributes: z.record(z.string(), z.unknown()).describe('For a service: its criticality and urgent flag'),
    source: z.enum(CI_SOURCES).describe('Who made the last change: an admin (manual) or an AWS feed'),
    externalId: z.string().optional(),
    aws: awsIdentity.optional(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    version: z.number().int().describe('Also sent as the ETag; send it back in If-Match. For a service: the service’s version'),
  })
  .meta({ id: 'Ci' });

export const listCisQuery = z
  .strictObject({
    class: className.optional(),
    ownerGroup: slug.optional(),
    environment: environment.optional(),
    status: z.enum(CI_STATUSES).optional(),
    externalId: externalId.optional(),
    q: z.string().trim().min(1).max(200).optional(),
    limit: limitParam,
    cursor: cursorParam.optional(),
  })
  .meta({ id: 'ListCisQuery' });
export type ListCisQuery = z.output<typeof listCisQuery>;

export const ciPageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });

export const ciHistoryRecordSchema = z
  .object({
    id: z.string(),
    ciId: z.string(),
    at: isoTimestamp,
    actor: z.string(),
    action: z
      .enum(['created', 'updated', 'deleted', 'relationship_added', 'relationship_removed'])
      .describe('updated covers a retirement (status to retired); deleted keeps the history of a deleted CI'),
    version: z.number().int().describe('The CI version this record produced'),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
  })
  .meta({ id: 'CiHistoryRecord' });

// ---- Classes and configuration ----

const jsonSchemaDocument = z
  .union([z.record(z.string(), z.unknown()), z.boolean()])
  .describe('A JSON Schema (draft 2020-12) for the attributes of CIs of the class; `true` accepts anything. References only inside it (#/$defs/...)');

export const putCiClassBody = z
  .strictObject({
    description: z.string().trim().min(1).max(2000).optional().describe("Default: the built-in class's own, else empty"),
    attributesSchema: jsonSchemaDocument,
  })
  .meta({ id: 'PutCiClass' });
export type PutCiClassBody = z.output<typeof putCiClassBody>;

export const ciClassSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    attributesSchema: jsonSchemaDocument,
    builtIn: z.boolean().describe('Built-in classes cannot be deleted; DELETE restores their default schema'),
    updatedAt: isoTimestamp.optional().describe('Absent for a built-in class with its default schema'),
    version: z.number().int().describe('0 for a built-in class with its default schema. Also the ETag'),
  })
  .meta({ id: 'CiClass' });

const tagKey = z.string().trim().min(1).max(128);

export const putCmdbConfigBody = z
  .strictObject({
    ownerGroupTag: tagKey.describe('The resource tag whose value is the owner group of a CI the AWS feed records'),
    environmentTag: tagKey.describe('The resource tag whose value is its environment'),
  })
  .meta({ id: 'PutCmdbConfig' });
export type PutCmdbConfigBody = z.output<typeof putCmdbConfigBody>;

export const cmdbConfigSchema = z
  .object({
    ownerGroupTag: z.string(),
    environmentTag: z.string(),
    updatedAt: isoTimestamp.optional(),
    version: z.number().int().describe('0 until an admin first writes it (the defaults). Also the ETag'),
  })
  .meta({ id: 'CmdbConfig' });
