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
import { CI_HEADS } from './heads.ts';

export default defineArea({
  name: 'cmdb',
  // Its own stack (infra/app.ts): the API stack is near CloudFormation's 500 resources.
  stack: 'ItsmCmdb',
  functions: {
    // Least privilege: the reads of CIs, classes and the tag mapping run in a function that only reads the table.
    readCis: {
      entry: 'functions/cmdb/handlers/read-cis.ts',
      description: "Reads of the CMDB: configuration items (one, a list, a history), CI classes and the AWS feed's tag mapping",
      tableAccess: 'read',
    },
    manageCis: {
      entry: 'functions/cmdb/handlers/manage-cis.ts',
      description: '/cis writes: configuration items (create, replace, delete)',
      tableAccess: 'readWrite',
    },
    ciClasses: {
      entry: 'functions/cmdb/handlers/ci-classes.ts',
      description: "/ci-classes and /cmdb-config writes: CI classes with their attributes' JSON Schema, and the AWS feed's tag mapping",
      tableAccess: 'readWrite',
    },
    ciRelationships: {
      entry: 'functions/cmdb/handlers/ci-relationships.ts',
      description: '/cis/{id}/relationships writes: typed relationships between CIs (add, remove)',
      tableAccess: 'readWrite',
    },
    // Least privilege: the list of a CI's relationships and its impact only read the table.
    readCiRelationships: {
      entry: 'functions/cmdb/handlers/read-ci-relationships.ts',
      description: "GET /cis/{id}/relationships and /cis/{id}/impact: a CI's relationships from both ends, and impact analysis",
      tableAccess: 'read',
    },
    importCis: {
      entry: 'functions/cmdb/handlers/import-cis.ts',
      description: 'POST /cis/import: the initial import of AWS Config items (batch-get-resource-config output)',
      tableAccess: 'readWrite',
      // Up to 100 items of a few writes each.
      timeoutSeconds: 60,
    },
    applyAwsFeed: {
      entry: 'functions/cmdb/handlers/apply-aws-feed.ts',
      description: 'Applies AWS Config and CloudFormation events to CIs and their relationships (SQS batches from the ingestion bus)',
      tableAccess: 'readWrite',
      timeoutSeconds: 60,
    },
  },
  routes: [
    jwtRoute('POST', '/cis', 'manageCis'),
    jwtRoute('POST', '/cis/import', 'importCis'),
    jwtRoute('GET', '/cis', 'readCis'),
    jwtRoute('GET', '/cis/{id}', 'readCis'),
    jwtRoute('PUT', '/cis/{id}', 'manageCis'),
    jwtRoute('DELETE', '/cis/{id}', 'manageCis'),
    jwtRoute('GET', '/cis/{id}/history', 'readCis'),
    jwtRoute('POST', '/cis/{id}/relationships', 'ciRelationships'),
    jwtRoute('DELETE', '/cis/{id}/relationships', 'ciRelationships'),
    jwtRoute('GET', '/cis/{id}/relationships', 'readCiRelationships'),
    jwtRoute('GET', '/cis/{id}/impact', 'readCiRelationships'),
    jwtRoute('GET', '/ci-classes', 'readCis'),
    jwtRoute('GET', '/ci-classes/{name}', 'readCis'),
    jwtRoute('PUT', '/ci-classes/{name}', 'ciClasses'),
    jwtRoute('DELETE', '/ci-classes/{name}', 'ciClasses'),
    jwtRoute('GET', '/cmdb-config', 'readCis'),
    jwtRoute('PUT', '/cmdb-config', 'ciClasses'),
  ],
  consumers: [
    {
      // Not the table's stream (feed/apply-feed-event.ts says why): a queue of its own, fed by a rule on the ingestion bus.
      functionId: 'applyAwsFeed',
      source: {
        kind: 'ingestionBusRule',
        ruleId: 'CmdbAwsFeed',
        description: 'AWS Config configuration item changes and CloudFormation resource and stack status changes, for the CMDB',
        // Listed literally (the bus policy lets other accounts put these detail-types); domain/aws-feed.ts FEED_SOURCES and FEED_DETAIL_TYPES are the same (unit test).
        pattern: {
          source: ['aws.config', 'aws.cloudformation'],
          'detail-type': ['Config Configuration Item Change', 'CloudFormation Resource Status Change', 'CloudFormation Stack Status Change'],
        },
        // A deployment's worth of events at once without crowding the table: the CI writes order themselves per resource.
        maxConcurrency: 5,
        batchSize: 10,
        fromDefaultBusOption: 'cmdbFromDefaultBus',
        replay: { group: 'cmdb', what: 'AWS Config and CloudFormation events not applied to CIs' },
      },
    },
  ],
  publishedEventTypes: [...CI_EVENT_TYPES],
  queueHeads: [...CI_HEADS],
  api: () => import('./api.ts'),
});
