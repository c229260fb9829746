/**
 * The platform area (health, the served API description and the counting of every counted list),
 * as the registry (functions/areas.ts) assembles it. Its API description is ./api.ts.
 */
import { defineArea, queueViewsSource } from '../shared/area.ts';
import { COUNTED_KINDS } from './counted-kinds.ts';
import { HEADED_QUEUES } from './headed-queues.ts';

export default defineArea({
  name: 'platform',
  functions: {
    health: {
      entry: 'functions/platform/handlers/health.ts',
      description: 'GET /health: the API and its table answer',
      tableAccess: 'read',
    },
    openApi: {
      entry: 'functions/platform/handlers/openapi.ts',
      description: 'GET /openapi.json: the API description',
      tableAccess: 'none',
    },
    keepQueues: {
      entry: 'functions/platform/handlers/keep-queues.ts',
      description: 'Keeps the counts (count=true) and the first pages (queue heads) of the lists, from the table stream',
      tableAccess: 'queueViews',
      timeoutSeconds: 60,
    },
  },
  routes: [
    {
      method: 'GET',
      path: '/health',
      functionId: 'health',
      auth: 'none',
      publicReason: 'health check for load balancers and uptime monitors; it answers only whether the API and its table respond, and returns no ticket data.',
    },
    {
      method: 'GET',
      path: '/openapi.json',
      functionId: 'openApi',
      auth: 'none',
      publicReason: 'the public API description (OpenAPI document), the same for every caller; it returns no ticket data.',
    },
  ],
  consumers: [
    {
      // One consumer for every counted kind and headed queue, not one per area: each consumer is
      // one more reader of every stream shard, and AWS advises at most two per shard (more are
      // throttled, delaying every consumer, the outbox publisher's included). Here, as the top
      // layer, it may import each area's definitions (./counted-kinds.ts, ./headed-queues.ts); the
      // areas keep defining them.
      functionId: 'keepQueues',
      source: queueViewsSource(COUNTED_KINDS, HEADED_QUEUES, {
        group: 'counts',
        what: 'record changes the list counts (count=true) and first pages (queue heads) missed',
      }),
    },
  ],
  api: () => import('./api.ts'),
});
