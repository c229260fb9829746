import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionSummary, StepFunctionsRunner } from '../../local/step-functions.ts';

/*
 * What the workflow tests (test/workflows) read of the local Step Functions runner's executions.
 * The runner is made in their beforeAll, hence a getter.
 */

/** Polls every 5 ms, 1000 times at most, until `condition` holds. */
export async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await sleep(5);
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

export function executionProbes(runnerOf: () => StepFunctionsRunner) {
  const summaryOf = (executionArn: string) =>
    runnerOf()
      .executions()
      .find((e) => e.executionArn === executionArn) as ExecutionSummary;

  /** The execution's summary once it no longer runs. */
  async function finished(executionArn: string): Promise<ExecutionSummary> {
    for (let i = 0; i < 1000; i++) {
      const summary = summaryOf(executionArn);
      if (summary.status !== 'RUNNING') return summary;
      await sleep(5);
    }
    throw new Error(`${executionArn} still running`);
  }

  /** The names of the states the execution entered, in order. */
  async function statesEntered(executionArn: string): Promise<string[]> {
    const history = (await runnerOf().service.operations.GetExecutionHistory?.({ executionArn, maxResults: 1000 })) as {
      events: { type: string; stateEnteredEventDetails?: { name: string } }[];
    };
    return history.events.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name as string);
  }

  return { summaryOf, finished, statesEntered };
}
