import * as z from 'zod';
import { cursorParam, isoTimestamp, limitParam, slug } from '../../shared/schemas/common.ts';
import { FULFILMENT_MODES } from '../domain/catalog.ts';
import { MAX_APPROVAL_STAGES, MAX_FULFILMENT_TASKS, MAX_GROUP_QUORUM, MAX_ORDERABLE_GROUPS } from '../domain/catalog-rules.ts';

/* The service catalog's API shapes: catalog items, their versions, and the list's filters. */

const group = slug.describe('A directory group (GET /groups/{name})');

export const catalogApprovalStage = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('manager').describe("The requester's manager, as their directory user record names them") }),
    z.strictObject({
      kind: z.literal('group').describe('Members of a directory group'),
      group,
      quorum: z.number().int().min(1).max(MAX_GROUP_QUORUM).describe('How many approvals decide the stage; one rejection rejects it'),
    }),
  ])
  .meta({ id: 'CatalogApprovalStage' });

export const catalogTaskTemplate = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    assignmentGroup: group.describe('The directory group whose queue the task goes to'),
    description: z
      .string()
      .max(20_000)
      .describe(
        "A template for the task description, filled in when the task is created: {{number}}, {{requester}}, {{item}}, {{answers.<field>}} (a choice by its label), {{answers}} (every answer, in the form's order). For an optional field: {{answers.<field>|default}} (the default when it was not answered) and {{#answers.<field>}}...{{/answers.<field>}} (what is between, only when it was answered)",
      ),
  })
  .meta({ id: 'CatalogTaskTemplate' });

const form = z
  .record(z.string(), z.unknown())
  .describe(
    'A JSON Schema (draft 2020-12) of type object: its `properties` are the fields, each with a `title` (the name errors and e-mail use); `required`, `enum`, `oneOf` of `{const, title}` (a choice with labels), `pattern`, `minLength`, `minimum`/`maximum`, `format`, `if`/`then`, `dependentRequired`, `additionalProperties` apply',
  );

const catalogFields = {
  name: z.string().trim().min(1).max(200),
  category: z.string().trim().min(1).max(60).describe('e.g. Hardware, Access, Software, General'),
  description: z.string().max(20_000),
  form,
  orderableBy: z
    .strictObject({ groups: z.array(group).max(MAX_ORDERABLE_GROUPS) })
    .optional()
    .describe('Who may order it: members of these directory groups; no groups (the default): everyone'),
  approval: z
    .strictObject({ stages: z.array(catalogApprovalStage).max(MAX_APPROVAL_STAGES) })
    .optional()
    .describe('Approval stages, asked in order; none (the default): a request goes straight to fulfilment'),
  fulfilment: z.strictObject({
    mode: z.enum(FULFILMENT_MODES).describe('sequential: each task opens when the one before it is closed; parallel: all open at once'),
    tasks: z.array(catalogTaskTemplate).min(1).max(MAX_FULFILMENT_TASKS),
  }),
  slaPolicy: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("An SLA policy's name (GET /sla-policies) for its tasks' clocks; without it, the policy a P4 selects"),
  active: z.boolean().optional().describe('Default true; an inactive item cannot be ordered and requesters do not see it'),
};

export const createCatalogItemBody = z
  .strictObject({ id: slug.describe('The item’s id in URLs and requests, e.g. new-laptop; never changes'), ...catalogFields })
  .meta({ id: 'CreateCatalogItem' });
export type CreateCatalogItemBody = z.output<typeof createCatalogItemBody>;

export const replaceCatalogItemBody = z
  .strictObject(catalogFields)
  .meta({ id: 'ReplaceCatalogItem', description: 'The whole item (a new version): optional fields left out take their defaults' });
export type ReplaceCatalogItemBody = z.output<typeof replaceCatalogItemBody>;

export const catalogItemSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.string(),
    description: z.string(),
    form: z.record(z.string(), z.unknown()),
    orderableBy: z.object({ groups: z.array(z.string()) }),
    approval: z.object({ stages: z.array(catalogApprovalStage) }),
    fulfilment: z.object({ mode: z.enum(FULFILMENT_MODES), tasks: z.array(catalogTaskTemplate) }),
    slaPolicy: z.string().optional(),
    active: z.boolean(),
    version: z.number().int().describe('1 when created; each change is a new version, kept at /catalog-items/{id}/versions/{version}'),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    createdBy: z.string(),
    updatedBy: z.string(),
  })
  .meta({ id: 'CatalogItem' });

export const listCatalogItemsQuery = z.strictObject({
  category: z.string().min(1).max(60).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  active: z.enum(['true', 'false']).optional(),
  limit: limitParam,
  cursor: cursorParam.optional(),
});
export type ListCatalogItemsQuery = z.output<typeof listCatalogItemsQuery>;

export const catalogVersionParam = z.coerce.number().int().min(1).max(999_999);
