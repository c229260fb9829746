/**
 * The platform area (health, the served API description and the counting of every counted list),
 * as the registry (functions/areas.ts) assembles it. Its API description is ./api.ts.
 */
import { defineArea, queueCountsSource } from '../shared/area.ts';
import { COUNTED_KINDS } from './counted-kinds.ts';

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
    countQueues: {
      entry: 'functions/platform/handlers/count-queues.ts',
      description: 'Keeps the counts of GET /incidents, /changes, /problems, /requests and /tasks with count=true (table stream)',
      tableAccess: 'queueCounts',
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
      // One consumer for every counted kind, not one per counting area: each consumer is one more
      // reader of every stream shard, and AWS advises at most two per shard (more are throttled,
      // delaying every consumer, the outbox publisher's included). Here, as the top layer, it may
      // import each area's definition (./counted-kinds.ts); the areas keep defining them.
      functionId: 'countQueues',
      source: queueCountsSource(COUNTED_KINDS, {
        group: 'counts',
        what: 'incident, change request, problem, request and task changes the list counts (count=true) missed',
      }),
    },
  ],
  api: () => import('./api.ts'),
});
