import * as z from 'zod';
import { cursorParam, limitParam, slug, userId } from '../../shared/schemas/common.ts';

const displayName = z.string().trim().min(1).max(200);
const description = z.string().max(2000);
const email = z.email();

const groupFields = {
  displayName: displayName.optional(),
  description: description.optional(),
  email: email.optional().describe('Where notifications to the whole group go'),
  members: z.array(userId).max(500).default([]).describe('User ids (token subjects)'),
  manager: userId.optional(),
};
export const createGroupBody = z.strictObject({ name: slug, ...groupFields }).meta({ id: 'CreateGroup' });
export const replaceGroupBody = z.strictObject(groupFields).meta({ id: 'ReplaceGroup' });

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
const level = z.literal([1, 2, 3]);
/** Kept in step with SEVERITIES in functions/ingestion/domain/alert-event.ts (a test checks it). */
const severityLevels = z.strictObject({ impact: level, urgency: level });
const serviceFields = {
  displayName: displayName.optional(),
  description: description.optional(),
  ownerGroup: slug.describe('The group that owns the service; must exist. Incidents opened by events are assigned to it'),
  criticality: z.enum(CRITICALITIES),
  severityMapping: z
    .strictObject({
      critical: severityLevels.optional(),
      error: severityLevels.optional(),
      warning: severityLevels.optional(),
      info: severityLevels.optional(),
    })
    .optional()
    .describe('Impact and urgency of incidents opened by events of each severity; defaults: critical 1/1, error 1/2, warning 2/2, info 3/3'),
  urgent: z
    .boolean()
    .default(false)
    .describe(
      "Pages at once: an incident opened by an event on this service starts its assignment group's escalation policy when it opens, not only at an SLA breach",
    ),
};
export const createServiceBody = z.strictObject({ name: slug, ...serviceFields }).meta({ id: 'CreateService' });
export const replaceServiceBody = z.strictObject(serviceFields).meta({ id: 'ReplaceService' });

const userManager = userId.describe(
  "The user id of the user's manager: an existing user, not the user themself. Approvals that ask for the requester's manager ask this user",
);
export const putUserBody = z
  .strictObject({
    displayName,
    email: email.optional().describe('Unique across users, compared case-insensitively (409 `email-in-use`); inbound e-mail is matched to its sender by it'),
    manager: userManager.optional(),
    active: z.boolean().default(true),
  })
  .meta({ id: 'PutUser' });

const recordMeta = {
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().describe('Also sent as the ETag; send it back in If-Match'),
};
export const groupSchema = z.object({ name: z.string(), ...groupFields, members: z.array(z.string()), ...recordMeta }).meta({ id: 'Group' });
export const serviceSchema = z
  .object({ name: z.string(), ...serviceFields, urgent: z.boolean().describe(serviceFields.urgent.description ?? ''), ...recordMeta })
  .meta({ id: 'Service' });
export const userSchema = z
  .object({
    id: z.string().describe('The token subject (`sub`)'),
    displayName: z.string(),
    email: z.string().optional(),
    manager: userManager.optional(),
    active: z.boolean(),
    ...recordMeta,
  })
  .meta({ id: 'User' });

export const directoryListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });
