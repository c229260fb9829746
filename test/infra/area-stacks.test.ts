import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { type Area, assembleAreas, ROUTES } from '../../functions/routes.ts';
import { API_STACK, buildApp, DATA_STACK } from '../../infra/app.ts';
import { invokeSourcePattern } from '../../infra/constructs/http-routes.ts';
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, TABLE_ACTIONS } from '../../infra/constructs/itsm-function.ts';
import type { AreaStack } from '../../infra/stacks/area-stack.ts';
import bookmarks from '../fixtures/areas/bookmarks/area.ts';
import {
  actionsOf,
  describeFindings,
  logicalIdIn,
  productFunctions,
  resourcesOfType,
  type Statement,
  type SynthesizedApp,
  sourceRootForTests,
  synthesize,
  TRIGGER_PROVIDER_LOGICAL_ID,
  unacknowledgedNagFindings,
} from './helpers.ts';

/**
 * Areas that name a stack of their own (`stack` in defineArea) deploy there, as the API stack
 * deploys its areas: the fixture area (test/fixtures/areas/bookmarks/), given a stack, a
 * capability, a stream consumer and a public route here, beside the registry's areas (problems
 * in ItsmProblems among them).
 */

/**
 * What each stack may hold, below CloudFormation's 500 resources per stack (CDK refuses to
 * synthesize more): the margin is the next area's room, so an area that would push a stack near
 * the limit fails this test, and names the stack, instead of a deployment. The fix is a stack of
 * its own for the area (docs/adding-an-area.md), not a higher budget.
 */
const RESOURCE_BUDGETS: Readonly<Record<string, number>> = { [DATA_STACK]: 10, [API_STACK]: 450 };
const AREA_STACK_BUDGET = 300;

const FIXTURE_STACK = 'ItsmBookmarks';
const PUBLIC_REASON = 'The fixture proves a public route of an area stack is acknowledged on that route only';
const fixture: Area = {
  ...bookmarks,
  stack: FIXTURE_STACK,
  functions: {
    ...bookmarks.functions,
    // publishEvents brings a variable and a statement; stopChangeApprovals an acknowledged wildcard on another stack's state machine.
    listBookmarks: { ...bookmarks.functions.listBookmarks, capabilities: ['publishEvents', 'stopChangeApprovals'] },
    // Reuses the seed handler's entry: bundling is skipped, the entry only needs to exist.
    watchBookmarks: { entry: bookmarks.functions.seedBookmarks.entry, description: 'Reads bookmark writes from the table stream', tableAccess: 'read' },
  },
  routes: [
    ...(bookmarks.routes ?? []),
    { method: 'GET', path: '/bookmarks/{id}/public', functionId: 'listBookmarks', auth: 'none', publicReason: PUBLIC_REASON },
  ],
  consumers: [
    ...(bookmarks.consumers ?? []),
    {
      functionId: 'watchBookmarks',
      source: {
        kind: 'tableStream',
        filter: { dynamodb: { NewImage: { entity: { S: ['bookmark'] } } } },
        batchSize: 10,
        replay: { group: 'bookmarks', what: 'bookmark writes not read' },
      },
    },
  ],
};

/** IAM's ArnLike: `*` matches any characters, `/` included; `?` one character. */
function arnLike(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

describe('one invoke permission per function (invokeSourcePattern)', () => {
  const byFunction = new Map<string, (typeof ROUTES)[number][]>();
  for (const route of ROUTES) byFunction.set(route.functionId, [...(byFunction.get(route.functionId) ?? []), route]);

  it.each([...byFunction])('%s: its pattern covers each of its routes, as template and as request path', (_functionId, routes) => {
    const pattern = invokeSourcePattern(routes);
    for (const route of routes) {
      expect(arnLike(pattern, `$default/${route.method}${route.path}`), `${route.method} ${route.path}`).toBe(true);
      expect(arnLike(pattern, `$default/${route.method}${route.path.replace(/\{[^}]+\}/g, '01JD0000000000000000000000')}`)).toBe(true);
    }
  });

  it('names the method and the path when the routes share them, and nothing wider than their shared segments', () => {
    expect(invokeSourcePattern([{ method: 'GET', path: '/incidents/{id}' }])).toBe('*/GET/incidents/*');
    expect(invokeSourcePattern([{ method: 'POST', path: '/incidents' }])).toBe('*/POST/incidents');
    expect(
      invokeSourcePattern([
        { method: 'GET', path: '/groups' },
        { method: 'PUT', path: '/groups/{name}' },
      ]),
    ).toBe('*/*/groups*');
    expect(
      invokeSourcePattern([
        { method: 'POST', path: '/changes/{id}/submit' },
        { method: 'POST', path: '/changes/{id}/cancel' },
      ]),
    ).toBe('*/POST/changes/*/*');
    expect(
      invokeSourcePattern([
        { method: 'GET', path: '/changes/{id}' },
        { method: 'GET', path: '/changes/{id}/notes' },
      ]),
    ).toBe('*/GET/changes/*');
    expect(
      invokeSourcePattern([
        { method: 'GET', path: '/health' },
        { method: 'GET', path: '/openapi.json' },
      ]),
    ).toBe('*/GET/*');
    // A single-route function's permission does not cover another method or a sibling path.
    const getIncident = invokeSourcePattern([{ method: 'GET', path: '/incidents/{id}' }]);
    expect(arnLike(getIncident, '$default/PATCH/incidents/{id}')).toBe(false);
    expect(arnLike(getIncident, '$default/GET/changes/{id}')).toBe(false);
    expect(() => invokeSourcePattern([])).toThrow(/at least one route/);
  });
});

describe('an area in a stack of its own', () => {
  let synth: SynthesizedApp;
  let area: AreaStack;
  let template: Template;
  let api: Template;
  const logicalIdOf = (functionId: string, part: 'function' | 'role' = 'function') => {
    const fn = area.functions.get(functionId);
    if (fn === undefined) throw new Error(`No function ${functionId} in ${FIXTURE_STACK}`);
    return logicalIdIn(part === 'function' ? fn.function : fn.role);
  };
  /** The API stack output a `Fn::ImportValue` names, by its export name. */
  const exported = (imported: unknown): unknown => {
    const name = (imported as { 'Fn::ImportValue'?: string } | undefined)?.['Fn::ImportValue'];
    if (typeof name !== 'string') return undefined;
    const outputs = (api.toJSON() as { Outputs: Record<string, { Value: unknown; Export?: { Name: string } }> }).Outputs;
    return Object.values(outputs).find((output) => output.Export?.Name === name)?.Value;
  };
  const statementsOf = (functionId: string): Statement[] =>
    Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: logicalIdOf(functionId, 'role') }]))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);

  beforeAll(() => {
    synth = synthesize({}, { areas: [...AREAS, fixture] });
    area = synth.areaStacks.get(FIXTURE_STACK) as AreaStack;
    template = synth.home('listBookmarks').template;
    api = synth.apiTemplate;
  });
  afterAll(() => synth?.cleanup());

  it('gets a stack of its own for each stack an area names, depending on the API and data stacks only', () => {
    const named = new Set([...AREAS, fixture].flatMap((a) => (a.stack === undefined || a.stack === API_STACK ? [] : [a.stack])));
    expect([...synth.areaStacks.keys()].sort()).toEqual([...named].sort());
    expect(area).toBeDefined();
    expect(area.dependencies.map((stack) => stack.node.id).sort()).toEqual([API_STACK, DATA_STACK]);
    expect(synth.api.dependencies.map((stack) => stack.node.id)).toEqual([DATA_STACK]);
  });

  it('holds exactly its areas’ functions; the API stack none of them', () => {
    for (const stack of [...synth.areaStacks.values()]) {
      const areas = [...AREAS, fixture].filter((a) => a.stack === stack.node.id);
      expect([...stack.functions.keys()].sort(), stack.node.id).toEqual(Object.keys(assembleAreas(areas).functions).sort());
      for (const functionId of stack.functions.keys()) expect(synth.api.functions.has(functionId as never), functionId).toBe(false);
      expect(Object.keys(productFunctions(Template.fromStack(stack)))).toHaveLength(stack.functions.size);
    }
  });

  it('adds its routes to the one HTTP API, behind its JWT authorizer (a public route only where the area says so)', () => {
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties!);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['GET /bookmarks', 'GET /bookmarks/{id}/public']);
    const [httpApi] = Object.keys(resourcesOfType(api, 'AWS::ApiGatewayV2::Api'));
    const [authorizer] = Object.keys(resourcesOfType(api, 'AWS::ApiGatewayV2::Authorizer'));
    expect(resourcesOfType(api, 'AWS::ApiGatewayV2::Authorizer')[authorizer!]?.Properties).toMatchObject({ AuthorizerType: 'JWT' });
    for (const route of routes) {
      expect(exported(route.ApiId)).toEqual({ Ref: httpApi });
      if (route.RouteKey === 'GET /bookmarks') {
        expect(route.AuthorizationType).toBe('JWT');
        expect(exported(route.AuthorizerId)).toEqual({ Ref: authorizer });
      } else {
        expect(route.AuthorizationType).toBe('NONE');
        expect(route.AuthorizerId).toBeUndefined();
      }
    }
    // No stage, authorizer or API of its own.
    for (const type of ['AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Stage', 'AWS::ApiGatewayV2::Authorizer'])
      expect(resourcesOfType(template, type)).toEqual({});
    const integrations = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Integration')).map((i) => i.Properties!);
    expect(integrations).toEqual([
      {
        ApiId: routes[0]!.ApiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': [logicalIdOf('listBookmarks'), 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    ]);
  });

  it('lets API Gateway invoke a routed function through this API only: one permission per function, naming the API and its routes', () => {
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).map((p) => p.Properties!);
    expect(permissions).toHaveLength(1);
    const [permission] = permissions;
    expect(permission).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf('listBookmarks'), 'Arn'] },
    });
    const [, parts] = (permission!.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    expect(parts.slice(0, 7)).toEqual(['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':']);
    expect(exported(parts[7])).toEqual({ Ref: Object.keys(resourcesOfType(api, 'AWS::ApiGatewayV2::Api'))[0] });
    expect(parts[8]).toBe('/*/GET/bookmarks*');
    // The API stack too: one per routed function, none per route.
    const routed = new Set(ROUTES.filter((r) => synth.home(r.functionId).stack === synth.api).map((r) => r.functionId));
    expect(Object.keys(resourcesOfType(api, 'AWS::Lambda::Permission'))).toHaveLength(routed.size);
  });

  it('gives its functions every house default and the same variables as the API stack’s, plus those of their capabilities', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const apiFunction = resourcesOfType(api, 'AWS::Lambda::Function')[logicalIdIn(synth.api.functions.get('getIncident')!.function)];
    const common = (apiFunction?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(common.TABLE_NAME).toEqual({ 'Fn::ImportValue': expect.stringContaining(`${DATA_STACK}:`) });
    for (const [functionId, definition] of Object.entries(fixture.functions)) {
      const properties = functions[logicalIdOf(functionId)]?.Properties;
      expect(properties, functionId).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: definition.memoryMb ?? DEFAULT_MEMORY_MB,
        Timeout: definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        Handler: 'index.handler',
        Description: definition.description,
      });
      const { EVENT_BUS_NAME, ...variables } = (properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables, functionId).toEqual(common);
      if (functionId === 'listBookmarks') expect(exported(EVENT_BUS_NAME)).toEqual({ Ref: logicalIdIn(synth.api.ingestion.bus) });
      else expect(EVENT_BUS_NAME, functionId).toBeUndefined();
      const logGroup = (properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resourcesOfType(template, 'AWS::Logs::LogGroup')[logGroup]?.Properties).toMatchObject({ RetentionInDays: 30 });
    }
  });

  it('grants exactly each function’s tableAccess on the table and its indexes, and a capability exactly its statement', () => {
    for (const [functionId, definition] of Object.entries(fixture.functions)) {
      const statements = statementsOf(functionId);
      const table = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')) && !JSON.stringify(s.Resource).includes('StreamArn'));
      const actions = new Set(table.flatMap(actionsOf));
      const expected = definition.tableAccess === 'read' ? [...TABLE_ACTIONS.read] : [...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write];
      expect(actions, functionId).toEqual(new Set(expected));
      expect(JSON.stringify(table.map((s) => s.Resource))).toContain(`${DATA_STACK}:`);
      const events = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
      if (functionId === 'listBookmarks') {
        expect(events).toHaveLength(1);
        expect(events[0]!.Action).toBe('events:PutEvents');
        expect(exported(events[0]!.Resource)).toEqual({ 'Fn::GetAtt': [logicalIdIn(synth.api.ingestion.bus), 'Arn'] });
        // The change approval workflow's executions, by the API stack's export of its name, in a policy of its own.
        const stop = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
        expect(stop).toHaveLength(1);
        expect(stop[0]!.Action).toBe('states:StopExecution');
        const [, arn] = (stop[0]!.Resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
        expect(arn.map((part) => exported(part) ?? part)).toContainEqual({
          'Fn::GetAtt': [logicalIdIn(synth.api.workflows.get('changeApproval')!.stateMachine), 'Name'],
        });
        expect(area.functions.get(functionId)!.node.tryFindChild('StopChangeApprovalsPolicy')).toBeDefined();
      } else {
        expect(events, functionId).toEqual([]);
      }
      for (const statement of statements) for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
    }
  });

  it('wires its consumers here: the filtered stream mapping with its failure bucket and outputs, the after-deploy trigger', () => {
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).map((m) => m.Properties!);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({
      FunctionName: { Ref: logicalIdOf('watchBookmarks') },
      EventSourceArn: { 'Fn::ImportValue': expect.stringMatching(new RegExp(`^${DATA_STACK}:.*StreamArn`)) },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ dynamodb: { NewImage: { entity: { S: ['bookmark'] } } } }) }] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdIn(area.streamConsumers.get('watchBookmarks')!.failureBucket), 'Arn'] } } },
    });
    template.hasOutput('WatchBookmarksFailureBucketName', {});
    template.hasOutput('WatchBookmarksFunctionName', {});
    expect(Object.keys(resourcesOfType(template, 'Custom::Trigger'))).toHaveLength(1);
    expect(area.afterDeploy.has('seedBookmarks')).toBe(true);
    // The trigger's provider, in this stack, with the log group AfterDeploy gives it.
    expect(Object.keys(resourcesOfType(template, 'AWS::Lambda::Function')).filter((id) => TRIGGER_PROVIDER_LOGICAL_ID.test(id))).toHaveLength(1);
  });

  it('alarms on each function and on its failure bucket, into the API stack’s alarm topic', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!);
    expect(alarms).toHaveLength(Object.keys(fixture.functions).length + 1);
    const topic = { Ref: logicalIdIn(synth.api.node.findChild('Alarms').node.findChild('Topic')) };
    for (const alarm of alarms) {
      expect((alarm.AlarmActions as unknown[]).map(exported)).toEqual([topic]);
      expect((alarm.OKActions as unknown[]).map(exported)).toEqual([topic]);
    }
    for (const functionId of Object.keys(fixture.functions)) {
      expect(
        alarms.filter((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(`"${logicalIdOf(functionId)}"`)),
        functionId,
      ).toHaveLength(1);
    }
    expect(resourcesOfType(template, 'AWS::SNS::Topic')).toEqual({});
  });

  it('leaves no unacknowledged cdk-nag finding; the public route is acknowledged on that route only', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
    const route = area.node.findChild('HttpApi').node.findChild('GET--bookmarks--{id}--public');
    expect(JSON.stringify(route.node.metadata)).toContain(PUBLIC_REASON);
    expect(JSON.stringify(area.node.findChild('HttpApi').node.findChild('GET--bookmarks').node.metadata)).not.toContain('APIG4');
  });

  it('keeps every stack within its resource budget', () => {
    for (const stack of synth.app.node.children.filter((child): child is Stack => child instanceof Stack)) {
      const count = Object.keys((Template.fromStack(stack).toJSON() as { Resources: object }).Resources).length;
      const budget = RESOURCE_BUDGETS[stack.node.id] ?? AREA_STACK_BUDGET;
      expect(count, `${stack.node.id}: ${count} resources, budget ${budget}`).toBeLessThanOrEqual(budget);
    }
  });
});

describe('what an area stack refuses', () => {
  const build = (area: Area) => () => buildApp({ 'aws:cdk:bundling-stacks': [] }, { env: {}, areas: [...AREAS, area] });

  it('a stack name CloudFormation would refuse, and the data stack', () => {
    expect(build({ ...bookmarks, stack: 'Itsm_Bookmarks' })).toThrow(/Area bookmarks: stack "Itsm_Bookmarks" is not a CloudFormation stack name/);
    expect(build({ ...bookmarks, stack: DATA_STACK })).toThrow(/stack ItsmData holds the table only/);
  });

  it('a workflow the SLA timers start and the ingestion queue, which live with the API stack', () => {
    const workflow = {
      definitionFile: 'statemachines/incident-escalation.asl.json',
      description: 'x',
      functions: { EscalationStepsFunctionArn: 'listBookmarks' },
      arnEnvironment: 'ESCALATION_STATE_MACHINE_ARN',
    };
    expect(build({ ...bookmarks, stack: FIXTURE_STACK, workflows: { bookmarkFlow: workflow } })).toThrow(
      /Stack ItsmBookmarks: a workflow the SLA timers start deploys with the API stack.*bookmarkFlow/,
    );
    expect(build({ ...bookmarks, stack: FIXTURE_STACK, consumers: [{ functionId: 'seedBookmarks', source: { kind: 'ingestionQueue' } }] })).toThrow(
      /Stack ItsmBookmarks: the ingestion queue's consumer deploys with the API stack/,
    );
  });

  it('takes any other workflow: it deploys there, with the functions it calls (ItsmRequests holds requestFulfilment)', () => {
    const workflow = {
      definitionFile: 'statemachines/incident-escalation.asl.json',
      description: 'x',
      functions: { EscalationStepsFunctionArn: 'listBookmarks' },
      arnEnvironment: 'BOOKMARK_FLOW_ARN',
    };
    const area: Area = { ...bookmarks, stack: FIXTURE_STACK, workflows: { bookmarkFlow: workflow } };
    // Stub entries and fixture workflows where the real ones are still being written.
    const source = sourceRootForTests([...AREAS, area]);
    onTestFinished(source.cleanup);
    const built = buildApp({ 'aws:cdk:bundling-stacks': [] }, { env: {}, areas: [...AREAS, area], sourceRoot: source.root });
    const stack = built.areaStacks.get(FIXTURE_STACK) as AreaStack;
    expect([...stack.workflows.keys()]).toEqual(['bookmarkFlow']);
    expect(stack.workflows.get('bookmarkFlow')?.stateMachine.node.path).toBe(`${FIXTURE_STACK}/BookmarkFlow/StateMachine`);
    expect([...(built.areaStacks.get('ItsmRequests') as AreaStack).workflows.keys()]).toEqual(['requestFulfilment']);
    expect(built.api.workflows.has('requestFulfilment' as never)).toBe(false);
  });
});
