/**
 * The platform area (health and the served API description), as the registry (functions/areas.ts)
 * assembles it. Its API description is ./api.ts.
 */
import { defineArea } from '../shared/area.ts';

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
  api: () => import('./api.ts'),
});
