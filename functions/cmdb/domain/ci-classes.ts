import { type BuiltInCiClass, isBuiltInCiClass } from './ci.ts';

/*
 * CI classes: the built-in ones with their default attribute schemas, which admins may replace
 * (PUT /ci-classes/{name}), and the ones admins define. A class as the API shows it is
 * {name, description, attributesSchema, builtIn, version}; a built-in class nobody changed is at
 * version 0 and is never stored.
 *
 * The defaults describe what the AWS feed records (AWS Config's configuration of the resource)
 * and what people usually note by hand. They accept other attributes too: a class's schema says
 * what known attributes must look like, not that nothing else may be noted.
 */

/** A JSON Schema (draft 2020-12) document: an object, or `true` (anything) / `false` (nothing). */
export type JsonSchemaObject = { [keyword: string]: unknown };
export type AttributesSchema = JsonSchemaObject | boolean;

export interface CiClass {
  name: string;
  description: string;
  attributesSchema: AttributesSchema;
  builtIn: boolean;
  updatedAt?: string;
  version: number;
}

export const CI_CLASS_FIELD_ORDER = ['name', 'description', 'attributesSchema', 'builtIn', 'updatedAt', 'version'] as const;

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const text = { type: 'string', minLength: 1, maxLength: 400 };
const positive = { type: 'integer', minimum: 1 };

const object = (properties: Record<string, JsonSchemaObject>, required: string[] = []): JsonSchemaObject => ({
  $schema: DRAFT,
  type: 'object',
  properties,
  ...(required.length === 0 ? {} : { required }),
});

const BUILT_IN: Readonly<Record<BuiltInCiClass, { description: string; attributesSchema: AttributesSchema }>> = {
  service: {
    description: "A business service of the directory (GET /services): its CI is the directory's record, changed through /services",
    attributesSchema: object({ criticality: { enum: ['critical', 'high', 'medium', 'low'] }, urgent: { type: 'boolean' } }),
  },
  application: {
    description: 'Software that makes up a service: a deployable application or component',
    attributesSchema: object({ version: text, repository: text, language: text }),
  },
  lambda_function: {
    description: 'An AWS Lambda function',
    attributesSchema: object({
      runtime: text,
      handler: text,
      memorySize: { type: 'integer', minimum: 128, maximum: 10240 },
      timeout: { type: 'integer', minimum: 1, maximum: 900 },
      architectures: { type: 'array', items: { enum: ['x86_64', 'arm64'] } },
      role: text,
    }),
  },
  dynamodb_table: {
    description: 'An Amazon DynamoDB table',
    attributesSchema: object({
      billingMode: { enum: ['PAY_PER_REQUEST', 'PROVISIONED'] },
      tableStatus: text,
      itemCount: { type: 'integer', minimum: 0 },
      streamEnabled: { type: 'boolean' },
    }),
  },
  ec2_instance: {
    description: 'An Amazon EC2 instance',
    attributesSchema: object({ instanceType: text, imageId: text, state: text, privateIpAddress: text, availabilityZone: text }),
  },
  rds_instance: {
    description: 'An Amazon RDS database instance',
    attributesSchema: object({ engine: text, engineVersion: text, instanceClass: text, multiAZ: { type: 'boolean' }, allocatedStorage: positive }),
  },
  s3_bucket: {
    description: 'An Amazon S3 bucket',
    attributesSchema: object({ versioning: { enum: ['Enabled', 'Suspended', 'Off'] }, encryption: text }),
  },
  load_balancer: {
    description: 'A load balancer (Elastic Load Balancing)',
    attributesSchema: object({
      type: { enum: ['application', 'network', 'gateway', 'classic'] },
      scheme: { enum: ['internet-facing', 'internal'] },
      dnsName: text,
    }),
  },
  queue: {
    description: 'A message queue (Amazon SQS or another broker)',
    attributesSchema: object({ fifo: { type: 'boolean' }, visibilityTimeout: { type: 'integer', minimum: 0 } }),
  },
  topic: {
    description: 'A publish-subscribe topic (Amazon SNS or another broker)',
    attributesSchema: object({ fifo: { type: 'boolean' } }),
  },
  api: {
    description: 'An API: an Amazon API Gateway API or any published interface',
    attributesSchema: object({ protocol: { enum: ['HTTP', 'REST', 'WEBSOCKET', 'GRAPHQL', 'GRPC'] }, endpoint: text }),
  },
  database: {
    description: 'A database (the schema or logical database, whatever hosts it)',
    attributesSchema: object({ engine: text, version: text }),
  },
  host: {
    description: 'A server, virtual machine or container host outside AWS',
    attributesSchema: object({ os: text, cpu: positive, memoryMb: positive, ipAddress: text }),
  },
  network: {
    description: 'A network: a VPC, a subnet, a security group, a VPN',
    attributesSchema: object({ cidrBlock: text }),
  },
  generic: {
    description: 'Anything else: an AWS resource type the feed has no class for is recorded as generic, never refused',
    attributesSchema: true,
  },
};

/** A built-in class as it is until an admin changes it (version 0). */
export function builtInCiClass(name: BuiltInCiClass): CiClass {
  return { name, ...BUILT_IN[name], builtIn: true, version: 0 };
}

/** The class as it is: the stored one, else the built-in default; undefined for an unknown class. */
export function ciClassOf(name: string, stored: CiClass | undefined): CiClass | undefined {
  if (stored !== undefined) return stored;
  return isBuiltInCiClass(name) ? builtInCiClass(name) : undefined;
}
