import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TableAccess } from '../../functions/routes.ts';
import { GLOBAL_INDEXES, QUEUE_COUNTER_PREFIX, QUEUE_HEAD_PREFIX, QUEUE_MARKER_PREFIX } from '../../functions/shared/store/table-design.ts';

export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * What each TableAccess level may do, and nothing more. Written out instead of
 * `table.grantReadData` / `grantReadWriteData`, which also grant Scan (a full-table read no
 * handler needs: lists are key queries), DescribeTable and the stream actions.
 *
 * Transactions need no actions of their own: TransactWriteItems is authorized item by item as
 * PutItem / UpdateItem / DeleteItem / ConditionCheckItem, and TransactGetItems as GetItem.
 */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  /** Query is the only read an index serves (GetItem and friends address the base table). */
  index: ['dynamodb:Query'],
  /** TableAccess `queueViews`: a counter's ADD and a marker's conditional Put (in one transaction), a queue head's conditional Put. */
  queueViewWrites: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  /** TableAccess `queueViews`: the queue heads read before they are moved. */
  queueViewReads: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
} as const;

/** How every handler is bundled (esbuild, locally: no Docker). */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  // Minified, yet stack traces and constructor-derived error names keep real names.
  keepNames: true,
  // No source maps: they roughly double the bundle, and --enable-source-maps makes cold
  // starts and every stack trace slower. A trace can be mapped offline by rebuilding the
  // same commit with source maps on.
  sourceMap: false,
  // Nothing external. Functions reach AWS through functions/shared/aws, not the AWS SDK: loading
  // the runtime's SDK copy took most of a cold start (issue 17, bench/README.md "Cold starts"). A
  // package left external would load at run time outside the bundle-size budget, in whatever
  // version the runtime ships; with none external, an accidental SDK import lands in the bundle,
  // where the size budget and test/unit/bundle-size.test.ts name it.
  externalModules: [],
  // Prefer the ESM build of dependencies that ship both.
  mainFields: ['module', 'main'],
  // Some dependencies still call require() for Node built-ins; an ESM bundle has no
  // `require`, so give it one.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
};

export interface ItsmFunctionProps {
  /** Absolute path of the handler module; it exports `handler`. */
  readonly entry: string;
  /** The directory holding package-lock.json; esbuild runs there. */
  readonly projectRoot: string;
  readonly description: string;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  readonly logRetention: RetentionDays;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * One Lambda function with every house default, so no handler can drift: Node.js 22 on arm64,
 * X-Ray active tracing, explicit memory and timeout, its own log group with a retention, an ESM
 * bundle, and a role that starts with nothing but the right to write its own logs.
 */
export class ItsmFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ItsmFunctionProps) {
    super(scope, id);

    // Created here rather than by Lambda on first invocation, so its retention is set from day
    // one and CloudFormation owns it. Logical-id naming only: CloudFormation picks the name.
    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention });

    // An explicit role instead of the default one with AWSLambdaBasicExecutionRole: that managed
    // policy lets a function create any log group and write to every log group in the account;
    // this role may only write to the one log group above.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      description: props.description,
      // Pinned, not NODEJS_LATEST: the bundle targets node22 and the local runtime mirrors it, so
      // a runtime upgrade is a deliberate change with its own test run.
      runtime: Runtime.NODEJS_22_X,
      // Graviton: about 20% cheaper per GB-second, and the bundle has no native modules.
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb ?? DEFAULT_MEMORY_MB,
      // API Gateway gives up after 30 s; a handler stuck on DynamoDB should fail well before that.
      timeout: Duration.seconds(props.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment },
      bundling: BUNDLING,
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is a supported Lambda runtime (Node.js 22 is an LTS release maintained until April 2027), pinned on purpose: the bundle targets node22 and the local runtime and test toolchain are validated on it. Moving to nodejs24.x changes runtime, esbuild target and local server together, as one reviewed change.',
    });

    // Active tracing makes CDK add xray:PutTraceSegments and xray:PutTelemetryRecords on "*" to
    // this role. Acknowledged on the role (not the function or the stack) so a wildcard that
    // creeps into any other role still fails the synth.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement that active tracing adds uses "*": xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (see the Service Authorization Reference for AWS X-Ray). Table statements name the table and each index ARN.',
    });
  }

  /** Grants exactly the table access the route table names for this function. */
  grantTableAccess(table: ITableV2, access: TableAccess): void {
    for (const statement of tableAccessStatements(table.tableArn, access)) {
      this.role.addToPrincipalPolicy(statement);
    }
  }
}

/**
 * Index ARNs are listed one by one (from table-design.ts) rather than as `table/index/*`, so the
 * policy has no wildcard to acknowledge and an index added to the design is granted explicitly.
 */
export function tableAccessStatements(tableArn: string, access: TableAccess): PolicyStatement[] {
  if (access === 'none') return [];
  const indexQuery = new PolicyStatement({
    effect: Effect.ALLOW,
    actions: [...TABLE_ACTIONS.index],
    resources: GLOBAL_INDEXES.map((index) => `${tableArn}/index/${index.indexName}`),
  });
  if (access === 'queueViews') {
    // Fine-grained access control: every item written must have a queue count or queue head
    // partition key, and every item read a queue head's
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
    // A head that is new, or that lost items, is read again from its queue: Query on the indexes.
    return [
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...TABLE_ACTIONS.queueViewWrites],
        resources: [tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${QUEUE_COUNTER_PREFIX}*`, `${QUEUE_MARKER_PREFIX}*`, `${QUEUE_HEAD_PREFIX}*`] },
        },
      }),
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...TABLE_ACTIONS.queueViewReads],
        resources: [tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${QUEUE_HEAD_PREFIX}*`] } },
      }),
      indexQuery,
    ];
  }
  const tableActions: string[] = [...TABLE_ACTIONS.read];
  if (access === 'readWrite') tableActions.push(...TABLE_ACTIONS.write);
  return [new PolicyStatement({ effect: Effect.ALLOW, actions: tableActions, resources: [tableArn] }), indexQuery];
}
