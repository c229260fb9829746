/**
 * Configuration management (issue 14): configuration items and their classes, typed
 * relationships, impact analysis, and the AWS feed (AWS Config and CloudFormation events, and the
 * initial import) that keeps them right without anyone typing them in; as the registry
 * (functions/areas.ts) assembles it. Its API description is ./api.ts.
 *
 * It supports the work areas from below, as sla and known-errors do: incidents, problems and
 * change requests name CIs by id and ask for their impact (./impact.ts), and it imports none of them.
 */
import { defineArea } from '../shared/area.ts';

export default defineArea({
  name: 'cmdb',
  // Its own stack (infra/app.ts): the API stack is near CloudFormation's 500 resources.
  stack: 'ItsmCmdb',
  functions: {},
  routes: [],
  api: () => import('./api.ts'),
});
