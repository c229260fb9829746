import * as z from 'zod';
import { cursorParam, isoTimestamp, limitParam, listEnvelope } from '../../shared/schemas/common.ts';
import { CI_STATUSES } from '../domain/ci.ts';
import { DEFAULT_IMPACT_DEPTH, MAX_IMPACT_DEPTH } from '../domain/impact.ts';
import { IMPACT_DIRECTIONS, RELATIONSHIP_ORIGINS, RELATIONSHIP_TYPES } from '../domain/relationship-types.ts';

/* The shapes of a CI's relationships (POST/DELETE/GET /cis/{id}/relationships) and of its impact (GET /cis/{id}/impact). */

/** A CI by id: a ULID for the CMDB's own CIs, a service's name for the CIs of class `service`. */
const ciId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z-]+$/, 'A CI id (a ULID, or the name of a service)');

const relationshipType = z
  .enum(RELATIONSHIP_TYPES)
  .describe(
    'As the CI in the path names it: `depends_on`/`used_by`, `runs_on`/`hosts`, `contains`/`contained_by` are pairs (one relationship read from its two ends); `connects_to` is its own inverse',
  );

export const relationshipBody = z
  .strictObject({
    type: relationshipType,
    target: ciId.describe('The CI at the other end, by id; it must exist'),
  })
  .meta({ id: 'CiRelationshipRequest' });

/** DELETE names the relationship in its JSON body or, for clients that cannot send a body with DELETE, in these query parameters. */
export const removeRelationshipQuery = z.strictObject({
  type: relationshipType.optional(),
  target: ciId.optional(),
});

export const ciSummarySchema = z
  .object({
    id: z.string(),
    class: z.string(),
    name: z.string(),
    ownerGroup: z.string().optional(),
    environment: z.string().optional(),
    status: z.enum(CI_STATUSES),
  })
  .meta({ id: 'CiSummary', description: 'A CI as other records show it (GET /cis/{id} has the whole of it)' });

export const relationshipSchema = z
  .object({
    type: relationshipType,
    target: z.string().describe('The CI at the other end, by id'),
    origin: z.enum(RELATIONSHIP_ORIGINS).describe('Who made it: `manual` through the API, or the AWS feed that reported it'),
    createdAt: isoTimestamp,
    createdBy: z.string().describe('A user id, or the AWS feed'),
  })
  .meta({ id: 'CiRelationship', description: 'A relationship as the CI in the path sees it' });

export const listedRelationshipSchema = relationshipSchema
  .extend({ targetCi: ciSummarySchema.optional().describe('The CI at the other end as it is now (absent if its record is gone)') })
  .meta({ id: 'CiListedRelationship' });

export const relationshipListSchema = listEnvelope(listedRelationshipSchema).meta({ id: 'CiRelationshipList' });

/** A hub (a stack, a VPC) can take part in thousands of relationships: they list in pages, as every list does. */
export const relationshipPageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });

export const impactQuery = z.strictObject({
  direction: z
    .enum(IMPACT_DIRECTIONS)
    .default('downstream')
    .describe('`downstream`: the CIs affected when this one fails (its dependents); `upstream`: the CIs it relies on'),
  depth: z.coerce.number().int().min(1).max(MAX_IMPACT_DEPTH).default(DEFAULT_IMPACT_DEPTH).describe('How many relationships away to look'),
});

export const impactStepSchema = z.object({
  id: z.string().describe('A CI of the path'),
  relationship: relationshipType.describe('The relationship, as this CI names it, to the next CI of the path (or to the impacted CI, for the last step)'),
});

export const impactSchema = z
  .object({
    ci: ciSummarySchema.describe('The CI asked about'),
    direction: z.enum(IMPACT_DIRECTIONS),
    depth: z.number().int().describe('The depth asked for'),
    impacted: z
      .array(
        z.object({
          ci: ciSummarySchema,
          depth: z.number().int().min(1).describe('Relationships between it and the CI asked about'),
          path: z
            .array(impactStepSchema)
            .describe('The chain from the CI asked about (first) to the CI before this one (last), `depth` steps: a shortest one, when there are several'),
        }),
      )
      .describe('Each CI reached once, nearest first'),
    services: z.array(z.string()).describe('The services (CIs of class `service`, by name) among the impacted CIs'),
  })
  .meta({ id: 'CiImpact' });
