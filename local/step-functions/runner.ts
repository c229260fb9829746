import type { RunnerContext } from './context.ts';
import { compileWorkflow, type Workflow } from './definitions.ts';
import { endLive, run } from './executions.ts';
import type { JsonObject } from './json.ts';
import { DEFAULT_ACCOUNT, DEFAULT_REGION } from './limits.ts';
import { createPersistence } from './persistence.ts';
import type { Execution, PendingToken } from './records.ts';
import { createService } from './service.ts';
import type { StepFunctionsOptions, StepFunctionsRunner } from './types.ts';

/** Builds one runner: compiles the workflows, loads the state file, and wires the files of this folder together. */
export function createStepFunctionsRunner(options: StepFunctionsOptions): StepFunctionsRunner {
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, not ${timeScale}`);
  const print = options.log ?? ((line: string) => console.log(line));
  const log = (level: 'info' | 'warn' | 'error', message: string, fields: JsonObject = {}) =>
    print(JSON.stringify({ level, message: `local Step Functions: ${message}`, ...fields }));
  const invoke = options.invoke;

  const workflows = new Map<string, Workflow>();
  const byArn = new Map<string, Workflow>();
  for (const [id, source] of Object.entries(options.workflows)) {
    const workflow = compileWorkflow(
      id,
      source,
      { rootDir: options.rootDir, region, accountId, timeScale, validate: options.validate ?? true },
      (message, fields) => log('warn', message, fields),
    );
    workflows.set(id, workflow);
    byArn.set(workflow.arn, workflow);
  }
  const createdAt = Date.now();

  const executions = new Map<string, Execution>();
  const tokens = new Map<string, PendingToken>();
  const seenEvents = new WeakSet<object>();
  const waiters = new Set<() => void>();
  let stopped = false;
  let resumed = false;

  const notify = () => {
    for (const waiter of waiters) waiter();
    waiters.clear();
  };

  const persistence = createPersistence(options.stateFile, executions, byArn, log, () => stopped);
  const runner: RunnerContext = {
    region,
    accountId,
    timeScale,
    log,
    invoke,
    workflows,
    byArn,
    createdAt,
    executions,
    tokens,
    seenEvents,
    notify,
    persist: persistence.persist,
    isStopped: () => stopped,
  };
  const service = createService(runner);

  persistence.load();

  function isSettled(): boolean {
    for (const execution of executions.values()) {
      const live = execution.live;
      if (execution.status !== 'RUNNING' || live === undefined || live.ended) continue;
      if (live.busy > 0 || live.blocked === 0) return false;
    }
    return true;
  }

  return {
    service: { targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0', operations: service.operations },

    stateMachineArn(workflowId) {
      const workflow = workflows.get(workflowId);
      if (workflow === undefined) throw new Error(`no workflow ${workflowId}; known: ${[...workflows.keys()].join(', ')}`);
      return workflow.arn;
    },

    async startExecution(request) {
      const started = await service.startExecution({ ...request });
      return { executionArn: started.executionArn, startDate: new Date(started.startDate * 1000) };
    },

    executions() {
      const pendingByExecution = new Map<string, { token: string; stateName: string }[]>();
      for (const [token, pending] of tokens) {
        const list = pendingByExecution.get(pending.executionArn) ?? [];
        list.push({ token, stateName: pending.stateName });
        pendingByExecution.set(pending.executionArn, list);
      }
      const parse = (text: string | undefined) => (text === undefined ? undefined : (JSON.parse(text) as unknown));
      return [...executions.values()]
        .sort((a, b) => a.startDate - b.startDate)
        .map((e) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          workflowId: e.workflowId,
          name: e.name,
          status: e.status,
          input: parse(e.input),
          ...(e.output === undefined ? {} : { output: parse(e.output) }),
          ...(e.error === undefined ? {} : { error: e.error }),
          ...(e.cause === undefined ? {} : { cause: e.cause }),
          startDate: new Date(e.startDate),
          ...(e.stopDate === undefined ? {} : { stopDate: new Date(e.stopDate) }),
          taskTokens: pendingByExecution.get(e.executionArn) ?? [],
        }));
    },

    resume() {
      if (resumed || stopped) return 0;
      resumed = true;
      let count = 0;
      for (const execution of executions.values()) {
        if (execution.status !== 'RUNNING' || execution.live !== undefined) continue;
        log('info', 'execution replayed from the start (it was running when the process stopped)', {
          stateMachine: byArn.get(execution.stateMachineArn)?.name ?? execution.stateMachineArn,
          name: execution.name,
          executionArn: execution.executionArn,
        });
        run(runner, execution);
        count++;
      }
      notify();
      return count;
    },

    async settled() {
      for (;;) {
        // Counted at a turn of the event loop: between two, the library moves from state to state in promise jobs only.
        await new Promise((resolveTurn) => setImmediate(resolveTurn));
        if (stopped || isSettled()) return;
        await new Promise<void>((wake) => waiters.add(wake));
      }
    },

    stop() {
      if (stopped) return;
      persistence.flush();
      stopped = true;
      for (const execution of executions.values()) endLive(execution);
      tokens.clear();
      notify();
    },
  };
}
