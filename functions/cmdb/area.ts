/**
 * Configuration management (issue 14): configuration items and their classes, typed
 * relationships, impact analysis, and the AWS feed (AWS Config and CloudFormation events, and the
 * initial import) that keeps them right without anyone typing them in; as the registry
 * (functions/areas.ts) assembles it. Its API description is ./api.ts.
 *
 * It supports the work areas from below, as sla and known-errors do: incidents, problems and
 * change requests name CIs by id and ask for their impact (./impact.ts), and it imports none of them.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { CI_EVENT_TYPES } from './domain/events.ts';

export default defineArea({
  name: 'cmdb',
  // Its own stack (infra/app.ts): the API stack is near CloudFormation's 500 resources.
  stack: 'ItsmCmdb',
  functions: {
    manageCis: {
      entry: 'functions/cmdb/handlers/manage-cis.ts',
      description: '/cis: configuration items (create, read, list, replace, delete) and their history',
      tableAccess: 'readWrite',
    },
    ciClasses: {
      entry: 'functions/cmdb/handlers/ci-classes.ts',
      description: "/ci-classes and /cmdb-config: CI classes with their attributes' JSON Schema, and the AWS feed's tag mapping",
      tableAccess: 'readWrite',
    },
  },
  routes: [
    jwtRoute('POST', '/cis', 'manageCis'),
    jwtRoute('GET', '/cis', 'manageCis'),
    jwtRoute('GET', '/cis/{id}', 'manageCis'),
    jwtRoute('PUT', '/cis/{id}', 'manageCis'),
    jwtRoute('DELETE', '/cis/{id}', 'manageCis'),
    jwtRoute('GET', '/cis/{id}/history', 'manageCis'),
    jwtRoute('GET', '/ci-classes', 'ciClasses'),
    jwtRoute('GET', '/ci-classes/{name}', 'ciClasses'),
    jwtRoute('PUT', '/ci-classes/{name}', 'ciClasses'),
    jwtRoute('DELETE', '/ci-classes/{name}', 'ciClasses'),
    jwtRoute('GET', '/cmdb-config', 'ciClasses'),
    jwtRoute('PUT', '/cmdb-config', 'ciClasses'),
  ],
  publishedEventTypes: [...CI_EVENT_TYPES],
  api: () => import('./api.ts'),
});
