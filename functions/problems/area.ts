/**
 * The problem management area (issue 13), as the registry (functions/areas.ts) assembles it: its
 * functions, routes and the event types its outbox records carry. Its API description is ./api.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { PROBLEM_EVENT_TYPES } from './domain/events.ts';

export default defineArea({
  name: 'problems',
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
  },
  routes: [
    jwtRoute('POST', '/problems', 'createProblem'),
    jwtRoute('GET', '/problems', 'listProblems'),
    jwtRoute('GET', '/problems/{id}', 'getProblem'),
    jwtRoute('PATCH', '/problems/{id}', 'updateProblem'),
    jwtRoute('POST', '/problems/{id}/notes', 'problemNotes'),
    jwtRoute('GET', '/problems/{id}/notes', 'problemNotes'),
    jwtRoute('GET', '/problems/{id}/history', 'problemNotes'),
  ],
  publishedEventTypes: PROBLEM_EVENT_TYPES,
  api: () => import('./api.ts'),
});
