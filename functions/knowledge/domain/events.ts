/** The knowledge area's event vocabulary (docs/events.md): what its writes publish through the outbox. */
export const ARTICLE_EVENT_TYPES = [
  'Article Created',
  'Article Updated',
  'Article Submitted',
  'Article Published',
  'Article Rejected',
  'Article Retired',
  'Article Feedback Received',
] as const;
export type ArticleEventType = (typeof ARTICLE_EVENT_TYPES)[number];
