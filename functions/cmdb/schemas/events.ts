import * as z from 'zod';
import { DETAIL_SCHEMA_VERSION } from '../../shared/domain/outbox.ts';
import { CI_STATUSES } from '../domain/ci.ts';
import { CI_EVENT_TYPES } from '../domain/events.ts';
import { RELATIONSHIP_ORIGINS, RELATIONSHIP_TYPES } from '../domain/relationship-types.ts';

/*
 * The published shape of CMDB events (`detail` on EventBridge; the body of SNS notifications adds
 * `text` and `recipients`). Documentation only: the publisher sends what
 * functions/cmdb/domain/events.ts builds, and unit tests check built records against this.
 */

export const ciSummarySchema = z.object({
  id: z.string().describe("A ULID, or a service's name"),
  class: z.string(),
  name: z.string(),
  ownerGroup: z.string().optional(),
  environment: z.string().optional(),
  status: z.enum(CI_STATUSES),
});

export const ciEventDetail = z
  .object({
    schemaVersion: z.literal(DETAIL_SCHEMA_VERSION).describe('Changes only on an incompatible change of this schema'),
    eventId: z.string().describe('Stable across redeliveries: dedupe on it (the EventBridge event id is not stable)'),
    type: z.enum(CI_EVENT_TYPES).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the write was committed (ISO 8601)'),
    actor: z.string().describe('Who made the change: a user id, or the AWS feed (`aws-config`, `cloudformation`)'),
    ci: ciSummarySchema
      .extend({
        number: z.string().describe('The CI’s id again (a service’s name): CIs have no separate number'),
        version: z.number().int().describe('The CI version after the write (as it was, for CI Deleted): order events of one CI by it'),
      })
      .describe('The CI (no description, no attributes: GET /cis/{id} has them)'),
    changes: z
      .array(
        z.object({
          field: z.string(),
          from: z.unknown().optional().describe('Absent for description and attributes'),
          to: z.unknown().optional().describe('Absent for description and attributes'),
        }),
      )
      .optional()
      .describe('What changed, as in the CI history; `description` and `attributes` named without their values (CI Updated and CI Retired)'),
    relationshipsRemoved: z.number().int().optional().describe('CI Deleted: how many relationships were removed with it'),
    relationship: z
      .object({
        type: z.enum(RELATIONSHIP_TYPES).describe('As `ci` names it'),
        target: z.string().describe('The CI at the other end, by id'),
        origin: z.enum(RELATIONSHIP_ORIGINS).describe('Who made the change: `manual` through the API, or the AWS feed'),
      })
      .optional()
      .describe(
        "CI Relationship Added and CI Relationship Removed: the relationship, from `ci` (the CI it was added or removed from; `ci.version` does not move, and the other CI's history records it too)",
      ),
    relatedCi: ciSummarySchema.optional().describe('CI Relationship Added and CI Relationship Removed: the CI at the other end'),
  })
  .meta({ title: 'CI event detail' });
