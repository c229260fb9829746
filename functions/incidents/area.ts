/**
 * The incidents area, as the registry (functions/areas.ts) assembles it: its functions, routes and
 * the event types its outbox records carry (SLA and escalation ones included: they are published
 * on an incident's record). Its API description is ./api.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { INCIDENT_COUNTS } from './counts.ts';
import { INCIDENT_EVENT_TYPES } from './domain/events.ts';
import { INCIDENT_HEADS } from './heads.ts';

export default defineArea({
  name: 'incidents',
  functions: {
    createIncident: {
      entry: 'functions/incidents/handlers/create-incident.ts',
      description: 'POST /incidents: open an incident (and offer the published articles that may solve it)',
      tableAccess: 'readWrite',
      capabilities: ['readSearchIndex'],
    },
    getIncident: {
      entry: 'functions/incidents/handlers/get-incident.ts',
      description: 'GET /incidents/{id}: one incident by id or number',
      tableAccess: 'read',
    },
    listIncidents: {
      entry: 'functions/incidents/handlers/list-incidents.ts',
      description: 'GET /incidents: filtered, paginated incident list',
      tableAccess: 'read',
    },
    updateIncident: {
      entry: 'functions/incidents/handlers/update-incident.ts',
      description: 'PATCH /incidents/{id}: fields and lifecycle',
      tableAccess: 'readWrite',
    },
    addIncidentNote: {
      entry: 'functions/incidents/handlers/add-note.ts',
      description: 'POST /incidents/{id}/notes: work or public note',
      tableAccess: 'readWrite',
    },
    listIncidentNotes: {
      entry: 'functions/incidents/handlers/list-notes.ts',
      description: 'GET /incidents/{id}/notes',
      tableAccess: 'read',
    },
    getIncidentHistory: {
      entry: 'functions/incidents/handlers/get-history.ts',
      description: 'GET /incidents/{id}/history: the audit trail',
      tableAccess: 'read',
    },
    priorityMatrix: {
      entry: 'functions/incidents/handlers/priority-matrix.ts',
      description: '/config/priority-matrix: impact x urgency -> priority (agents read, admins change)',
      tableAccess: 'readWrite',
    },
  },
  routes: [
    jwtRoute('POST', '/incidents', 'createIncident'),
    jwtRoute('GET', '/incidents', 'listIncidents'),
    jwtRoute('GET', '/incidents/{id}', 'getIncident'),
    jwtRoute('PATCH', '/incidents/{id}', 'updateIncident'),
    jwtRoute('POST', '/incidents/{id}/notes', 'addIncidentNote'),
    jwtRoute('GET', '/incidents/{id}/notes', 'listIncidentNotes'),
    jwtRoute('GET', '/incidents/{id}/history', 'getIncidentHistory'),
    jwtRoute('GET', '/config/priority-matrix', 'priorityMatrix'),
    jwtRoute('PUT', '/config/priority-matrix', 'priorityMatrix'),
  ],
  queueCounts: [INCIDENT_COUNTS],
  publishedEventTypes: INCIDENT_EVENT_TYPES,
  queueHeads: [...INCIDENT_HEADS],
  api: () => import('./api.ts'),
});
