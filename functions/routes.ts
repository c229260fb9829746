/**
 * The one route table, assembled from the registry of areas (functions/areas.ts): each area
 * declares its functions, routes, consumers, workflows and published event types in its own
 * area.ts. The CDK API stack turns each function into a NodejsFunction and each route into an
 * HTTP API route; the local server (local/http-server.ts) matches requests against the same routes
 * and invokes the same handler modules. Adding a route to an area adds it everywhere.
 */
import { AREAS } from './areas.ts';
import type {
  Area,
  AreaDefinition,
  RouteDefinition as AreaRouteDefinition,
  WorkflowDefinition as AreaWorkflowDefinition,
  Capability,
  ConsumerDefinition,
  ConsumerSource,
  FunctionDefinition,
  HttpMethod,
  TableAccess,
} from './shared/area.ts';

export type { Area, AreaDefinition, Capability, ConsumerSource, FunctionDefinition, HttpMethod, TableAccess };

export const CAPABILITY_ENVIRONMENT: Readonly<Record<Capability, readonly string[]>> = {
  publishEvents: ['EVENT_BUS_NAME'],
  publishNotifications: ['NOTIFICATION_TOPIC_ARN', 'MAJOR_INCIDENT_TOPIC_ARN'],
  manageSlaTimers: ['SLA_SCHEDULE_GROUP', 'SLA_SCHEDULER_ROLE_ARN', 'SLA_TIMER_DEAD_LETTER_ARN', 'ESCALATION_STATE_MACHINE_ARN'],
  runChangeApprovals: ['CHANGE_APPROVAL_STATE_MACHINE_ARN'],
  // The execution to stop is the one the change records (its workflow.executionArn).
  stopChangeApprovals: [],
  answerApprovalTasks: [],
  startRequestFulfilment: ['REQUEST_FULFILMENT_STATE_MACHINE_ARN'],
  stopRequestFulfilment: [],
  sendEmail: ['MAIL_FROM', 'MAIL_REPLY_TO'],
  // MAIL_FROM: mail from our own sending address is a loop, whatever its headers say.
  readInboundEmail: ['INBOUND_EMAIL_BUCKET', 'INBOUND_EMAIL_PREFIX', 'MAIL_FROM'],
  // The bucket of the search indexes' snapshots (under search/: functions/shared/search/snapshot.ts).
  readSearchIndex: ['SEARCH_INDEX_BUCKET'],
  writeSearchIndex: ['SEARCH_INDEX_BUCKET'],
};

/** What the areas of a registry add up to; ids, routes and event types are unique across them. */
export interface AssembledAreas<Id extends string = string, Workflow extends string = string> {
  readonly functions: Readonly<Record<Id, FunctionDefinition>>;
  readonly routes: readonly AreaRouteDefinition<Id>[];
  readonly consumers: readonly ConsumerDefinition<Id>[];
  readonly workflows: Readonly<Record<Workflow, AreaWorkflowDefinition<Id>>>;
  /** Every detail-type the product publishes: what a notification filter may name. */
  readonly publishedEventTypes: readonly string[];
}

/**
 * Adds the areas up, in their order, and refuses what would be ambiguous once they are together:
 * two areas of one name, a function or workflow id or a route (method and path) declared twice,
 * an event type published by two areas, a route, consumer or workflow naming a function that is
 * not its area's own.
 */
export function assembleAreas(areas: readonly Area[]): AssembledAreas {
  const functions: Record<string, FunctionDefinition> = {};
  const routes: AreaRouteDefinition[] = [];
  const consumers: ConsumerDefinition[] = [];
  const workflows: Record<string, AreaWorkflowDefinition> = {};
  const publishedEventTypes: string[] = [];
  const owners = {
    area: new Map<string, string>(),
    route: new Map<string, string>(),
    eventType: new Map<string, string>(),
    busRule: new Map<string, string>(),
  };
  const claim = (kind: keyof typeof owners, key: string, area: string): void => {
    const owner = owners[kind].get(key);
    if (owner !== undefined) throw new Error(`Area ${area} declares ${kind} ${key}, which area ${owner} declares too`);
    owners[kind].set(key, area);
  };
  for (const area of areas) {
    claim('area', area.name, area.name);
    const own = (functionId: string, what: string): void => {
      if (!Object.hasOwn(area.functions, functionId)) throw new Error(`Area ${area.name}: ${what} names function ${functionId}, which is not one of its own`);
    };
    for (const [id, definition] of Object.entries(area.functions)) {
      if (Object.hasOwn(functions, id)) throw new Error(`Area ${area.name} declares function ${id}, which another area declares too`);
      functions[id] = definition;
    }
    for (const route of area.routes ?? []) {
      own(route.functionId, `route ${route.method} ${route.path}`);
      claim('route', `${route.method} ${route.path}`, area.name);
      routes.push(route);
    }
    for (const consumer of area.consumers ?? []) {
      own(consumer.functionId, 'a consumer');
      // A bus rule's id names its rule, queues and stack outputs.
      if (consumer.source.kind === 'ingestionBusRule') claim('busRule', consumer.source.ruleId, area.name);
      consumers.push(consumer);
    }
    for (const [id, workflow] of Object.entries(area.workflows ?? {})) {
      if (Object.hasOwn(workflows, id)) throw new Error(`Area ${area.name} declares workflow ${id}, which another area declares too`);
      for (const functionId of Object.values(workflow.functions)) own(functionId, `workflow ${id}`);
      workflows[id] = workflow;
    }
    for (const type of area.publishedEventTypes ?? []) {
      claim('eventType', type, area.name);
      publishedEventTypes.push(type);
    }
  }
  return { functions, routes, consumers, workflows, publishedEventTypes };
}

type RegisteredArea = (typeof AREAS)[number];
type FunctionIdOf<Area> = Area extends { readonly functions: infer Functions } ? keyof Functions & string : never;
type WorkflowIdOf<Area> = Area extends { readonly workflows?: infer Workflows } ? keyof NonNullable<Workflows> & string : never;

/** Every function of every registered area. */
export type FunctionId = FunctionIdOf<RegisteredArea>;
export type WorkflowId = WorkflowIdOf<RegisteredArea>;
export type RouteDefinition = AreaRouteDefinition<FunctionId>;
export type WorkflowDefinition = AreaWorkflowDefinition<FunctionId>;

/** The registered areas, added up. */
export const REGISTERED_AREAS: AssembledAreas<FunctionId, WorkflowId> = assembleAreas(AREAS) as AssembledAreas<FunctionId, WorkflowId>;

export const FUNCTIONS: Readonly<Record<FunctionId, FunctionDefinition>> = REGISTERED_AREAS.functions;
export const ROUTES: readonly RouteDefinition[] = REGISTERED_AREAS.routes;
/** Functions that are not behind a route, and what triggers them. */
export const CONSUMERS: readonly ConsumerDefinition<FunctionId>[] = REGISTERED_AREAS.consumers;
export const WORKFLOWS: Readonly<Record<WorkflowId, WorkflowDefinition>> = REGISTERED_AREAS.workflows;
/** Every detail-type the product publishes, in registry order: what a notification filter may name. */
export const PUBLISHED_EVENT_TYPES: readonly string[] = REGISTERED_AREAS.publishedEventTypes;

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
