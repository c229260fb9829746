import { Duration, Names, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpNoneAuthorizer, type HttpRoute, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../functions/routes.ts';

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
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();

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
  }

  /** Base URL of the API, with a trailing slash. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Adds one route of the route table; functions serving several routes share one integration.
   * A public route (auth 'none') needs `publicReason`: it becomes the cdk-nag acknowledgement.
   */
  addRoute(route: RouteDefinition, handler: IFunction, options: { integrationId: string; publicReason?: string }): HttpRoute {
    if (route.auth === 'none' && (options.publicReason === undefined || options.publicReason.trim() === '')) {
      throw new Error(`${route.method} ${route.path} is public (auth 'none') but no reason was given for it`);
    }
    let integration = this.integrations.get(handler);
    if (integration === undefined) {
      integration = new HttpLambdaIntegration(options.integrationId, handler);
      this.integrations.set(handler, integration);
    }
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration,
      authorizer: route.auth === 'none' ? new HttpNoneAuthorizer() : this.authorizer,
    });
    if (created === undefined) throw new Error(`No route was created for ${route.method} ${route.path}`);
    if (route.auth === 'none') {
      // Acknowledged on this one route only, so any other unauthenticated route fails the synth.
      Validations.of(created).acknowledge({ id: 'AwsSolutions-APIG4', reason: `${route.method} ${route.path}: ${options.publicReason}` });
    }
    return created;
  }
}
