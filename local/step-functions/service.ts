import { randomUUID } from 'node:crypto';
import { AwsError, type AwsJsonService } from '../aws-endpoint.ts';
import type { RunnerContext } from './context.ts';
import type { Workflow } from './definitions.ts';
import { endLive, run } from './executions.ts';
import { endEvent, record, synthesizedHistory } from './history.ts';
import { canonical, epochSeconds, type JsonObject } from './json.ts';
import { BAD_NAME, EXECUTION_ARN, MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH, MAX_NAME_LENGTH, MAX_PAYLOAD_BYTES, STATE_MACHINE_ARN, STATUSES } from './limits.ts';
import { trimFinished } from './persistence.ts';
import type { Execution, HistoryEvent } from './records.ts';
import { optionalString, pageOf, requireString } from './service-input.ts';
import { taskTokenOperations } from './task-tokens.ts';

/**
 * The Step Functions JSON API (`AWSStepFunctions.*`) that local/aws-endpoint.ts serves: executions,
 * their history and the state machines. The token operations are in task-tokens.ts.
 */

const detailsKey = (type: string) =>
  type.endsWith('StateEntered')
    ? 'stateEnteredEventDetails'
    : type.endsWith('StateExited')
      ? 'stateExitedEventDetails'
      : `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;

export interface StepFunctionsService {
  readonly operations: AwsJsonService['operations'];
  /** StartExecution as the API answers it (startDate in epoch seconds). */
  startExecution(input: JsonObject): Promise<{ executionArn: string; startDate: number }>;
}

export function createService(runner: RunnerContext): StepFunctionsService {
  function workflowOf(stateMachineArn: string): Workflow {
    const workflow = runner.byArn.get(stateMachineArn);
    if (workflow !== undefined) return workflow;
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new AwsError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
  }

  function executionOf(input: JsonObject): Execution {
    const arn = requireString(input, 'executionArn');
    const execution = runner.executions.get(arn);
    if (execution !== undefined) return execution;
    if (!EXECUTION_ARN.test(arn)) throw new AwsError('InvalidArn', `Invalid Arn: '${arn}'`);
    throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  }

  async function startExecution(input: JsonObject): Promise<{ executionArn: string; startDate: number }> {
    if (runner.isStopped()) throw new AwsError('ServiceUnavailable', 'the local Step Functions has stopped', 503);
    const workflow = workflowOf(requireString(input, 'stateMachineArn'));
    const { name, inputText, parsed } = startInput(input);
    const executionArn = `arn:aws:states:${runner.region}:${runner.accountId}:execution:${workflow.name}:${name}`;
    const existing = runner.executions.get(executionArn);
    if (existing !== undefined) {
      // Same name and same input (as JSON values, key order aside) while running: the same execution (a retried call); anything else is a conflict.
      if (existing.status === 'RUNNING' && canonical(JSON.parse(existing.input)) === canonical(parsed))
        return { executionArn, startDate: epochSeconds(existing.startDate) };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: Execution = {
      executionArn,
      stateMachineArn: workflow.arn,
      workflowId: workflow.id,
      name,
      input: inputText,
      status: 'RUNNING',
      startDate: Date.now(),
    };
    runner.executions.set(executionArn, execution);
    runner.log('info', 'execution started', { stateMachine: workflow.name, name, executionArn });
    run(runner, execution);
    runner.notify();
    await runner.persist();
    return { executionArn, startDate: epochSeconds(execution.startDate) };
  }

  async function stopExecution(input: JsonObject): Promise<JsonObject> {
    const execution = executionOf(input);
    const error = optionalString(input, 'error', MAX_ERROR_LENGTH);
    const cause = optionalString(input, 'cause', MAX_CAUSE_LENGTH);
    if (execution.status === 'RUNNING') {
      Object.assign(execution, { status: 'ABORTED', stopDate: Date.now() }, error === undefined ? {} : { error }, cause === undefined ? {} : { cause });
      const end = endEvent(execution);
      record(execution, end.type, end.details);
      endLive(execution);
      trimFinished(runner.executions);
      runner.log('warn', 'execution aborted (StopExecution)', { executionArn: execution.executionArn, ...(error === undefined ? {} : { error }) });
      runner.notify();
      await runner.persist();
    }
    return { stopDate: epochSeconds(execution.stopDate ?? Date.now()) };
  }

  const operations: AwsJsonService['operations'] = {
    StartExecution: startExecution,

    DescribeExecution: async (input) => describe(executionOf(input)),

    StopExecution: stopExecution,

    ListExecutions: async (input) => {
      const workflow = workflowOf(requireString(input, 'stateMachineArn'));
      const statusFilter = checkStatusFilter(input.statusFilter);
      const matching = [...runner.executions.values()]
        .filter((e) => e.stateMachineArn === workflow.arn && (statusFilter === undefined || statusFilter === null || e.status === statusFilter))
        .sort((a, b) => b.startDate - a.startDate);
      const { page, nextToken } = pageOf(matching, input, 100);
      return { executions: page.map(listItem), ...(nextToken === undefined ? {} : { nextToken }) };
    },

    GetExecutionHistory: async (input) => {
      const execution = executionOf(input);
      const history = execution.history ?? synthesizedHistory(runner.byArn, execution);
      const ordered = input.reverseOrder === true ? [...history].reverse() : history;
      const { page, nextToken } = pageOf(ordered, input, 100);
      const includeData = input.includeExecutionData !== false;
      return { events: page.map((event) => eventOut(event, includeData)), ...(nextToken === undefined ? {} : { nextToken }) };
    },

    ...taskTokenOperations(runner),

    DescribeStateMachine: async (input) => {
      const workflow = workflowOf(requireString(input, 'stateMachineArn'));
      return {
        stateMachineArn: workflow.arn,
        name: workflow.name,
        status: 'ACTIVE',
        definition: workflow.definitionText,
        roleArn: workflow.roleArn,
        type: 'STANDARD',
        creationDate: epochSeconds(runner.createdAt),
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      };
    },

    ListStateMachines: async (input) => {
      const machines = [...runner.workflows.values()].map((w) => ({
        stateMachineArn: w.arn,
        name: w.name,
        type: 'STANDARD',
        creationDate: epochSeconds(runner.createdAt),
      }));
      const { page, nextToken } = pageOf(machines, input, 100);
      return { stateMachines: page, ...(nextToken === undefined ? {} : { nextToken }) };
    },
  };

  return { operations, startExecution };
}

/** An execution as ListExecutions shows it. */
const listItem = (execution: Execution): JsonObject => ({
  executionArn: execution.executionArn,
  stateMachineArn: execution.stateMachineArn,
  name: execution.name,
  status: execution.status,
  startDate: epochSeconds(execution.startDate),
  ...(execution.stopDate === undefined ? {} : { stopDate: epochSeconds(execution.stopDate) }),
});

/** DescribeExecution's answer: the list item plus input, output and how it ended. */
function describe(execution: Execution): JsonObject {
  return {
    ...listItem(execution),
    input: execution.input,
    inputDetails: { included: true },
    ...(execution.output === undefined ? {} : { output: execution.output, outputDetails: { included: true } }),
    ...(execution.error === undefined ? {} : { error: execution.error }),
    ...(execution.cause === undefined ? {} : { cause: execution.cause }),
    redriveCount: 0,
    redriveStatus: 'NOT_REDRIVABLE',
  };
}

/** A history event as GetExecutionHistory answers it; without execution data, inputs and outputs are left out. */
function eventOut(event: HistoryEvent, includeData: boolean): JsonObject {
  let details = event.details;
  if (details !== undefined && !includeData) {
    const { input: _input, output: _output, inputDetails: _inputDetails, outputDetails: _outputDetails, ...rest } = details;
    details = rest;
  }
  return {
    timestamp: epochSeconds(event.timestamp),
    type: event.type,
    id: event.id,
    previousEventId: event.previousEventId,
    ...(details === undefined ? {} : { [detailsKey(event.type)]: details }),
  };
}

/** StartExecution's name and input, checked as Step Functions checks them. */
function startInput(input: JsonObject): { name: string; inputText: string; parsed: unknown } {
  const name = input.name === undefined || input.name === null ? randomUUID() : input.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME_LENGTH || BAD_NAME.test(name)) {
    throw new AwsError('InvalidName', `Invalid Name: '${String(name)}'`);
  }
  const inputText = input.input === undefined || input.input === null ? '{}' : input.input;
  if (typeof inputText !== 'string') throw new AwsError('SerializationException', 'input must be a string');
  if (Buffer.byteLength(inputText) > MAX_PAYLOAD_BYTES)
    throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: larger than ${MAX_PAYLOAD_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(inputText);
  } catch (error) {
    throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
  }
  return { name, inputText, parsed };
}

/** ListExecutions' statusFilter: absent, or one of the statuses. */
function checkStatusFilter(statusFilter: unknown): unknown {
  if (statusFilter !== undefined && statusFilter !== null && !STATUSES.includes(String(statusFilter))) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${String(statusFilter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
    );
  }
  return statusFilter;
}
