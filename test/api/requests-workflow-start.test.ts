import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../../local/aws-endpoint.ts';
import { admin, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * The start of a request's fulfilment workflow is guaranteed without a sweep: placing a request
 * starts it after the commit, and when that start fails (here: the local Step Functions refuses
 * StartExecution while the POST runs, as an outage would), the request is answered 201 all the
 * same, and its Request Submitted event (committed with it) reaches ensureFulfilmentStarted, which
 * starts the same execution (by the request's number) within seconds.
 */

let stack: TestStack;
let ada: Client;
let carol: Client;

type Request = Record<string, any> & { id: string; number: string; status: string };

const FORM = { type: 'object', properties: { what: { type: 'string', title: 'What' } }, required: ['what'], additionalProperties: false };
const TASKS = { mode: 'sequential', tasks: [{ name: 'Deliver it', assignmentGroup: 'service-desk', description: 'Deliver to {{requester}}' }] };
const ITEMS = [
  { id: 'outage-quick', name: 'Quick item', category: 'Test', description: 'No approval', form: FORM, approval: { stages: [] }, fulfilment: TASKS },
  {
    id: 'outage-approved',
    name: 'Approved item',
    category: 'Test',
    description: 'The CAB approves',
    form: FORM,
    approval: { stages: [{ kind: 'group', group: 'cab', quorum: 1 }] },
    fulfilment: TASKS,
  },
];

type StartExecution = (input: Record<string, unknown>) => Promise<unknown>;
const operations = () => stack.stepFunctions.service.operations as Record<string, StartExecution>;

/**
 * Runs `call` while the local Step Functions refuses every StartExecution (503, retried by the
 * SDK, then given up on), and returns the execution names it refused. Any start after it (the
 * safety net's, or its retry through the queue) goes through.
 */
async function duringStartOutage<T>(call: () => Promise<T>): Promise<{ reply: T; refused: string[] }> {
  const original = operations().StartExecution as StartExecution;
  const refused: string[] = [];
  operations().StartExecution = async (input) => {
    refused.push(String(input.name));
    throw new AwsError('ServiceUnavailable', 'Step Functions is unavailable (test outage)', 503);
  };
  try {
    return { reply: await call(), refused };
  } finally {
    operations().StartExecution = original;
  }
}

const executionsNamed = (name: string) => stack.executions().filter((e) => e.workflowId === 'requestFulfilment' && e.name === name);
const read = async (id: string) => (await carol.get<Request>(`/requests/${id}`)).body;

beforeAll(async () => {
  stack = await startTestStack({ workflowTimeScale: 0.001 });
  [ada, carol] = await Promise.all([admin(stack), requester(stack)]);
  for (const item of ITEMS) {
    const created = await ada.post('/catalog-items', item);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the workflow start after the commit fails', () => {
  it('an item without approval: 201 with the request, then the safety net starts its workflow, which fulfils it', async () => {
    const { reply, refused } = await duringStartOutage(() => carol.post<Request>('/requests', { item: 'outage-quick', answers: { what: 'a cable' } }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const request = reply.body;
    expect(refused).toContain(request.number);
    expect(request).toMatchObject({ status: 'submitted', workflow: { executionArn: expect.stringMatching(new RegExp(`:${request.number}$`)) } });

    const fulfilling = await poll(
      () => read(request.id),
      (r) => r.status === 'in_fulfilment',
    );
    expect(fulfilling.tasks).toHaveLength(1);
    const executions = executionsNamed(request.number);
    expect(executions).toHaveLength(1);
    expect(executions[0]?.executionArn).toBe(request.workflow.executionArn);
    expect(executions[0]?.input).toMatchObject({ requestId: request.id, number: request.number, stageCount: 0 });
    expect(stack.deadLetters().filter((d) => d.functionId === 'ensureFulfilmentStarted')).toEqual([]);
  });

  it('an item with approval: the safety net’s start asks the stage, and the request awaits approval', async () => {
    const { reply, refused } = await duringStartOutage(() => carol.post<Request>('/requests', { item: 'outage-approved', answers: { what: 'a screen' } }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const request = reply.body;
    expect(refused).toContain(request.number);
    const awaiting = await poll(
      () => read(request.id),
      (r) => r.status === 'awaiting_approval',
    );
    expect(awaiting.stages[0]).toMatchObject({ status: 'pending' });
    expect(executionsNamed(request.number)).toHaveLength(1);
    expect(executionsNamed(request.number)[0]).toMatchObject({ status: 'RUNNING', input: { stageCount: 1 } });
  });
});

describe('the start that did not fail', () => {
  it('the safety net’s start is the same execution: one per request', async () => {
    const reply = await carol.post<Request>('/requests', { item: 'outage-approved', answers: { what: 'a keyboard' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    await poll(
      () => read(reply.body.id),
      (r) => r.status === 'awaiting_approval',
    );
    await stack.settled();
    expect(executionsNamed(reply.body.number)).toHaveLength(1);
    expect(stack.deadLetters().filter((d) => d.functionId === 'ensureFulfilmentStarted')).toEqual([]);
  });
});
