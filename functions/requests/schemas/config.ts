import * as z from 'zod';
import { slug } from '../../shared/schemas/common.ts';

/* /request-config as the API takes and shows it: approval timing, reminders, the e-mail item. */

export const MIN_APPROVAL_TIMEOUT_SECONDS = 60;
export const MAX_APPROVAL_TIMEOUT_SECONDS = 30 * 86_400;
export const MAX_REMINDERS = 10;

/** What is in force until an admin first writes the configuration (version 0). */
export { REQUEST_CONFIG_DEFAULTS } from '../domain/config-defaults.ts';

const requestConfigFields = {
  approvalTimeoutSeconds: z
    .int()
    .min(MIN_APPROVAL_TIMEOUT_SECONDS)
    .max(MAX_APPROVAL_TIMEOUT_SECONDS)
    .describe(
      `How long each approval stage waits for its approvers before a reminder (then, reminders used up, expiry), ${MIN_APPROVAL_TIMEOUT_SECONDS} to ${MAX_APPROVAL_TIMEOUT_SECONDS} seconds`,
    ),
  reminders: z
    .int()
    .min(0)
    .max(MAX_REMINDERS)
    .describe(`Reminders to the approvers who have not voted before the stage expires and the request is rejected, 0 to ${MAX_REMINDERS}`),
  emailDefaultItem: slug.describe('The catalog item a mail to the service desk orders (a mail to `incident@` opens an incident instead); it must exist'),
};

export const putRequestConfigBody = z.strictObject(requestConfigFields).meta({ id: 'PutRequestConfig' });
export type PutRequestConfig = z.infer<typeof putRequestConfigBody>;

export const requestConfigSchema = z
  .object({
    ...requestConfigFields,
    updatedAt: z.string().optional().describe('Absent until the configuration is first written'),
    version: z.number().int().describe('Also sent as the ETag; 0 until the configuration is first written. Send it back in If-Match'),
  })
  .meta({ id: 'RequestConfig', description: 'How request approvals wait and remind, and what a mail to the desk orders' });
