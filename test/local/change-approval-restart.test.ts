import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.ts';
import { client } from '../support/api.ts';

/*
 * A change waiting for its CAB must survive a restart of `npm start`: the vote cast before the stop
 * still counts, the workflow waits again for the rest of the board, and the vote after the restart
 * answers the new task token and schedules the change.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'itsm-change-restart-'));
const options = {
  dynamoDbEndpoint: inject('dynamoDbEndpoint'),
  tableName: `change-restart-${randomUUID()}`,
  httpPort: 0,
  awsPort: 0,
  dataDir,
  seed: true,
  printPublished: false,
};
let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const waitFor = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('a change waiting for approval across a restart of the local runtime', () => {
  it('keeps its votes and resumes waiting; the next vote schedules it', { timeout: 90_000 }, async () => {
    stack = await startLocalStack(options);
    const bob = client(stack.url, await stack.token('bob', ['agent']));
    const alice = client(stack.url, await stack.token('alice', ['agent']));
    const created = (
      await bob.post('/changes', {
        type: 'normal',
        title: 'Payments database failover test',
        services: ['payments'],
        assignmentGroup: 'database',
        implementationPlan: 'Fail over to the replica',
        backoutPlan: 'Fail back',
        plannedStart: new Date(Date.now() + 7 * 24 * 3_600_000).toISOString(),
        plannedEnd: new Date(Date.now() + 7 * 24 * 3_600_000 + 3_600_000).toISOString(),
      })
    ).body;
    const submitted = await bob.request('POST', `/changes/${created.id}/submit`, { headers: { 'if-match': `"${created.version}"` } });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    await waitFor(
      async () => (await bob.get(`/changes/${created.id}`)).body.status,
      (s) => s === 'authorize',
    );
    expect((await alice.post(`/changes/${created.id}/approvals`, { decision: 'approve' })).status).toBe(201);

    const awsPort = Number(new URL(stack.awsEndpoint).port);
    await stack.stop();
    stack = undefined;

    stack = await startLocalStack({ ...options, awsPort });
    const running = stack;
    const nina = client(stack.url, await stack.token('nina', ['agent']));
    const again = client(stack.url, await stack.token('bob', ['agent']));
    // Replayed, the workflow hands the board a new token; alice's vote is still there.
    await waitFor(
      async () => running.executions().find((e) => e.executionArn === submitted.body.workflow.executionArn)?.taskTokens.length ?? 0,
      (n) => n === 1,
    );
    const approvals = (await again.get(`/changes/${created.id}/approvals`)).body;
    expect(approvals.rounds).toEqual([expect.objectContaining({ status: 'pending', approvals: 1, responses: [expect.objectContaining({ userId: 'alice' })] })]);

    expect((await nina.post(`/changes/${created.id}/approvals`, { decision: 'approve' })).status).toBe(201);
    const scheduled = await waitFor(
      async () => (await again.get(`/changes/${created.id}`)).body,
      (c) => c.status === 'scheduled',
    );
    expect(scheduled.workflow).toMatchObject({ state: 'WaitForPlannedStart', executionArn: submitted.body.workflow.executionArn });
  });
});
