import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { INGESTION_RULES } from '../../functions/ingestion/rules.ts';
import {
  type AssembledAreas,
  CAPABILITY_ENVIRONMENT,
  type FUNCTION_ENVIRONMENT_KEYS,
  type FunctionId,
  REGISTERED_AREAS,
  type WorkflowId,
} from '../../functions/routes.ts';
import type { ItsmConfig } from '../config.ts';
import type { AfterDeploy } from '../constructs/after-deploy.ts';
import { Alarms } from '../constructs/alarms.ts';
import { bindAreaCapabilities, deployAreaFunctions, deployWorkflows, usedCapabilities, wireBusRuleConsumers } from '../constructs/area-functions.ts';
import type { BusRuleConsumer } from '../constructs/bus-rule-consumer.ts';
import { type CapabilityResources, capabilityGrants } from '../constructs/capabilities.ts';
import { INGESTION_QUEUE_URL_OUTPUT } from '../constructs/dead-letter-replay.ts';
import { ItsmHttpApi } from '../constructs/http-api.ts';
import { Identity } from '../constructs/identity.ts';
import { busRuleDetailTypes, Ingestion } from '../constructs/ingestion.ts';
import type { ItsmFunction } from '../constructs/itsm-function.ts';
import { Notifications } from '../constructs/notifications.ts';
import { SearchIndexBucket } from '../constructs/search-index-bucket.ts';
import { SlaTimers } from '../constructs/sla-timers.ts';
import type { TableStreamConsumer } from '../constructs/stream-consumer.ts';
import type { Workflow } from '../constructs/workflow.ts';

export interface ApiStackProps extends StackProps {
  /** The table; its stream feeds the `tableStream` consumers of CONSUMERS. */
  readonly table: ITableV2;
  readonly config: ItsmConfig;
  /** Directory the route table's `entry` paths are relative to; it holds package-lock.json. */
  readonly sourceRoot: string;
  /**
   * The functions, routes, consumers and workflows to deploy: the registered areas'
   * (functions/areas.ts) unless given; a test passes the registry plus a fixture area.
   */
  readonly areas?: AssembledAreas;
  /**
   * The detail-types the ingestion bus rule consumers of every stack take (busRuleDetailTypes), which
   * other accounts may put on the bus beside the ingestion rules' own: the registry's unless given.
   */
  readonly busRuleDetailTypes?: readonly string[];
}

/**
 * The stateless half: identity, one function per route-table entry, the HTTP API, event ingestion
 * (the bus, its queue, the stream consumers) and alarms. Ingestion lives here rather than in a
 * stack of its own: its consumers are this stack's functions and its alarms this stack's topic,
 * and nothing in it is data. Queues only buffer events for seconds (a redeploy keeps them; only
 * deleting the stack would drop what is in flight or dead-lettered), and the bus's name comes from
 * its construct path, so its ARN survives a destroy and redeploy for senders in other accounts.
 *
 * The workflows of its own areas (an area stack holds its areas' workflows: area-stack.ts), SLA
 * timers and notification topics live here too, for the same reasons: the
 * state machines call this stack's functions and this stack's functions start them (through
 * timers), so a stack of their own would only add cross-stack exports in both directions (a
 * cycle CloudFormation refuses). Pending timers are the one thing here that is state: deleting
 * this stack deletes them with their schedule group (docs/operations.md).
 */
export class ApiStack extends Stack {
  readonly identity: Identity;
  readonly httpApi: ItsmHttpApi;
  readonly functions: ReadonlyMap<FunctionId, ItsmFunction>;
  readonly ingestion: Ingestion;
  readonly streamConsumers: ReadonlyMap<FunctionId, TableStreamConsumer>;
  /** The ingestion bus rule consumers of the API stack's own areas (an area stack wires its own). */
  readonly busRuleConsumers: ReadonlyMap<FunctionId, BusRuleConsumer>;
  readonly notifications: Notifications;
  readonly workflows: ReadonlyMap<WorkflowId, Workflow>;
  readonly slaTimers: SlaTimers;
  readonly afterDeploy: ReadonlyMap<FunctionId, AfterDeploy>;
  /** The search indexes' snapshots (readSearchIndex, writeSearchIndex), for the functions of every stack. */
  readonly searchIndex: SearchIndexBucket;
  /** What capabilities grant on (the bus, the topics, the timers, the workflows): area stacks grant on the same. */
  readonly capabilityResources: CapabilityResources;
  /** Where every alarm of the product goes, area stacks' included. */
  readonly alarmTopic: ITopic;
  /** The variables every function gets (FUNCTION_ENVIRONMENT_KEYS), area stacks' included. */
  readonly functionEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, table } = props;
    // Typed as the registry's ids; an area a test adds brings ids of its own, which are only strings to the maps below.
    const {
      functions: definitions,
      routes,
      consumers,
      workflows: workflowDefinitions,
    } = (props.areas ?? REGISTERED_AREAS) as AssembledAreas<FunctionId, WorkflowId>;

    this.identity = new Identity(this, 'Identity', config.identity, config.roleGroups);

    this.httpApi = new ItsmHttpApi(this, 'HttpApi', {
      jwtIssuer: this.identity.issuer,
      jwtAudience: this.identity.audience,
      corsOrigins: config.corsOrigins,
      throttleRateLimit: config.throttleRateLimit,
      throttleBurstLimit: config.throttleBurstLimit,
      logRetention: config.logRetention,
    });

    const alarms = new Alarms(this, 'Alarms', { email: config.alarmEmail });
    alarms.watchApi(this.httpApi.api);

    // `satisfies` ties this object to the keys the route table promises every function.
    const environment = {
      TABLE_NAME: table.tableName,
      GROUPS_CLAIM: config.groupsClaim,
      ROLE_GROUPS: JSON.stringify(config.roleGroups),
      REQUESTER_INCIDENT_FIELDS: config.requesterIncidentFields.length === 0 ? 'none' : config.requesterIncidentFields.join(','),
      LOG_LEVEL: config.logLevel,
      EVENT_RETENTION_DAYS: String(config.eventRetentionDays),
    } satisfies Record<(typeof FUNCTION_ENVIRONMENT_KEYS)[number], string>;

    const deployed = deployAreaFunctions(this, {
      areas: { functions: definitions, routes, consumers },
      table,
      config,
      sourceRoot: props.sourceRoot,
      environment,
      routes: this.httpApi,
      alarms,
    });
    const functions = deployed.functions;
    this.functions = functions;
    this.streamConsumers = deployed.streamConsumers;
    this.afterDeploy = deployed.afterDeploy;
    const busConsumer = deployed.ingestionConsumer;
    if (busConsumer === undefined) {
      throw new Error('No function consumes the ingestion queue (CONSUMERS has no ingestionQueue source): bus events would pile up unread');
    }
    this.ingestion = new Ingestion(this, 'Ingestion', {
      config: config.ingestion,
      rules: INGESTION_RULES,
      busRuleDetailTypes: props.busRuleDetailTypes ?? busRuleDetailTypes(REGISTERED_AREAS),
      consumer: busConsumer,
      alarms,
    });
    this.busRuleConsumers = wireBusRuleConsumers(this, deployed.busRuleConsumers, { bus: this.ingestion.bus, config, alarms });

    this.notifications = new Notifications(this, 'Notifications', config.notifications);

    // Workflows, as WORKFLOWS lists them: each placeholder of the file replaced by its function's ARN.
    const deployedWorkflows = deployWorkflows(this, { workflows: workflowDefinitions, functions, definitions, sourceRoot: props.sourceRoot, config, alarms });
    this.workflows = deployedWorkflows.workflows;
    // Timers start the workflows whose ARN the timer-managing functions are given.
    const timerWorkflows: IStateMachine[] = Object.entries(deployedWorkflows.byVariable)
      .filter(([variable]) => CAPABILITY_ENVIRONMENT.manageSlaTimers.includes(variable))
      .map(([, stateMachine]) => stateMachine);

    this.slaTimers = new SlaTimers(this, 'SlaTimers', { stateMachines: timerWorkflows, alarms });

    this.searchIndex = new SearchIndexBucket(this, 'SearchIndex');
    this.capabilityResources = {
      bus: this.ingestion.bus,
      notifications: this.notifications,
      slaTimers: this.slaTimers,
      workflows: deployedWorkflows.byVariable,
      email: config.email,
      ...(deployed.inboundEmail !== undefined ? { inboundEmail: deployed.inboundEmail } : {}),
      searchIndex: { bucket: this.searchIndex.bucket, prefix: this.searchIndex.prefix },
    };
    // Each function gets exactly the variables and grants of the capabilities its area names.
    bindAreaCapabilities(functions, definitions, capabilityGrants(this.capabilityResources, { grantee: this, capabilities: usedCapabilities(definitions) }));
    this.alarmTopic = alarms.topic;
    this.functionEnvironment = environment;

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'JwtIssuer', { value: this.identity.issuer, description: 'Issuer the JWT authorizer trusts' });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'SNS topic the alarms publish to; subscribe paging or chat tools here',
    });
    new CfnOutput(this, 'IngestionBusName', {
      value: this.ingestion.bus.eventBusName,
      description: 'EventBridge bus for Incident Trigger / Acknowledge / Resolve events (EventBusName of PutEvents)',
    });
    new CfnOutput(this, 'IngestionBusArn', {
      value: this.ingestion.bus.eventBusArn,
      description: 'ARN of the ingestion bus: the target of rules in other accounts, and the resource of their PutEvents permission',
    });
    new CfnOutput(this, 'NotificationTopicArn', {
      value: this.notifications.topic.topicArn,
      description: 'SNS topic of every notification; filter on the message attributes eventType, priority, assignmentGroup, service',
    });
    new CfnOutput(this, 'MajorIncidentTopicArn', {
      value: this.notifications.majorIncidentTopic.topicArn,
      description: 'SNS topic of major-incident (P1) breaches, for stakeholders',
    });
    new CfnOutput(this, 'SlaScheduleGroupName', {
      value: this.slaTimers.scheduleGroup.scheduleGroupName,
      description: 'EventBridge Scheduler group holding one schedule per pending SLA threshold',
    });
    new CfnOutput(this, 'SlaTimerDeadLetterQueueUrl', {
      value: this.slaTimers.deadLetterQueue.queueUrl,
      description: 'Where SLA timer firings go that could not start the escalation workflow (inspect, then redrive by hand)',
    });
    // What `npm run replay-dead-letters` reads: each dead-letter queue and where it replays to.
    new CfnOutput(this, INGESTION_QUEUE_URL_OUTPUT, { value: this.ingestion.queue.queueUrl, description: 'Queue the ingestion rules deliver bus events to' });
    new CfnOutput(this, 'IngestionDeadLetterQueueUrl', {
      value: this.ingestion.deadLetterQueue.queueUrl,
      description: 'Bus events the ingestion function failed to record (replay: npm run replay-dead-letters -- --queue ingestion)',
    });
    new CfnOutput(this, 'IngestionTargetDeadLetterQueueUrl', {
      value: this.ingestion.targetDeadLetterQueue.queueUrl,
      description: 'Bus events EventBridge could not deliver to the ingestion queue (replay: npm run replay-dead-letters -- --queue ingestion)',
    });
    if (this.identity.userPool !== undefined && this.identity.userPoolClient !== undefined) {
      new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId, description: 'Cognito user pool of the API users' });
      new CfnOutput(this, 'UserPoolClientId', {
        value: this.identity.userPoolClient.userPoolClientId,
        description: 'Public app client (no secret) for web and CLI sign-in',
      });
    }
  }
}
