/**
 * Search (issue 16): GET /search over published articles and, for agents, incidents, problems and
 * known errors; the indexer that follows the table (the outbox's events on the bus) into the
 * search index's change log; the rebuild of the index from the table. The engine and the index
 * store are functions/shared/search (incidents, requests and knowledge read the index too).
 *
 * A reaction: it reads the records of the areas it indexes (incidents, problems, known errors,
 * knowledge), and none of them imports it.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { EVENT_SOURCE } from '../shared/events.ts';

export default defineArea({
  name: 'search',
  stack: 'ItsmKnowledge',
  functions: {
    search: {
      entry: 'functions/search/handlers/search.ts',
      description: 'GET /search: ranked full-text search over what the caller may read (articles; for agents also incidents, problems, known errors)',
      tableAccess: 'read',
      capabilities: ['readSearchIndex'],
    },
    indexSearchDocuments: {
      entry: 'functions/search/handlers/index-documents.ts',
      description:
        'Article, incident and problem events from the bus: reads the record and writes its search document (or its removal) to the index change log; compacts it into a new snapshot now and then',
      tableAccess: 'readWrite',
      capabilities: ['writeSearchIndex'],
    },
    rebuildSearchIndex: {
      entry: 'functions/search/handlers/rebuild-index.ts',
      description:
        'Rebuilds the search indexes from the table and stores their snapshots (after each deployment, and on demand); marks each index change log so that warm readers load them',
      // readWrite: the mark in each index's change log (one PutItem).
      tableAccess: 'readWrite',
      capabilities: ['writeSearchIndex'],
      timeoutSeconds: 300,
      memoryMb: 1024,
    },
  },
  routes: [jwtRoute('GET', '/search', 'search')],
  consumers: [
    { functionId: 'rebuildSearchIndex', source: { kind: 'afterDeploy' } },
    {
      // The index follows the table: every Article, Incident and Problem event (the outbox's, committed with its record).
      functionId: 'indexSearchDocuments',
      source: {
        kind: 'ingestionBusRule',
        ruleId: 'SearchIndex',
        description: 'Article, Incident and Problem events: the search documents of their records are written to the search index change log',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [{ prefix: 'Article ' }, { prefix: 'Incident ' }, { prefix: 'Problem ' }] },
        // The least an SQS event source allows; the indexer's writes are idempotent whatever the concurrency.
        maxConcurrency: 2,
        replay: { group: 'search', what: 'Article, Incident and Problem events whose search documents could not be written' },
      },
    },
  ],
  api: () => import('./api.ts'),
});
