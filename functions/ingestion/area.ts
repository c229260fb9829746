/**
 * The ingestion area (events from monitoring tools: the PagerDuty-compatible intake, the ingestion
 * bus, integration keys), as the registry (functions/areas.ts) assembles it. It publishes no event
 * types of its own: the incidents it opens publish theirs. Its API description is ./api.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';

export default defineArea({
  name: 'ingestion',
  functions: {
    enqueueEvent: {
      entry: 'functions/ingestion/handlers/enqueue.ts',
      description: 'POST /v2/enqueue: PagerDuty Events API v2 compatible event intake',
      tableAccess: 'readWrite',
    },
    manageIntegrations: {
      entry: 'functions/ingestion/handlers/integrations.ts',
      description: '/services/{name}/integrations: integration keys (routing keys) of a service',
      tableAccess: 'readWrite',
    },
    listIncidentEvents: {
      entry: 'functions/ingestion/handlers/list-incident-events.ts',
      description: 'GET /incidents/{id}/events: the raw events that touched an incident',
      tableAccess: 'read',
    },
    recordBusEvents: {
      entry: 'functions/ingestion/handlers/record-bus-events.ts',
      description: 'Records events routed from the ingestion bus (SQS batches)',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
    },
    applyAlertEvents: {
      entry: 'functions/ingestion/handlers/apply-alert-events.ts',
      description: 'Applies recorded alert events to incidents, in order per dedup key (table stream)',
      tableAccess: 'readWrite',
      timeoutSeconds: 60,
    },
  },
  routes: [
    jwtRoute('GET', '/incidents/{id}/events', 'listIncidentEvents'),
    jwtRoute('GET', '/services/{name}/integrations', 'manageIntegrations'),
    jwtRoute('POST', '/services/{name}/integrations', 'manageIntegrations'),
    jwtRoute('DELETE', '/services/{name}/integrations/{key}', 'manageIntegrations'),
    {
      method: 'POST',
      path: '/v2/enqueue',
      functionId: 'enqueueEvent',
      // Monitoring tools send no Authorization header: the routing key in the body authenticates.
      auth: 'none',
      publicReason:
        'PagerDuty Events API v2 compatible intake for monitoring tools (Alertmanager, Grafana, ...), which send no Authorization header: the integration key (routing_key) in the body authenticates each event, as with PagerDuty; unknown or revoked keys get 400 and nothing is recorded, each key has its own rate limit (429) enforced in the function, bodies are capped at 64 KB, and stage throttling applies.',
    },
  ],
  consumers: [
    { functionId: 'recordBusEvents', source: { kind: 'ingestionQueue' } },
    {
      functionId: 'applyAlertEvents',
      source: {
        kind: 'tableStream',
        filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['alert-event'] } } } },
        batchSize: 100,
        replay: { group: 'ingestion', what: 'recorded alert events that could not be applied to incidents' },
      },
    },
  ],
  api: () => import('./api.ts'),
});
