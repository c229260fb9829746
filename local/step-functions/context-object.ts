import type { Workflow } from './definitions.ts';
import type { JsonObject } from './json.ts';
import type { Execution } from './records.ts';

/** `$$` as ASL paths see it: the execution and state machine (Task and State are added per run, see executions.ts). */
export function contextFor(execution: Execution, workflow: Workflow): JsonObject {
  return {
    Execution: {
      Id: execution.executionArn,
      Name: execution.name,
      RoleArn: workflow.roleArn,
      StartTime: new Date(execution.startDate).toISOString(),
      RedriveCount: 0,
    },
    StateMachine: { Id: workflow.arn, Name: workflow.name },
  };
}
