import { type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { CONSUMERS, FUNCTIONS, type FunctionDefinition, type FunctionId, ROUTES, WORKFLOWS } from '../../functions/routes.ts';
import { GLOBAL_INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../../functions/shared/store/table-design.ts';
import { API_STACK, DATA_STACK } from '../../infra/app.ts';
import { ACCESS_LOG_FIELDS } from '../../infra/constructs/http-api.ts';
import { BUNDLING, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, type ItsmFunction, TABLE_ACTIONS } from '../../infra/constructs/itsm-function.ts';
import type { AreaStack } from '../../infra/stacks/area-stack.ts';
import {
  actionsOf,
  describeFindings,
  productFunctions,
  resourcesOfType,
  type Statement,
  type SynthesizedApp,
  synthesize,
  TASK_RESPONSE_ACTIONS,
  TRIGGER_PROVIDER_LOGICAL_ID,
  unacknowledgedNagFindings,
} from './helpers.ts';

/** The default deployment: no context at all, as a first `cdk deploy` would be. */
let synth: SynthesizedApp;
let data: Template;
let api: Template;

beforeAll(() => {
  synth = synthesize();
  data = synth.dataTemplate;
  api = synth.apiTemplate;
});
afterAll(() => synth?.cleanup());

const functionEntries = Object.entries(FUNCTIONS) as [FunctionId, FunctionDefinition][];
/** The data and API stacks, then every stack an area names. */
const STACK_IDS = [DATA_STACK, API_STACK, ...new Set(AREAS.flatMap((area) => (area.stack === undefined || area.stack === API_STACK ? [] : [area.stack])))];

/** A function's logical id in its own stack (the API stack or its area's). */
function logicalIdOf(functionId: FunctionId, part: 'function' | 'role'): string {
  const { stack } = synth.home(functionId);
  const fn = (stack.functions as ReadonlyMap<string, ItsmFunction>).get(functionId);
  if (fn === undefined) throw new Error(`No function ${functionId}`);
  const construct = part === 'function' ? fn.function : fn.role;
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The template of the stack that holds a function. */
const templateOf = (functionId: FunctionId): Template => synth.home(functionId).template;

/** The id (and construct path prefix) of the stack that holds a function. */
const stackIdOf = (functionId: string): string => synth.home(functionId).stack.node.id;

function statementsOfRole(functionId: FunctionId): Statement[] {
  const roleLogicalId = logicalIdOf(functionId, 'role');
  return Object.values(resourcesOfType(templateOf(functionId), 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: roleLogicalId }]))
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The resources of one type in every stack that holds functions. */
const inFunctionStacks = (type: string) => synth.functionStacks.flatMap(({ template }) => Object.entries(resourcesOfType(template, type)));

describe('data stack: the single table', () => {
  it('has the keys, the seven GSIs (projection ALL) and TTL of table-design.ts', () => {
    const attributes = [PARTITION_KEY, SORT_KEY, ...GLOBAL_INDEXES.flatMap((i) => [i.partitionKey, i.sortKey])];
    data.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: SORT_KEY, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayEquals(attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
      GlobalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('is on-demand, streams new and old images, and is encrypted with the AWS managed key', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('has point-in-time recovery and deletion protection, and is retained', () => {
    data.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('outputs the table name', () => {
    data.hasOutput('TableName', { Value: { Ref: Match.anyValue() } });
  });
});

describe('functions: one per route-table entry, every default applied', () => {
  it('creates exactly one Lambda per FUNCTIONS entry, and only the after-deploy trigger’s provider besides', () => {
    // Each in the stack its area names.
    expect(synth.functionStacks.flatMap(({ template }) => Object.keys(productFunctions(template)))).toHaveLength(functionEntries.length);
    // No other helper Lambdas (log retention, custom resources) sneak in: the one extra is the
    // stack-wide provider of aws-cdk-lib/triggers, in each stack whose areas have afterDeploy sources.
    for (const { stack, template } of synth.functionStacks) {
      const helpers = Object.keys(resourcesOfType(template, 'AWS::Lambda::Function')).filter((id) => TRIGGER_PROVIDER_LOGICAL_ID.test(id));
      expect(helpers, stack.node.id).toHaveLength(stack.afterDeploy.size > 0 ? 1 : 0);
    }
    expect(CONSUMERS.some((c) => c.source.kind === 'afterDeploy')).toBe(true);
    expect(Object.keys(resourcesOfType(synth.dataTemplate, 'AWS::Lambda::Function'))).toEqual([]);
  });

  it.each(functionEntries)('%s: nodejs22.x, arm64, active tracing, explicit memory, timeout and environment', (functionId, definition) => {
    const fn = resourcesOfType(templateOf(functionId), 'AWS::Lambda::Function')[logicalIdOf(functionId, 'function')];
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: definition.memoryMb ?? DEFAULT_MEMORY_MB,
      Timeout: definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      Handler: 'index.handler',
      Description: definition.description,
      Environment: {
        Variables: {
          TABLE_NAME: { 'Fn::ImportValue': expect.stringContaining('ItsmData:') },
          GROUPS_CLAIM: 'cognito:groups',
          LOG_LEVEL: 'info',
          EVENT_RETENTION_DAYS: '30',
        },
      },
    });
  });

  it.each(functionEntries)('%s: logs to its own log group with a 30-day retention', (functionId) => {
    const fn = resourcesOfType(templateOf(functionId), 'AWS::Lambda::Function')[logicalIdOf(functionId, 'function')];
    const logGroupRef = (fn?.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(resourcesOfType(templateOf(functionId), 'AWS::Logs::LogGroup')[logGroupRef]?.Properties).toMatchObject({ RetentionInDays: 30 });
  });

  it('bundles as minified ESM for node22 with nothing external (functions use no runtime-provided AWS SDK)', () => {
    expect(BUNDLING).toMatchObject({
      format: 'esm',
      target: 'node22',
      minify: true,
      sourceMap: false,
      externalModules: [],
      mainFields: ['module', 'main'],
    });
    expect(BUNDLING.banner).toContain('createRequire(import.meta.url)');
  });

  it('gives no role a managed policy (each function role only writes its own log group)', () => {
    for (const [logicalId, role] of inFunctionStacks('AWS::IAM::Role')) {
      if (TRIGGER_PROVIDER_LOGICAL_ID.test(logicalId)) {
        // CDK's trigger provider, not configurable: basic execution only (asserted in sla-infra.test.ts).
        expect(role.Properties?.ManagedPolicyArns, logicalId).toEqual([
          { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' },
        ]);
      } else {
        expect(role.Properties?.ManagedPolicyArns, logicalId).toBeUndefined();
      }
    }
  });
});

describe('IAM: table access is exactly what the route table names', () => {
  const read = new Set<string>(TABLE_ACTIONS.read);
  const readWrite = new Set<string>([...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write]);

  it.each(functionEntries)('%s gets exactly its tableAccess', (functionId, definition) => {
    // Stream reads are a stream consumer's, on the stream's ARN (asserted in ingestion.test.ts).
    const statements = statementsOfRole(functionId).filter((s) => !JSON.stringify(s.Resource).includes('StreamArn'));
    const dynamoActions = new Set(statements.flatMap(actionsOf).filter((action) => action.startsWith('dynamodb:')));
    const expected = {
      none: new Set(),
      read,
      readWrite,
      queueViews: new Set([...TABLE_ACTIONS.queueViewWrites, ...TABLE_ACTIONS.queueViewReads, ...TABLE_ACTIONS.index]),
    }[definition.tableAccess];
    expect(dynamoActions).toEqual(expected);
  });

  it('the one queue views consumer writes counters, markers and queue heads only, reads heads only, and queries the indexes', () => {
    const keepers = functionEntries.filter(([, d]) => d.tableAccess === 'queueViews');
    expect(keepers.map(([functionId]) => functionId)).toEqual(['keepQueues']);
    for (const [functionId] of keepers) {
      const table = statementsOfRole(functionId).filter(
        (s) => actionsOf(s).some((action) => action.startsWith('dynamodb:')) && !JSON.stringify(s.Resource).includes('StreamArn'),
      );
      expect(table, functionId).toHaveLength(3);
      const onTable = table.filter((s) => !JSON.stringify(s.Resource).includes('/index/'));
      expect(
        onTable.map((s) => [actionsOf(s), s.Condition]),
        functionId,
      ).toEqual([
        [['dynamodb:PutItem', 'dynamodb:UpdateItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['COUNT#*', 'COUNTED#*', 'HEAD#*'] } }],
        [['dynamodb:BatchGetItem', 'dynamodb:GetItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HEAD#*'] } }],
      ]);
      const onIndexes = table.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
      expect(onIndexes.flatMap(actionsOf), functionId).toEqual(['dynamodb:Query']);
    }
  });

  it('a read function has no write action anywhere in its policy', () => {
    const readers = functionEntries.filter(([, d]) => d.tableAccess === 'read');
    expect(readers.length).toBeGreaterThan(0);
    for (const [functionId] of readers) {
      const actions = statementsOfRole(functionId).flatMap(actionsOf);
      for (const write of [...TABLE_ACTIONS.write, 'dynamodb:BatchWriteItem', 'dynamodb:Scan']) {
        expect(actions, `${functionId} must not have ${write}`).not.toContain(write);
      }
    }
  });

  it('no statement anywhere grants dynamodb:*, Scan or any wildcard action', () => {
    const all = inFunctionStacks('AWS::IAM::Policy').flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
    for (const action of all.flatMap(actionsOf)) {
      expect(action).not.toMatch(/\*/);
      expect(action).not.toBe('dynamodb:Scan');
    }
  });

  it('indexes are granted Query only, by explicit ARN (no index/* wildcard)', () => {
    expect(FUNCTIONS.getIncident.tableAccess).toBe('read');
    const statements = statementsOfRole('getIncident');
    const indexStatement = statements.find((s) => JSON.stringify(s.Resource).includes('/index/'));
    expect(indexStatement?.Action).toBe('dynamodb:Query');
    const resources = JSON.stringify(indexStatement?.Resource);
    for (const index of GLOBAL_INDEXES) expect(resources).toContain(`/index/${index.indexName}"`);
    expect(resources).not.toContain('/index/*');
  });

  it('the only Resource "*" is the X-Ray statement active tracing needs, and task responses for answerApprovalTasks', () => {
    for (const [functionId, definition] of functionEntries) {
      const wildcard = statementsOfRole(functionId).filter((s) => s.Resource === '*');
      const expected: string[] = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
      // IAM accepts no resource for SendTaskSuccess/SendTaskFailure (capabilities.ts).
      if (definition.capabilities?.includes('answerApprovalTasks')) expected.push(...TASK_RESPONSE_ACTIONS);
      expect(wildcard.flatMap(actionsOf).sort(), functionId).toEqual(expected.sort());
    }
  });
});

describe('HTTP API', () => {
  function routeByKey(routeKey: string) {
    const match = inFunctionStacks('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties?.RouteKey === routeKey);
    expect(match, routeKey).toHaveLength(1);
    return match[0]![1].Properties!;
  }

  it('has exactly the routes of the route table, each in the stack of its function', () => {
    expect(inFunctionStacks('AWS::ApiGatewayV2::Route')).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const inHome = Object.values(resourcesOfType(templateOf(route.functionId), 'AWS::ApiGatewayV2::Route'));
      expect(inHome.filter((r) => r.Properties?.RouteKey === `${route.method} ${route.path}`)).toHaveLength(1);
    }
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s has the right authorization and function', (routeKey, route) => {
    const properties = routeByKey(routeKey);
    if (route.auth === 'jwt') {
      // In an area stack, the API stack's authorizer by its exported id (area-stacks.test.ts follows the export).
      const authorizerId = synth.home(route.functionId).stack === synth.api ? { Ref: expect.any(String) } : { 'Fn::ImportValue': expect.any(String) };
      expect(properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: authorizerId });
    } else {
      expect(properties.AuthorizationType).toBe('NONE');
      expect(properties.AuthorizerId).toBeUndefined();
    }
    // Target is "integrations/<id>"; the integration must invoke this route's function.
    const integrationId = JSON.stringify(properties.Target).match(/"Ref":"([^"]+)"/)?.[1];
    const integration = resourcesOfType(templateOf(route.functionId), 'AWS::ApiGatewayV2::Integration')[integrationId ?? ''];
    expect(integration?.Properties?.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalIdOf(route.functionId, 'function'), 'Arn'] });
    expect(integration?.Properties?.PayloadFormatVersion).toBe('2.0');
  });

  it('has one JWT authorizer trusting the Cognito pool and its client', () => {
    api.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: { 'Fn::Join': ['', Match.arrayWith(['https://cognito-idp.', { Ref: Match.stringLikeRegexp('UserPool') }])] },
        Audience: [{ Ref: Match.stringLikeRegexp('ApiClient') }],
      },
    });
  });

  it('has one auto-deployed $default stage with throttling and JSON access logs', () => {
    api.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const stage = Object.values(resourcesOfType(api, 'AWS::ApiGatewayV2::Stage'))[0]!.Properties!;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const accessLogs = stage.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    const format = JSON.parse(accessLogs.Format) as Record<string, string>;
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    for (const field of ['requestId', 'ip', 'routeKey', 'status', 'responseLatency', 'integrationError']) {
      expect(format[field], field).toMatch(/^\$context\./);
    }
    const logGroup = resourcesOfType(api, 'AWS::Logs::LogGroup')[accessLogs.DestinationArn['Fn::GetAtt'][0]];
    expect(logGroup?.Properties?.RetentionInDays).toBe(30);
  });

  it('has no CORS unless origins are configured', () => {
    const [httpApi] = Object.values(resourcesOfType(api, 'AWS::ApiGatewayV2::Api'));
    expect(httpApi?.Properties?.CorsConfiguration).toBeUndefined();
  });

  it('outputs the API URL', () => {
    api.hasOutput('ApiUrl', { Value: Match.anyValue() });
  });
});

describe('identity: the default Cognito user pool', () => {
  it('is invitation-only, requires TOTP MFA and a strong password, and is retained', () => {
    api.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        DeletionProtection: 'ACTIVE',
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
      }),
    });
  });

  it('has a public client (no secret) with SRP sign-in and no OAuth without callback URLs', () => {
    api.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('has the agent and admin groups the functions read', () => {
    const groups = Object.values(resourcesOfType(api, 'AWS::Cognito::UserPoolGroup')).map((g) => g.Properties?.GroupName);
    expect(groups.sort()).toEqual(['admin', 'agent']);
  });

  it('outputs the pool and client ids', () => {
    api.hasOutput('UserPoolId', {});
    api.hasOutput('UserPoolClientId', {});
  });
});

describe('alarms', () => {
  it('alarms on every function’s Errors, the API’s 5xx, every dead-letter queue, every workflow and lost timers, into one TLS-only topic', () => {
    // Every stack's alarms: an area stack's go to the API stack's topic (asserted in area-stacks.test.ts).
    const alarms = inFunctionStacks('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
    // The ingestion queue's and the rules' target DLQs, and the SLA timers' DLQ; two per bus rule
    // consumer (its queue's, its rule's target's); one failure bucket per stream consumer (an
    // alarm on its writes); the async-invocation DLQ of each e-mail receiver.
    const deadLetterQueues =
      2 + 1 + 2 * CONSUMERS.filter((c) => c.source.kind === 'ingestionBusRule').length + CONSUMERS.filter((c) => c.source.kind === 'emailReceipt').length;
    const failureBuckets = CONSUMERS.filter((c) => c.source.kind === 'tableStream').length;
    // Failed and timed-out executions per workflow; failed-to-dead-letter and dropped timer firings.
    const workflowAlarms = 2 * Object.keys(WORKFLOWS).length;
    const timerAlarms = 2;
    expect(alarms).toHaveLength(functionEntries.length + 1 + deadLetterQueues + failureBuckets + workflowAlarms + timerAlarms);
    expect(alarms.filter((a) => a.Namespace === 'AWS/SQS' && a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(deadLetterQueues);
    expect(alarms.filter((a) => a.Namespace === 'AWS/S3' && a.MetricName === 'PutRequests')).toHaveLength(failureBuckets);
    for (const [functionId] of functionEntries) {
      const alarm = Object.values(resourcesOfType(templateOf(functionId), 'AWS::CloudWatch::Alarm'))
        .map((a) => a.Properties!)
        .find((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(`"${logicalIdOf(functionId, 'function')}"`));
      expect(alarm, functionId).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1, AlarmActions: [expect.any(Object)] });
    }
    expect(alarms.find((a) => a.MetricName === '5xx')).toMatchObject({ Namespace: 'AWS/ApiGateway', Threshold: 1 });
    api.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('subscribes no email without alarmEmail', () => {
    api.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('no hard-coded physical names', () => {
  const nameProperties = [
    'TableName',
    'FunctionName',
    'LogGroupName',
    'RoleName',
    'TopicName',
    'UserPoolName',
    'ClientName',
    'AlarmName',
    'ManagedPolicyName',
    'QueueName',
  ];
  it.each(STACK_IDS)('%s stack', (which) => {
    const template = Template.fromStack(synth.app.node.findChild(which) as Stack).toJSON() as {
      Resources: Record<string, { Properties?: Record<string, unknown> }>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      for (const property of nameProperties) {
        // A reference to another resource (Lambda permissions name their function) is fine; a
        // literal would collide across deployments and block replacements.
        expect(typeof resource.Properties?.[property], `${logicalId}.${property}`).not.toBe('string');
      }
    }
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('leaves no unacknowledged finding, errors or warnings', () => {
    // synthesize() already ran the plugin (it throws on errors); this also catches warnings.
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });

  it('acknowledges only the reviewed findings, each where it occurs, each with a reason', () => {
    const acknowledged: { path: string; id: string; reason: string }[] = [];
    for (const construct of synth.app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
        }
      }
    }
    for (const { path, reason } of acknowledged) expect(reason.length, path).toBeGreaterThan(60);

    const pathsOf = (id: string) =>
      acknowledged
        .filter((a) => a.id === id)
        .map((a) => a.path)
        .sort();
    const capabilityPoliciesOf = (capability: string) =>
      functionEntries
        .filter(([, d]) => (d.capabilities as readonly string[] | undefined)?.includes(capability))
        .map(([id]) => `${stackIdOf(id)}/${id.charAt(0).toUpperCase()}${id.slice(1)}/${capability.charAt(0).toUpperCase()}${capability.slice(1)}Policy`)
        .sort();
    const scheduleGroup = synth.api.slaTimers.scheduleGroup.scheduleGroupName;
    const schedulesFinding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${scheduleGroup}/*]`;
    const changeApproval = synth.api.getLogicalId(synth.api.workflows.get('changeApproval')!.stateMachine.node.defaultChild as CfnElement);
    const executionsFinding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${changeApproval}.Name>:*]`;
    // The request fulfilment workflow is in the stack of the requests area, with its callers.
    const requestsStack = synth.home('createRequest').stack as AreaStack;
    const requestFulfilment = requestsStack.getLogicalId(requestsStack.workflows.get('requestFulfilment')!.stateMachine.node.defaultChild as CfnElement);
    const requestExecutionsFinding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${requestFulfilment}.Name>:*]`;
    // The e-mail receiver reads what SES stored under inbound/ in the inbound bucket.
    const inboundBucket = requestsStack.inboundEmail!.bucket;
    const inboundObjectsFinding = `AwsSolutions-IAM5[Resource::<${requestsStack.getLogicalId(inboundBucket.node.defaultChild as CfnElement)}.Arn>/inbound/*]`;
    // The search index bucket (the API stack's): its search/ prefix, as the API stack names it and as an area stack imports it.
    const searchBucket = synth.api.getLogicalId(synth.api.searchIndex.bucket.node.defaultChild as CfnElement);
    const searchObjectsFinding = `AwsSolutions-IAM5[Resource::<${searchBucket}.Arn>/search/*]`;
    const importedSearchObjectsFinding = `AwsSolutions-IAM5[Resource::${API_STACK}:ExportsOutputFnGetAtt${searchBucket}Arn`;
    const searchCapabilityPolicies = [...capabilityPoliciesOf('readSearchIndex'), ...capabilityPoliciesOf('writeSearchIndex')].sort();
    // Each stream consumer may put objects (keys Lambda names) in its own failure bucket.
    const streamConsumerPaths = CONSUMERS.filter((c) => c.source.kind === 'tableStream').map(
      (c) => `${stackIdOf(c.functionId)}/${c.functionId.charAt(0).toUpperCase()}${c.functionId.slice(1)}Stream`,
    );
    const failureObjectFindings = synth.functionStacks.flatMap(({ stack }) =>
      [...stack.streamConsumers.values()].map(
        (c) => `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(c.failureBucket.node.defaultChild as CfnElement)}.Arn>/*]`,
      ),
    );
    const importedSearchFindings = [...new Set(acknowledged.map((a) => a.id))].filter((id) => id.startsWith(importedSearchObjectsFinding));
    expect(importedSearchFindings.map((id) => id.slice(importedSearchObjectsFinding.length))).toEqual([expect.stringMatching(/^[0-9A-F]{8}\/search\/\*\]$/)]);
    expect([...new Set(acknowledged.map((a) => a.id))].sort()).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-COG8',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-L1',
        'AwsSolutions-S1',
        'AwsSolutions-SQS3',
        schedulesFinding,
        executionsFinding,
        requestExecutionsFinding,
        inboundObjectsFinding,
        searchObjectsFinding,
        ...importedSearchFindings,
        ...failureObjectFindings,
      ].sort(),
    );
    expect(pathsOf('AwsSolutions-S1')).toEqual(
      [...streamConsumerPaths.map((p) => `${p}/FailureBucket`), `${requestsStack.node.id}/InboundEmail/Bucket`, `${API_STACK}/SearchIndex/Bucket`].sort(),
    );
    // The search/ prefix's wildcard, on the policy of each function that reads or writes the snapshots, only.
    expect([...pathsOf(searchObjectsFinding), ...importedSearchFindings.flatMap(pathsOf)].sort()).toEqual(searchCapabilityPolicies);
    expect(pathsOf(inboundObjectsFinding)).toEqual(capabilityPoliciesOf('readInboundEmail'));
    // Only a stop holds the executions' wildcard: a start names the state machine itself.
    expect(pathsOf(requestExecutionsFinding)).toEqual(capabilityPoliciesOf('stopRequestFulfilment').sort());
    expect(failureObjectFindings.flatMap(pathsOf).sort()).toEqual(streamConsumerPaths.map((p) => `${p}/FailureBucketWritePolicy`).sort());
    // A capability with acknowledgements has a policy of its own under its function, which carries them.
    const capabilityPolicies = capabilityPoliciesOf;
    // CDK names a route's construct `${method}${path}` with each '/' as '--'.
    // In the API stack under its HttpApi construct; in an area stack under the imported API's.
    const routesUnder = (functionId: string) => (synth.home(functionId).stack === synth.api ? 'ItsmApi/HttpApi/Api' : `${stackIdOf(functionId)}/HttpApi`);
    const publicRoutes = ROUTES.filter((r) => r.auth === 'none').map((r) => `${routesUnder(r.functionId)}/${r.method}${r.path.replace(/\//g, '--')}`);
    expect(pathsOf('AwsSolutions-APIG4')).toEqual(publicRoutes.sort());
    // Every function role (X-Ray), every workflow role (log delivery and X-Ray), and the task
    // response policy of each function that answers approval tasks (SendTaskSuccess/Failure).
    // Each workflow's role in the stack of its area.
    const workflowStackOf = (id: string) =>
      synth.functionStacks.find(({ stack }) => (stack.workflows as ReadonlyMap<string, unknown>).has(id))?.stack.node.id ?? API_STACK;
    const workflowRoles = Object.keys(WORKFLOWS).map((id) => `${workflowStackOf(id)}/${id.charAt(0).toUpperCase()}${id.slice(1)}/Role`);
    const functionRoles = functionEntries.map(([id]) => `${stackIdOf(id)}/${id.charAt(0).toUpperCase()}${id.slice(1)}/Role`);
    const taskResponders = capabilityPolicies('answerApprovalTasks');
    expect(taskResponders.length).toBeGreaterThan(0);
    expect(pathsOf('AwsSolutions-IAM5[Resource::*]')).toEqual([...functionRoles, ...workflowRoles, ...taskResponders].sort());
    // The schedule-group wildcard, on the timer policy of each function that manages SLA timers, only.
    const timerManagers = capabilityPolicies('manageSlaTimers');
    expect(timerManagers.length).toBeGreaterThan(0);
    expect(pathsOf(schedulesFinding)).toEqual(timerManagers);
    // The change approval executions wildcard, on the policy of each function that runs approvals, only.
    const approvalRunners = capabilityPolicies('runChangeApprovals');
    const approvalStoppers = capabilityPolicies('stopChangeApprovals');
    expect(approvalRunners.length).toBeGreaterThan(0);
    expect(approvalStoppers.length).toBeGreaterThan(0);
    expect(pathsOf(executionsFinding)).toEqual([...approvalRunners, ...approvalStoppers].sort());
    expect(pathsOf('AwsSolutions-L1').every((p) => p.endsWith('/Function'))).toBe(true);
    expect(pathsOf('AwsSolutions-COG8')).toEqual(['ItsmApi/Identity/UserPool']);
    // Only dead-letter queues that cdk-nag cannot see are used as such (an EventBridge target's
    // DeadLetterConfig, a Scheduler target's); the queue with a redrive policy and its DLQ need
    // no acknowledgement.
    // Each bus rule consumer's target DLQ too, in the stack of its area.
    const busRuleTargetQueues = CONSUMERS.flatMap((c) =>
      c.source.kind === 'ingestionBusRule' ? [`${stackIdOf(c.functionId)}/${c.source.ruleId}/TargetDeadLetterQueue`] : [],
    );
    // And each e-mail receiver's async-invocation DLQ (a Lambda on-failure destination).
    const inboundEmailQueues = CONSUMERS.flatMap((c) => (c.source.kind === 'emailReceipt' ? [`${stackIdOf(c.functionId)}/InboundEmail/DeadLetterQueue`] : []));
    expect(pathsOf('AwsSolutions-SQS3')).toEqual(
      ['ItsmApi/Ingestion/TargetDeadLetterQueue', 'ItsmApi/SlaTimers/DeadLetterQueue', ...busRuleTargetQueues, ...inboundEmailQueues].sort(),
    );
  });
});
