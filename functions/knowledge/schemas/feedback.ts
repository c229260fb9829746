import * as z from 'zod';

/* POST /articles/{id}/feedback as the API takes and answers it. */

export const MAX_FEEDBACK_COMMENT_LENGTH = 2000;

export const postFeedbackBody = z
  .strictObject({
    helpful: z.boolean().describe('Whether the article answered the need'),
    comment: z
      .string()
      .trim()
      .min(1)
      .max(MAX_FEEDBACK_COMMENT_LENGTH)
      .optional()
      .describe(`Free text for the article's owners, at most ${MAX_FEEDBACK_COMMENT_LENGTH} characters; kept in the article's history, never in events`),
  })
  .meta({ id: 'PostArticleFeedback' });
export type PostFeedback = z.infer<typeof postFeedbackBody>;

export const articleCountsSchema = z
  .object({
    views: z.number().int().describe('Reads of the article while published, by anyone'),
    helpful: z.number().int().describe('Votes that it helped, over all its versions'),
    notHelpful: z.number().int().describe('Votes that it did not help, over all its versions'),
    deflections: z.number().int().describe('Needs it answered before a ticket was opened (POST /suggestions/{id}/deflection)'),
  })
  .meta({ id: 'ArticleCounts', description: "An article's counters, counted exactly (atomic additions)" });

export const articleFeedbackSchema = z
  .object({
    articleId: z.string(),
    articleNumber: z.string(),
    version: z.number().int().describe('The published content version the feedback is about: one feedback per person per version'),
    helpful: z.boolean(),
    comment: z.string().optional(),
    by: z.string().describe('Who gave it'),
    at: z.string(),
  })
  .meta({ id: 'ArticleFeedback' });

export const articleFeedbackResponseSchema = z
  .object({ feedback: articleFeedbackSchema, counts: articleCountsSchema })
  .meta({ id: 'ArticleFeedbackResult', description: "The feedback recorded, and the article's counters as read with the article, this vote added" });
export type ArticleFeedbackResponse = z.infer<typeof articleFeedbackResponseSchema>;
