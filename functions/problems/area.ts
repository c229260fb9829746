/**
 * The problem management area (issue 13), as the registry (functions/areas.ts) assembles it: its
 * functions, routes and the event types its outbox records carry. Its API description is ./api.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { PROBLEM_COUNTS } from './counts.ts';
import { CANDIDATE_EVENT_TYPES } from './domain/candidate.ts';
import { PROBLEM_EVENT_TYPES } from './domain/events.ts';
import { CHANGE_END_EVENT_TYPES } from './domain/links.ts';
import { PROBLEM_HEADS } from './heads.ts';

export default defineArea({
  name: 'problems',
  // Its own stack (infra/app.ts): the API stack would pass CloudFormation's 500 resources with it.
  stack: 'ItsmProblems',
  functions: {
    createProblem: {
      entry: 'functions/problems/handlers/create-problem.ts',
      description: 'POST /problems: open a problem',
      tableAccess: 'readWrite',
    },
    getProblem: {
      entry: 'functions/problems/handlers/get-problem.ts',
      description: 'GET /problems/{id}: one problem by id or number',
      tableAccess: 'read',
    },
    listProblems: {
      entry: 'functions/problems/handlers/list-problems.ts',
      description: 'GET /problems: filtered, paginated problems',
      tableAccess: 'read',
    },
    updateProblem: {
      entry: 'functions/problems/handlers/update-problem.ts',
      description: 'PATCH /problems/{id}: fields, root cause, workaround, fix, known error and lifecycle',
      tableAccess: 'readWrite',
    },
    problemNotes: {
      entry: 'functions/problems/handlers/problem-notes.ts',
      description: '/problems/{id}/notes and /problems/{id}/history: work notes and the audit trail of a problem',
      tableAccess: 'readWrite',
    },
    problemIncidents: {
      entry: 'functions/problems/handlers/problem-incidents.ts',
      description: '/problems/{id}/incidents: link an incident to a problem (one transaction on both), list the linked incidents, unlink one',
      tableAccess: 'readWrite',
    },
    problemReactions: {
      entry: 'functions/problems/handlers/problem-reactions.ts',
      description:
        "Table stream: a resolved problem's open linked incidents are told (and resolved when it says so); the problems a change request fixes react to its end",
      tableAccess: 'readWrite',
      timeoutSeconds: 120,
    },
    problemConfig: {
      entry: 'functions/problems/handlers/problem-config.ts',
      description: '/problem-config: when recurring incidents make a problem candidate (agents read, admins change)',
      tableAccess: 'readWrite',
    },
    problemCandidates: {
      entry: 'functions/problems/handlers/problem-candidates.ts',
      description: '/problem-candidates: recurring incidents proposed as problems; accept (opens the problem, links the incidents) or dismiss',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
    },
    problemReport: {
      entry: 'functions/problems/handlers/problem-report.ts',
      description: 'GET /reports/problems: open problems, known errors, time to root cause, candidates, from maintained counters',
      tableAccess: 'read',
    },
    detectRecurringIncidents: {
      entry: 'functions/problems/handlers/detect-recurring-incidents.ts',
      description: 'Counts new incidents per service+category and alert dedup key; records problem candidates (table stream)',
      tableAccess: 'readWrite',
      timeoutSeconds: 60,
    },
  },
  routes: [
    jwtRoute('POST', '/problems', 'createProblem'),
    jwtRoute('GET', '/problems', 'listProblems'),
    jwtRoute('GET', '/problems/{id}', 'getProblem'),
    jwtRoute('PATCH', '/problems/{id}', 'updateProblem'),
    jwtRoute('POST', '/problems/{id}/notes', 'problemNotes'),
    jwtRoute('GET', '/problems/{id}/notes', 'problemNotes'),
    jwtRoute('GET', '/problems/{id}/history', 'problemNotes'),
    jwtRoute('POST', '/problems/{id}/incidents', 'problemIncidents'),
    jwtRoute('GET', '/problems/{id}/incidents', 'problemIncidents'),
    jwtRoute('DELETE', '/problems/{id}/incidents/{incident}', 'problemIncidents'),
    jwtRoute('GET', '/problem-config', 'problemConfig'),
    jwtRoute('PUT', '/problem-config', 'problemConfig'),
    jwtRoute('GET', '/problem-candidates', 'problemCandidates'),
    jwtRoute('GET', '/problem-candidates/{id}', 'problemCandidates'),
    jwtRoute('POST', '/problem-candidates/{id}/accept', 'problemCandidates'),
    jwtRoute('POST', '/problem-candidates/{id}/dismiss', 'problemCandidates'),
    jwtRoute('GET', '/reports/problems', 'problemReport'),
  ],
  consumers: [
    {
      functionId: 'detectRecurringIncidents',
      source: {
        kind: 'tableStream',
        filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['incident'] } } } },
        batchSize: 100,
        replay: { group: 'problems', what: 'new incidents not counted towards recurring-incident problem candidates' },
      },
    },
    {
      // Outbox records of a problem's resolution and of a change request's end (reactions.ts). One
      // consumer for both: every consumer is one more reader of the table's stream.
      functionId: 'problemReactions',
      source: {
        kind: 'tableStream',
        filter: {
          eventName: ['INSERT'],
          dynamodb: { NewImage: { entity: { S: ['outbox'] }, detail: { M: { type: { S: ['Problem Resolved', ...CHANGE_END_EVENT_TYPES] } } } } },
        },
        batchSize: 10,
        replay: {
          group: 'problems',
          what: 'resolved problems whose linked incidents were not told (or resolved), and ended change requests whose fixed problems were not resolved or told',
        },
      },
    },
  ],
  queueCounts: [PROBLEM_COUNTS],
  publishedEventTypes: [...PROBLEM_EVENT_TYPES, ...CANDIDATE_EVENT_TYPES],
  queueHeads: [...PROBLEM_HEADS],
  api: () => import('./api.ts'),
});
