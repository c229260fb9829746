import * as z from 'zod';
import { DETAIL_SCHEMA_VERSION } from '../domain/outbox.ts';

/*
 * The parts every published event detail shares (functions/<area>/schemas/events.ts build their
 * detail from them): the envelope, who is told, and what changed with free text named only.
 * Documentation only, loaded by the areas' api.ts and by tests, never by a handler.
 */

/** The first members of every detail. */
export const eventEnvelope = {
  schemaVersion: z.literal(DETAIL_SCHEMA_VERSION).describe('Changes only on an incompatible change of this schema'),
  eventId: z.string().describe('Stable across redeliveries: dedupe on it (the EventBridge event id is not stable)'),
};

export const recipientsSchema = z
  .object({ users: z.array(z.string()).describe('User ids (token subjects)'), groups: z.array(z.string()).describe('Group names') })
  .describe('Who should hear about it; a mailer or chat bridge resolves groups to members');

/** Free-text fields (a title, a description, a plan, notes) are named without `from` and `to`: read them through the API. */
export const publishedFieldDiffs = (record: string) =>
  z
    .array(
      z.object({
        field: z.string(),
        from: z.unknown().optional().describe('Absent for a free-text field'),
        to: z.unknown().optional().describe('Absent for a free-text field'),
      }),
    )
    .optional()
    .describe(
      `What changed, as in the ${record} history, except that free-text fields are named without their values and records (a rejection, an implementation, a review, an override) carry who and when, not their text`,
    );
