import { Lazy, Stack, Validations } from 'aws-cdk-lib';
import {
  HttpIntegrationType,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteIntegration,
  type HttpRouteIntegrationBindOptions,
  type HttpRouteIntegrationConfig,
  HttpRouteKey,
  type IHttpApi,
  type IHttpRouteAuthorizer,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../../functions/shared/area.ts';

/**
 * A Lambda proxy integration (payload 2.0) that adds no invoke permission of its own.
 * CDK's HttpLambdaIntegration adds one AWS::Lambda::Permission per route: 70 of the API stack's
 * resources, towards CloudFormation's 500 per stack. HttpRoutes below grants one per function
 * instead, still naming this API and the function's own routes.
 */
export class LambdaProxyIntegration extends HttpRouteIntegration {
  constructor(
    id: string,
    private readonly handler: IFunction,
  ) {
    super(id);
  }

  bind(_options: HttpRouteIntegrationBindOptions): HttpRouteIntegrationConfig {
    return { type: HttpIntegrationType.AWS_PROXY, uri: this.handler.functionArn, payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 };
  }
}

/**
 * What API Gateway may invoke a function for, as the end of an execute-api ARN after the API id
 * (stage, method, path), covering every route given and as little else as one pattern can: the
 * method when they share it, the path when they share it (each `{param}` a wildcard, which matches
 * the route's template and a request's value alike), otherwise the path segments they share
 * followed by a wildcard. The stage is a wildcard: the API has one ($default).
 */
export function invokeSourcePattern(routes: readonly Pick<RouteDefinition, 'method' | 'path'>[]): string {
  // GET /incidents/{id}                                  ->  */GET/incidents/*
  // GET, POST, PUT, DELETE on /groups and /groups/{name} ->  */*/groups*
  // POST /changes/{id}/submit and /changes/{id}/cancel   ->  */POST/changes/*/*
  if (routes.length === 0) throw new Error('An invoke permission needs at least one route');
  const methods = new Set(routes.map((route) => route.method));
  const method = methods.size === 1 ? [...methods][0] : '*';
  const paths = [...new Set(routes.map((route) => route.path.replace(/\{[^}]+\}/g, '*')))];
  if (paths.length === 1) return `*/${method}${paths[0]}`;
  const segmentsOf = paths.map((path) => path.split('/').slice(1));
  const shared: string[] = [];
  for (const [index, segment] of (segmentsOf[0] ?? []).entries()) {
    if (!segmentsOf.every((segments) => segments[index] === segment)) break;
    shared.push(segment);
  }
  if (shared.length === 0) return `*/${method}/*`;
  // `/groups` and `/groups/{name}`: `groups*` covers both; `/changes/*/x` and `/changes/*/y`: `changes/*/*`.
  // A shared path that ends in a parameter already matches whatever follows it.
  const endsAtShared = segmentsOf.some((segments) => segments.length === shared.length);
  const suffix = !endsAtShared ? '/*' : shared.at(-1) === '*' ? '' : '*';
  return `*/${method}/${shared.join('/')}${suffix}`;
}

export interface HttpRoutesProps {
  /** The API, this stack's own or imported by id (HttpApi.fromHttpApiAttributes). */
  readonly httpApi: IHttpApi;
  /** Where route constructs go: the API itself in its stack, an imported API's construct elsewhere. */
  readonly scope: Construct;
  /** The JWT authorizer every route but a public one uses (imported by id in another stack). */
  readonly jwtAuthorizer: IHttpRouteAuthorizer;
}

/**
 * Adds route-table routes to the HTTP API from whichever stack holds their functions: one
 * integration per function, shared by its routes, and one invoke permission per function, in the
 * function's stack, whose source ARN names this API and the function's routes
 * (invokeSourcePattern, over every route added for it).
 */
export class HttpRoutes {
  private readonly integrations = new Map<IFunction, { integration: LambdaProxyIntegration; routes: RouteDefinition[] }>();

  constructor(private readonly props: HttpRoutesProps) {}

  /**
   * Adds one route of the route table. A public route (auth 'none') needs `publicReason`: it
   * becomes the cdk-nag acknowledgement.
   */
  addRoute(route: RouteDefinition, handler: IFunction, options: { integrationId: string; publicReason?: string }): HttpRoute {
    if (route.auth === 'none' && (options.publicReason === undefined || options.publicReason.trim() === '')) {
      throw new Error(`${route.method} ${route.path} is public (auth 'none') but no reason was given for it`);
    }
    let entry = this.integrations.get(handler);
    if (entry === undefined) {
      entry = { integration: new LambdaProxyIntegration(options.integrationId, handler), routes: [] };
      this.integrations.set(handler, entry);
      this.grantInvoke(handler, entry.routes);
    }
    entry.routes.push(route);
    // The id HttpApi.addRoutes gives a route (`GET/incidents/{id}`), so moving route creation here kept every logical id.
    const created = new HttpRoute(this.props.scope, `${route.method}${route.path}`, {
      httpApi: this.props.httpApi,
      routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
      integration: entry.integration,
      authorizer: route.auth === 'none' ? new HttpNoneAuthorizer() : this.props.jwtAuthorizer,
    });
    if (route.auth === 'none') {
      // Acknowledged on this one route only, so any other unauthenticated route fails the synth.
      Validations.of(created).acknowledge({ id: 'AwsSolutions-APIG4', reason: `${route.method} ${route.path}: ${options.publicReason}` });
    }
    return created;
  }

  /** One permission per function; its pattern is read at synth, once every route of the function is known. */
  private grantInvoke(handler: IFunction, routes: readonly RouteDefinition[]): void {
    handler.addPermission('ApiInvoke', {
      principal: new ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: Stack.of(handler).formatArn({
        service: 'execute-api',
        resource: this.props.httpApi.apiId,
        resourceName: Lazy.string({ produce: () => invokeSourcePattern(routes) }),
      }),
    });
  }
}
