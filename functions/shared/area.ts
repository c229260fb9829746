/**
 * What an area declares about itself (functions/<area>/area.ts): its functions, the routes and
 * event sources that invoke them, its workflows and the event types it publishes. The registry
 * (functions/areas.ts) lists the areas; functions/routes.ts, the CDK stacks, the local runtime and
 * the API description build (scripts/openapi/) assemble them from there, so that adding an area is
 * its folder and one registering line.
 *
 * Types and small builders only: infra, local and scripts import area.ts files, handlers
 * never do (a dependency-cruiser rule), and nothing here weighs on a bundle.
 */
import type { AreaApi } from './api/operation.ts';
import type { QueueCountDefinition } from './domain/queue-counts.ts';
import type { QueueHeadDefinition } from './domain/queue-heads.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What a function may do to the table; the CDK stack grants exactly this and nothing more.
 * `queueViews`: PutItem and UpdateItem on the queue counters, their markers and the queue heads only
 * (partition keys `COUNT#...`, `COUNTED#...` and `HEAD#...`, table-design.ts), GetItem and
 * BatchGetItem of the queue heads, and Query on the indexes (a head is read again from its queue):
 * the consumer that keeps them (functions/shared/stream/queue-views-handler.ts).
 */
export type TableAccess = 'none' | 'read' | 'readWrite' | 'queueViews';

/**
 * Beyond the table. The CDK stack sets each capability's variables (CAPABILITY_ENVIRONMENT in
 * functions/routes.ts) and grants the matching actions on exactly those resources; the local
 * runtime sets the variables to its loopback equivalents.
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
  | 'answerApprovalTasks'
  /**
   * states:StartExecution of the request fulfilment workflow only: placing a request (and its
   * safety net) starts its execution and never needs to stop one.
   */
  | 'startRequestFulfilment'
  /** states:StopExecution of the request fulfilment workflow's executions only (a cancel). */
  | 'stopRequestFulfilment'
  /** ses:SendEmail (and SendRawEmail) from the configured sending identity only. */
  | 'sendEmail'
  /** s3:GetObject on the inbound e-mail bucket's prefix only: the messages SES stored. */
  | 'readInboundEmail'
  /**
   * s3:GetObject on the search index bucket's `search/` prefix only: the snapshots a search index
   * loads (functions/shared/search/snapshot.ts); its change log is in the table (tableAccess read).
   */
  | 'readSearchIndex'
  /**
   * s3:GetObject and s3:PutObject on the search index bucket's `search/` prefix only: the indexer
   * and the rebuild, which save the snapshots (no List, no Delete).
   */
  | 'writeSearchIndex';

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

export interface RouteDefinition<Id extends string = string> {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly functionId: Id;
  /** `jwt`: behind the JWT authorizer. `none`: public (health, the API description and the event intake only). */
  readonly auth: 'jwt' | 'none';
  /**
   * Why a public route may be public: a route with auth `none` and no reason fails the synth
   * (infra/constructs/http-api.ts), so that opening a route is a decision written down.
   */
  readonly publicReason?: string;
}

/**
 * What triggers a function that is not behind a route. The CDK stack wires these sources (an SQS
 * queue fed by the ingestion bus's rules; the table's stream with a filter); the local runtime
 * feeds the same handlers from its EventBridge endpoint and its stream poller.
 */
export type ConsumerSource =
  /** SQS batches (SQSEvent -> SQSBatchResponse); each message body is an EventBridge event. */
  | { readonly kind: 'ingestionQueue' }
  /**
   * DynamoDB stream batches (DynamoDBStreamEvent -> DynamoDBBatchResponse), in order per
   * partition key. `filter` is a Lambda event filter pattern on the stream record, applied by
   * the event source mapping in AWS and by the local poller alike.
   */
  | {
      readonly kind: 'tableStream';
      readonly filter: Readonly<Record<string, unknown>>;
      readonly batchSize: number;
      /** How `npm run replay-dead-letters` offers the batches this consumer gives up on. */
      readonly replay: StreamReplay;
    }
  /** Invoked once after each deployment (a CDK trigger) and by the local runtime at start; must be idempotent. */
  | { readonly kind: 'afterDeploy' }
  /**
   * SQS batches (SQSEvent -> SQSBatchResponse, ReportBatchItemFailures) of the ingestion bus's
   * events that match `pattern`, each message body an EventBridge event: a rule on the ingestion
   * bus and a queue of the consumer's own (with its dead-letter queues and alarms), in the stack
   * of the consumer's area (infra/constructs/bus-rule-consumer.ts); the local EventBridge endpoint
   * matches PutEvents entries against the same pattern and hands the matches to the same handler.
   * A queue per consumer, not the ingestion queue: consumers of one queue would compete for its
   * messages. Delivery is at least once and unordered (a standard queue, several batches at a
   * time): the handler deduplicates by event id and orders per key itself.
   */
  | BusRuleSource
  /**
   * E-mail received for the product: in AWS an SES receipt rule stores the message in the inbound
   * bucket (INBOUND_EMAIL_BUCKET, under INBOUND_EMAIL_PREFIX) and invokes the function with SES's
   * receipt event (SESEvent); locally the SMTP listener (local/smtp.ts) does the same. The
   * invocation is asynchronous: after Lambda's retries the event goes to the function's
   * dead-letter queue (its on-failure destination), which `replay` offers to invoke it again.
   */
  | { readonly kind: 'emailReceipt'; readonly replay: StreamReplay };

/**
 * A consumer of the ingestion bus's events that match a pattern. For example (the CMDB's feed):
 *
 *     { kind: 'ingestionBusRule', ruleId: 'CmdbAwsFeed', description: '...',
 *       pattern: { source: ['aws.config', 'aws.cloudformation'],
 *                  'detail-type': ['Config Configuration Item Change', 'CloudFormation Resource Status Change'] },
 *       maxConcurrency: 5, fromDefaultBusOption: 'cmdbFromDefaultBus',
 *       replay: { group: 'cmdb', what: 'AWS Config and CloudFormation events not applied to CIs' } }
 */
export interface BusRuleSource {
  readonly kind: 'ingestionBusRule';
  /**
   * The rule's name: PascalCase, unique across areas. Its construct ids and stack outputs derive
   * from it (`<ruleId>QueueUrl`, `<ruleId>DeadLetterQueueUrl`, `<ruleId>TargetDeadLetterQueueUrl`).
   */
  readonly ruleId: string;
  readonly description: string;
  /**
   * An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html),
   * written as EventBridge writes it (`detail-type`). The `detail-type` values it lists are also
   * what other accounts may put on the ingestion bus for it (the bus policy): list them literally.
   * Not when its `source` is only the product's own (`open-itsm`): such a consumer reads this
   * product's domain events, which no other account may put.
   */
  readonly pattern: Readonly<Record<string, unknown>>;
  /** Concurrent invocations the queue may drive (the SQS event source's maximum concurrency, 2 to 1000). */
  readonly maxConcurrency: number;
  /** Messages per invocation (default 10). */
  readonly batchSize?: number;
  /**
   * The CDK option (context key, true/false, default false) that also routes the events matching
   * `pattern` from the account's default bus, where AWS services put theirs, to the same queue.
   * Locally the default bus always routes them, as it does CloudWatch alarms.
   */
  readonly fromDefaultBusOption?: DefaultBusOption;
  /** How `npm run replay-dead-letters -- --queue <group>` offers what its queue's dead-letter queues hold. */
  readonly replay: StreamReplay;
}

/**
 * The CDK context options a bus rule may name in `fromDefaultBusOption`; infra/config.ts reads
 * each one as true/false (default false) and refuses anything else.
 */
export type DefaultBusOption = 'cmdbFromDefaultBus';

/**
 * A table stream consumer gives up on a batch into a failure bucket of its own (infra), and
 * `npm run replay-dead-letters -- --queue <group>` invokes it again with that batch; a bus rule
 * consumer's queue gives up into its dead-letter queues, which the replay sends back to the queue. The replay
 * plan (infra/constructs/dead-letter-replay.ts) is built from these declarations, so a new
 * consumer is replayable without an edit there.
 */
export interface StreamReplay {
  /**
   * The `--queue` group that replays it: lower-case words joined by `-`, usually its area's name.
   * A group is read from one stack's outputs (`--stack`), so every member of a group deploys in
   * one stack: the API stack's groups (`outbox`, `ingestion`, `timers`) take only areas deployed
   * there.
   */
  readonly group: string;
  /** What its failure records hold, in the words the replay and docs/operations.md use; no free text of a record. */
  readonly what: string;
}

export interface ConsumerDefinition<Id extends string = string> {
  readonly functionId: Id;
  readonly source: ConsumerSource;
}

/**
 * A Step Functions workflow: an ASL file under statemachines/ and the functions its Task states
 * call. `functions` maps each `${Placeholder}` of the file to the function whose ARN replaces it;
 * the CDK stack substitutes deployed ARNs, the local runner routes the same Tasks to the same
 * handlers. `arnEnvironment` is the variable that carries the state machine's ARN to callers.
 */
export interface WorkflowDefinition<Id extends string = string> {
  readonly definitionFile: string;
  readonly description: string;
  readonly functions: Readonly<Record<string, Id>>;
  readonly arnEnvironment: string;
}

/** An area as the registry holds it; defineArea gives the precise AreaDefinition. */
export interface Area {
  /** The area's folder name; messages name it. */
  readonly name: string;
  /** Function id -> definition; ids are unique across areas (the assembly refuses a clash). */
  readonly functions: Readonly<Record<string, FunctionDefinition>>;
  /** Its HTTP routes, each invoking one of its own functions. */
  readonly routes?: readonly RouteDefinition[];
  /** Its functions that are not behind a route, and what triggers them. */
  readonly consumers?: readonly ConsumerDefinition[];
  /** Its workflows, whose Task states call its own functions. */
  readonly workflows?: Readonly<Record<string, WorkflowDefinition>>;
  /** Every EventBridge detail-type it publishes (what a notification filter may name). */
  readonly publishedEventTypes?: readonly string[];
  /**
   * The kinds whose lists count (`count=true`): the counters the one counting consumer keeps
   * (keepQueues, functions/platform/counted-kinds.ts, which must list them too) and the
   * `queue-counts` migration counts for records written before them. An area declares no counting
   * consumer of its own: each stream consumer is one more reader of every shard.
   */
  readonly queueCounts?: readonly QueueCountDefinition[];
  /**
   * The queues whose first page is kept as one item (functions/shared/domain/queue-heads.ts): what
   * the one queue views consumer (keepQueues, functions/platform/headed-queues.ts, which must list
   * them too) keeps, and what the area's lists pass to their reads.
   */
  readonly queueHeads?: readonly QueueHeadDefinition[];
  /**
   * The CloudFormation stack its functions, routes, consumers and alarms deploy in (infra/app.ts):
   * `ItsmApi`, the default, or a stack of its own (e.g. `ItsmProblems`), so that no stack nears
   * CloudFormation's 500-resource limit. Its routes stay on the one HTTP API behind the one JWT
   * authorizer, with the same function defaults and grants. Several areas may name one stack. An
   * area in a stack of its own may declare workflows (they deploy there, and only that stack's
   * functions may start or stop them) but no workflow the SLA timers start and no ingestion-queue
   * consumer (they live with the API stack's bus and timers). Deploy-time only: the local runtime
   * ignores it.
   */
  readonly stack?: string;
  /**
   * Its API description (functions/<area>/api.ts), loaded only by the OpenAPI build: operation
   * metadata and zod schemas stay out of the CDK app and the local runtime.
   */
  readonly api?: () => Promise<{ readonly default: AreaApi }>;
}

/** An area with its own function and workflow ids as literal types. */
export interface AreaDefinition<
  Functions extends Readonly<Record<string, FunctionDefinition>> = Readonly<Record<string, FunctionDefinition>>,
  Workflows extends Readonly<Record<string, WorkflowDefinition>> = Readonly<Record<string, WorkflowDefinition>>,
> extends Area {
  readonly functions: Functions;
  readonly routes?: readonly RouteDefinition<keyof Functions & string>[];
  readonly consumers?: readonly ConsumerDefinition<keyof Functions & string>[];
  readonly workflows?: Workflows;
}

/**
 * Checks an area's declaration and keeps its literal types (function ids become the registry's
 * FunctionId union): routes, consumers and workflows may name only the area's own functions.
 */
export function defineArea<
  const Functions extends Readonly<Record<string, FunctionDefinition>>,
  const Workflows extends Readonly<Record<string, WorkflowDefinition>> = Record<never, WorkflowDefinition>,
>(
  area: AreaDefinition<Functions, Workflows> & {
    readonly routes?: readonly RouteDefinition<NoInfer<keyof Functions & string>>[];
    readonly consumers?: readonly ConsumerDefinition<NoInfer<keyof Functions & string>>[];
    readonly workflows?: Workflows & Readonly<Record<string, WorkflowDefinition<NoInfer<keyof Functions & string>>>>;
  },
): AreaDefinition<Functions, Workflows> {
  return area;
}

/** A route behind the JWT authorizer (most routes). */
export const jwtRoute = <Id extends string>(method: HttpMethod, path: string, functionId: Id): RouteDefinition<Id> => ({
  method,
  path,
  functionId,
  auth: 'jwt',
});

/**
 * The table stream source of the queue views consumer (functions/shared/stream/queue-views-handler.ts):
 * every change of the counted records' and the headed lists' items, removals included, picked by
 * their sort key (which every stream record's `Keys` carries, where a removal has no new image).
 */
export const queueViewsSource = (
  counted: readonly QueueCountDefinition[],
  headed: readonly QueueHeadDefinition[],
  replay: StreamReplay,
  batchSize = 100,
): ConsumerSource => ({
  kind: 'tableStream',
  filter: { dynamodb: { Keys: { sk: { S: [...new Set([...counted, ...headed].map((definition) => definition.recordSortKey))] } } } },
  batchSize,
  replay,
});
