import { join } from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { INGESTION_RULES } from '../../functions/ingestion/rules.ts';
import {
  CONSUMERS,
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
import { Ingestion } from '../constructs/ingestion.ts';
import { ItsmFunction } from '../constructs/itsm-function.ts';
import { TableStreamConsumer } from '../constructs/stream-consumer.ts';

/**
 * Why each public route may be public. A route marked auth 'none' in functions/routes.ts without
 * an entry here fails the synth: opening a route must be a decision written down, not a default.
 */
export const PUBLIC_ROUTE_REASONS: Partial<Record<FunctionId, string>> = {
  health:
    'health check for load balancers and uptime monitors; it answers only whether the API and its table respond, and returns no ticket data.',
  openApi: 'the public API description (OpenAPI document), the same for every caller; it returns no ticket data.',
  enqueueEvent:
    'PagerDuty Events API v2 compatible intake for monitoring tools (Alertmanager, Grafana, ...), which send no Authorization header: the integration key (routing_key) in the body authenticates each event, as with PagerDuty; unknown or revoked keys get 400 and nothing is recorded, each key has its own rate limit (429) enforced in the function, bodies are capped at 64 KB, and stage throttling applies.',
};

export interface ApiStackProps extends StackProps {
  /** The table; its stream feeds the `tableStream` consumers of CONSUMERS. */
  readonly table: ITableV2;
  readonly config: ItsmConfig;
  /** Directory the route table's `entry` paths are relative to; it holds package-lock.json. */
  readonly sourceRoot: string;
}

/**
 * The stateless half: identity, one function per route-table entry, the HTTP API, event ingestion
 * (the bus, its queue, the stream consumers) and alarms. Ingestion lives here rather than in a
 * stack of its own: its consumers are this stack's functions and its alarms this stack's topic,
 * and nothing in it is data. Queues only buffer events for seconds (a redeploy keeps them; only
 * deleting the stack would drop what is in flight or dead-lettered), and the bus's name comes from
 * its construct path, so its ARN survives a destroy and redeploy for senders in other accounts.
 */
export class ApiStack extends Stack {
  readonly identity: Identity;
  readonly httpApi: ItsmHttpApi;
  readonly functions: ReadonlyMap<FunctionId, ItsmFunction>;
  readonly ingestion: Ingestion;
  readonly streamConsumers: ReadonlyMap<FunctionId, TableStreamConsumer>;

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
      EVENT_RETENTION_DAYS: String(config.eventRetentionDays),
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

    // Functions without a route, wired to what triggers them, as CONSUMERS in functions/routes.ts
    // lists them: adding a consumer there adds its event source here.
    let busConsumer: ItsmFunction | undefined;
    const streamConsumers = new Map<FunctionId, TableStreamConsumer>();
    for (const { functionId, source } of CONSUMERS) {
      const fn = functions.get(functionId);
      if (fn === undefined) throw new Error(`Consumer ${functionId} is not in FUNCTIONS`);
      switch (source.kind) {
        case 'ingestionQueue':
          // Consumers of one queue compete for its messages; a second one would see only some
          // events. A second reader of bus events needs its own queue (and rule targets).
          if (busConsumer !== undefined) throw new Error(`Only one function may consume the ingestion queue; ${functionId} is a second one`);
          busConsumer = fn;
          break;
        case 'tableStream':
          streamConsumers.set(
            functionId,
            new TableStreamConsumer(this, `${pascalCase(functionId)}Stream`, {
              consumer: fn,
              table,
              filter: source.filter,
              batchSize: source.batchSize,
              alarms,
            }),
          );
          break;
        default: {
          const unknown: never = source;
          throw new Error(`Consumer ${functionId} has an unknown source ${JSON.stringify(unknown)}`);
        }
      }
    }
    if (busConsumer === undefined) {
      throw new Error('No function consumes the ingestion queue (CONSUMERS has no ingestionQueue source): bus events would pile up unread');
    }
    this.streamConsumers = streamConsumers;
    this.ingestion = new Ingestion(this, 'Ingestion', { config: config.ingestion, rules: INGESTION_RULES, consumer: busConsumer, alarms });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'JwtIssuer', { value: this.identity.issuer, description: 'Issuer the JWT authorizer trusts' });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'SNS topic the alarms publish to; subscribe paging or chat tools here',
    });
    new CfnOutput(this, 'IngestionBusName', {
      value: this.ingestion.bus.eventBusName,
      description: 'EventBridge bus for Incident Trigger / Acknowledge / Resolve events (EventBusName of PutEvents)',
    });
    new CfnOutput(this, 'IngestionBusArn', {
      value: this.ingestion.bus.eventBusArn,
      description: 'ARN of the ingestion bus: the target of rules in other accounts, and the resource of their PutEvents permission',
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
