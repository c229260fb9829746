import { join } from 'node:path';
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { type AssembledAreas, CAPABILITY_ENVIRONMENT, type Capability, FUNCTIONS, type FunctionDefinition } from '../../functions/routes.ts';
import type { BusRuleSource, WorkflowDefinition } from '../../functions/shared/area.ts';
import type { ItsmConfig } from '../config.ts';
import { AfterDeploy } from './after-deploy.ts';
import type { Alarms } from './alarms.ts';
import { BusRuleConsumer } from './bus-rule-consumer.ts';
import { bindCapabilities, type CapabilityGrant } from './capabilities.ts';
import { functionNameOutput, streamFailureBucketOutput } from './dead-letter-replay.ts';
import type { HttpRoutes } from './http-routes.ts';
import { InboundEmail } from './inbound-email.ts';
import { ItsmFunction } from './itsm-function.ts';
import { TableStreamConsumer } from './stream-consumer.ts';
import { Workflow } from './workflow.ts';

export interface AreaFunctionsProps<Id extends string> {
  /** The functions, routes and consumers this stack deploys (its areas, assembled). */
  readonly areas: Pick<AssembledAreas<Id>, 'functions' | 'routes' | 'consumers'>;
  readonly table: ITableV2;
  readonly config: ItsmConfig;
  /** Directory the route table's `entry` paths are relative to; it holds package-lock.json. */
  readonly sourceRoot: string;
  /** Every function's variables (FUNCTION_ENVIRONMENT_KEYS); capabilities add theirs. */
  readonly environment: Readonly<Record<string, string>>;
  /** Where the routes go: the one HTTP API, with its JWT authorizer. */
  readonly routes: Pick<HttpRoutes, 'addRoute'>;
  readonly alarms: Alarms;
}

export interface AreaFunctions<Id extends string> {
  readonly functions: ReadonlyMap<Id, ItsmFunction>;
  readonly streamConsumers: ReadonlyMap<Id, TableStreamConsumer>;
  readonly afterDeploy: ReadonlyMap<Id, AfterDeploy>;
  /** The function whose source is the ingestion queue, if one of these is; the API stack wires it to its queue. */
  readonly ingestionConsumer: ItsmFunction | undefined;
  /** The ingestion bus rule consumers, wired by wireBusRuleConsumers once the stack has the bus. */
  readonly busRuleConsumers: readonly PendingBusRuleConsumer<Id>[];
  /** The inbound bucket and SES receipt rule of the `emailReceipt` consumer, if one of these is. */
  readonly inboundEmail: InboundEmail | undefined;
}

export interface PendingBusRuleConsumer<Id extends string> {
  readonly functionId: Id;
  readonly fn: ItsmFunction;
  readonly source: BusRuleSource;
}

/**
 * What every stack that holds areas builds from them, in the stack itself (construct ids
 * `<FunctionId>`, `<FunctionId>Stream`, `<FunctionId>AfterDeploy`: the API stack's logical ids
 * stay as they were): one ItsmFunction per function with every house default, exactly its
 * tableAccess granted, an Errors alarm; its routes on the HTTP API; its table stream consumers
 * (filtered event source mappings, failure buckets and their outputs) and after-deploy triggers.
 * Capabilities are bound by bindAreaCapabilities once the stack knows their resources.
 */
export function deployAreaFunctions<Id extends string>(stack: Stack, props: AreaFunctionsProps<Id>): AreaFunctions<Id> {
  const { config, table, alarms } = props;
  const { functions: definitions, routes, consumers } = props.areas;

  const functions = new Map<Id, ItsmFunction>();
  for (const [functionId, definition] of Object.entries(definitions) as [Id, FunctionDefinition][]) {
    const constructId = pascalCase(functionId);
    const fn = new ItsmFunction(stack, constructId, {
      entry: join(props.sourceRoot, definition.entry),
      projectRoot: props.sourceRoot,
      description: definition.description,
      ...(definition.memoryMb !== undefined ? { memoryMb: definition.memoryMb } : {}),
      ...(definition.timeoutSeconds !== undefined ? { timeoutSeconds: definition.timeoutSeconds } : {}),
      logRetention: config.logRetention,
      environment: props.environment,
    });
    fn.grantTableAccess(table, definition.tableAccess);
    alarms.watchFunction(constructId, fn.function);
    functions.set(functionId, fn);
  }

  for (const route of routes) {
    const fn = functions.get(route.functionId);
    if (fn === undefined) throw new Error(`Route ${route.method} ${route.path} names unknown function ${route.functionId}`);
    // Why a public route may be public is written beside the route, in its area's area.ts.
    const publicReason = route.auth === 'none' ? route.publicReason : undefined;
    props.routes.addRoute(route, fn.function, {
      integrationId: `${pascalCase(route.functionId)}Integration`,
      ...(publicReason !== undefined ? { publicReason } : {}),
    });
  }

  // Functions without a route, wired to what triggers them: adding a consumer to an area adds its event source here.
  let ingestionConsumer: ItsmFunction | undefined;
  let inboundEmail: InboundEmail | undefined;
  const busRuleConsumers: PendingBusRuleConsumer<Id>[] = [];
  const streamConsumers = new Map<Id, TableStreamConsumer>();
  const afterDeploy = new Map<Id, AfterDeploy>();
  for (const { functionId, source } of consumers) {
    const fn = functions.get(functionId);
    if (fn === undefined) throw new Error(`Consumer ${functionId} is not in FUNCTIONS`);
    switch (source.kind) {
      case 'ingestionQueue':
        // Consumers of one queue compete for its messages; a second one would see only some
        // events. A second reader of bus events needs its own queue (and rule targets).
        if (ingestionConsumer !== undefined) throw new Error(`Only one function may consume the ingestion queue; ${functionId} is a second one`);
        ingestionConsumer = fn;
        break;
      case 'tableStream':
        streamConsumers.set(
          functionId,
          new TableStreamConsumer(stack, `${pascalCase(functionId)}Stream`, {
            consumer: fn,
            table,
            filter: source.filter,
            batchSize: source.batchSize,
            alarms,
          }),
        );
        break;
      case 'afterDeploy':
        afterDeploy.set(
          functionId,
          new AfterDeploy(stack, `${pascalCase(functionId)}AfterDeploy`, {
            fn,
            // Its own function, role and policy are always in place first; the table is what it writes.
            executeAfter: [table],
            logRetention: config.logRetention,
          }),
        );
        // Its name, to run it again on demand (`aws lambda invoke --function-name <value>`: the search rebuild, docs/knowledge.md).
        new CfnOutput(stack, functionNameOutput(functionId), {
          value: fn.function.functionName,
          description: 'Runs after each deployment that changes it; run it again with aws lambda invoke --function-name <this value>',
        });
        break;
      case 'ingestionBusRule':
        busRuleConsumers.push({ functionId, fn, source });
        break;
      case 'emailReceipt':
        // One receipt rule per domain: a second receiver would get the same mail twice.
        if (inboundEmail !== undefined) throw new Error(`Only one function may receive e-mail (emailReceipt); ${functionId} is a second one`);
        inboundEmail = new InboundEmail(stack, 'InboundEmail', { consumer: fn, functionId, domain: config.email.domain, replay: source.replay, alarms });
        break;
      default: {
        const unknown: never = source;
        throw new Error(`Consumer ${functionId} has an unknown source ${JSON.stringify(unknown)}`);
      }
    }
  }

  // What `npm run replay-dead-letters -- --stack <this stack>` reads for each stream consumer.
  for (const [functionId, consumer] of streamConsumers) {
    new CfnOutput(stack, streamFailureBucketOutput(functionId), {
      value: consumer.failureBucket.bucketName,
      description: `Stream batches ${functionId} gave up on, with their records (replay: npm run replay-dead-letters)`,
    });
    new CfnOutput(stack, functionNameOutput(functionId), {
      value: (functions.get(functionId) as ItsmFunction).function.functionName,
      description: `The ${functionId} function, invoked again by the replay`,
    });
  }

  return { functions, streamConsumers, afterDeploy, ingestionConsumer, busRuleConsumers, inboundEmail };
}

export interface AreaWorkflows<WorkflowId extends string> {
  readonly workflows: ReadonlyMap<WorkflowId, Workflow>;
  /** Each workflow's state machine by its arnEnvironment: the variable (and the grants) its callers get. */
  readonly byVariable: Readonly<Record<string, StateMachine>>;
}

/**
 * The stack's workflows (construct id `<WorkflowId>`, so the API stack's logical ids stay as they
 * were), each placeholder of its file replaced by its function's ARN, with their alarms and an
 * output `<WorkflowId>StateMachineArn`. Their functions are in the same stack: an area's workflow
 * calls its own functions (defineArea), which deploy with it.
 */
export function deployWorkflows<Id extends string, WorkflowId extends string>(
  stack: Stack,
  props: {
    readonly workflows: Readonly<Record<WorkflowId, WorkflowDefinition<Id>>>;
    readonly functions: ReadonlyMap<Id, ItsmFunction>;
    readonly definitions: Readonly<Record<Id, FunctionDefinition>>;
    readonly sourceRoot: string;
    readonly config: ItsmConfig;
    readonly alarms: Alarms;
  },
): AreaWorkflows<WorkflowId> {
  const workflows = new Map<WorkflowId, Workflow>();
  const byVariable: Record<string, StateMachine> = {};
  for (const [workflowId, definition] of Object.entries(props.workflows) as [WorkflowId, WorkflowDefinition<Id>][]) {
    const workflow = new Workflow(stack, pascalCase(workflowId), {
      definitionFile: join(props.sourceRoot, definition.definitionFile),
      functions: workflowFunctions(workflowId, definition, props.functions, (functionId) => capabilityEnvironment(props.definitions[functionId])),
      logRetention: props.config.logRetention,
      alarms: props.alarms,
    });
    workflows.set(workflowId, workflow);
    byVariable[definition.arnEnvironment] = workflow.stateMachine;
    new CfnOutput(stack, `${pascalCase(workflowId)}StateMachineArn`, {
      value: workflow.stateMachine.stateMachineArn,
      description: `Step Functions state machine: ${definition.description}`,
    });
  }
  return { workflows, byVariable };
}

/**
 * The functions a workflow's placeholders name, checked: each must be in FUNCTIONS, and none may
 * be handed the workflow's own ARN (through a capability), which would make the function and the
 * state machine depend on each other, a cycle CloudFormation refuses.
 */
export function workflowFunctions<Id extends string>(
  workflowId: string,
  definition: WorkflowDefinition<Id>,
  functions: ReadonlyMap<Id, ItsmFunction>,
  environmentOf: (functionId: Id) => readonly string[] = (functionId) =>
    capabilityEnvironment((FUNCTIONS as Readonly<Record<string, FunctionDefinition>>)[functionId]),
): Record<string, IFunction> {
  const resolved: Record<string, IFunction> = {};
  for (const [placeholder, functionId] of Object.entries(definition.functions) as [string, Id][]) {
    const fn = functions.get(functionId);
    if (fn === undefined) {
      throw new Error(`Workflow ${workflowId}: placeholder \${${placeholder}} names function ${functionId}, which is not in FUNCTIONS`);
    }
    if (environmentOf(functionId).includes(definition.arnEnvironment)) {
      throw new Error(
        `Workflow ${workflowId} calls ${functionId}, which would also be given the workflow's ARN (${definition.arnEnvironment}, through a capability): the function and the state machine would depend on each other`,
      );
    }
    resolved[placeholder] = fn.function;
  }
  return resolved;
}

/** The variables a function's capabilities bring. */
export function capabilityEnvironment(definition: FunctionDefinition | undefined): string[] {
  return (definition?.capabilities ?? []).flatMap((capability) => CAPABILITY_ENVIRONMENT[capability]);
}

/** Every capability the definitions name: what the stack must build grants for. */
export function usedCapabilities(definitions: Readonly<Record<string, FunctionDefinition>>): Capability[] {
  return [...new Set(Object.values(definitions).flatMap((definition) => definition.capabilities ?? []))];
}

/**
 * Each ingestion bus rule consumer's rule on the bus, its queue and dead-letter queues, in the
 * stack (construct id `<ruleId>`), with the default-bus rule when its option is on.
 */
export function wireBusRuleConsumers<Id extends string>(
  stack: Stack,
  pending: readonly PendingBusRuleConsumer<Id>[],
  props: { readonly bus: IEventBus; readonly config: ItsmConfig; readonly alarms: Alarms },
): ReadonlyMap<Id, BusRuleConsumer> {
  const wired = new Map<Id, BusRuleConsumer>();
  for (const { functionId, fn, source } of pending) {
    const option = source.fromDefaultBusOption;
    wired.set(
      functionId,
      new BusRuleConsumer(stack, source.ruleId, {
        bus: props.bus,
        consumer: fn,
        source,
        fromDefaultBus: option !== undefined && props.config.ingestion.fromDefaultBus[option],
        alarms: props.alarms,
      }),
    );
  }
  return wired;
}

/** Each function gets exactly the variables and grants of the capabilities its definition names. */
export function bindAreaCapabilities<Id extends string>(
  functions: ReadonlyMap<Id, ItsmFunction>,
  definitions: Readonly<Record<Id, FunctionDefinition>>,
  grants: Readonly<Partial<Record<Capability, CapabilityGrant>>>,
): void {
  for (const [functionId, fn] of functions) {
    const capabilities = definitions[functionId].capabilities ?? [];
    if (capabilities.length > 0) bindCapabilities(fn, capabilities, grants);
  }
}

export function pascalCase(id: string): string {
  return `${id.charAt(0).toUpperCase()}${id.slice(1)}`;
}
