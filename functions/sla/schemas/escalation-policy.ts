import * as z from 'zod';
import { userId } from '../../shared/schemas/common.ts';
import { isoDuration, uniqueItems } from './shared.ts';

export const MAX_LEVELS = 10;
export const MAX_REPEAT = 5;
const MAX_DELAY_SECONDS = 7 * 24 * 3600;

const notify = z
  .strictObject({
    users: z
      .array(userId)
      .max(25)
      .superRefine((list, ctx) => uniqueItems(list, ctx, 'User'))
      .optional()
      .describe('User ids (token subjects); each must exist'),
    assignee: z.boolean().optional().describe("The incident's assignee"),
    group: z.boolean().optional().describe("The incident's assignment group"),
    manager: z.boolean().optional().describe("The manager of the incident's assignment group"),
  })
  .refine(
    (n) => (n.users?.length ?? 0) > 0 || n.assignee === true || n.group === true || n.manager === true,
    'Notify someone: users, assignee, group or manager',
  );

const level = z.strictObject({
  notify,
  delay: isoDuration(1, MAX_DELAY_SECONDS).describe('How long to wait before the next level, e.g. `PT15M`: at least 1 second, at most 7 days'),
});

const policyFields = {
  levels: z.array(level).min(1).max(MAX_LEVELS).describe('Level 1 is notified at the breach; each level waits `delay` before the next'),
  repeat: z.int().min(0).max(MAX_REPEAT).default(0).describe('How many more times the levels run after the last one'),
};

export const putEscalationPolicyBody = z.strictObject(policyFields).meta({ id: 'PutEscalationPolicy' });

export const escalationPolicySchema = z
  .object({
    group: z.string(),
    ...policyFields,
    isDefault: z.boolean().describe('true: the group has no policy of its own and escalates by this default (version 0)'),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    version: z.number().int().describe('Also sent as the ETag; 0 for the default. Send it back in If-Match'),
  })
  .describe('Who is notified, level by level, when an incident of the group breaches its SLA');
