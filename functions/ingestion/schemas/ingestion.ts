import * as z from 'zod';
import { cursorParam, isoTimestamp, limitParam } from '../../shared/schemas/common.ts';

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;

export const createIntegrationBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).describe('What sends with this key, e.g. "Alertmanager prod"'),
    rateLimitPerMinute: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(DEFAULT_RATE_LIMIT_PER_MINUTE)
      .describe('Events accepted per minute; more get 429 with Retry-After (PagerDuty allows 120 per minute per key)'),
  })
  .meta({ id: 'CreateIntegration' });

export const integrationSchema = z
  .object({
    id: z.string(),
    service: z.string(),
    name: z.string(),
    keyHint: z.string().describe('The last 4 characters of the key'),
    rateLimitPerMinute: z.number().int(),
    createdAt: isoTimestamp,
    createdBy: z.string(),
    revokedAt: isoTimestamp.optional(),
    revokedBy: z.string().optional(),
  })
  .meta({ id: 'Integration' });

export const createdIntegrationSchema = integrationSchema
  .extend({
    routingKey: z.string().describe('The integration key, shown only in this response: send it as routing_key to POST /v2/enqueue'),
  })
  .meta({ id: 'CreatedIntegration' });

export const pageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });
