/**
 * The CMDB's API description: its tags, one operation per route of ./area.ts, the components they
 * name and the JSON Schema of its event detail. Loaded by the OpenAPI build only (scripts/openapi/),
 * never by a handler.
 */
import * as z from 'zod';
import { defineApi, firstPageNote, PAGE_NOTE } from '../shared/api/operation.ts';
import { listEnvelope } from '../shared/schemas/common.ts';
import { MAX_IMPORTED_ITEMS } from './domain/aws-feed.ts';
import { BUILT_IN_CI_CLASSES, CI_CLASS_NAME_PATTERN, MAX_RELATIONSHIPS_DELETED_WITH_CI } from './domain/ci.ts';
import { CI_EVENT_TYPES } from './domain/events.ts';
import { DEFAULT_IMPACT_DEPTH, IMPACT_BUDGET, MAX_IMPACT_DEPTH } from './domain/impact.ts';
import { importCisBody, importCisResult, importedItem } from './schemas/aws-feed.ts';
import {
  ciClassSchema,
  ciHistoryRecordSchema,
  ciSchema,
  cmdbConfigSchema,
  createCiBody,
  listCisQuery,
  putCiClassBody,
  putCmdbConfigBody,
  replaceCiBody,
} from './schemas/ci.ts';
import { ciEventDetail } from './schemas/events.ts';
import {
  ciSummarySchema,
  impactQuery,
  impactSchema,
  listedRelationshipSchema,
  relationshipBody,
  relationshipListSchema,
  relationshipPageQuery,
  relationshipSchema,
  removeRelationshipQuery,
} from './schemas/relationships.ts';

const REQUESTERS = 'Requesters get 404 on every CMDB route: to them the CMDB does not exist.';
const ADMINS = `Admins only: agents get 403. ${REQUESTERS}`;
const SERVICES =
  "A service of the directory is the CI of class `service` whose id is the service's name: GET reads the directory's record as a CI (name = displayName, attributes criticality and urgent, version = the service's version), and writes go through /services (409 `ci-is-a-service`).";
const RELATIONSHIP_TYPES_NOTE =
  '`type`, from the CI in the path to `target`: `depends_on` (its inverse `used_by`), `runs_on` (`hosts`), `contains` (`contained_by`), `connects_to` (its own inverse). Each pair is one relationship read from its two ends: `a used_by b` is `b depends_on a`.';
const RELATIONSHIP_ROLES = `Agents and admins add and remove relationships (CIs themselves are written by admins). ${REQUESTERS}`;
const CLASSES = BUILT_IN_CI_CLASSES.map((name) => `\`${name}\``).join(', ');

export default defineApi({
  tags: {
    'Configuration items':
      "The CMDB (agents read, admins write): configuration items of every class (the directory's services are the CIs of class `service`), their typed relationships, and the impact of one CI on the others",
  },
  requestSchemas: {
    CreateCi: createCiBody,
    ReplaceCi: replaceCiBody,
    PutCiClass: putCiClassBody,
    PutCmdbConfig: putCmdbConfigBody,
    ImportCis: importCisBody,
    ImportedConfigurationItem: importedItem,
    CiRelationshipRequest: relationshipBody,
  },
  responseSchemas: {
    Ci: ciSchema,
    CiPage: listEnvelope(ciSchema),
    CiHistoryRecord: ciHistoryRecordSchema,
    CiHistoryPage: listEnvelope(ciHistoryRecordSchema),
    CiClass: ciClassSchema,
    CiClassList: z.object({ items: z.array(ciClassSchema) }),
    CmdbConfig: cmdbConfigSchema,
    ImportCisResult: importCisResult,
    CiSummary: ciSummarySchema,
    CiRelationship: relationshipSchema,
    CiListedRelationship: listedRelationshipSchema,
    CiRelationshipList: relationshipListSchema,
    CiImpact: impactSchema,
  },
  pathParameters: {
    id: {
      schema: z.string().min(1),
      description: "The CI's id: a ULID for the CMDB's own CIs, a service's name for a service; anything else is 404",
    },
    name: {
      schema: z.string().regex(CI_CLASS_NAME_PATTERN),
      description: 'The name of a CI class: lowercase letters, digits, `_` and `-` (the built-in ones use `_`)',
    },
  },
  errorMembers: {
    ci: z.string().optional().describe('already-exists: the CI that holds the external id or AWS resource; ci-retired: the retired CI'),
    relationship: z
      .object({ source: z.string(), type: z.string(), target: z.string() })
      .optional()
      .describe('relationship-exists: the relationship as stored (its canonical type, from its source to its target)'),
    itemsRead: z.number().int().optional().describe('impact-too-large: relationship items read when the analysis stopped'),
    budget: z.number().int().optional().describe('impact-too-large: relationship items an analysis may read'),
    suggestedDepth: z.number().int().optional().describe('impact-too-large: the deepest depth that fits the budget (absent when even depth 1 does not)'),
    limit: z.number().int().optional().describe('too-many-relationships: how many relationships a CI deletion removes at most'),
  },
  operations: {
    'POST /cis': {
      operationId: 'createCi',
      summary: 'Create a configuration item',
      tag: 'Configuration items',
      audience: 'admin',
      description: [
        `A CI starts at version 1, \`active\` unless \`status\` says otherwise, \`source\` \`manual\`. Its \`class\` must exist (built-in: ${CLASSES}; or one an admin defined with PUT /ci-classes/{name}): 400 on \`class\` otherwise. \`attributes\` must fit the class's \`attributesSchema\` (JSON Schema draft 2020-12): 400 naming each attribute at fault (\`attributes.<name>\`). \`ownerGroup\` must name a group that exists and is not being deleted, checked in the write's transaction: 400 on \`ownerGroup\` otherwise.`,
        "`externalId` (an ARN, or another system's id) is unique: another CI holding it is 409 `already-exists`, naming it in `ci`. CIs of class `service` are the directory's services, created with POST /services: `class` `service` here is a 400 on `class`.",
        'The write, its history record and its CI Created event are one transaction.',
        ADMINS,
      ].join('\n\n'),
      body: { schema: 'CreateCi' },
      idempotencyKey: true,
      responses: { 201: { description: 'Created', schema: 'Ci', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'not-found', 'already-exists'],
      notes: { 404: 'Requesters.' },
    },
    'GET /cis': {
      operationId: 'listCis',
      summary: 'List configuration items',
      tag: 'Configuration items',
      audience: 'agent',
      description: [
        'By name (case-insensitive, A to Z), then id. Filters combine with AND; each list is one key Query of an index (class, else owner group, else environment, else all CIs), never a scan. `q` is a prefix of the name.',
        "Without `class`, the list holds every CI: the CMDB's own and the directory's services (CIs of class `service`, one record with the directory's), merged by name in one round of two parallel Queries; a service sorts by its name (a lower-case slug) and just before an own CI of the same lower-cased name. `ownerGroup` narrows both, `q` is a prefix of both names, and `environment`, `externalId` or `status=retired` leave the services out. `class=service` lists the services only (`environment`, `externalId` or `status=retired` leave none); another `class` the CMDB's own CIs of it.",
        '`externalId` finds the one CI holding it (the other filters must match too).',
        PAGE_NOTE,
        firstPageNote('`class` with one value (other than `service`), with no other filter'),
        REQUESTERS,
      ].join('\n\n'),
      query: listCisQuery,
      queryDescriptions: {
        class: 'Only CIs of this class; `service` lists the directory’s services',
        ownerGroup: 'Only CIs owned by this group',
        environment: 'Only CIs of this environment',
        status: 'Only active or only retired CIs',
        externalId: 'The CI holding this external id (an ARN)',
        q: 'Only CIs whose name starts with this (case-insensitive)',
      },
      responses: { 200: { description: 'One page of CIs', schema: 'CiPage' } },
      errorTypes: ['not-found'],
      notes: { 404: 'Requesters.' },
    },
    'POST /cis/import': {
      operationId: 'importCis',
      summary: 'Import AWS Config items',
      tag: 'Configuration items',
      audience: 'admin',
      description: [
        `The initial import, for an account that had AWS Config before the product was deployed: the body is what \`aws configservice batch-get-resource-config --resource-keys ...\` prints (or a bare list of its \`baseConfigurationItems\`), at most ${MAX_IMPORTED_ITEMS} items (one call's worth; 413 beyond) and 5 MB.`,
        'Each item is applied as an AWS Config change notification is (docs/cmdb.md): the CI of the resource is found by its identity (account, region, type, resource id) or its ARN, created (class from its resource type, `generic` for a type with no class; `source` `aws-config`) or updated, with owner group and environment from the tags the supplementary configuration carries (GET /cmdb-config). Base items carry no relationships: relationships are left as they are. An item older than the capture a CI reflects is not applied (counted `unchanged`), so importing the same items again changes nothing (no Idempotency-Key needed: a retry is safe).',
        'Answers the counts; items that could not be imported are listed in `failed` with the reason, and do not stop the others. Locally: `curl --data-binary @items.json -H "content-type: application/json" -H "authorization: Bearer $TOKEN" http://localhost:3000/cis/import`.',
        ADMINS,
      ].join('\n\n'),
      body: { schema: 'ImportCis' },
      responses: { 200: { description: 'What the import did', schema: 'ImportCisResult' } },
      errorTypes: ['forbidden', 'not-found'],
      notes: { 404: 'Requesters.', 413: `More than ${MAX_IMPORTED_ITEMS} items, or a body over 5 MB.` },
    },
    'GET /cis/{id}': {
      operationId: 'getCi',
      summary: 'Get a configuration item',
      tag: 'Configuration items',
      audience: 'agent',
      description: ['One read. Send the ETag back in If-Match to change or delete it.', SERVICES, REQUESTERS].join('\n\n'),
      responses: { 200: { description: 'The CI', schema: 'Ci', headers: ['ETag', 'Location'] } },
      errorTypes: ['not-found'],
    },
    'PUT /cis/{id}': {
      operationId: 'replaceCi',
      summary: 'Replace a configuration item',
      tag: 'Configuration items',
      audience: 'admin',
      description: [
        'Replaces every field an admin sets: optional fields left out are removed (`attributes` emptied, `status` active). Needs If-Match (428 without; 412 when stale). A replacement equal to the CI changes nothing (200, same version). `source` becomes `manual`; the AWS resource identity (`aws`) of a CI the AWS feed keeps stays.',
        "A change of `class` or `attributes` is validated against the class's schema (400 naming each attribute; `class` `service` is a 400 on `class`: services are created with POST /services); a new `ownerGroup` must name a group that exists (400 on `ownerGroup`); `status` `retired` retires the CI (event CI Retired).",
        SERVICES,
        ADMINS,
      ].join('\n\n'),
      body: { schema: 'ReplaceCi' },
      ifMatch: 'required',
      responses: { 200: { description: 'The CI as it now is', schema: 'Ci', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found', 'already-exists', 'ci-is-a-service'],
    },
    'DELETE /cis/{id}': {
      operationId: 'deleteCi',
      summary: 'Delete a configuration item',
      tag: 'Configuration items',
      audience: 'admin',
      description: [
        `Deletes the CI and every relationship naming it, at either end, in one transaction (with its history record, a \`relationship_removed\` history record at each CI at the other end, and the CI Deleted event, which counts them in \`relationshipsRemoved\` and stands for their CI Relationship Removed events): at most ${MAX_RELATIONSHIPS_DELETED_WITH_CI} relationships (a transaction holds 100 items, up to 3 per relationship), else 409 \`too-many-relationships\` (remove some first, or retire the CI with PUT). The transaction holds the CI's relationship count at the number it removes, so a relationship added meanwhile makes it read them again; 409 \`delete-contended\` if they keep changing. Its history is kept and stays readable (GET /cis/{id}/history, ending with the \`deleted\` record). Needs If-Match.`,
        SERVICES,
        ADMINS,
      ].join('\n\n'),
      ifMatch: 'required',
      responses: { 204: { description: 'Deleted' } },
      errorTypes: ['forbidden', 'not-found', 'ci-is-a-service', 'too-many-relationships', 'delete-contended'],
    },
    'GET /cis/{id}/history': {
      operationId: 'listCiHistory',
      summary: 'History of a configuration item',
      tag: 'Configuration items',
      audience: 'agent',
      description: [
        "Oldest first: every write of the CI (created, updated, retired as an update of status) and of its relationships (recorded at both ends). A service's history as a CI holds its relationships; its own changes are in the directory. A deleted CI's history stays readable, ending with its `deleted` record; 404 when the id names neither a CI nor a history.",
        PAGE_NOTE,
        REQUESTERS,
      ].join('\n\n'),
      query: z.strictObject({ limit: listCisQuery.shape.limit, cursor: listCisQuery.shape.cursor }),
      responses: { 200: { description: 'One page of history records', schema: 'CiHistoryPage' } },
      errorTypes: ['not-found'],
    },
    'POST /cis/{id}/relationships': {
      operationId: 'addCiRelationship',
      summary: 'Relate two configuration items',
      tag: 'Configuration items',
      audience: 'agent',
      description: [
        RELATIONSHIP_TYPES_NOTE,
        '`target` must exist (400 on `target`), and so must the CI in the path (404); a CI cannot be related to itself (400). Both are checked in the same transaction as the write. A relationship is stored once, whichever of its names it is added under: adding it again, in either name (`a depends_on b`, then `b used_by a`), is 409 `relationship-exists`.',
        '**Retired CIs** keep the relationships they had (impact analysis still follows them, showing their status) but take no new one: 409 `ci-retired`. Removing is always allowed.',
        "The relationship, a history record in EACH CI's partition (`relationship_added`, GET /cis/{id}/history) and one `CI Relationship Added` event (about the CI in the path) are one transaction. Neither CI's version changes. With an Idempotency-Key, a retry of an addition that was made answers as the first request did (without one, it is 409 `relationship-exists`). A service's relationships live with its CI; while it has any, the service cannot be deleted (409 `service-in-use`).",
        RELATIONSHIP_ROLES,
      ].join('\n\n'),
      body: { schema: 'CiRelationshipRequest' },
      idempotencyKey: true,
      responses: { 201: { description: 'Added, as the CI in the path sees it', schema: 'CiRelationship', headers: ['Location', 'Idempotent-Replayed'] } },
      errorTypes: ['not-found', 'relationship-exists', 'ci-retired'],
    },
    'DELETE /cis/{id}/relationships': {
      operationId: 'removeCiRelationship',
      summary: 'Remove a relationship',
      tag: 'Configuration items',
      audience: 'agent',
      description: [
        'Names the relationship as POST does, `{type, target}`, in a JSON body (no If-Match: a relationship has no version; it is named whole, and removing it again answers 404); clients that cannot send a body with DELETE give the same as the query parameters `type` and `target` (the body wins when there is one). Either end may remove it, in either of its names (`b used_by a` removes `a depends_on b`), whoever added it: a relationship the AWS feed made comes back if AWS reports it again.',
        "404 when the CI in the path or the relationship does not exist. The removal, a history record in each CI's partition (`relationship_removed`) and one `CI Relationship Removed` event are one transaction.",
        RELATIONSHIP_ROLES,
      ].join('\n\n'),
      body: { schema: 'CiRelationshipRequest', optional: true },
      query: removeRelationshipQuery,
      queryDescriptions: { type: 'Without a body: the relationship type, as POST takes it', target: 'Without a body: the CI at the other end' },
      responses: { 204: { description: 'Removed' } },
      errorTypes: ['not-found'],
    },
    'GET /cis/{id}/relationships': {
      operationId: 'listCiRelationships',
      summary: "List a configuration item's relationships",
      tag: 'Configuration items',
      audience: 'agent',
      description: [
        'Every relationship the CI takes part in, at either end, each as this CI names it (a stored `a depends_on b` lists as `depends_on b` on a and as `used_by a` on b), with the CI at the other end as it is now (`targetCi`). In pages (`limit`, default 25, at most 100; `nextCursor`): first the relationships it is the source of (by stored type, then the other CI), then those naming it (by stored type, then the other CI). One round of Queries in flight together (the relationships it is the source of, and those it is the target of, from an index: a relationship added a moment ago may take a moment to show at its target; a page past the first end reads the index only), then one batch read of the other CIs of the page.',
        REQUESTERS,
      ].join('\n\n'),
      query: relationshipPageQuery,
      responses: { 200: { description: 'One page of its relationships', schema: 'CiRelationshipList' } },
      errorTypes: ['not-found'],
    },
    'GET /cis/{id}/impact': {
      operationId: 'getCiImpact',
      summary: 'Impact analysis of a configuration item',
      tag: 'Configuration items',
      audience: 'agent',
      description: [
        `The CIs reached from this one, up to \`depth\` relationships away (default ${DEFAULT_IMPACT_DEPTH}, at most ${MAX_IMPACT_DEPTH}). \`downstream\` (default): the CIs affected when this one fails, following what depends on it and runs on it (incoming \`depends_on\`, \`runs_on\`), what it contains (outgoing \`contains\`) and \`connects_to\` both ways. \`upstream\`: the reverse, what it relies on.`,
        'Each impacted CI is listed once, nearest first, with its `depth` and a shortest `path`: the chain from the CI asked about, each step a CI and the relationship as that CI names it to the next (downstream of a table: `[{table, used_by}, {function, used_by}]` reaches the API that uses the function). Cycles are followed once. `services` lists the services (CIs of class `service`) among them. Retired CIs are listed with their status.',
        `Breadth-first and bounded: each level is one round of Queries in flight together (for every CI reached at the previous level, 3 Queries reading only the relationship types the direction follows from each end), then one batch read of the CIs found, so depth N costs at most N rounds of Queries. It never loads the whole graph, and never reads more than ${IMPACT_BUDGET} relationships: what is left of that budget is split between the Queries of a level (the 3 of a single CI get ${Math.floor(IMPACT_BUDGET / 3)} each, so a CI with 600 dependents answers at depth 1), and a Query that has more than its share (or a level with more Queries than relationships left to read) stops it with 400 \`impact-too-large\`, saying how many it read and the depth that fits (\`suggestedDepth\`).`,
        REQUESTERS,
      ].join('\n\n'),
      query: impactQuery,
      responses: { 200: { description: 'The impacted CIs, with their paths', schema: 'CiImpact' } },
      errorTypes: ['not-found', 'impact-too-large'],
    },
    'GET /ci-classes': {
      operationId: 'listCiClasses',
      summary: 'List CI classes',
      tag: 'Configuration items',
      audience: 'agent',
      description: [
        `Every class by name: the built-in ones (${CLASSES}), with their default schema (version 0) or as an admin changed them, and the ones admins defined. \`generic\` accepts any attributes: the AWS feed records a resource type it has no class for as generic.`,
        REQUESTERS,
      ].join('\n\n'),
      responses: { 200: { description: 'The classes', schema: 'CiClassList' } },
      errorTypes: ['not-found'],
    },
    'GET /ci-classes/{name}': {
      operationId: 'getCiClass',
      summary: 'Get a CI class',
      tag: 'Configuration items',
      audience: 'agent',
      description: ['The class and the JSON Schema its CIs’ attributes must fit.', REQUESTERS].join('\n\n'),
      responses: { 200: { description: 'The class', schema: 'CiClass', headers: ['ETag', 'Location'] } },
      errorTypes: ['not-found'],
    },
    'PUT /ci-classes/{name}': {
      operationId: 'putCiClass',
      summary: 'Define or change a CI class',
      tag: 'Configuration items',
      audience: 'admin',
      description: [
        'Defines a class (a new name: 201, no If-Match needed) or replaces the schema of one, built-in ones included (If-Match; the first change of a built-in class needs none and answers 201). Names: lowercase letters, digits, `_` and `-`.',
        '`attributesSchema` must be a JSON Schema draft 2020-12 (checked against its meta-schema, its patterns compiled, references only inside it: 400 naming the part at fault, `attributesSchema.<path>`). It applies to writes made afterwards: existing CIs are not checked again until their class or attributes change. The AWS feed never fails on it.',
        "The `service` class is the directory's: 409 `ci-is-a-service`.",
        ADMINS,
      ].join('\n\n'),
      body: { schema: 'PutCiClass' },
      ifMatch: 'optional',
      responses: {
        200: { description: 'The class as it now is', schema: 'CiClass', headers: ['ETag', 'Location'] },
        201: { description: 'Defined (or first changed, for a built-in class)', schema: 'CiClass', headers: ['ETag', 'Location'] },
      },
      errorTypes: ['forbidden', 'not-found', 'ci-is-a-service', 'precondition-required'],
      notes: { 428: 'A class that exists (stored) needs If-Match.' },
    },
    'DELETE /ci-classes/{name}': {
      operationId: 'deleteCiClass',
      summary: 'Delete a CI class',
      tag: 'Configuration items',
      audience: 'admin',
      description: [
        'An admin-defined class goes when no CI is of it (409 `class-in-use` otherwise). A built-in class cannot go: its stored change is removed and it is back at its default schema (version 0). Needs If-Match.',
        ADMINS,
      ].join('\n\n'),
      ifMatch: 'required',
      responses: { 204: { description: 'Deleted (or back to its default)' } },
      errorTypes: ['forbidden', 'not-found', 'class-in-use'],
    },
    'GET /cmdb-config': {
      operationId: 'getCmdbConfig',
      summary: 'Get the CMDB configuration',
      tag: 'Configuration items',
      audience: 'agent',
      description: [
        "The AWS feed's tag mapping: the resource tags whose values become a CI's owner group (default `itsm:owner-group`) and environment (default `itsm:environment`). Version 0 until an admin first changes it.",
        REQUESTERS,
      ].join('\n\n'),
      responses: { 200: { description: 'The configuration in force', schema: 'CmdbConfig', headers: ['ETag'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'PUT /cmdb-config': {
      operationId: 'replaceCmdbConfig',
      summary: 'Replace the CMDB configuration',
      tag: 'Configuration items',
      audience: 'admin',
      description: [
        'Replaces both tags (two different tags: 400 otherwise). Needs the current version in If-Match (`"0"` before the first change). Applies to the AWS events applied afterwards. A replacement equal to the current configuration changes nothing (200, same version).',
        ADMINS,
      ].join('\n\n'),
      body: { schema: 'PutCmdbConfig' },
      ifMatch: 'required',
      responses: { 200: { description: 'The configuration now in force', schema: 'CmdbConfig', headers: ['ETag'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
  },
  publishedEvents: [
    {
      schema: ciEventDetail,
      record: 'ci',
      attributes: 'a CI has no priority (`-`); `assignmentGroup` is its owner group, `service` its id when it is a service (`-` otherwise).',
    },
  ],
  eventSchemas: [
    {
      file: 'docs/schemas/ci-event-detail.schema.json',
      schema: ciEventDetail,
      io: 'output',
      description: () =>
        [
          `The \`detail\` of the CMDB events the product puts on its event bus, \`source\` \`open-itsm\`: ${CI_EVENT_TYPES.map((type) => `\`${type}\``).join(', ')}. Every committed write of a CI (by an admin or by the AWS feed) or of its relationships publishes exactly one event, after the commit (transactional outbox). Delivery is at least once: dedupe on \`eventId\`, and order one CI's events by \`ci.version\`.`,
          'No free text: `description` and `attributes` are named in `changes` without `from` and `to`; read them through the API. Notifications name no recipients: subscribe with a filter policy on `eventType`.',
        ].join('\n\n'),
    },
  ],
});
