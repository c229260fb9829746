/**
 * The known-errors area, as the registry (functions/areas.ts) assembles it. It supports the work
 * areas from below, as sla does: problems write its projection in their own transactions
 * (knownErrorEntries) and incidents' create and update look it up (incident-matches.ts); it
 * imports neither. It deploys with problem management, in ItsmProblems. Its API description is ./api.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';

export default defineArea({
  name: 'known-errors',
  // Problem management's stack (infra/app.ts): the API stack is near CloudFormation's 500 resources.
  stack: 'ItsmProblems',
  functions: {
    listKnownErrors: {
      entry: 'functions/known-errors/handlers/list-known-errors.ts',
      description: 'GET /known-errors: published known errors with their workarounds, by service, configuration item or category',
      tableAccess: 'read',
    },
  },
  routes: [jwtRoute('GET', '/known-errors', 'listKnownErrors')],
  api: () => import('./api.ts'),
});
