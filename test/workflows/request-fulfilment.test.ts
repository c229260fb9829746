import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepFunctionsRunner, type StepFunctionsRunner, type WorkflowSource } from '../../local/step-functions.ts';
import { expectJsonPathOnly, expectValidAsl, loadDefinition, reachableStates, type State } from '../support/asl.ts';
import { executionProbes, until } from '../support/executions.ts';

/*
 * The request-fulfilment ASL as a file (valid, JSONPath only, every Task calling the steps function
 * through its placeholder), and each of its paths run through the local runner against a fake steps
 * function that, like the real one (functions/requests/handlers/fulfilment-steps.ts), walks the
 * request's stages in order, keeps each stage's task token, and is answered the way the approvals
 * API answers it: SendTaskSuccess once a stage's quorum approves, SendTaskFailure RequestRejected at
 * a rejection. The whole journey with the real steps runs over HTTP in test/api/requests-approvals.test.ts.
 */

const rootDir = join(import.meta.dirname, '..', '..');
const DEFINITION_FILE = 'statemachines/request-fulfilment.asl.json';
const definition = loadDefinition(join(rootDir, DEFINITION_FILE));
const states = definition.States;
const FUNCTIONS = { RequestFulfilmentStepsFunctionArn: 'requestFulfilmentSteps' };
const LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/** Seconds become 1/100,000th: the 86,400 s approval timeout lasts 864 ms, a 2 s retry interval 20 µs. */
const TIME_SCALE = 0.00001;
/** The request configuration a submission passes in (GET /request-config defaults). */
const CONFIG = { approvalTimeoutSeconds: 86_400, reminders: 2 };
/** A copy of the file tuned in Settings, as an admin might in the console: one reminder, a shorter wait. */
const TUNED_SETTINGS = { approvalTimeoutSeconds: 10_000, reminders: 1 };

type Step = 'next-stage' | 'ask-stage' | 'remind' | 'expire' | 'start-fulfilment';
type Payload = Record<string, unknown> & { step: Step; requestId: string };

interface FakeStage {
  quorum: number;
  status: 'waiting' | 'pending' | 'approved' | 'rejected' | 'expired';
  approvers: Set<string>;
  token?: string;
}
interface FakeRequest {
  stages: FakeStage[];
  status: 'submitted' | 'awaiting_approval' | 'in_fulfilment' | 'rejected' | 'canceled';
}

let runner: StepFunctionsRunner;
let tmp: string;
const calls: { payload: Payload }[] = [];
const requests = new Map<string, FakeRequest>();

const withdrawn = (message: string) => Object.assign(new Error(message), { name: 'RequestWithdrawn' });
const rejected = (message: string) => Object.assign(new Error(message), { name: 'RequestRejected' });

/** The steps function, emulated: records every call and keeps the fake request's state as the real one keeps the table's. */
async function invoke(functionId: string, event: unknown): Promise<unknown> {
  if (functionId !== 'requestFulfilmentSteps') throw new Error(`no function ${functionId}`);
  const payload = event as Payload;
  calls.push({ payload });
  const request = requests.get(payload.requestId);
  if (request === undefined || request.status === 'canceled') throw withdrawn('the request was canceled');
  if (request.status === 'rejected' && payload.step !== 'expire') throw rejected('the request is rejected');
  const stage = typeof payload.stage === 'number' ? request.stages[payload.stage] : undefined;
  switch (payload.step) {
    case 'next-stage': {
      const index = request.stages.findIndex((s) => s.status !== 'approved');
      return index === -1 ? { done: true, stageCount: request.stages.length } : { done: false, stage: index, stageCount: request.stages.length };
    }
    case 'ask-stage': {
      if (stage === undefined) throw new Error('no such stage');
      stage.token = String(payload.taskToken);
      if (stage.status === 'waiting') stage.status = 'pending';
      request.status = 'awaiting_approval';
      return { asked: true };
    }
    case 'remind':
      return { reminded: 1 };
    case 'expire':
      if (stage === undefined) throw new Error('no such stage');
      if (stage.status === 'approved') return { outcome: 'approved' };
      stage.status = 'expired';
      request.status = 'rejected';
      return { outcome: 'expired' };
    case 'start-fulfilment':
      request.status = 'in_fulfilment';
      return { status: 'in_fulfilment', tasks: ['TASK0000001'] };
    default:
      throw new Error(`unknown step ${String(payload.step)}`);
  }
}

/** An approver votes through the API: the vote that decides the stage answers its token. */
async function vote(requestId: string, index: number, approver: string, decision: 'approve' | 'reject'): Promise<void> {
  const stage = requests.get(requestId)?.stages[index];
  if (stage?.token === undefined) throw new Error(`stage ${index} of ${requestId} was not asked`);
  if (decision === 'reject') {
    stage.status = 'rejected';
    (requests.get(requestId) as FakeRequest).status = 'rejected';
    await runner.service.operations.SendTaskFailure?.({
      taskToken: stage.token,
      error: 'RequestRejected',
      cause: JSON.stringify({ stage: index, by: approver }),
    });
    return;
  }
  stage.approvers.add(approver);
  if (stage.approvers.size >= stage.quorum) {
    stage.status = 'approved';
    await runner.service.operations.SendTaskSuccess?.({ taskToken: stage.token, output: JSON.stringify({ decision: 'approved', stage: index }) });
  }
}

const stepsOf = (requestId: string) => calls.filter((c) => c.payload.requestId === requestId).map((c) => c.payload.step);
const callsOf = (requestId: string, step: Step) => calls.filter((c) => c.payload.requestId === requestId && c.payload.step === step).map((c) => c.payload);

async function start(workflowId: string, requestId: string, quorums: number[], config: Partial<typeof CONFIG> = {}): Promise<string> {
  requests.set(requestId, { status: 'submitted', stages: quorums.map((quorum) => ({ quorum, status: 'waiting', approvers: new Set<string>() })) });
  const { executionArn } = await runner.startExecution({
    stateMachineArn: runner.stateMachineArn(workflowId),
    name: requestId,
    input: JSON.stringify({ requestId, number: requestId, stageCount: quorums.length, config: { ...CONFIG, ...config } }),
  });
  return executionArn;
}

const { summaryOf, finished, statesEntered } = executionProbes(() => runner);

/** The execution waits for a stage: one pending token, in AwaitDecision. */
async function waitingForDecision(executionArn: string): Promise<void> {
  await runner.settled();
  expect(summaryOf(executionArn).taskTokens.map((t) => t.stateName)).toEqual(['AwaitDecision']);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'request-fulfilment-'));
  const tuned = structuredClone(definition);
  tuned.States.Settings = { ...(tuned.States.Settings as State), Result: TUNED_SETTINGS };
  const tunedFile = join(tmp, 'request-fulfilment.tuned.asl.json');
  writeFileSync(tunedFile, JSON.stringify(tuned));
  const workflows: Record<string, WorkflowSource> = {
    requestFulfilment: { definitionFile: DEFINITION_FILE, functions: FUNCTIONS },
    requestFulfilmentTuned: { definitionFile: tunedFile, functions: FUNCTIONS },
  };
  runner = createStepFunctionsRunner({ workflows, rootDir, invoke, timeScale: TIME_SCALE, validate: false, log: () => {} });
});

afterAll(() => {
  runner.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('statemachines/request-fulfilment.asl.json', () => {
  it('is valid ASL (asl-validator)', () => expectValidAsl(definition));

  it('stays in JSONPath: no JSONata, no Assign (the local runner ignores both)', () => expectJsonPathOnly(definition));

  it('calls the steps function only, through its placeholder; the wait retries Lambda errors only; every Task ends quietly when withdrawn', () => {
    const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['AwaitDecision', 'Expire', 'NextStage', 'SendReminder', 'StartFulfilment']);
    for (const [name, state] of tasks) {
      const parameters = state.Parameters as { step?: string; FunctionName?: string; Payload?: Record<string, unknown> };
      const retries = state.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[];
      expect(retries[0], `${name}: a withdrawn or rejected request is never retried`).toEqual({
        ErrorEquals: ['RequestWithdrawn', 'RequestRejected'],
        MaxAttempts: 0,
      });
      if (name === 'AwaitDecision') {
        expect(state.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
        expect(parameters.FunctionName).toBe('${RequestFulfilmentStepsFunctionArn}');
        expect(parameters.Payload).toMatchObject({ step: 'ask-stage', 'taskToken.$': '$$.Task.Token', 'stage.$': '$.approval.stage' });
        expect(state.TimeoutSecondsPath).toBe('$.settings.approvalTimeoutSeconds');
        expect(
          retries
            .slice(1)
            .flatMap((r) => r.ErrorEquals)
            .sort(),
        ).toEqual([...LAMBDA_ERRORS].sort());
      } else {
        expect(state.Resource, name).toBe('${RequestFulfilmentStepsFunctionArn}');
        expect(parameters.step, name).toMatch(/^(next-stage|remind|expire|start-fulfilment)$/);
      }
      const payload = (parameters.Payload ?? parameters) as Record<string, unknown>;
      expect(payload, `${name} tells the step where it runs`).toMatchObject({
        'requestId.$': '$.requestId',
        'state.$': '$$.State.Name',
        'executionArn.$': '$$.Execution.Id',
      });
      expect((state.Catch as { ErrorEquals: string[]; Next: string }[]).slice(0, 2), name).toEqual([
        { ErrorEquals: ['RequestWithdrawn'], ResultPath: '$.withdrawal', Next: 'Withdrawn' },
        { ErrorEquals: ['RequestRejected'], ResultPath: '$.rejection', Next: 'Rejected' },
      ]);
    }
    const placeholders = new Set([...JSON.stringify(definition).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders]).toEqual(Object.keys(FUNCTIONS));
  });

  it('has a Comment on every state, the knobs in Settings (documented in the README), and every state reachable', () => {
    for (const [name, state] of Object.entries(states)) expect(typeof state.Comment === 'string' && state.Comment.length > 20, name).toBe(true);
    expect(states.Settings?.Result).toEqual({});
    const readme = readFileSync(join(rootDir, 'statemachines/README.md'), 'utf8');
    expect(readme).toContain('## request-fulfilment.asl.json');
    for (const knob of ['approvalTimeoutSeconds', 'reminders']) expect(readme).toContain(`\`${knob}\``);
    expect(reachableStates(definition)).toEqual(Object.keys(states).sort());
  });
});

describe('request fulfilment through the local runner', () => {
  it('no stages: straight to fulfilment', async () => {
    const arn = await start('requestFulfilment', 'REQ-none', []);
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('REQ-none')).toEqual(['next-stage', 'start-fulfilment']);
    expect((await statesEntered(arn)).at(-1)).toBe('Done');
    expect(done.output).toMatchObject({ settings: CONFIG, fulfilment: { status: 'in_fulfilment' } });
  });

  it('two stages: the manager approves, then the group reaches its quorum; fulfilment starts', async () => {
    const arn = await start('requestFulfilment', 'REQ-two', [1, 2]);
    await waitingForDecision(arn);
    expect(callsOf('REQ-two', 'ask-stage')).toEqual([expect.objectContaining({ stage: 0, attempt: 1, state: 'AwaitDecision', executionArn: arn })]);
    await vote('REQ-two', 0, 'manager', 'approve');
    await until('the second stage asked', () => callsOf('REQ-two', 'ask-stage').length === 2);
    await waitingForDecision(arn);
    expect(callsOf('REQ-two', 'ask-stage')[1]).toMatchObject({ stage: 1, attempt: 1 });
    await vote('REQ-two', 1, 'g1', 'approve');
    await runner.settled();
    expect(summaryOf(arn).status).toBe('RUNNING');
    await vote('REQ-two', 1, 'g2', 'approve');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('REQ-two')).toEqual(['next-stage', 'ask-stage', 'next-stage', 'ask-stage', 'next-stage', 'start-fulfilment']);
    expect(new Set(callsOf('REQ-two', 'ask-stage').map((c) => c.taskToken)).size).toBe(2);
    expect(done.output).toMatchObject({ decision: { decision: 'approved', stage: 1 }, next: { done: true } });
    expect((await statesEntered(arn)).at(-1)).toBe('Done');
  });

  it('rejected at stage 1: ends in Rejected, the second stage never asked, no fulfilment', async () => {
    const arn = await start('requestFulfilment', 'REQ-rejected', [1, 1]);
    await waitingForDecision(arn);
    await vote('REQ-rejected', 0, 'manager', 'reject');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('REQ-rejected')).toEqual(['next-stage', 'ask-stage']);
    expect((await statesEntered(arn)).at(-1)).toBe('Rejected');
    expect(done.output).toMatchObject({ rejection: { Error: 'RequestRejected' } });
  });

  it('nobody decides: reminded twice (each wait a new token), then the stage expires and the execution succeeds', async () => {
    const arn = await start('requestFulfilment', 'REQ-expired', [1]);
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('REQ-expired')).toEqual(['next-stage', 'ask-stage', 'remind', 'ask-stage', 'remind', 'ask-stage', 'expire']);
    expect(callsOf('REQ-expired', 'remind').map((c) => c.reminder)).toEqual([1, 2]);
    expect(callsOf('REQ-expired', 'ask-stage').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(callsOf('REQ-expired', 'ask-stage').map((c) => c.taskToken)).size).toBe(3);
    expect(callsOf('REQ-expired', 'expire')[0]).toMatchObject({ stage: 0, attempts: 3 });
    expect((await statesEntered(arn)).at(-1)).toBe('Expired');
    expect(done.output).toMatchObject({ timeout: { Error: 'States.Timeout' }, expiry: { outcome: 'expired' }, approval: { remindersSent: 2 } });
    // The last token died with its wait.
    const last = callsOf('REQ-expired', 'ask-stage').at(-1)?.taskToken;
    await expect(runner.service.operations.SendTaskSuccess?.({ taskToken: last, output: '{}' })).rejects.toMatchObject({ code: 'TaskTimedOut' });
  });

  it('a short timeout from the configuration: no reminders, expired after one wait', async () => {
    const arn = await start('requestFulfilment', 'REQ-short', [1], { approvalTimeoutSeconds: 60, reminders: 0 });
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('REQ-short')).toEqual(['next-stage', 'ask-stage', 'expire']);
    expect((await statesEntered(arn)).at(-1)).toBe('Expired');
  });

  it('approved on the wait after a reminder: votes count whatever the attempt', async () => {
    const arn = await start('requestFulfilment', 'REQ-late', [1]);
    await until('the second ask', () => callsOf('REQ-late', 'ask-stage').length === 2);
    await waitingForDecision(arn);
    await vote('REQ-late', 0, 'manager', 'approve');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('REQ-late')).toEqual(['next-stage', 'ask-stage', 'remind', 'ask-stage', 'next-stage', 'start-fulfilment']);
    expect(done.output).toMatchObject({ approval: { attempt: 2, remindersSent: 1 } });
  });

  it('decided as the last wait ran out: Expire finds the stage approved and the workflow goes on', async () => {
    const arn = await start('requestFulfilment', 'REQ-photo-finish', [1], { reminders: 0 });
    await waitingForDecision(arn);
    // The vote lands but its answer is lost (as when the token died with the wait): the stage is approved.
    (requests.get('REQ-photo-finish') as FakeRequest).stages[0]!.status = 'approved';
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('REQ-photo-finish')).toEqual(['next-stage', 'ask-stage', 'expire', 'next-stage', 'start-fulfilment']);
    expect((await statesEntered(arn)).at(-1)).toBe('Done');
  });

  it('tuned knobs: Settings win over the configuration (one reminder)', async () => {
    const arn = await start('requestFulfilmentTuned', 'REQ-tuned', [1]);
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('REQ-tuned')).toEqual(['next-stage', 'ask-stage', 'remind', 'ask-stage', 'expire']);
    expect(done.output).toMatchObject({ settings: TUNED_SETTINGS });
  });

  it('canceled mid-approval: the next step finds the request withdrawn and the execution ends quietly', async () => {
    const arn = await start('requestFulfilment', 'REQ-canceled', [1, 1]);
    await waitingForDecision(arn);
    (requests.get('REQ-canceled') as FakeRequest).status = 'canceled';
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    // The wait timed out; the reminder found the request canceled.
    expect(stepsOf('REQ-canceled')).toEqual(['next-stage', 'ask-stage', 'remind']);
    expect((await statesEntered(arn)).at(-1)).toBe('Withdrawn');
    expect(done.output).toMatchObject({ withdrawal: { Error: 'RequestWithdrawn' } });
  });

  it('canceled mid-approval and stopped (as the cancel does): the execution is aborted, nothing more runs', async () => {
    const arn = await start('requestFulfilment', 'REQ-stopped', [1]);
    await waitingForDecision(arn);
    (requests.get('REQ-stopped') as FakeRequest).status = 'canceled';
    await runner.service.operations.StopExecution?.({ executionArn: arn, error: 'RequestCanceled', cause: 'REQ-stopped: RequestCanceled by carol' });
    const done = await finished(arn);
    expect(done.status).toBe('ABORTED');
    await sleep(50);
    expect(stepsOf('REQ-stopped')).toEqual(['next-stage', 'ask-stage']);
  });
});
