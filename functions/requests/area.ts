/**
 * Request fulfilment (issue 15): the service catalog (items with their forms, approvals and
 * fulfilment tasks, versioned), service requests ordered from it, their approval workflow
 * (statemachines/request-fulfilment.asl.json) and the fulfilment tasks agents work; as the
 * registry (functions/areas.ts) assembles it. Its API description is ./api.ts.
 *
 * A work area: it imports the directory (groups, users and their managers) and SLA (task clocks),
 * never incidents or changes. Email (functions/email) opens requests through ./operations.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { REQUEST_COUNTS, TASK_COUNTS } from './counts.ts';
import { REQUEST_EVENT_TYPES } from './domain/events.ts';
import { REQUEST_HEADS, TASK_HEADS } from './heads.ts';

export default defineArea({
  name: 'requests',
  // Its own stack (infra/app.ts), workflow included: the API stack is near CloudFormation's 500 resources.
  stack: 'ItsmRequests',
  functions: {
    manageCatalogItems: {
      entry: 'functions/requests/handlers/catalog-items.ts',
      description: '/catalog-items: the service catalog, its forms, approvals and fulfilment plans, versioned (everyone reads, admins change)',
      tableAccess: 'readWrite',
    },
    createRequest: {
      entry: 'functions/requests/handlers/create-request.ts',
      description:
        'POST /requests: order a catalog item with the answers to its form, and start its approval workflow (and offer the published articles that may answer it)',
      tableAccess: 'readWrite',
      capabilities: ['startRequestFulfilment', 'readSearchIndex'],
    },
    readRequests: {
      entry: 'functions/requests/handlers/read-requests.ts',
      description: 'GET /requests and GET /requests/{id}: service requests (a requester sees only their own)',
      tableAccess: 'read',
    },
    updateRequest: {
      entry: 'functions/requests/handlers/update-request.ts',
      description:
        'PATCH /requests/{id} and POST /requests/{id}/cancel: close a fulfilled request, cancel one before fulfilment starts (and stop its workflow)',
      tableAccess: 'readWrite',
      capabilities: ['stopRequestFulfilment'],
    },
    requestNotes: {
      entry: 'functions/requests/handlers/request-notes.ts',
      description: '/requests/{id}/notes and /requests/{id}/history: public and work notes, and the audit trail of a request',
      tableAccess: 'readWrite',
    },
    requestApprovals: {
      entry: 'functions/requests/handlers/request-approvals.ts',
      description: '/requests/{id}/approvals: decide on the stage a request waits on; list its stages, who was asked and who answered',
      tableAccess: 'readWrite',
      capabilities: ['answerApprovalTasks'],
    },
    requestConfig: {
      entry: 'functions/requests/handlers/request-config.ts',
      description: '/request-config: approval timing and reminders, and the catalog item e-mail opens (agents read, admins change)',
      tableAccess: 'readWrite',
    },
    requestFulfilmentSteps: {
      entry: 'functions/requests/handlers/fulfilment-steps.ts',
      description: 'Task steps of the request fulfilment workflow: ask a stage, remind, expire, create the fulfilment tasks',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
      capabilities: ['answerApprovalTasks'],
    },
    readTasks: {
      entry: 'functions/requests/handlers/read-tasks.ts',
      description: 'GET /tasks and GET /tasks/{id}: fulfilment tasks by assignment group, status, assignee or request',
      tableAccess: 'read',
    },
    updateTask: {
      entry: 'functions/requests/handlers/update-task.ts',
      description: 'PATCH /tasks/{id} and /tasks/{id}/notes, /history: take, work and close a fulfilment task (closing the last one fulfils its request)',
      tableAccess: 'readWrite',
    },
    ensureFulfilmentStarted: {
      entry: 'functions/requests/handlers/ensure-fulfilment-started.ts',
      description:
        'Request Submitted from the bus: starts the fulfilment workflow of a request whose start after its commit failed (one already started is left alone)',
      tableAccess: 'read',
      capabilities: ['startRequestFulfilment'],
    },
    seedRequestDefaults: {
      entry: 'functions/requests/handlers/seed-defaults.ts',
      description: 'Writes the seeded service catalog and the request configuration once, unless they exist',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
    },
  },
  routes: [
    jwtRoute('GET', '/catalog-items', 'manageCatalogItems'),
    jwtRoute('POST', '/catalog-items', 'manageCatalogItems'),
    jwtRoute('GET', '/catalog-items/{id}', 'manageCatalogItems'),
    jwtRoute('PUT', '/catalog-items/{id}', 'manageCatalogItems'),
    jwtRoute('DELETE', '/catalog-items/{id}', 'manageCatalogItems'),
    jwtRoute('GET', '/catalog-items/{id}/versions', 'manageCatalogItems'),
    jwtRoute('GET', '/catalog-items/{id}/versions/{version}', 'manageCatalogItems'),
    jwtRoute('POST', '/requests', 'createRequest'),
    jwtRoute('GET', '/requests', 'readRequests'),
    jwtRoute('GET', '/requests/{id}', 'readRequests'),
    jwtRoute('PATCH', '/requests/{id}', 'updateRequest'),
    jwtRoute('POST', '/requests/{id}/cancel', 'updateRequest'),
    jwtRoute('POST', '/requests/{id}/notes', 'requestNotes'),
    jwtRoute('GET', '/requests/{id}/notes', 'requestNotes'),
    jwtRoute('GET', '/requests/{id}/history', 'requestNotes'),
    jwtRoute('POST', '/requests/{id}/approvals', 'requestApprovals'),
    jwtRoute('GET', '/requests/{id}/approvals', 'requestApprovals'),
    jwtRoute('GET', '/request-config', 'requestConfig'),
    jwtRoute('PUT', '/request-config', 'requestConfig'),
    jwtRoute('GET', '/tasks', 'readTasks'),
    jwtRoute('GET', '/tasks/{id}', 'readTasks'),
    jwtRoute('PATCH', '/tasks/{id}', 'updateTask'),
    jwtRoute('POST', '/tasks/{id}/notes', 'updateTask'),
    jwtRoute('GET', '/tasks/{id}/notes', 'updateTask'),
    jwtRoute('GET', '/tasks/{id}/history', 'updateTask'),
  ],
  consumers: [
    { functionId: 'seedRequestDefaults', source: { kind: 'afterDeploy' } },
    {
      // The safety net of the workflow's start: Request Submitted commits with the request, so every request comes by once.
      functionId: 'ensureFulfilmentStarted',
      source: {
        kind: 'ingestionBusRule',
        ruleId: 'RequestFulfilmentStart',
        description: 'Request Submitted: the fulfilment workflow of every request runs, even when its start after the commit failed',
        pattern: { source: ['open-itsm'], 'detail-type': ['Request Submitted'] },
        maxConcurrency: 2,
        replay: { group: 'requests', what: 'Request Submitted events whose fulfilment workflow could not be started' },
      },
    },
  ],
  workflows: {
    requestFulfilment: {
      definitionFile: 'statemachines/request-fulfilment.asl.json',
      description: 'Request fulfilment: asks each approval stage in order (reminding, then expiring), then creates the fulfilment tasks',
      functions: { RequestFulfilmentStepsFunctionArn: 'requestFulfilmentSteps' },
      arnEnvironment: 'REQUEST_FULFILMENT_STATE_MACHINE_ARN',
    },
  },
  queueCounts: [REQUEST_COUNTS, TASK_COUNTS],
  publishedEventTypes: REQUEST_EVENT_TYPES,
  queueHeads: [...REQUEST_HEADS, ...TASK_HEADS],
  api: () => import('./api.ts'),
});
