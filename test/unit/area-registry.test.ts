import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { assembleAreas, REGISTERED_AREAS } from '../../functions/routes.ts';
import type { Area } from '../../functions/shared/area.ts';
import { API_STACK, buildApp, REPOSITORY_ROOT } from '../../infra/app.ts';
import type { ApiStack } from '../../infra/stacks/api-stack.ts';
import { buildOpenApiDocument, type DescribedArea, describeAreas, type JsonObject } from '../../scripts/openapi/build.ts';
import { eventSchemaFiles } from '../../scripts/openapi/event-schemas.ts';
import bookmarks from '../fixtures/areas/bookmarks/area.ts';

/*
 * docs/adding-an-area.md, followed: a new area is its folder (test/fixtures/areas/bookmarks/,
 * standing in for functions/bookmarks/) and one registering line in functions/areas.ts, written
 * here as `[...AREAS, bookmarks]`. With no other file touched, the area gets its functions,
 * routes and consumer in the route table and the CDK API stack, its operations, tag and
 * components in the API description, its event types among the published ones and its event
 * schema among the generated files; and the registry's own areas come out as they were.
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

  it("leaves every other part of the registry's document as it was", () => {
    const { paths: pathsAfter, tags: _tagsAfter, components: componentsAfter, ...restAfter } = after;
    const { paths: pathsBefore, tags: _tagsBefore, components: componentsBefore, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);
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
      title: 'Bookmark Added detail',
      description: 'The `detail` of Bookmark Added.',
      properties: { type: { enum: ['Bookmark Added'] }, url: { type: 'string' } },
      additionalProperties: false,
    });
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
