import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepFunctionsRunner, type StepFunctionsRunner, type WorkflowSource } from '../../local/step-functions.ts';
import { expectJsonPathOnly, expectValidAsl, loadDefinition, reachableStates, type State } from '../support/asl.ts';
import { executionProbes, until } from '../support/executions.ts';

/*
 * The change-approval ASL as a file (valid, JSONPath only, every Task calling the steps function
 * through its placeholder), and each of its paths run through the local runner against a fake steps
 * function that, like the real one, keeps the task token and settles it when the board's quorum is
 * reached (SendTaskSuccess) or somebody rejects (SendTaskFailure ChangeRejected).
 */

const rootDir = join(import.meta.dirname, '..', '..');
const DEFINITION_FILE = 'statemachines/change-approval.asl.json';
const definition = loadDefinition(join(rootDir, DEFINITION_FILE));
const states = definition.States;
const FUNCTIONS = { ChangeApprovalStepsFunctionArn: 'changeApprovalSteps' };
const LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/**
 * Seconds become 1/100,000th: the 86,400 s approval timeout lasts 864 ms, a plannedStart an hour
 * ahead 36 ms, a 2 s retry interval 20 µs.
 */
const TIME_SCALE = 0.00001;
const HOUR = 3_600_000;

/** A copy of the file with other knobs, as an admin might tune them in the console: they win over the configuration. */
const TUNED_SETTINGS = { approvalTimeoutSeconds: 10_000, reminders: 1, cabQuorum: 5, waitForPlannedStart: false };

/** The change configuration a submission passes in (GET /change-config): quorum 3 here, to tell it from defaults. */
const CONFIG = { cabQuorum: 3, approvalTimeoutSeconds: 86_400, reminders: 2, blockedRecheckSeconds: 3600 };

type Step =
  | 'request-approval'
  | 'remind'
  | 'escalate'
  | 'mark-expired'
  | 'mark-rejected'
  | 'mark-scheduled'
  | 'check-start'
  | 'hold-start'
  | 'start-implementation';
type Payload = Record<string, unknown> & { step: Step; changeId: string };

interface Board {
  token: string;
  quorum: number;
  readonly approvers: Set<string>;
}

let runner: StepFunctionsRunner;
let tmp: string;
const calls: { functionId: string; payload: Payload }[] = [];
const boards = new Map<string, Board>();
/** Changes the fake steps function finds canceled. */
const withdrawn = new Set<string>();
/** Changes whose start a freeze holds, as the fake steps function finds them; and the token each held start waits on. */
const frozen = new Set<string>();
const holds = new Map<string, string>();

/** Settles the change's pending token the way the real steps function does once a decision is in. */
async function decide(board: Board): Promise<void> {
  if (board.approvers.size >= board.quorum) {
    await runner.service.operations.SendTaskSuccess?.({
      taskToken: board.token,
      output: JSON.stringify({ decision: 'approved', approvers: [...board.approvers].sort() }),
    });
  }
}

/** The steps function (functions/changes/approval-steps, emulated): records every call. */
async function invoke(functionId: string, event: unknown): Promise<unknown> {
  const payload = event as Payload;
  calls.push({ functionId, payload });
  if (functionId !== 'changeApprovalSteps') throw new Error(`no function ${functionId}`);
  if (withdrawn.has(payload.changeId)) throw Object.assign(new Error('the change was canceled'), { name: 'ChangeWithdrawn' });
  switch (payload.step) {
    case 'request-approval': {
      // Attempt 1 asks the board; later ones only replace the token (the old one is dead), votes cast still count.
      const board = boards.get(payload.changeId) ?? { token: '', quorum: Number(payload.quorum), approvers: new Set<string>() };
      board.token = String(payload.taskToken);
      board.quorum = Number(payload.quorum);
      boards.set(payload.changeId, board);
      return { requested: true };
    }
    case 'start-implementation':
      return { notified: 'implementers' };
    case 'check-start':
      return { blocked: frozen.has(payload.changeId) };
    case 'hold-start':
      holds.set(payload.changeId, String(payload.taskToken));
      return { held: true };
    case 'remind':
    case 'escalate':
    case 'mark-expired':
    case 'mark-rejected':
    case 'mark-scheduled':
      return { ok: true };
    default:
      throw new Error(`unknown step ${String(payload.step)}`);
  }
}

/** A board member votes through the API: approvals count toward the quorum, any rejection ends it. */
async function vote(changeId: string, approver: string, verdict: 'approve' | 'reject', reason = ''): Promise<void> {
  const board = boards.get(changeId);
  if (board === undefined) throw new Error(`no approval requested for ${changeId}`);
  if (verdict === 'reject') {
    await runner.service.operations.SendTaskFailure?.({ taskToken: board.token, error: 'ChangeRejected', cause: `${approver}: ${reason}` });
    return;
  }
  board.approvers.add(approver);
  await decide(board);
}

const stepsOf = (changeId: string) => calls.filter((c) => c.payload.changeId === changeId).map((c) => c.payload.step);
const callOf = (changeId: string, step: Step) => calls.filter((c) => c.payload.changeId === changeId && c.payload.step === step);

async function start(
  workflowId: string,
  changeId: string,
  input: { type: string; risk: string; plannedStart: string; config?: Partial<typeof CONFIG> },
): Promise<string> {
  const { executionArn } = await runner.startExecution({
    stateMachineArn: runner.stateMachineArn(workflowId),
    name: changeId,
    input: JSON.stringify({ changeId, number: changeId, round: 1, ...input, config: { ...CONFIG, ...input.config } }),
  });
  return executionArn;
}

const { summaryOf, finished, statesEntered } = executionProbes(() => runner);

/** The execution waits for its board: one pending token, in AwaitApproval. */
async function waitingForBoard(executionArn: string): Promise<void> {
  await runner.settled();
  expect(summaryOf(executionArn).taskTokens.map((t) => t.stateName)).toEqual(['AwaitApproval']);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'change-approval-'));
  const tuned = structuredClone(definition);
  tuned.States.Settings = { ...(tuned.States.Settings as State), Result: TUNED_SETTINGS };
  const tunedFile = join(tmp, 'change-approval.tuned.asl.json');
  writeFileSync(tunedFile, JSON.stringify(tuned));
  const workflows: Record<string, WorkflowSource> = {
    changeApproval: { definitionFile: DEFINITION_FILE, functions: FUNCTIONS },
    changeApprovalTuned: { definitionFile: tunedFile, functions: FUNCTIONS },
  };
  runner = createStepFunctionsRunner({ workflows, rootDir, invoke, timeScale: TIME_SCALE, validate: false, log: () => {} });
});

afterAll(() => {
  runner.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('statemachines/change-approval.asl.json', () => {
  it('is valid ASL (asl-validator)', () => expectValidAsl(definition));

  it('stays in JSONPath: no JSONata, no Assign (the local runner ignores both)', () => expectJsonPathOnly(definition));

  it('calls the steps function only, through its placeholder, with Retry; the wait never retries a rejection', () => {
    const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual([
      'AwaitApproval',
      'AwaitStartOverride',
      'CheckStart',
      'EscalateToChangeManagers',
      'MarkExpired',
      'MarkRejected',
      'MarkScheduled',
      'SendReminder',
      'StartImplementation',
    ]);
    for (const [name, state] of tasks) {
      const parameters = state.Parameters as { step?: string; FunctionName?: string; Payload?: { step: string } };
      if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
        expect(parameters.FunctionName, name).toBe('${ChangeApprovalStepsFunctionArn}');
        expect(parameters.Payload, name).toMatchObject({
          step: name === 'AwaitStartOverride' ? 'hold-start' : 'request-approval',
          'taskToken.$': '$$.Task.Token',
        });
        const retries = state.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[];
        expect(retries[0], 'a withdrawn change is never retried').toEqual({ ErrorEquals: ['ChangeWithdrawn'], MaxAttempts: 0 });
        const retried = retries.slice(1).flatMap((r) => r.ErrorEquals);
        expect(retried.sort(), `${name} retries Lambda errors only`).toEqual([...LAMBDA_ERRORS].sort());
      } else {
        expect(state.Resource, name).toBe('${ChangeApprovalStepsFunctionArn}');
        expect(parameters.step, name).toMatch(/^(remind|escalate|mark-expired|mark-rejected|mark-scheduled|check-start|start-implementation)$/);
        expect(state.Retry, `${name} retries`).toBeDefined();
      }
      const payload = (parameters.Payload ?? parameters) as Record<string, unknown>;
      expect(payload, `${name} tells the step where it runs`).toMatchObject({
        'state.$': '$$.State.Name',
        'executionArn.$': '$$.Execution.Id',
        'round.$': '$.round',
      });
      expect((state.Catch as { ErrorEquals: string[]; Next: string }[])[0], name).toMatchObject({ ErrorEquals: ['ChangeWithdrawn'], Next: 'Withdrawn' });
    }
    const placeholders = new Set([...JSON.stringify(definition).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders]).toEqual(Object.keys(FUNCTIONS));
  });

  it('has the knobs in Settings, and every state reachable', () => {
    expect(states.Settings?.Result).toEqual({ waitForPlannedStart: true });
    expect(reachableStates(definition)).toEqual(Object.keys(states).sort());
  });
});

describe('change approval through the local runner', () => {
  it('standard: pre-approved, scheduled, then implementation started at the planned start', async () => {
    const arn = await start('changeApproval', 'CHG-standard', { type: 'standard', risk: 'low', plannedStart: new Date(Date.now() + HOUR).toISOString() });
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-standard')).toEqual(['mark-scheduled', 'check-start', 'start-implementation']);
    expect(callOf('CHG-standard', 'mark-scheduled')[0]?.payload).toMatchObject({
      decision: 'pre-approved',
      board: 'none',
      reviewRequired: false,
      type: 'standard',
    });
    expect(await statesEntered(arn)).toContain('WaitForPlannedStart');
    expect(done.output).toMatchObject({
      decision: { decision: 'pre-approved' },
      approval: { reviewRequired: false },
      implementation: { notified: 'implementers' },
    });
  });

  it('normal, low risk: one approval from the owning group', async () => {
    const arn = await start('changeApproval', 'CHG-low', { type: 'normal', risk: 'low', plannedStart: new Date(Date.now() - HOUR).toISOString() });
    await waitingForBoard(arn);
    const [request] = callOf('CHG-low', 'request-approval');
    expect(request?.payload).toMatchObject({
      board: 'owner-group',
      quorum: 1,
      attempt: 1,
      escalated: false,
      changeId: 'CHG-low',
      round: 1,
      state: 'AwaitApproval',
      executionArn: arn,
    });
    expect(request?.payload.taskToken).toEqual(expect.any(String));
    await vote('CHG-low', 'owner-1', 'approve');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-low')).toEqual(['request-approval', 'mark-scheduled', 'check-start', 'start-implementation']);
    expect(callOf('CHG-low', 'mark-scheduled')[0]?.payload).toMatchObject({ decision: 'approved', board: 'owner-group' });
    expect(done.output).toMatchObject({ decision: { decision: 'approved', approvers: ['owner-1'] } });
  });

  it('normal, high risk: the CAB decides once its quorum (from the change configuration) is reached', async () => {
    const arn = await start('changeApproval', 'CHG-high', { type: 'normal', risk: 'high', plannedStart: new Date(Date.now() + HOUR).toISOString() });
    await waitingForBoard(arn);
    expect(callOf('CHG-high', 'request-approval')[0]?.payload).toMatchObject({ board: 'cab', quorum: 3, attempt: 1 });
    await vote('CHG-high', 'cab-1', 'approve');
    await vote('CHG-high', 'cab-2', 'approve');
    await runner.settled();
    expect(summaryOf(arn).status).toBe('RUNNING');
    expect(stepsOf('CHG-high')).toEqual(['request-approval']);
    await vote('CHG-high', 'cab-3', 'approve');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-high')).toEqual(['request-approval', 'mark-scheduled', 'check-start', 'start-implementation']);
    expect(done.output).toMatchObject({ approval: { board: 'cab', quorum: 3 }, decision: { approvers: ['cab-1', 'cab-2', 'cab-3'] } });
  });

  it('normal, medium risk: CAB quorum 2 when the configuration says 2', async () => {
    const arn = await start('changeApproval', 'CHG-medium', {
      type: 'normal',
      risk: 'medium',
      plannedStart: new Date(Date.now() - HOUR).toISOString(),
      config: { cabQuorum: 2 },
    });
    await waitingForBoard(arn);
    expect(callOf('CHG-medium', 'request-approval')[0]?.payload).toMatchObject({ board: 'cab', quorum: 2 });
    await vote('CHG-medium', 'cab-1', 'approve');
    await vote('CHG-medium', 'cab-2', 'approve');
    expect((await finished(arn)).status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-medium').slice(-2)).toEqual(['check-start', 'start-implementation']);
  });

  it('rejected: one rejection (SendTaskFailure ChangeRejected) ends it, whatever the approvals', async () => {
    const arn = await start('changeApproval', 'CHG-rejected', { type: 'normal', risk: 'medium', plannedStart: new Date(Date.now() + HOUR).toISOString() });
    await waitingForBoard(arn);
    await vote('CHG-rejected', 'cab-1', 'approve');
    await vote('CHG-rejected', 'cab-2', 'reject', 'no rollback plan');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-rejected')).toEqual(['request-approval', 'mark-rejected']);
    expect(callOf('CHG-rejected', 'mark-rejected')[0]?.payload).toMatchObject({ board: 'cab', cause: 'cab-2: no rollback plan' });
    expect((await statesEntered(arn)).at(-1)).toBe('Rejected');
    expect(done.output).toMatchObject({ rejection: { Error: 'ChangeRejected' } });
  });

  it('emergency: the emergency CAB, quorum 1, and a mandatory post-implementation review', async () => {
    const arn = await start('changeApproval', 'CHG-emergency', { type: 'emergency', risk: 'high', plannedStart: new Date().toISOString() });
    await waitingForBoard(arn);
    expect(callOf('CHG-emergency', 'request-approval')[0]?.payload).toMatchObject({ board: 'ecab', quorum: 1 });
    await vote('CHG-emergency', 'ecab-1', 'approve');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-emergency')).toEqual(['request-approval', 'mark-scheduled', 'check-start', 'start-implementation']);
    expect(callOf('CHG-emergency', 'mark-scheduled')[0]?.payload).toMatchObject({ reviewRequired: true, board: 'ecab' });
    expect(callOf('CHG-emergency', 'start-implementation')[0]?.payload).toMatchObject({ reviewRequired: true });
    expect(done.output).toMatchObject({ approval: { board: 'ecab', quorum: 1, reviewRequired: true } });
  });

  it('timed out: reminded twice, escalated to the change managers, then approved on the fourth wait', async () => {
    const arn = await start('changeApproval', 'CHG-slow', { type: 'normal', risk: 'low', plannedStart: new Date(Date.now() - HOUR).toISOString() });
    await until('the wait after the escalation', () => callOf('CHG-slow', 'request-approval').length === 4);
    await waitingForBoard(arn);
    expect(stepsOf('CHG-slow')).toEqual(['request-approval', 'remind', 'request-approval', 'remind', 'request-approval', 'escalate', 'request-approval']);
    expect(callOf('CHG-slow', 'remind').map((c) => c.payload.reminder)).toEqual([1, 2]);
    expect(callOf('CHG-slow', 'request-approval').map((c) => [c.payload.attempt, c.payload.escalated])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    const tokens = new Set(callOf('CHG-slow', 'request-approval').map((c) => c.payload.taskToken));
    expect(tokens.size).toBe(4);
    await vote('CHG-slow', 'owner-1', 'approve');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-slow').slice(-3)).toEqual(['mark-scheduled', 'check-start', 'start-implementation']);
    expect(done.output).toMatchObject({ approval: { attempt: 4, remindersSent: 2, escalated: true }, decision: { decision: 'approved' } });
  });

  it('tuned knobs: Settings win over the configuration (cabQuorum 5), waitForPlannedStart false starts at once', async () => {
    const arn = await start('changeApprovalTuned', 'CHG-tuned', {
      type: 'normal',
      risk: 'high',
      plannedStart: new Date(Date.now() + 30 * 24 * HOUR).toISOString(),
    });
    await waitingForBoard(arn);
    expect(callOf('CHG-tuned', 'request-approval')[0]?.payload).toMatchObject({ board: 'cab', quorum: 5 });
    for (const member of ['a', 'b', 'c', 'd', 'e']) await vote('CHG-tuned', member, 'approve');
    // A plannedStart 30 days ahead would wait 26 s here: the tuned copy does not wait.
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(await statesEntered(arn)).not.toContain('WaitForPlannedStart');
    expect(stepsOf('CHG-tuned').slice(-3)).toEqual(['mark-scheduled', 'check-start', 'start-implementation']);
  });

  it('expired: nobody decides after the reminders and the escalation; marked expired, the execution succeeds', async () => {
    const arn = await start('changeApprovalTuned', 'CHG-expired', { type: 'emergency', risk: 'high', plannedStart: new Date().toISOString() });
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-expired')).toEqual(['request-approval', 'remind', 'request-approval', 'escalate', 'request-approval', 'mark-expired']);
    expect(callOf('CHG-expired', 'mark-expired')[0]?.payload).toMatchObject({ board: 'ecab', attempts: 3 });
    expect((await statesEntered(arn)).at(-1)).toBe('Expired');
    expect(done.output).toMatchObject({ timeout: { Error: 'States.Timeout' } });
    // The last token died with its wait.
    const last = callOf('CHG-expired', 'request-approval').at(-1)?.payload.taskToken;
    await expect(runner.service.operations.SendTaskSuccess?.({ taskToken: last, output: '{}' })).rejects.toMatchObject({ code: 'TaskTimedOut' });
  });

  it('held by a freeze: waits for an admin, starts when the override answers the token', async () => {
    frozen.add('CHG-held');
    // A wait of 10 s here, so that no re-check comes between the hold and the override.
    const arn = await start('changeApproval', 'CHG-held', {
      type: 'standard',
      risk: 'low',
      plannedStart: new Date(Date.now() - HOUR).toISOString(),
      config: { blockedRecheckSeconds: 1_000_000 },
    });
    await until('the held start', () => holds.has('CHG-held'));
    await runner.settled();
    expect(summaryOf(arn).taskTokens.map((t) => t.stateName)).toEqual(['AwaitStartOverride']);
    expect(stepsOf('CHG-held')).toEqual(['mark-scheduled', 'check-start', 'hold-start']);
    expect(callOf('CHG-held', 'hold-start')[0]?.payload).toMatchObject({ round: 1, state: 'AwaitStartOverride', executionArn: arn });
    await runner.service.operations.SendTaskSuccess?.({ taskToken: holds.get('CHG-held'), output: JSON.stringify({ overriddenBy: 'ada' }) });
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-held')).toEqual(['mark-scheduled', 'check-start', 'hold-start', 'start-implementation']);
    expect(done.output).toMatchObject({ startCheck: { blocked: true }, startOverride: { overriddenBy: 'ada' } });
  });

  it('held by a freeze: checks again after blockedRecheckSeconds, and starts once the freeze is lifted', async () => {
    frozen.add('CHG-thaw');
    const arn = await start('changeApproval', 'CHG-thaw', { type: 'standard', risk: 'low', plannedStart: new Date(Date.now() - HOUR).toISOString() });
    // 3600 s is 36 ms here: the checks repeat while the freeze holds.
    await until('a second check', () => callOf('CHG-thaw', 'check-start').length >= 2);
    expect(summaryOf(arn).status).toBe('RUNNING');
    frozen.delete('CHG-thaw');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    const steps = stepsOf('CHG-thaw');
    expect(steps.slice(0, 3)).toEqual(['mark-scheduled', 'check-start', 'hold-start']);
    expect(steps.slice(-2)).toEqual(['check-start', 'start-implementation']);
    expect(new Set(callOf('CHG-thaw', 'hold-start').map((c) => c.payload.taskToken)).size).toBe(callOf('CHG-thaw', 'hold-start').length);
  });

  it('withdrawn: a step finding the change canceled ends the execution quietly (ChangeWithdrawn is caught, not retried)', async () => {
    withdrawn.add('CHG-withdrawn');
    const arn = await start('changeApproval', 'CHG-withdrawn', { type: 'normal', risk: 'low', plannedStart: new Date().toISOString() });
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf('CHG-withdrawn')).toEqual(['request-approval']);
    expect((await statesEntered(arn)).at(-1)).toBe('Withdrawn');
  });

  it('fails only when routing is impossible (a bug upstream): unknown type', async () => {
    const arn = await start('changeApproval', 'CHG-bogus', { type: 'sideways', risk: 'low', plannedStart: new Date().toISOString() });
    const done = await finished(arn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'UnknownChangeRoute' });
    expect(stepsOf('CHG-bogus')).toEqual([]);
  });
});
