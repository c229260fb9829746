import { Duration, Names } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CorsHttpMethod, HttpApi, type HttpRoute, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../functions/routes.ts';
import { HttpRoutes } from './http-routes.ts';

export interface ItsmHttpApiProps {
  readonly jwtIssuer: string;
  readonly jwtAudience: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly logRetention: RetentionDays;
}

/**
 * One JSON object per request, so CloudWatch Logs Insights can filter and aggregate on any field
 * without parse patterns. Every value is quoted because API Gateway writes `-` for an empty value,
 * which would break JSON as a bare number.
 */
export const ACCESS_LOG_FIELDS = {
  // The id a 5xx body quotes (`requestId`), the `apigw-requestid` response header carries, and
  // every log line of the function's invocation has as `correlation_id` (functions/shared/log.ts).
  requestId: '$context.requestId',
  // For a Lambda route, the invocation's request id: `function_request_id` in the function's log.
  integrationRequestId: '$context.integration.requestId',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  // The caller's opaque subject: enough to answer "who did this" together with the audit trail,
  // without writing names or emails to the logs.
  sub: '$context.authorizer.claims.sub',
  error: '$context.error.message',
} as const;

/** Headers a browser client sends or must read (conditional writes, idempotent creates). */
const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key'];
const CORS_EXPOSE_HEADERS = ['etag', 'location', 'retry-after', 'idempotent-replayed'];

/**
 * The HTTP API: a JWT authorizer that every route uses unless the route table says `none`,
 * stage-wide throttling, and JSON access logs.
 */
export class ItsmHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly authorizer: HttpJwtAuthorizer;
  private readonly routes: HttpRoutes;

  constructor(scope: Construct, id: string, props: ItsmHttpApiProps) {
    super(scope, id);

    this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer, {
      jwtAudience: [...props.jwtAudience],
      identitySource: ['$request.header.Authorization'],
    });

    this.api = new HttpApi(this, 'Api', {
      // Derived from the construct path, so two deployments in one account stay distinguishable
      // in the console without a hard-coded name.
      apiName: Names.uniqueResourceName(this, { maxLength: 128 }),
      description: 'Open ITSM API',
      // Secure by default: a route added anywhere without an explicit authorizer still needs a token.
      defaultAuthorizer: this.authorizer,
      // The L2's automatic $default stage takes neither access logs nor throttling; ours below does.
      createDefaultStage: false,
      ...(props.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE, CorsHttpMethod.OPTIONS],
              allowHeaders: CORS_ALLOW_HEADERS,
              exposeHeaders: CORS_EXPOSE_HEADERS,
              // Bearer tokens travel in a header, never in cookies.
              allowCredentials: false,
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });

    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // Caps what one noisy client (or a retry storm) can cost in Lambda and DynamoDB spend.
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    this.routes = new HttpRoutes({ httpApi: this.api, scope: this.api, jwtAuthorizer: this.authorizer });
  }

  /** Base URL of the API, with a trailing slash. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * The JWT authorizer's id, for routes added from another stack (infra/stacks/area-stack.ts).
   * The authorizer exists once a route of this stack uses it (the API stack always has such routes).
   */
  get jwtAuthorizerId(): string {
    return this.authorizer.authorizerId;
  }

  /**
   * Adds one route of the route table (HttpRoutes): functions serving several routes share one
   * integration and one invoke permission. A public route (auth 'none') needs `publicReason`:
   * it becomes the cdk-nag acknowledgement.
   */
  addRoute(route: RouteDefinition, handler: IFunction, options: { integrationId: string; publicReason?: string }): HttpRoute {
    return this.routes.addRoute(route, handler, options);
  }
}
