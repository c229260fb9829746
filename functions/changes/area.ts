/**
 * The change requests area, as the registry (functions/areas.ts) assembles it: its functions,
 * routes, the approval workflow and the event types its outbox records carry. Its API description
 * is ./api.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { CHANGE_COUNTS } from './counts.ts';
import { CHANGE_EVENT_TYPES } from './domain/events.ts';
import { CHANGE_HEADS } from './heads.ts';

export default defineArea({
  name: 'changes',
  functions: {
    createChange: {
      entry: 'functions/changes/handlers/create-change.ts',
      description: 'POST /changes: raise a change request (a standard change from its template)',
      tableAccess: 'readWrite',
    },
    getChange: {
      entry: 'functions/changes/handlers/get-change.ts',
      description: 'GET /changes/{id}: one change request by id or number',
      tableAccess: 'read',
    },
    listChanges: {
      entry: 'functions/changes/handlers/list-changes.ts',
      description: 'GET /changes: filtered, paginated change requests',
      tableAccess: 'read',
    },
    updateChange: {
      entry: 'functions/changes/handlers/update-change.ts',
      description: 'PATCH /changes/{id}: edit the plan of a draft or a change under assessment (which goes back to draft)',
      tableAccess: 'readWrite',
      // An edit under assessment stops the approval workflow of the plan it replaces.
      capabilities: ['stopChangeApprovals'],
    },
    changeCalendar: {
      entry: 'functions/changes/handlers/change-calendar.ts',
      description: 'GET /changes/calendar: changes and blackout windows in a time range',
      tableAccess: 'read',
    },
    changeNotes: {
      entry: 'functions/changes/handlers/change-notes.ts',
      description: '/changes/{id}/notes and /changes/{id}/history: work notes and the audit trail of a change',
      tableAccess: 'readWrite',
    },
    submitChange: {
      entry: 'functions/changes/handlers/submit-change.ts',
      description: 'POST /changes/{id}/submit: assess risk and conflicts, start the approval workflow',
      tableAccess: 'readWrite',
      capabilities: ['runChangeApprovals'],
    },
    cancelChange: {
      entry: 'functions/changes/handlers/cancel-change.ts',
      description: 'POST /changes/{id}/cancel: withdraw a change that has not started, and stop its workflow',
      tableAccess: 'readWrite',
      capabilities: ['stopChangeApprovals'],
    },
    changeApprovals: {
      entry: 'functions/changes/handlers/approvals.ts',
      description: '/changes/{id}/approvals: vote on the current approval step, list who was asked and who answered',
      tableAccess: 'readWrite',
      capabilities: ['answerApprovalTasks'],
    },
    changeImplementation: {
      entry: 'functions/changes/handlers/implementation.ts',
      description:
        'POST /changes/{id}/implementation, /review and /start-override: record the outcome and the post-implementation review; let a start held by a freeze go ahead',
      tableAccess: 'readWrite',
      // The start override answers the task token of the workflow's AwaitStartOverride state.
      capabilities: ['answerApprovalTasks'],
    },
    changeApprovalSteps: {
      entry: 'functions/changes/handlers/approval-steps.ts',
      description: 'Task steps of the change approval workflow: ask the board, remind, escalate, schedule, start implementation',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
      capabilities: ['answerApprovalTasks'],
    },
    manageChangeTemplates: {
      entry: 'functions/changes/handlers/change-templates.ts',
      description: '/change-templates: pre-approved templates standard changes are raised from (agents read, admins change)',
      tableAccess: 'readWrite',
    },
    manageBlackoutWindows: {
      entry: 'functions/changes/handlers/blackout-windows.ts',
      description: '/blackout-windows: change freezes (agents read, admins change)',
      tableAccess: 'readWrite',
    },
    changeConfig: {
      entry: 'functions/changes/handlers/change-config.ts',
      description: '/change-config: the boards, quorum, approval timing and risk rules (agents read, admins change)',
      tableAccess: 'readWrite',
    },
    seedChangeDefaults: {
      entry: 'functions/changes/handlers/seed-defaults.ts',
      description: 'Writes the default change configuration and its empty board groups once, unless they exist',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
    },
  },
  routes: [
    jwtRoute('POST', '/changes', 'createChange'),
    jwtRoute('GET', '/changes', 'listChanges'),
    // A literal segment wins over a parameter, in API Gateway and in the local server alike.
    jwtRoute('GET', '/changes/calendar', 'changeCalendar'),
    jwtRoute('GET', '/changes/{id}', 'getChange'),
    jwtRoute('PATCH', '/changes/{id}', 'updateChange'),
    jwtRoute('POST', '/changes/{id}/submit', 'submitChange'),
    jwtRoute('POST', '/changes/{id}/cancel', 'cancelChange'),
    jwtRoute('POST', '/changes/{id}/start-override', 'changeImplementation'),
    jwtRoute('POST', '/changes/{id}/approvals', 'changeApprovals'),
    jwtRoute('GET', '/changes/{id}/approvals', 'changeApprovals'),
    jwtRoute('POST', '/changes/{id}/implementation', 'changeImplementation'),
    jwtRoute('POST', '/changes/{id}/review', 'changeImplementation'),
    jwtRoute('POST', '/changes/{id}/notes', 'changeNotes'),
    jwtRoute('GET', '/changes/{id}/notes', 'changeNotes'),
    jwtRoute('GET', '/changes/{id}/history', 'changeNotes'),
    jwtRoute('GET', '/change-templates', 'manageChangeTemplates'),
    jwtRoute('POST', '/change-templates', 'manageChangeTemplates'),
    jwtRoute('GET', '/change-templates/{name}', 'manageChangeTemplates'),
    jwtRoute('PUT', '/change-templates/{name}', 'manageChangeTemplates'),
    jwtRoute('DELETE', '/change-templates/{name}', 'manageChangeTemplates'),
    jwtRoute('GET', '/blackout-windows', 'manageBlackoutWindows'),
    jwtRoute('POST', '/blackout-windows', 'manageBlackoutWindows'),
    jwtRoute('GET', '/blackout-windows/{name}', 'manageBlackoutWindows'),
    jwtRoute('PUT', '/blackout-windows/{name}', 'manageBlackoutWindows'),
    jwtRoute('DELETE', '/blackout-windows/{name}', 'manageBlackoutWindows'),
    jwtRoute('GET', '/change-config', 'changeConfig'),
    jwtRoute('PUT', '/change-config', 'changeConfig'),
  ],
  consumers: [{ functionId: 'seedChangeDefaults', source: { kind: 'afterDeploy' } }],
  workflows: {
    changeApproval: {
      definitionFile: 'statemachines/change-approval.asl.json',
      description: 'Change approval: routes a submitted change to its approvers, waits for their decision, schedules it and starts implementation',
      functions: { ChangeApprovalStepsFunctionArn: 'changeApprovalSteps' },
      arnEnvironment: 'CHANGE_APPROVAL_STATE_MACHINE_ARN',
    },
  },
  queueCounts: [CHANGE_COUNTS],
  publishedEventTypes: CHANGE_EVENT_TYPES,
  queueHeads: [...CHANGE_HEADS],
  api: () => import('./api.ts'),
});
