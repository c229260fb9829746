import { join } from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import {
  FUNCTIONS,
  ROUTES,
  type FUNCTION_ENVIRONMENT_KEYS,
  type FunctionDefinition,
  type FunctionId,
} from '../../functions/routes.ts';
import type { ItsmConfig } from '../config.ts';
import { Alarms } from '../constructs/alarms.ts';
import { ItsmHttpApi } from '../constructs/http-api.ts';
import { Identity } from '../constructs/identity.ts';
import { ItsmFunction } from '../constructs/itsm-function.ts';

/**
 * Why each public route may be public. A route marked auth 'none' in functions/routes.ts without
 * an entry here fails the synth: opening a route must be a decision written down, not a default.
 */
export const PUBLIC_ROUTE_REASONS: Partial<Record<FunctionId, string>> = {
  health:
    'health check for load balancers and uptime monitors; it answers only whether the API and its table respond, and returns no ticket data.',
  openApi: 'the public API description (OpenAPI document), the same for every caller; it returns no ticket data.',
};

export interface ApiStackProps extends StackProps {
  readonly table: ITableV2;
  readonly config: ItsmConfig;
  /** Directory the route table's `entry` paths are relative to; it holds package-lock.json. */
  readonly sourceRoot: string;
}

/** The stateless half: identity, one function per route-table entry, the HTTP API and alarms. */
export class ApiStack extends Stack {
  readonly identity: Identity;
  readonly httpApi: ItsmHttpApi;
  readonly functions: ReadonlyMap<FunctionId, ItsmFunction>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, table } = props;

    this.identity = new Identity(this, 'Identity', config.identity);

    this.httpApi = new ItsmHttpApi(this, 'HttpApi', {
      jwtIssuer: this.identity.issuer,
      jwtAudience: this.identity.audience,
      corsOrigins: config.corsOrigins,
      throttleRateLimit: config.throttleRateLimit,
      throttleBurstLimit: config.throttleBurstLimit,
      logRetention: config.logRetention,
    });

    const alarms = new Alarms(this, 'Alarms', { email: config.alarmEmail });
    alarms.watchApi(this.httpApi.api);

    // `satisfies` ties this object to the keys the route table promises every function.
    const environment = {
      TABLE_NAME: table.tableName,
      GROUPS_CLAIM: config.groupsClaim,
      LOG_LEVEL: config.logLevel,
    } satisfies Record<(typeof FUNCTION_ENVIRONMENT_KEYS)[number], string>;

    const functions = new Map<FunctionId, ItsmFunction>();
    for (const [functionId, definition] of Object.entries(FUNCTIONS) as [FunctionId, FunctionDefinition][]) {
      const constructId = pascalCase(functionId);
      const fn = new ItsmFunction(this, constructId, {
        entry: join(props.sourceRoot, definition.entry),
        projectRoot: props.sourceRoot,
        description: definition.description,
        ...(definition.memoryMb !== undefined ? { memoryMb: definition.memoryMb } : {}),
        ...(definition.timeoutSeconds !== undefined ? { timeoutSeconds: definition.timeoutSeconds } : {}),
        logRetention: config.logRetention,
        environment,
      });
      fn.grantTableAccess(table, definition.tableAccess);
      alarms.watchFunction(constructId, fn.function);
      functions.set(functionId, fn);
    }
    this.functions = functions;

    for (const route of ROUTES) {
      const fn = functions.get(route.functionId);
      if (fn === undefined) throw new Error(`Route ${route.method} ${route.path} names unknown function ${route.functionId}`);
      const publicReason = route.auth === 'none' ? PUBLIC_ROUTE_REASONS[route.functionId] : undefined;
      this.httpApi.addRoute(route, fn.function, {
        integrationId: `${pascalCase(route.functionId)}Integration`,
        ...(publicReason !== undefined ? { publicReason } : {}),
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'JwtIssuer', { value: this.identity.issuer, description: 'Issuer the JWT authorizer trusts' });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'SNS topic the alarms publish to; subscribe paging or chat tools here',
    });
    if (this.identity.userPool !== undefined && this.identity.userPoolClient !== undefined) {
      new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId, description: 'Cognito user pool of the API users' });
      new CfnOutput(this, 'UserPoolClientId', {
        value: this.identity.userPoolClient.userPoolClientId,
        description: 'Public app client (no secret) for web and CLI sign-in',
      });
    }
  }
}

function pascalCase(id: string): string {
  return `${id.charAt(0).toUpperCase()}${id.slice(1)}`;
}
