import { Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpAuthorizer, HttpAuthorizerType } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { type AssembledAreas, CAPABILITY_ENVIRONMENT } from '../../functions/routes.ts';
import type { ItsmConfig } from '../config.ts';
import type { AfterDeploy } from '../constructs/after-deploy.ts';
import { Alarms } from '../constructs/alarms.ts';
import { bindAreaCapabilities, deployAreaFunctions, deployWorkflows, usedCapabilities, wireBusRuleConsumers } from '../constructs/area-functions.ts';
import type { BusRuleConsumer } from '../constructs/bus-rule-consumer.ts';
import { type CapabilityResources, capabilityGrants } from '../constructs/capabilities.ts';
import { HttpRoutes } from '../constructs/http-routes.ts';
import type { InboundEmail } from '../constructs/inbound-email.ts';
import type { ItsmFunction } from '../constructs/itsm-function.ts';
import type { TableStreamConsumer } from '../constructs/stream-consumer.ts';
import type { Workflow } from '../constructs/workflow.ts';

/** What an area stack takes from the API stack: ids and ARNs, which CloudFormation exports and imports. */
export interface ApiStackShared {
  /** The one HTTP API the area's routes join. */
  readonly httpApiId: string;
  /** The API's JWT authorizer, which every route but a public one uses. */
  readonly jwtAuthorizerId: string;
  /** Where the area's alarms go. */
  readonly alarmTopic: ITopic;
  /** What the area's functions' capabilities grant on. */
  readonly capabilityResources: CapabilityResources;
  /** The variables every function gets (FUNCTION_ENVIRONMENT_KEYS). */
  readonly functionEnvironment: Readonly<Record<string, string>>;
}

export interface AreaStackProps extends StackProps {
  readonly table: ITableV2;
  readonly config: ItsmConfig;
  /** Directory the areas' `entry` paths are relative to; it holds package-lock.json. */
  readonly sourceRoot: string;
  /** The areas that name this stack (`stack` in their area.ts), assembled. */
  readonly areas: AssembledAreas;
  readonly api: ApiStackShared;
}

/**
 * The areas that name this stack (`stack` in defineArea), deployed as the API stack deploys its
 * own (infra/constructs/area-functions.ts): the same function defaults, table grants,
 * capabilities, stream consumers, after-deploy triggers, alarms and cdk-nag acknowledgements. Its
 * routes join the API stack's HTTP API behind its JWT authorizer, by id: one API, one URL, one
 * token for every area. Its own share of CloudFormation's 500 resources per stack is what lets
 * areas grow without the API stack reaching the limit.
 *
 * It depends on the API stack (and the data stack), never the other way: nothing in the API stack
 * refers to it, or CloudFormation would see a cycle. Its areas' workflows are here, with the
 * functions they call, their alarms and outputs, and the capabilities that start or stop them are
 * granted to this stack's functions only: a function of another stack cannot be given their ARN
 * (the synth fails, naming the capability). Not here: a workflow the SLA timers start (the timers
 * live in the API stack) and the ingestion-queue consumer (the queue and its rules live with the
 * bus). An ingestion bus rule consumer is here, rule and queue included: the rule names the API
 * stack's bus by an import. So is the e-mail receiver (emailReceipt): its bucket and SES rule.
 */
export class AreaStack extends Stack {
  readonly functions: ReadonlyMap<string, ItsmFunction>;
  readonly streamConsumers: ReadonlyMap<string, TableStreamConsumer>;
  readonly afterDeploy: ReadonlyMap<string, AfterDeploy>;
  readonly busRuleConsumers: ReadonlyMap<string, BusRuleConsumer>;
  readonly workflows: ReadonlyMap<string, Workflow>;
  /** The `emailReceipt` consumer's bucket and SES receipt rule, when one of its functions receives e-mail. */
  readonly inboundEmail: InboundEmail | undefined;

  constructor(scope: Construct, id: string, props: AreaStackProps) {
    super(scope, id, props);
    const { areas, api } = props;
    const timed = Object.entries(areas.workflows)
      .filter(([, workflow]) => CAPABILITY_ENVIRONMENT.manageSlaTimers.includes(workflow.arnEnvironment))
      .map(([workflowId]) => workflowId);
    if (timed.length > 0) {
      throw new Error(`Stack ${id}: a workflow the SLA timers start deploys with the API stack, which holds the timers; ${timed.join(', ')} cannot be here`);
    }

    // Imported by id, so this stack adds routes to the API without owning it (Fn::ImportValue of the API stack's exports).
    const httpApi = HttpApi.fromHttpApiAttributes(this, 'HttpApi', { httpApiId: api.httpApiId });
    const jwtAuthorizer = HttpAuthorizer.fromHttpAuthorizerAttributes(this, 'JwtAuthorizer', {
      authorizerId: api.jwtAuthorizerId,
      authorizerType: HttpAuthorizerType.JWT,
    });
    const alarms = new Alarms(this, 'Alarms', { topic: api.alarmTopic });

    const deployed = deployAreaFunctions(this, {
      areas,
      table: props.table,
      config: props.config,
      sourceRoot: props.sourceRoot,
      environment: api.functionEnvironment,
      routes: new HttpRoutes({ httpApi, scope: httpApi, jwtAuthorizer }),
      alarms,
    });
    if (deployed.ingestionConsumer !== undefined) {
      throw new Error(`Stack ${id}: the ingestion queue's consumer deploys with the API stack, which holds the queue and its rules`);
    }
    this.functions = deployed.functions;
    this.streamConsumers = deployed.streamConsumers;
    this.afterDeploy = deployed.afterDeploy;
    this.busRuleConsumers = wireBusRuleConsumers(this, deployed.busRuleConsumers, { bus: api.capabilityResources.bus, config: props.config, alarms });
    const workflows = deployWorkflows(this, {
      workflows: areas.workflows,
      functions: deployed.functions,
      definitions: areas.functions,
      sourceRoot: props.sourceRoot,
      config: props.config,
      alarms,
    });
    this.workflows = workflows.workflows;
    this.inboundEmail = deployed.inboundEmail;
    // The API stack's resources, plus this stack's own workflows and inbound bucket.
    const resources = {
      ...api.capabilityResources,
      workflows: { ...api.capabilityResources.workflows, ...workflows.byVariable },
      ...(deployed.inboundEmail !== undefined ? { inboundEmail: deployed.inboundEmail } : {}),
    };
    bindAreaCapabilities(deployed.functions, areas.functions, capabilityGrants(resources, { grantee: this, capabilities: usedCapabilities(areas.functions) }));
  }
}
