import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { AREAS } from '../../functions/areas.ts';
import { domainEventDetailOf, notificationMessageOf } from '../../functions/notify/schemas/events.ts';
import { assembleAreas, REGISTERED_AREAS } from '../../functions/routes.ts';
import type { Area } from '../../functions/shared/area.ts';
import { API_STACK, buildApp, REPOSITORY_ROOT } from '../../infra/app.ts';
import type { ApiStack } from '../../infra/stacks/api-stack.ts';
import { buildOpenApiDocument, type DescribedArea, describeAreas, type JsonObject } from '../../scripts/openapi/build.ts';
import { eventSchemaFiles, publishedEventDetails } from '../../scripts/openapi/event-schemas.ts';
import bookmarks from '../fixtures/areas/bookmarks/area.ts';

/*
 * docs/adding-an-area.md, followed: a new area is its folder (test/fixtures/areas/bookmarks/,
 * standing in for functions/bookmarks/) and one registering line in functions/areas.ts, written
 * here as `[...AREAS, bookmarks]`. With no other file touched, the area gets its functions,
 * routes and consumer in the route table and the CDK API stack, its operations, tag and
 * components in the API description (and its tag in the description's list of what the API
 * covers), its event types among the published ones, its event detail in the catalogue-wide
 * domain event and notification schemas, and its event schema among the generated files; and the
 * registry's own areas come out as they were.
 */
const WITH_FIXTURE: readonly Area[] = [...AREAS, bookmarks];

describe('the route table (assembleAreas)', () => {
  const assembled = assembleAreas(WITH_FIXTURE);

  it("adds the new area's functions, routes and consumers to the registry's, which stay as they were", () => {
    expect(assembled.functions).toEqual({ ...REGISTERED_AREAS.functions, ...bookmarks.functions });
    expect(assembled.functions.listBookmarks?.entry).toBe('test/fixtures/areas/bookmarks/handlers/list-bookmarks.ts');
    expect(assembled.routes).toEqual([...REGISTERED_AREAS.routes, { method: 'GET', path: '/bookmarks', functionId: 'listBookmarks', auth: 'jwt' }]);
    expect(assembled.consumers).toEqual([...REGISTERED_AREAS.consumers, { functionId: 'seedBookmarks', source: { kind: 'afterDeploy' } }]);
    expect(assembled.workflows).toEqual(REGISTERED_AREAS.workflows);
  });

  it("adds the new area's event types to the published ones (what notification filters may name)", () => {
    expect(assembled.publishedEventTypes).toEqual([...REGISTERED_AREAS.publishedEventTypes, 'Bookmark Added']);
    // The registry's own: the incident (SLA included) and change request types, as before the registry.
    expect(REGISTERED_AREAS.publishedEventTypes).toContain('Incident Created');
    expect(REGISTERED_AREAS.publishedEventTypes).toContain('SLA Breached');
    expect(REGISTERED_AREAS.publishedEventTypes).toContain('Change Scheduled');
  });

  it('refuses what two areas would both claim, and wiring to a function of another area', () => {
    const renamed = (changes: Partial<Area>): Area => ({ ...bookmarks, name: 'bookmarks2', ...changes });
    expect(() => assembleAreas([...WITH_FIXTURE, bookmarks])).toThrow(/area bookmarks/);
    expect(() => assembleAreas([...WITH_FIXTURE, renamed({ routes: [] })])).toThrow(/function listBookmarks, which another area declares too/);
    expect(() =>
      assembleAreas([
        ...AREAS,
        renamed({
          functions: { mine: bookmarks.functions.listBookmarks },
          routes: [{ method: 'GET', path: '/incidents', functionId: 'mine', auth: 'jwt' }],
          consumers: [],
        }),
      ]),
    ).toThrow(/route GET \/incidents, which area incidents declares too/);
    expect(() => assembleAreas([...AREAS, renamed({ routes: [{ method: 'GET', path: '/mine', functionId: 'createIncident', auth: 'jwt' }] })])).toThrow(
      /names function createIncident, which is not one of its own/,
    );
    expect(() => assembleAreas([...AREAS, renamed({ functions: {}, routes: [], consumers: [], publishedEventTypes: ['Incident Created'] })])).toThrow(
      /eventType Incident Created, which area incidents declares too/,
    );
  });
});

describe('the API description (buildOpenApiDocument)', () => {
  let registry: DescribedArea[];
  let withFixture: DescribedArea[];
  let before: JsonObject;
  let after: JsonObject;
  beforeAll(async () => {
    registry = await describeAreas(AREAS);
    withFixture = await describeAreas(WITH_FIXTURE);
    before = buildOpenApiDocument(registry);
    after = buildOpenApiDocument(withFixture);
  });

  it("documents the new area's operation under its tag, with its components", () => {
    const paths = after.paths as Record<string, Record<string, JsonObject>>;
    const operation = paths['/bookmarks']?.get;
    expect(operation).toMatchObject({ operationId: 'listBookmarks', tags: ['Bookmarks'], summary: 'List bookmarks', security: [{ bearerAuth: [] }] });
    expect((operation?.responses as JsonObject)['200']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/BookmarkPage' } } },
    });
    expect(after.tags).toEqual([...(before.tags as unknown[]), { name: 'Bookmarks', description: 'Links people keep' }]);
    const schemas = (after.components as JsonObject).schemas as JsonObject;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Bookmark', 'BookmarkPage']));
  });

  it("lists the new area's tag among what the API covers, in the document's description", () => {
    const described = (document: JsonObject): string => String((document.info as JsonObject).description);
    expect(described(before)).not.toContain('**Bookmarks**');
    expect(described(after)).toContain('- **Bookmarks**: Links people keep');
    // One line more, nothing else.
    expect(described(after).replace('\n- **Bookmarks**: Links people keep', '')).toBe(described(before));
  });

  it("leaves every other part of the registry's document as it was", () => {
    const { paths: pathsAfter, tags: _tagsAfter, components: componentsAfter, info: infoAfter, ...restAfter } = after;
    const { paths: pathsBefore, tags: _tagsBefore, components: componentsBefore, info: infoBefore, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);
    expect({ ...(infoAfter as JsonObject), description: undefined }).toEqual({ ...(infoBefore as JsonObject), description: undefined });
    const { '/bookmarks': added, ...others } = pathsAfter as JsonObject;
    expect(added).toBeDefined();
    expect(others).toEqual(pathsBefore);
    const { Bookmark: _bookmark, BookmarkPage: _page, ...otherSchemas } = (componentsAfter as JsonObject).schemas as JsonObject;
    expect(otherSchemas).toEqual((componentsBefore as JsonObject).schemas);
  });

  it("writes the new area's event schema beside the registry's", () => {
    const files = eventSchemaFiles(withFixture);
    expect(Object.keys(files)).toEqual([...Object.keys(eventSchemaFiles(registry)), 'docs/schemas/bookmark-added-detail.schema.json']);
    expect(files['docs/schemas/bookmark-added-detail.schema.json']?.()).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'Bookmark event detail',
      description: 'The `detail` of Bookmark Added.',
      properties: { type: { enum: ['Bookmark Added'] }, url: { type: 'string' } },
      additionalProperties: false,
    });
  });

  it("joins the new area's event detail into the domain event and notification schemas", () => {
    const variants = (document: JsonObject): JsonObject[] => document.oneOf as JsonObject[];
    const titles = (document: JsonObject): unknown[] => variants(document).map(({ title }) => title);
    const registryFiles = eventSchemaFiles(registry);
    const files = eventSchemaFiles(withFixture);
    const detailBefore = registryFiles['docs/schemas/domain-event-detail.schema.json']?.() as JsonObject;
    const detailAfter = files['docs/schemas/domain-event-detail.schema.json']?.() as JsonObject;
    expect(titles(detailBefore)).not.toContain('Bookmark event detail');
    expect(titles(detailAfter)).toEqual([...titles(detailBefore), 'Bookmark event detail']);
    expect(variants(detailAfter).at(-1)).toMatchObject({
      properties: { type: { enum: ['Bookmark Added'] }, url: { type: 'string' }, bookmark: { properties: { version: { type: 'integer' } } } },
    });
    expect(variants(detailAfter).slice(0, -1)).toEqual(variants(detailBefore));
    expect(detailAfter.description).toContain('`bookmark` (`Bookmark Added`)');
    expect(detailAfter.description).toContain('`bookmark.version`');
    const messageBefore = registryFiles['docs/schemas/notification-message.schema.json']?.() as JsonObject;
    const messageAfter = files['docs/schemas/notification-message.schema.json']?.() as JsonObject;
    expect(titles(messageAfter)).toEqual([...titles(messageBefore), 'Bookmark notification message']);
    expect(variants(messageAfter).at(-1)).toMatchObject({
      properties: { type: { enum: ['Bookmark Added'] }, text: { type: 'string' }, recipients: { type: 'object' } },
    });
  });

  it('validates a Bookmark Added detail against the joined schemas, and only with the area registered', async () => {
    const detail = {
      schemaVersion: 2,
      eventId: '01JDX3M5Q8W4T0S7Y2V9K6H1ZC',
      type: 'Bookmark Added',
      url: 'https://example.com',
      bookmark: { id: 'b1', version: 1 },
    };
    const message = { ...detail, text: 'Bookmark added', recipients: { users: ['alice'], groups: [] } };
    const registered = await publishedEventDetails(WITH_FIXTURE);
    expect(domainEventDetailOf(registered).safeParse(detail).error).toBeUndefined();
    expect(notificationMessageOf(registered).safeParse(message).error).toBeUndefined();
    const without = await publishedEventDetails(AREAS);
    expect(domainEventDetailOf(without).safeParse(detail).success).toBe(false);
    expect(notificationMessageOf(without).safeParse(message).success).toBe(false);
  });

  it('refuses an event type published without a detail schema, and a detail of a type not published', () => {
    const fixture = withFixture.at(-1) as DescribedArea;
    const { publishedEvents: _dropped, ...withoutDetails } = fixture.api;
    expect(() => buildOpenApiDocument([...registry, { ...fixture, api: withoutDetails }])).toThrow(
      /Area bookmarks publishes Bookmark Added with no detail schema \(publishedEvents in its api\.ts\)/,
    );
    expect(() => buildOpenApiDocument([...registry, { ...fixture, publishedEventTypes: [] }])).toThrow(
      /Area bookmarks describes event type Bookmark Added, which its area\.ts does not publish/,
    );
  });

  it("reads a path parameter from the operation's own pathParameters first, and refuses one its path does not have", () => {
    const fixture = withFixture.at(-1) as DescribedArea;
    const operation = fixture.api.operations['GET /bookmarks'] as DescribedArea['api']['operations'][string];
    const withRoute = (spec: typeof operation): DescribedArea => ({
      ...fixture,
      routes: [{ method: 'GET', path: '/bookmarks/{id}', functionId: 'listBookmarks', auth: 'jwt' }],
      api: { ...fixture.api, operations: { 'GET /bookmarks/{id}': spec } },
    });
    const id = { schema: z.string(), description: 'The id of the bookmark' };
    const document = buildOpenApiDocument([...registry, withRoute({ ...operation, pathParameters: { id } })]);
    const parameters = (document.paths as Record<string, Record<string, JsonObject>>)['/bookmarks/{id}']?.get?.parameters as JsonObject[];
    expect(parameters[0]).toMatchObject({ name: 'id', in: 'path', description: 'The id of the bookmark' });
    // No area's id is common: without one of its own, the fixture's {id} has no schema.
    expect(() => buildOpenApiDocument([...registry, withRoute(operation)])).toThrow(/GET \/bookmarks\/\{id\}: no schema for path parameter id/);
    expect(() => buildOpenApiDocument([...registry, withRoute({ ...operation, pathParameters: { id, key: id } })])).toThrow(
      /pathParameters names key, which its path does not have/,
    );
  });

  it('refuses a route without an operation, an operation without a route, and a tag no area declares', async () => {
    const fixture = withFixture.at(-1) as DescribedArea;
    const withRoutes = (routes: DescribedArea['routes']): DescribedArea => ({ ...fixture, routes });
    const withOperations = (operations: DescribedArea['api']['operations']): DescribedArea => ({ ...fixture, api: { ...fixture.api, operations } });
    expect(() =>
      buildOpenApiDocument([...registry, withRoutes([...fixture.routes, { method: 'POST', path: '/bookmarks', functionId: 'listBookmarks', auth: 'jwt' }])]),
    ).toThrow(/No operation in the API description of area bookmarks for POST \/bookmarks/);
    const operation = fixture.api.operations['GET /bookmarks'] as DescribedArea['api']['operations'][string];
    expect(() => buildOpenApiDocument([...registry, withOperations({ ...fixture.api.operations, 'DELETE /bookmarks': operation })])).toThrow(
      /describes routes that are not in its area\.ts: DELETE \/bookmarks/,
    );
    expect(() => buildOpenApiDocument([...registry, withOperations({ 'GET /bookmarks': { ...operation, tag: 'Links' } })])).toThrow(
      /tag Links is declared by no area/,
    );
  });
});

describe('the CDK API stack', () => {
  let outdir: string;
  let stack: ApiStack;
  let template: Template;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'itsm-area-registry-'));
    // Bundling skipped, as in test/infra: the entries only need to exist. The whole app, so that
    // areas that name a stack of their own (infra/app.ts) deploy there, and the fixture, naming none, here.
    stack = buildApp({ 'aws:cdk:bundling-stacks': [] }, { outdir, env: {}, areas: WITH_FIXTURE }).api;
    template = Template.fromStack(stack);
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("deploys the new area's function behind its route, and its after-deploy function", () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'GET /bookmarks: the bookmarks of the caller' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /bookmarks', AuthorizationType: 'JWT' });
    const inApiStack = REGISTERED_AREAS.routes.filter((route) =>
      AREAS.some((area) => (area.stack ?? API_STACK) === API_STACK && Object.hasOwn(area.functions, route.functionId)),
    );
    template.resourceCountIs('AWS::ApiGatewayV2::Route', inApiStack.length + 1);
    expect(stack.functions.has('listBookmarks' as never)).toBe(true);
    expect(stack.afterDeploy.has('seedBookmarks' as never)).toBe(true);
  });
});

describe('import boundaries of the registry (.dependency-cruiser.cjs)', () => {
  it("fails a handler that loads its area's declarations or the registry, and an area.ts that loads another area's", async () => {
    // Runs the checker as `npm run boundaries` does, over test/fixtures/areas/boundaries/functions.
    const args = [
      'functions',
      '--config',
      join(REPOSITORY_ROOT, '.dependency-cruiser.cjs'),
      '--ts-config',
      join(REPOSITORY_ROOT, 'tsconfig.json'),
      '--output-type',
      'json',
    ];
    const { stdout } = await promisify(execFile)(join(REPOSITORY_ROOT, 'node_modules/.bin/depcruise'), args, {
      cwd: resolve(REPOSITORY_ROOT, 'test/fixtures/areas/boundaries'),
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const { violations } = (JSON.parse(stdout) as { summary: { violations: { from: string; to: string; rule: { name: string } }[] } }).summary;
    // The registry's rules (the fixture's incidents -> bookmarks import also breaks the layering rules, checked elsewhere).
    const registryRules = ['an-area-declares-only-itself', 'areas-do-not-import-the-route-table', 'only-the-registry-loads-area-declarations'];
    const broken = violations.filter(({ rule }) => registryRules.includes(rule.name));
    expect(broken.map(({ from, to, rule }) => `${rule.name}: ${from} -> ${to}`).sort()).toEqual([
      'an-area-declares-only-itself: functions/incidents/area.ts -> functions/bookmarks/api.ts',
      'areas-do-not-import-the-route-table: functions/bookmarks/handlers/list-bookmarks.ts -> functions/areas.ts',
      'only-the-registry-loads-area-declarations: functions/bookmarks/handlers/list-bookmarks.ts -> functions/bookmarks/area.ts',
    ]);
  }, 60_000);
});
