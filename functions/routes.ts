/**
 * The one route table. The CDK API stack turns each function into a NodejsFunction and each route
 * into an HTTP API route; the local server (local/http-server.ts) matches requests against the
 * same routes and invokes the same handler modules. Adding a route here adds it everywhere.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a function may do to the table; the CDK stack grants exactly this and nothing more. */
export type TableAccess = 'none' | 'read' | 'readWrite';

export interface FunctionDefinition {
  /** Path of the handler module from the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly tableAccess: TableAccess;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** What else it may reach; each capability brings its environment variables and exactly its IAM grants. */
  readonly capabilities?: readonly Capability[];
}

/**
 * Beyond the table. The CDK stack sets each capability's variables (CAPABILITY_ENVIRONMENT) and
 * grants the matching actions on exactly those resources; the local runtime sets the variables
 * to its loopback equivalents.
 */
export type Capability =
  /** events:PutEvents on the product's event bus. */
  | 'publishEvents'
  /** sns:Publish on the notification and major-incident topics. */
  | 'publishNotifications'
  /** scheduler:Create/Update/Delete/GetSchedule in the SLA timer group, iam:PassRole of the scheduler's role. */
  | 'manageSlaTimers'
  /** states:StartExecution of the change approval workflow, states:StopExecution of its executions. */
  | 'runChangeApprovals'
  /**
   * states:StopExecution of the change approval workflow's executions only: a cancel or an edit
   * back to draft stops the workflow of the plan it withdraws, and never needs to start one.
   */
  | 'stopChangeApprovals'
  /**
   * states:SendTaskSuccess/SendTaskFailure: resumes an approval step waiting on its task token.
   * These actions take no resource ARN (IAM allows only "*"); the token itself is the capability.
   */
  | 'answerApprovalTasks';

export const CAPABILITY_ENVIRONMENT: Readonly<Record<Capability, readonly string[]>> = {
  publishEvents: ['EVENT_BUS_NAME'],
  publishNotifications: ['NOTIFICATION_TOPIC_ARN', 'MAJOR_INCIDENT_TOPIC_ARN'],
  manageSlaTimers: ['SLA_SCHEDULE_GROUP', 'SLA_SCHEDULER_ROLE_ARN', 'SLA_TIMER_DEAD_LETTER_ARN', 'ESCALATION_STATE_MACHINE_ARN'],
  runChangeApprovals: ['CHANGE_APPROVAL_STATE_MACHINE_ARN'],
  // The execution to stop is the one the change records (its workflow.executionArn).
  stopChangeApprovals: [],
  answerApprovalTasks: [],
};

export const FUNCTIONS = {
  createIncident: {
    entry: 'functions/incidents/handlers/create-incident.ts',
    description: 'POST /incidents: open an incident',
    tableAccess: 'readWrite',
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
  manageGroups: {
    entry: 'functions/directory/handlers/groups.ts',
    description: '/groups: assignment groups (admins write, agents read)',
    tableAccess: 'readWrite',
  },
  manageServices: {
    entry: 'functions/directory/handlers/services.ts',
    description: '/services: business services (admins write, agents read)',
    tableAccess: 'readWrite',
  },
  manageUsers: {
    entry: 'functions/directory/handlers/users.ts',
    description: '/users: the people incidents are assigned to (admins write, agents read)',
    tableAccess: 'readWrite',
  },
  priorityMatrix: {
    entry: 'functions/incidents/handlers/priority-matrix.ts',
    description: '/config/priority-matrix: impact x urgency -> priority (agents read, admins change)',
    tableAccess: 'readWrite',
  },
  health: {
    entry: 'functions/platform/handlers/health.ts',
    description: 'GET /health: the API and its table answer',
    tableAccess: 'read',
  },
  openApi: {
    entry: 'functions/platform/handlers/openapi.ts',
    description: 'GET /openapi.json: the API description',
    tableAccess: 'none',
  },
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
  manageSlaPolicies: {
    entry: 'functions/sla/handlers/sla-policies.ts',
    description: '/sla-policies: which SLA targets apply to which incidents (agents read, admins change)',
    tableAccess: 'readWrite',
  },
  manageCalendars: {
    entry: 'functions/sla/handlers/calendars.ts',
    description: '/calendars: working hours and holidays SLA clocks count in (agents read, admins change)',
    tableAccess: 'readWrite',
  },
  escalationPolicy: {
    entry: 'functions/sla/handlers/escalation-policy.ts',
    description: '/groups/{name}/escalation-policy: who is notified, level by level, when a breach escalates',
    tableAccess: 'readWrite',
  },
  slaReport: {
    entry: 'functions/sla/handlers/sla-report.ts',
    description: 'GET /reports/sla: SLA attainment, breaches, MTTA and MTTR from maintained aggregates',
    tableAccess: 'read',
  },
  escalationSteps: {
    entry: 'functions/escalation/handlers/escalation-steps.ts',
    description: 'Task steps of the incident escalation workflow: record a threshold, escalate a level',
    tableAccess: 'readWrite',
    timeoutSeconds: 30,
  },
  seedSlaDefaults: {
    entry: 'functions/sla/handlers/seed-defaults.ts',
    description: 'Writes the default calendars and SLA policies once, after a deployment, unless they exist',
    tableAccess: 'readWrite',
    timeoutSeconds: 30,
  },
  publishOutbox: {
    entry: 'functions/notify/handlers/publish-outbox.ts',
    description: 'Publishes committed outbox records: domain events, SNS notifications, SLA timers (table stream)',
    tableAccess: 'readWrite',
    timeoutSeconds: 60,
    capabilities: ['publishEvents', 'publishNotifications', 'manageSlaTimers'],
  },
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
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionId = keyof typeof FUNCTIONS;

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly functionId: FunctionId;
  /** `jwt`: behind the JWT authorizer. `none`: public (health and the API description only). */
  readonly auth: 'jwt' | 'none';
}

const jwt = (method: HttpMethod, path: string, functionId: FunctionId): RouteDefinition => ({
  method,
  path,
  functionId,
  auth: 'jwt',
});

export const ROUTES: readonly RouteDefinition[] = [
  jwt('POST', '/incidents', 'createIncident'),
  jwt('GET', '/incidents', 'listIncidents'),
  jwt('GET', '/incidents/{id}', 'getIncident'),
  jwt('PATCH', '/incidents/{id}', 'updateIncident'),
  jwt('POST', '/incidents/{id}/notes', 'addIncidentNote'),
  jwt('GET', '/incidents/{id}/notes', 'listIncidentNotes'),
  jwt('GET', '/incidents/{id}/history', 'getIncidentHistory'),
  jwt('GET', '/groups', 'manageGroups'),
  jwt('POST', '/groups', 'manageGroups'),
  jwt('GET', '/groups/{name}', 'manageGroups'),
  jwt('PUT', '/groups/{name}', 'manageGroups'),
  jwt('DELETE', '/groups/{name}', 'manageGroups'),
  jwt('GET', '/services', 'manageServices'),
  jwt('POST', '/services', 'manageServices'),
  jwt('GET', '/services/{name}', 'manageServices'),
  jwt('PUT', '/services/{name}', 'manageServices'),
  jwt('DELETE', '/services/{name}', 'manageServices'),
  jwt('GET', '/users', 'manageUsers'),
  jwt('GET', '/users/{userId}', 'manageUsers'),
  jwt('PUT', '/users/{userId}', 'manageUsers'),
  jwt('DELETE', '/users/{userId}', 'manageUsers'),
  jwt('GET', '/config/priority-matrix', 'priorityMatrix'),
  jwt('PUT', '/config/priority-matrix', 'priorityMatrix'),
  jwt('GET', '/incidents/{id}/events', 'listIncidentEvents'),
  jwt('GET', '/services/{name}/integrations', 'manageIntegrations'),
  jwt('POST', '/services/{name}/integrations', 'manageIntegrations'),
  jwt('DELETE', '/services/{name}/integrations/{key}', 'manageIntegrations'),
  jwt('GET', '/sla-policies', 'manageSlaPolicies'),
  jwt('POST', '/sla-policies', 'manageSlaPolicies'),
  jwt('GET', '/sla-policies/{name}', 'manageSlaPolicies'),
  jwt('PUT', '/sla-policies/{name}', 'manageSlaPolicies'),
  jwt('DELETE', '/sla-policies/{name}', 'manageSlaPolicies'),
  jwt('GET', '/calendars', 'manageCalendars'),
  jwt('POST', '/calendars', 'manageCalendars'),
  jwt('GET', '/calendars/{name}', 'manageCalendars'),
  jwt('PUT', '/calendars/{name}', 'manageCalendars'),
  jwt('DELETE', '/calendars/{name}', 'manageCalendars'),
  jwt('GET', '/groups/{name}/escalation-policy', 'escalationPolicy'),
  jwt('PUT', '/groups/{name}/escalation-policy', 'escalationPolicy'),
  jwt('GET', '/reports/sla', 'slaReport'),
  jwt('POST', '/changes', 'createChange'),
  jwt('GET', '/changes', 'listChanges'),
  // A literal segment wins over a parameter, in API Gateway and in the local server alike.
  jwt('GET', '/changes/calendar', 'changeCalendar'),
  jwt('GET', '/changes/{id}', 'getChange'),
  jwt('PATCH', '/changes/{id}', 'updateChange'),
  jwt('POST', '/changes/{id}/submit', 'submitChange'),
  jwt('POST', '/changes/{id}/cancel', 'cancelChange'),
  jwt('POST', '/changes/{id}/start-override', 'changeImplementation'),
  jwt('POST', '/changes/{id}/approvals', 'changeApprovals'),
  jwt('GET', '/changes/{id}/approvals', 'changeApprovals'),
  jwt('POST', '/changes/{id}/implementation', 'changeImplementation'),
  jwt('POST', '/changes/{id}/review', 'changeImplementation'),
  jwt('POST', '/changes/{id}/notes', 'changeNotes'),
  jwt('GET', '/changes/{id}/notes', 'changeNotes'),
  jwt('GET', '/changes/{id}/history', 'changeNotes'),
  jwt('GET', '/change-templates', 'manageChangeTemplates'),
  jwt('POST', '/change-templates', 'manageChangeTemplates'),
  jwt('GET', '/change-templates/{name}', 'manageChangeTemplates'),
  jwt('PUT', '/change-templates/{name}', 'manageChangeTemplates'),
  jwt('DELETE', '/change-templates/{name}', 'manageChangeTemplates'),
  jwt('GET', '/blackout-windows', 'manageBlackoutWindows'),
  jwt('POST', '/blackout-windows', 'manageBlackoutWindows'),
  jwt('GET', '/blackout-windows/{name}', 'manageBlackoutWindows'),
  jwt('PUT', '/blackout-windows/{name}', 'manageBlackoutWindows'),
  jwt('DELETE', '/blackout-windows/{name}', 'manageBlackoutWindows'),
  jwt('GET', '/change-config', 'changeConfig'),
  jwt('PUT', '/change-config', 'changeConfig'),
  // Monitoring tools send no Authorization header: the routing key in the body authenticates.
  { method: 'POST', path: '/v2/enqueue', functionId: 'enqueueEvent', auth: 'none' },
  { method: 'GET', path: '/health', functionId: 'health', auth: 'none' },
  { method: 'GET', path: '/openapi.json', functionId: 'openApi', auth: 'none' },
];

/**
 * Functions that are not behind a route: what triggers them. The CDK stack wires these sources
 * (an SQS queue fed by the ingestion bus's rules; the table's stream with a filter); the local
 * runtime feeds the same handlers from its EventBridge endpoint and its stream poller.
 */
export type ConsumerSource =
  /** SQS batches (SQSEvent -> SQSBatchResponse); each message body is an EventBridge event. */
  | { readonly kind: 'ingestionQueue' }
  /**
   * DynamoDB stream batches (DynamoDBStreamEvent -> DynamoDBBatchResponse), in order per
   * partition key. `filter` is a Lambda event filter pattern on the stream record, applied by
   * the event source mapping in AWS and by the local poller alike.
   */
  | { readonly kind: 'tableStream'; readonly filter: Readonly<Record<string, unknown>>; readonly batchSize: number }
  /** Invoked once after each deployment (a CDK trigger) and by the local runtime at start; must be idempotent. */
  | { readonly kind: 'afterDeploy' };

export const CONSUMERS: readonly { readonly functionId: FunctionId; readonly source: ConsumerSource }[] = [
  { functionId: 'recordBusEvents', source: { kind: 'ingestionQueue' } },
  {
    functionId: 'applyAlertEvents',
    source: {
      kind: 'tableStream',
      filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['alert-event'] } } } },
      batchSize: 100,
    },
  },
  { functionId: 'seedSlaDefaults', source: { kind: 'afterDeploy' } },
  { functionId: 'seedChangeDefaults', source: { kind: 'afterDeploy' } },
  {
    functionId: 'publishOutbox',
    source: {
      kind: 'tableStream',
      filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['outbox'] } } } },
      batchSize: 100,
    },
  },
];

/**
 * Step Functions workflows: an ASL file under statemachines/ and the functions its Task states
 * call. `functions` maps each `${Placeholder}` of the file to the function whose ARN replaces it;
 * the CDK stack substitutes deployed ARNs, the local runner routes the same Tasks to the same
 * handlers. `arnEnvironment` is the variable that carries the state machine's ARN to callers.
 */
export interface WorkflowDefinition {
  readonly definitionFile: string;
  readonly description: string;
  readonly functions: Readonly<Record<string, FunctionId>>;
  readonly arnEnvironment: string;
}

export const WORKFLOWS = {
  incidentEscalation: {
    definitionFile: 'statemachines/incident-escalation.asl.json',
    description: 'SLA thresholds: records a warning or breach, then escalates along the group escalation policy',
    functions: { EscalationStepsFunctionArn: 'escalationSteps' },
    arnEnvironment: 'ESCALATION_STATE_MACHINE_ARN',
  },
  changeApproval: {
    definitionFile: 'statemachines/change-approval.asl.json',
    description: 'Change approval: routes a submitted change to its approvers, waits for their decision, schedules it and starts implementation',
    functions: { ChangeApprovalStepsFunctionArn: 'changeApprovalSteps' },
    arnEnvironment: 'CHANGE_APPROVAL_STATE_MACHINE_ARN',
  },
} as const satisfies Record<string, WorkflowDefinition>;

export type WorkflowId = keyof typeof WORKFLOWS;

/** Environment every function gets (the CDK stack and the local runtime both set these). */
export const FUNCTION_ENVIRONMENT_KEYS = [
  'TABLE_NAME',
  'GROUPS_CLAIM',
  'ROLE_GROUPS',
  'REQUESTER_INCIDENT_FIELDS',
  'LOG_LEVEL',
  'EVENT_RETENTION_DAYS',
] as const;

// Re-exported for the CDK stacks, the local runtime and tests, which read the product's wiring here.
export { EVENT_SOURCE } from './shared/events.ts';
