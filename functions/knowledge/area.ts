/**
 * Knowledge (issue 16): articles with their versions, review and publishing, feedback and views,
 * the known error turned into an article, and the answers offered before a ticket is opened
 * (suggestions and deflections); as the registry (functions/areas.ts) assembles it. Its API
 * description is ./api.ts; search over articles and tickets is the search area (functions/search).
 *
 * A work area: it imports the directory (owner groups), known errors and the search engine
 * (functions/shared/search), never incidents, problems or requests.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { ARTICLE_EVENT_TYPES } from './domain/events.ts';
import { ARTICLE_HEADS } from './heads.ts';

export default defineArea({
  name: 'knowledge',
  // Its own stack (infra/app.ts): the API stack is near CloudFormation's 500 resources.
  stack: 'ItsmKnowledge',
  functions: {
    manageArticles: {
      entry: 'functions/knowledge/handlers/articles.ts',
      description: 'POST /articles, PUT /articles/{id}: write knowledge articles (the Markdown body is rendered on write)',
      tableAccess: 'readWrite',
    },
    // Apart from the writes: readers' cold starts load no Markdown renderer (bench/README.md, bundle sizes).
    // readWrite for one write, the view counter (an UpdateItem in the article's own partition: no narrower grant exists).
    readArticles: {
      entry: 'functions/knowledge/handlers/read-articles.ts',
      description: 'GET /articles, /articles/{id}, its versions and history: read knowledge articles (a read of a published article counts a view)',
      tableAccess: 'readWrite',
    },
    articleLifecycle: {
      entry: 'functions/knowledge/handlers/article-lifecycle.ts',
      description: '/articles/{id}/submit, /review, /retire: send a version for review, approve (publish) or reject it, retire an article',
      tableAccess: 'readWrite',
    },
    articleFeedback: {
      entry: 'functions/knowledge/handlers/article-feedback.ts',
      description: 'POST /articles/{id}/feedback: was this article helpful (once per person and version)',
      tableAccess: 'readWrite',
    },
    articleFromKnownError: {
      entry: 'functions/knowledge/handlers/article-from-known-error.ts',
      description: 'POST /known-errors/{id}/article: a draft article from a known error, in one call',
      tableAccess: 'readWrite',
    },
    knowledgeConfig: {
      entry: 'functions/knowledge/handlers/knowledge-config.ts',
      description: '/knowledge-config: how long a published article goes without review before it is due (agents read, admins change)',
      tableAccess: 'readWrite',
    },
    knowledgeReport: {
      entry: 'functions/knowledge/handlers/knowledge-report.ts',
      description: 'GET /reports/knowledge: deflections, most viewed and least helpful articles, articles due for review',
      tableAccess: 'read',
    },
    articleSuggestions: {
      entry: 'functions/knowledge/handlers/suggestions.ts',
      description: '/suggestions: the articles most likely to answer a need before a ticket is opened, and the deflections they earn',
      tableAccess: 'readWrite',
      capabilities: ['readSearchIndex'],
    },
  },
  routes: [
    jwtRoute('POST', '/articles', 'manageArticles'),
    jwtRoute('GET', '/articles', 'readArticles'),
    jwtRoute('GET', '/articles/{id}', 'readArticles'),
    jwtRoute('PUT', '/articles/{id}', 'manageArticles'),
    jwtRoute('GET', '/articles/{id}/versions', 'readArticles'),
    jwtRoute('GET', '/articles/{id}/versions/{version}', 'readArticles'),
    jwtRoute('GET', '/articles/{id}/history', 'readArticles'),
    jwtRoute('POST', '/articles/{id}/submit', 'articleLifecycle'),
    jwtRoute('POST', '/articles/{id}/review', 'articleLifecycle'),
    jwtRoute('POST', '/articles/{id}/retire', 'articleLifecycle'),
    jwtRoute('POST', '/articles/{id}/feedback', 'articleFeedback'),
    jwtRoute('POST', '/known-errors/{id}/article', 'articleFromKnownError'),
    jwtRoute('GET', '/knowledge-config', 'knowledgeConfig'),
    jwtRoute('PUT', '/knowledge-config', 'knowledgeConfig'),
    jwtRoute('GET', '/reports/knowledge', 'knowledgeReport'),
    jwtRoute('POST', '/suggestions', 'articleSuggestions'),
    jwtRoute('POST', '/suggestions/{id}/deflection', 'articleSuggestions'),
  ],
  publishedEventTypes: ARTICLE_EVENT_TYPES,
  queueHeads: [...ARTICLE_HEADS],
  api: () => import('./api.ts'),
});
