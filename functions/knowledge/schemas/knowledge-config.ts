import * as z from 'zod';
import { MAX_REVIEW_INTERVAL_DAYS, MIN_REVIEW_INTERVAL_DAYS } from '../domain/review.ts';

/* /knowledge-config as the API takes and shows it. */

const knowledgeConfigFields = {
  reviewIntervalDays: z
    .int()
    .min(MIN_REVIEW_INTERVAL_DAYS)
    .max(MAX_REVIEW_INTERVAL_DAYS)
    .describe(
      `How many days a published article goes without review (the approval of a version) before it is due for review, ${MIN_REVIEW_INTERVAL_DAYS} to ${MAX_REVIEW_INTERVAL_DAYS}; 365 until an admin sets it`,
    ),
};

export const putKnowledgeConfigBody = z.strictObject(knowledgeConfigFields).meta({ id: 'PutKnowledgeConfig' });
export type PutKnowledgeConfig = z.infer<typeof putKnowledgeConfigBody>;

export const knowledgeConfigSchema = z
  .object({
    ...knowledgeConfigFields,
    updatedAt: z.string().optional().describe('Absent until the configuration is first written'),
    version: z.number().int().describe('Also sent as the ETag; 0 until the configuration is first written. Send it back in If-Match'),
  })
  .meta({ id: 'KnowledgeConfig', description: 'When a published article is due for review' });
