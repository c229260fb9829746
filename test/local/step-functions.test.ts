import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { createStepFunctionsRunner, type StepFunctionsRunner, type WorkflowSource } from '../../local/step-functions.ts';

const rootDir = join(import.meta.dirname, '..', '..');
const fixture = (name: string) => `test/fixtures/statemachines/${name}.asl.json`;
const WORKFLOWS: Record<string, WorkflowSource> = {
  checkLoop: { definitionFile: fixture('check-loop'), functions: { CheckFunctionArn: 'check', FinishFunctionArn: 'finish' } },
  flakyStep: { definitionFile: fixture('flaky-step'), functions: { FlakyFunctionArn: 'flaky' } },
  approval: { definitionFile: fixture('approval'), functions: { NotifyFunctionArn: 'notify' } },
  fanOut: { definitionFile: fixture('fan-out'), functions: { CountFunctionArn: 'check', AskFunctionArn: 'notify' } },
  deadlines: { definitionFile: fixture('deadlines'), functions: { WorkFunctionArn: 'notify' } },
};
/** Seconds become 1/50th: a 1 s Wait or retry interval takes 20 ms, a 10 s timeout or heartbeat 200 ms. */
const TIME_SCALE = 0.02;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

class Flaky extends Error {
  override name = 'Flaky';
}

interface Call {
  readonly functionId: string;
  readonly payload: Record<string, unknown>;
}

/** The functions of the fixtures, as a fake `invoke`: every call is recorded. */
function fakeFunctions() {
  const calls: Call[] = [];
  const counts = new Map<string, number>();
  const count = (key: string) => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n;
  };
  const invoke = async (functionId: string, event: unknown): Promise<unknown> => {
    const payload = event as Record<string, unknown>;
    calls.push({ functionId, payload });
    switch (functionId) {
      case 'check':
        // Done on the second check of an id.
        return { done: count(`check:${String(payload.id)}`) >= 2, checkedAt: Date.now() };
      case 'finish':
        return { finished: true, id: payload.id };
      case 'flaky': {
        const attempt = count(`flaky:${String(payload.id)}`);
        if (attempt <= Number(payload.failures)) {
          if (payload.errorName === 'Flaky') throw new Flaky(`attempt ${attempt} failed`);
          const error = new Error(`attempt ${attempt} failed for good`);
          error.name = String(payload.errorName);
          throw error;
        }
        return { ok: true, attempts: attempt };
      }
      case 'notify':
        return { sent: true };
      default:
        throw new Error(`no function ${functionId}`);
    }
  };
  return { calls, invoke };
}

interface Served {
  readonly runner: StepFunctionsRunner;
  readonly endpoint: AwsEndpoint;
  readonly sfn: SFNClient;
  readonly calls: Call[];
  readonly lines: string[];
  close(): Promise<void>;
}

async function serve(stateFile?: string): Promise<Served> {
  const { calls, invoke } = fakeFunctions();
  const lines: string[] = [];
  const runner = createStepFunctionsRunner({
    workflows: WORKFLOWS,
    rootDir,
    invoke,
    timeScale: TIME_SCALE,
    validate: false,
    log: (line) => lines.push(line),
    ...(stateFile === undefined ? {} : { stateFile }),
  });
  const endpoint = await startAwsEndpoint({ port: 0, services: [runner.service] });
  const sfn = new SFNClient({ endpoint: endpoint.url, region: 'us-east-1', credentials });
  return {
    runner,
    endpoint,
    sfn,
    calls,
    lines,
    close: async () => {
      sfn.destroy();
      runner.stop();
      await endpoint.stop();
    },
  };
}

let served: Served;
let sfn: SFNClient;
let runner: StepFunctionsRunner;

beforeAll(async () => {
  served = await serve();
  ({ sfn, runner } = served);
});
afterAll(() => served.close());

const arnOf = (workflowId: string) => runner.stateMachineArn(workflowId);

async function start(workflowId: string, input: unknown, name?: string, client = sfn): Promise<string> {
  const started = await client.send(
    new StartExecutionCommand({ stateMachineArn: arnOf(workflowId), input: JSON.stringify(input), ...(name === undefined ? {} : { name }) }),
  );
  return started.executionArn as string;
}

async function finished(executionArn: string, client = sfn): Promise<DescribeExecutionCommandOutput> {
  for (let i = 0; i < 300; i++) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await sleep(10);
  }
  throw new Error(`${executionArn} still running`);
}

async function history(executionArn: string, client = sfn): Promise<HistoryEvent[]> {
  return (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

const output = (described: DescribeExecutionCommandOutput) => JSON.parse(described.output ?? 'null') as Record<string, unknown>;

/** The token the waiting Task handed to the function (the last one passed to `functionId`). */
function lastToken(calls: readonly Call[], match: (payload: Record<string, unknown>) => boolean): string {
  const call = calls.filter((c) => typeof c.payload.token === 'string' && match(c.payload)).at(-1);
  if (call === undefined) throw new Error('no token was handed out');
  return call.payload.token as string;
}

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('state machines', () => {
  it('are named after the workflow id, placeholders filled with function ARNs', async () => {
    expect(arnOf('checkLoop')).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:check-loop');
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arnOf('fanOut') }));
    expect(described).toMatchObject({ name: 'fan-out', status: 'ACTIVE', type: 'STANDARD' });
    expect(described.definition).toContain('"Resource": "arn:aws:lambda:us-east-1:000000000000:function:check"');
    expect(described.definition).not.toContain('${');
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.name).sort()).toEqual(['approval', 'check-loop', 'deadlines', 'fan-out', 'flaky-step']);
  });

  it('refuses a definition it could not run faithfully, at start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-defs-'));
    const write = (name: string, definition: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify(definition));
      return name;
    };
    const create = (definitionFile: string, functions: Record<string, string> = { WorkFunctionArn: 'work' }, validate = false) =>
      createStepFunctionsRunner({ workflows: { broken: { definitionFile, functions } }, rootDir: dir, invoke: async () => null, validate });
    const task = (more: Record<string, unknown>) => ({ StartAt: 'T', States: { T: { Type: 'Task', End: true, ...more } } });

    expect(() => create(write('a.json', task({ Resource: '${WorkFunctionArn}', Comment: '${Missing}' })))).toThrow(
      /unknown placeholder\(s\) \$\{Missing\}.*maps only \$\{WorkFunctionArn\}/,
    );
    expect(() => create(write('b.json', task({ Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: {} })))).toThrow(
      /state "T" uses resource arn:aws:states:::dynamodb:putItem/,
    );
    expect(() =>
      create(
        write('c.json', task({ Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: '${WorkFunctionArn}', Payload: {} } })),
      ),
    ).toThrow(/never pass \$\$\.Task\.Token/);
    expect(() => create(write('d.json', task({ Resource: 'arn:aws:lambda:us-east-1:000000000000:function:other' })))).toThrow(/calls function "other"/);
    expect(() => create(write('e.json', { QueryLanguage: 'JSONata', ...task({ Resource: '${WorkFunctionArn}' }) }))).toThrow(/JSONata/);
    // asl-validator, on by default (the other runners of this file skip it: ~0.3 s a definition).
    expect(() => create(write('f.json', task({ Resource: '${WorkFunctionArn}', Next: 'Nowhere' })), undefined, true)).toThrow(
      /f\.json is not valid ASL:\n.*Nowhere/s,
    );
  });
});

describe('running', () => {
  it('goes Task -> Choice -> Wait -> Task, with the history of every state', async () => {
    const arn = await start('checkLoop', { id: 'loop-1', delaySeconds: 1 });
    const described = await finished(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(output(described)).toEqual({ finished: true, id: 'loop-1' });
    expect(served.calls.filter((c) => c.payload.id === 'loop-1').map((c) => c.functionId)).toEqual(['check', 'check', 'finish']);
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(described.startDate?.getTime() ?? Number.POSITIVE_INFINITY);

    const events = await history(arn);
    const lambdaTask = ['TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited'];
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      ...lambdaTask,
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      ...lambdaTask,
      'ChoiceStateEntered',
      'ChoiceStateExited',
      ...lambdaTask,
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_e, i) => i + 1));
    expect(events[1]?.stateEnteredEventDetails).toMatchObject({ name: 'Check' });
    expect(JSON.parse(events[1]?.stateEnteredEventDetails?.input ?? '')).toEqual({ id: 'loop-1', delaySeconds: 1 });
    expect(events[2]?.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: 'arn:aws:lambda:us-east-1:000000000000:function:check',
      input: '{"id":"loop-1"}',
    });
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe(described.output);

    const firstPage = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 5 }));
    expect(firstPage.events?.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    const secondPage = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 5, nextToken: firstPage.nextToken }));
    expect(secondPage.events?.[0]?.id).toBe(6);
    const reversed = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1, reverseOrder: true, includeExecutionData: false }));
    expect(reversed.events?.[0]).toMatchObject({ type: 'ExecutionSucceeded', executionSucceededEventDetails: {} });
    expect(reversed.events?.[0]?.executionSucceededEventDetails?.output).toBeUndefined();
  });

  it('keeps a Wait longer than timers can hold waiting instead of ending it at once', async () => {
    const arn = await start('checkLoop', { id: 'loop-long', delaySeconds: 10 * 365 * 24 * 3600 });
    await runner.settled();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    expect(served.lines.some((line) => line.includes('Wait longer than local timers hold'))).toBe(true);
    await sfn.send(new StopExecutionCommand({ executionArn: arn }));
  });

  it('retries a function error by its name, then succeeds', async () => {
    const arn = await start('flakyStep', { id: 'flaky-1', failures: 2, errorName: 'Flaky' });
    const described = await finished(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(output(described).flaky).toEqual({ ok: true, attempts: 3 });
    const events = await history(arn);
    expect(events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(3);
    const failures = events.filter((e) => e.type === 'LambdaFunctionFailed');
    expect(failures.map((e) => e.lambdaFunctionFailedEventDetails?.error)).toEqual(['Flaky', 'Flaky']);
    expect(JSON.parse(failures[0]?.lambdaFunctionFailedEventDetails?.cause ?? '')).toMatchObject({ errorType: 'Flaky', errorMessage: 'attempt 1 failed' });
  });

  it('catches a function error once its retries are spent, or at once when no retrier matches', async () => {
    const spent = await finished(await start('flakyStep', { id: 'flaky-2', failures: 9, errorName: 'Flaky' }));
    expect(spent.status).toBe('SUCCEEDED');
    const failure = output(spent).failure as { Error: string; Cause: string };
    expect(failure.Error).toBe('Flaky');
    expect(JSON.parse(failure.Cause)).toMatchObject({ errorType: 'Flaky', errorMessage: 'attempt 3 failed' });
    expect(served.calls.filter((c) => c.payload.id === 'flaky-2')).toHaveLength(3);

    const fatal = await finished(await start('flakyStep', { id: 'flaky-3', failures: 1, errorName: 'PolicyMissing' }));
    expect((output(fatal).failure as { Error: string }).Error).toBe('PolicyMissing');
    expect(served.calls.filter((c) => c.payload.id === 'flaky-3')).toHaveLength(1);
  });
});

describe('task tokens', () => {
  it('waits for SendTaskSuccess; the output is the Task result', async () => {
    const arn = await start('approval', { request: 'ok', timeoutSeconds: 3600 }, 'approve-ok');
    await runner.settled();
    const token = lastToken(served.calls, (p) => p.execution === 'approve-ok');
    expect(runner.executions().find((e) => e.executionArn === arn)?.taskTokens).toEqual([{ token, stateName: 'AwaitApproval' }]);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');

    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }));
    const described = await finished(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(output(described)).toEqual({ request: 'ok', timeoutSeconds: 3600, notify: { notified: { sent: true }, status: 200 }, decision: { approved: true } });

    const types = (await history(arn)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded']));
    const scheduled = (await history(arn)).filter((e) => e.type === 'TaskScheduled').map((e) => e.taskScheduledEventDetails);
    expect(scheduled[1]).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', region: 'us-east-1', timeoutInSeconds: 3600 });

    const again = await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(again.name).toBe('TaskTimedOut');
  });

  it('fails the Task with SendTaskFailure, caught as States.TaskFailed', async () => {
    const arn = await start('approval', { request: 'no', timeoutSeconds: 3600 }, 'approve-no');
    await runner.settled();
    const token = lastToken(served.calls, (p) => p.execution === 'approve-no');
    const invalid = await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })));
    expect(invalid.name).toBe('InvalidOutput');
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Denied', cause: 'not this week' }));
    const described = await finished(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(output(described).failure).toEqual({ Error: 'Denied', Cause: 'not this week' });
    expect((await history(arn)).find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({ error: 'Denied', cause: 'not this week' });
  });

  it('times the Task out (States.Timeout, not caught by States.TaskFailed); the token is dead afterwards', async () => {
    const arn = await start('approval', { request: 'silence', timeoutSeconds: 10 }, 'approve-silence');
    const described = await finished(arn);
    expect(described).toMatchObject({ status: 'FAILED', error: 'ApprovalTimedOut', cause: 'nobody answered' });
    const events = await history(arn);
    expect(events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({ error: 'States.Timeout' });
    expect(events.map((e) => e.type)).toContain('FailStateEntered');
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({ error: 'ApprovalTimedOut', cause: 'nobody answered' });

    const token = lastToken(served.calls, (p) => p.execution === 'approve-silence');
    const late = await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(late.name).toBe('TaskTimedOut');
  });

  it('hands out one token per Map item, inside a Parallel branch', async () => {
    const arn = await start('fanOut', { id: 'fan-1', people: ['ana', 'bo', 'cy'] });
    await runner.settled();
    const pending = runner.executions().find((e) => e.executionArn === arn)?.taskTokens ?? [];
    expect(pending).toHaveLength(3);
    expect(new Set(pending.map((p) => p.stateName))).toEqual(new Set(['Ask']));
    for (const person of ['cy', 'ana', 'bo']) {
      const token = lastToken(served.calls, (p) => p.person === person);
      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ answer: `${person}: yes` }) }));
    }
    const described = await finished(arn);
    expect(described.status).toBe('SUCCEEDED');
    const [count, answers] = output(described).results as [Record<string, unknown>, unknown[]];
    expect(count.done).toBe(false);
    expect(answers).toEqual([{ answer: 'ana: yes' }, { answer: 'bo: yes' }, { answer: 'cy: yes' }]);
    expect(
      served.calls
        .filter((c) => c.functionId === 'notify' && c.payload.person !== undefined)
        .map((c) => c.payload.index)
        .sort(),
    ).toEqual([0, 1, 2]);

    const events = await history(arn);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted']);
    expect(types).toEqual(
      expect.arrayContaining(['MapStateEntered', 'MapStateStarted', 'MapStateSucceeded', 'MapStateExited', 'ParallelStateSucceeded', 'ParallelStateExited']),
    );
    expect(events.filter((e) => e.type === 'MapIterationStarted').map((e) => e.mapIterationStartedEventDetails)).toEqual([
      { name: 'AskEach', index: 0 },
      { name: 'AskEach', index: 1 },
      { name: 'AskEach', index: 2 },
    ]);
    expect(events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(3);
    expect(types.at(-2)).toBe('ParallelStateExited');
  });

  it('times out missed heartbeats (a retry gets a new token), ends the sibling of a failed branch, and times the execution out', async () => {
    const arn = await start('deadlines', { timeoutSeconds: 30 }, 'deadlines-1');
    await runner.settled();
    expect(
      runner
        .executions()
        .find((e) => e.executionArn === arn)
        ?.taskTokens.map((t) => t.stateName)
        .sort(),
    ).toEqual(['Heartbeats', 'Sibling']);
    const sibling = lastToken(served.calls, (p) => p.branch === 'sibling');

    const described = await finished(arn);
    expect(described).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const heartbeatTokens = served.calls.filter((c) => c.payload.branch === 'heartbeats').map((c) => c.payload.token);
    expect(new Set(heartbeatTokens).size).toBe(2);
    expect((await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: sibling, output: '{}' })))).name).toBe('TaskTimedOut');

    const events = await history(arn);
    const scheduled = events.filter((e) => e.taskScheduledEventDetails?.parameters?.includes('heartbeats')).map((e) => e.taskScheduledEventDetails);
    expect(scheduled).toEqual([
      expect.objectContaining({ timeoutInSeconds: 30, heartbeatInSeconds: 10 }),
      expect.objectContaining({ timeoutInSeconds: 30, heartbeatInSeconds: 10 }),
    ]);
    expect(events.filter((e) => e.type === 'TaskTimedOut').map((e) => e.taskTimedOutEventDetails?.error)).toEqual([
      'States.HeartbeatTimeout',
      'States.HeartbeatTimeout',
    ]);
    const types = events.map((e) => e.type);
    expect(types.slice(-4)).toEqual(['ParallelStateFailed', 'ParallelStateExited', 'WaitStateEntered', 'ExecutionTimedOut']);
  });
});

describe('the API', () => {
  it('stops an execution: ABORTED, its pending token dead', async () => {
    const arn = await start('approval', { request: 'stop me', timeoutSeconds: 3600 }, 'approve-stopped');
    await runner.settled();
    const token = lastToken(served.calls, (p) => p.execution === 'approve-stopped');
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'Withdrawn', cause: 'the change was cancelled' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).toMatchObject({
      status: 'ABORTED',
      error: 'Withdrawn',
      cause: 'the change was cancelled',
    });
    expect((await history(arn)).at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Withdrawn' } });
    expect((await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })))).name).toBe('TaskTimedOut');
    expect(runner.executions().find((e) => e.executionArn === arn)?.taskTokens).toEqual([]);

    const aborted = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arnOf('approval'), statusFilter: 'ABORTED' }));
    expect(aborted.executions?.map((e) => e.name)).toContain('approve-stopped');
    expect(aborted.executions?.every((e) => e.status === 'ABORTED')).toBe(true);
  });

  it('starts an execution once per name: the same input while running is the same execution', async () => {
    const input = JSON.stringify({ request: 'twice', timeoutSeconds: 3600 });
    const stateMachineArn = arnOf('approval');
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'approve-twice', input }));
    const second = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'approve-twice', input: JSON.stringify({ timeoutSeconds: 3600, request: 'twice' }) }),
    );
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(first.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:approval:approve-twice');

    const other = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'approve-twice', input: '{"request":"other"}' })));
    expect(other.name).toBe('ExecutionAlreadyExists');
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    const closed = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'approve-twice', input })));
    expect(closed.name).toBe('ExecutionAlreadyExists');

    const unnamed = await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('flakyStep'), input: '{"id":"unnamed","failures":0}' }));
    expect(unnamed.executionArn).toMatch(/:execution:flaky-step:[0-9a-f-]{36}$/);
  });

  it('answers bad requests with the errors AWS gives', async () => {
    const cases: [Promise<unknown>, string][] = [
      [sfn.send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope' })), 'StateMachineDoesNotExist'],
      [sfn.send(new StartExecutionCommand({ stateMachineArn: 'not-an-arn' })), 'InvalidArn'],
      [sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('approval'), input: '{"unclosed": ' })), 'InvalidExecutionInput'],
      [sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('approval'), name: 'has space' })), 'InvalidName'],
      [sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:approval:never' })), 'ExecutionDoesNotExist'],
      [sfn.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' })), 'InvalidToken'],
      [
        sfn.send(
          new SendTaskSuccessCommand({
            taskToken: Buffer.from(JSON.stringify({ v: 1, x: 'arn:aws:states:us-east-1:000000000000:execution:approval:elsewhere', n: 'x' })).toString(
              'base64url',
            ),
            output: '{}',
          }),
        ),
        'TaskDoesNotExist',
      ],
      [sfn.send(new ListExecutionsCommand({ stateMachineArn: arnOf('approval'), statusFilter: 'DONE' as never })), 'ValidationException'],
    ];
    for (const [promise, name] of cases) expect((await rejection(promise)).name).toBe(name);
  });
});

describe('across a restart', () => {
  it('replays a running execution from the start with the same name and input, and keeps finished ones', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'sfn-state-')), 'nested', 'step-functions.json');
    const before = await serve(stateFile);
    const running = await start('approval', { request: 'survive', timeoutSeconds: 3600 }, 'approve-replayed', before.sfn);
    const done = await finished(await start('flakyStep', { id: 'kept', failures: 0 }, 'kept', before.sfn), before.sfn);
    await before.runner.settled();
    const oldToken = lastToken(before.calls, (p) => p.execution === 'approve-replayed');
    const startDate = (await before.sfn.send(new DescribeExecutionCommand({ executionArn: running }))).startDate;
    await before.close();

    const after = await serve(stateFile);
    try {
      expect(after.runner.executions().map((e) => [e.name, e.status])).toEqual([
        ['approve-replayed', 'RUNNING'],
        ['kept', 'SUCCEEDED'],
      ]);
      expect(after.runner.resume()).toBe(1);
      expect(after.runner.resume()).toBe(0);
      await after.runner.settled();
      expect(after.lines.some((line) => line.includes('replayed from the start') && line.includes('approve-replayed'))).toBe(true);
      // The tasks ran again, with the same input: a new token went out.
      expect(after.calls.map((c) => c.payload.request)).toEqual(['survive', 'survive']);
      const newToken = lastToken(after.calls, (p) => p.execution === 'approve-replayed');
      expect(newToken).not.toBe(oldToken);
      expect((await rejection(after.sfn.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{}' })))).name).toBe('TaskTimedOut');

      await after.sfn.send(new SendTaskSuccessCommand({ taskToken: newToken, output: '{"approved":true}' }));
      const replayed = await finished(running, after.sfn);
      expect(replayed).toMatchObject({ status: 'SUCCEEDED', name: 'approve-replayed', input: '{"request":"survive","timeoutSeconds":3600}' });
      expect(replayed.startDate?.getTime()).toBe(startDate?.getTime());

      const kept = await after.sfn.send(new DescribeExecutionCommand({ executionArn: done.executionArn }));
      expect(kept).toMatchObject({ status: 'SUCCEEDED', output: done.output });
      expect((await history(done.executionArn as string, after.sfn)).map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionSucceeded']);
    } finally {
      await after.close();
    }
  });
});
