import { TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { articleFeedbackKey } from './keys.ts';

/*
 * Feedback: pk ARTICLE#<id>, sk FEEDBACK#<version 6>#<userId>: one per person per published
 * content version, created under attribute_not_exists (a second vote on the same version is
 * refused; a new published version is voted on afresh). Its comment is free text: kept here and in
 * the article's history, never in an event.
 */

export interface ArticleFeedback {
  readonly articleId: string;
  readonly articleNumber: string;
  readonly version: number;
  readonly helpful: boolean;
  readonly comment?: string;
  readonly by: string;
  readonly at: string;
}

/** The feedback's creation; refused (ConditionalCheckFailed) when this person already gave feedback on this version. */
export function feedbackPut(feedback: ArticleFeedback): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { ...articleFeedbackKey(feedback.articleId, feedback.version, feedback.by), entity: 'article-feedback', ...feedback },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
