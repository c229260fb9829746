/**
 * The service catalog's part of the requests area's API description (./api.ts spreads it in):
 * /catalog-items and their versions. Loaded by the OpenAPI build only.
 */
import * as z from 'zod';
import { PAGE_NOTE } from '../shared/api/operation.ts';
import { listEnvelope } from '../shared/schemas/common.ts';
import {
  catalogApprovalStage,
  catalogItemSchema,
  catalogTaskTemplate,
  createCatalogItemBody,
  listCatalogItemsQuery,
  replaceCatalogItemBody,
} from './schemas/catalog.ts';
import { SEEDED_CATALOG } from './seed-catalog.ts';

const TAG = 'Service catalog';
const ADMINS = 'Admins only: others get 403.';
const VISIBILITY =
  'Requesters see an item they may order: active, and orderable by everyone (`orderableBy.groups` empty) or by a directory group they are a member of; any other is 404 to them, as if it did not exist (ordering it with `POST /requests` is 404 too). Agents read every item (they work requests of every item); admins read and write everything.';
const pathParameters = {
  id: { schema: z.string().min(1), description: 'The catalog item’s id (a slug, e.g. new-laptop)' },
};
const SEEDED = SEEDED_CATALOG.map((item) => `\`${item.id}\``).join(', ');

/** Parts of both the requests and the responses (a request's `plan` shows them too). */
export const catalogSharedSchemas = { CatalogApprovalStage: catalogApprovalStage, CatalogTaskTemplate: catalogTaskTemplate } as const;

export const catalogRequestSchemas = { CreateCatalogItem: createCatalogItemBody, ReplaceCatalogItem: replaceCatalogItemBody } as const;

export const catalogResponseSchemas = {
  CatalogItem: catalogItemSchema,
  CatalogItemPage: listEnvelope(catalogItemSchema),
  CatalogItemVersionList: z.object({ items: z.array(catalogItemSchema) }),
} as const;

export const catalogOperations = {
  'GET /catalog-items': {
    operationId: 'listCatalogItems',
    summary: 'List catalog items',
    tag: TAG,
    audience: 'requester',
    description: [
      'By id. Requesters and agents see the active items they may order: orderable by everyone (`orderableBy.groups` empty) or by a directory group they are a member of. Admins see every item, inactive ones included; `active` filters.',
      '`q` finds items by words: every word of `q` must start a word of the name or the description, case-insensitively (`lap` finds "New laptop"; `new lap` needs both). `category` narrows to one category.',
      'One Query of the catalog’s index partition (of the category’s, with `category`), read whole and filtered in the function (a catalog holds tens to a few hundred items), never a scan; then, for non-admins, one BatchGetItem of the groups items are restricted to.',
      `A new installation holds the seeded items ${SEEDED}.`,
      PAGE_NOTE,
    ].join('\n\n'),
    query: listCatalogItemsQuery,
    queryDescriptions: {
      category: 'Only items of this category (exact)',
      q: 'Words the name or description must hold (each as the start of a word, case-insensitive)',
      active: 'Admins: only active (true) or only withdrawn (false) items; for others only active items are ever listed',
    },
    responses: { 200: { description: 'One page of catalog items', schema: 'CatalogItemPage' } },
  },
  'POST /catalog-items': {
    operationId: 'createCatalogItem',
    summary: 'Create a catalog item',
    tag: TAG,
    audience: 'admin',
    description: [
      'Version 1 of a new item; `id` is a slug that never changes (409 `already-exists` when taken).',
      '`form` must be a JSON Schema draft 2020-12 of type `object` with its fields under `properties` (checked against the meta-schema, patterns compiled, references only inside it): 400 naming the part at fault (`form.<path>`). Give each field a `title`: errors on answers and e-mail name fields by it.',
      'Every group named (`orderableBy.groups`, group approval stages, task `assignmentGroup`s) must exist in the directory, and `slaPolicy` must name an SLA policy: checked in the write’s transaction, 400 naming the field. A manager stage appears at most once; a group is asked by one stage at most.',
      'The item, the snapshot of its version 1, its history record and its Catalog Item Created event are one transaction.',
      ADMINS,
    ].join('\n\n'),
    body: { schema: 'CreateCatalogItem' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'CatalogItem', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    errorTypes: ['forbidden', 'already-exists'],
  },
  'GET /catalog-items/{id}': {
    operationId: 'getCatalogItem',
    summary: 'Get a catalog item',
    tag: TAG,
    audience: 'requester',
    description: ['The current version, with its form. Send the ETag back in If-Match to change it.', VISIBILITY].join('\n\n'),
    responses: { 200: { description: 'The item', schema: 'CatalogItem', headers: ['ETag', 'Location'] } },
    errorTypes: ['not-found'],
    pathParameters,
  },
  'PUT /catalog-items/{id}': {
    operationId: 'replaceCatalogItem',
    summary: 'Change a catalog item (a new version)',
    tag: TAG,
    audience: 'admin',
    description: [
      'Replaces the whole item (optional fields left out take their defaults) at the version If-Match names, as a NEW version: the current item and the snapshot of the new version, its history record and its Catalog Item Updated event in one transaction. Earlier versions stay as they were (GET /catalog-items/{id}/versions/{version}): a request copies the version it was ordered from, so no edit changes a request already made.',
      'The same checks as on create. A body equal to the current item writes nothing (200, same version).',
      ADMINS,
    ].join('\n\n'),
    body: { schema: 'ReplaceCatalogItem' },
    ifMatch: 'required',
    responses: { 200: { description: 'The item as it now is', schema: 'CatalogItem', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found'],
    pathParameters,
  },
  'DELETE /catalog-items/{id}': {
    operationId: 'deleteCatalogItem',
    summary: 'Withdraw a catalog item',
    tag: TAG,
    audience: 'admin',
    description: [
      'Withdraws the item from the catalog: a new version with `active: false` (and its Catalog Item Deleted event). Requests name items and their versions, so an item is never removed: it can no longer be ordered, requesters no longer see it, admins and agents still read it and its versions, and a PUT with `active: true` offers it again. An item already inactive: 204, nothing written. Needs If-Match.',
      ADMINS,
    ].join('\n\n'),
    ifMatch: 'required',
    responses: { 204: { description: 'Withdrawn (or already inactive)' } },
    errorTypes: ['forbidden', 'not-found'],
    pathParameters,
  },
  'GET /catalog-items/{id}/versions': {
    operationId: 'listCatalogItemVersions',
    summary: 'List the versions of a catalog item',
    tag: TAG,
    audience: 'agent',
    description: [
      'Every version of the item, oldest first, each as it was written (a request’s `item.version` names one). One Query of the item’s partition.',
      'Requesters get 404.',
    ].join('\n\n'),
    responses: { 200: { description: 'The versions', schema: 'CatalogItemVersionList' } },
    errorTypes: ['not-found'],
    notes: { 404: 'Requesters, or no such item.' },
    pathParameters,
  },
  'GET /catalog-items/{id}/versions/{version}': {
    operationId: 'getCatalogItemVersion',
    summary: 'Get one version of a catalog item',
    tag: TAG,
    audience: 'agent',
    description: ['The item as that version was written; versions never change. Requesters get 404.'].join('\n\n'),
    responses: { 200: { description: 'The version', schema: 'CatalogItem', headers: ['ETag'] } },
    errorTypes: ['not-found'],
    notes: { 404: 'Requesters, or no such item or version.' },
    pathParameters: {
      ...pathParameters,
      version: { schema: z.string().regex(/^\d{1,6}$/), description: 'A version number, 1 for the first' },
    },
  },
} as const;
