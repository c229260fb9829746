import { randomUUID } from 'node:crypto';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { invokeFunction } from '../../local/invoke.ts';
import { type LocalStack, startLocalStack } from '../../local/runtime.ts';
import { localOutputs, type Outputs, replayDeadLetters } from '../../scripts/replay-dead-letters.ts';
import { client, type Client } from '../support/api.ts';

/*
 * Each dead-letter path, end to end on the local runtime: a function "down" (the invoke wrapper
 * fails it) makes the real event source give a delivery up into its dead-letter queue; once it is
 * back, `replay-dead-letters` (the same code `npm run replay-dead-letters` runs, against the local
 * SQS, Lambda, Step Functions and DynamoDB Streams endpoints) delivers it, and a second replay
 * finds nothing left.
 */
const down = new Set<string>();
let stack: LocalStack;
let alice: Client;
let outputs: Outputs;
const lines: string[] = [];
const print = (line: string) => lines.push(line);

beforeAll(async () => {
  stack = await startLocalStack({
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableName: `test-${randomUUID()}`,
    httpPort: 0,
    seed: true,
    printPublished: false,
    invoke: async (functionId, event) => {
      if (down.has(functionId)) throw new Error(`${functionId} is down (test outage)`);
      return invokeFunction(functionId, event);
    },
  });
  alice = client(stack.url, await stack.token('alice', ['agent']));
  outputs = await localOutputs(stack.awsEndpoint);
});
afterAll(async () => {
  await stack?.stop();
});

const until = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const queueOf = (suffix: string) => stack.deadLetters().filter((d) => String(d.queue).endsWith(suffix));

describe('replaying dead letters', () => {
  it('ingestion: a bus event the recording function failed is recorded by the replay, once', async () => {
    down.add('recordBusEvents');
    const dedupKey = `replay-${randomUUID()}`;
    const put = await fetch(stack.awsEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({
        Entries: [
          {
            EventBusName: 'itsm-ingestion',
            Source: 'com.example.checkout',
            DetailType: 'Incident Trigger',
            Detail: JSON.stringify({ dedupKey, title: 'Replayed checkout alert', severity: 'error', service: 'payments' }),
          },
        ],
      }),
    });
    expect(put.status).toBe(200);
    expect(queueOf('ingestion-dead-letters')).toHaveLength(1);
    const findIncident = async () => ((await alice.get('/incidents?limit=100')).body.items as { title: string; number: string }[]).filter((i) => i.title === 'Replayed checkout alert');
    expect(await findIncident()).toEqual([]);

    // Still down: the message goes back to the ingestion queue (replayed), whose consumer gives it
    // up again into the dead-letter queue, where it waits for the next run instead of looping.
    const failing = await replayDeadLetters({ group: 'ingestion', outputs, print });
    expect(failing).toMatchObject({ replayed: 1, failed: 0 });
    expect(queueOf('ingestion-dead-letters')).toHaveLength(1);

    down.delete('recordBusEvents');
    const dry = await replayDeadLetters({ group: 'ingestion', outputs, print, dryRun: true });
    expect(dry.listed).toBe(1);
    expect(queueOf('ingestion-dead-letters')).toHaveLength(1);

    const result = await replayDeadLetters({ group: 'ingestion', outputs, print });
    expect(result).toEqual({ replayed: 1, failed: 0, listed: 0 });
    await stack.settled();
    expect(await findIncident()).toHaveLength(1);
    expect(queueOf('ingestion-dead-letters')).toHaveLength(0);
    expect(lines.some((l) => l.startsWith('replayed ingestion IngestionDeadLetterQueueUrl') && l.includes('Incident Trigger'))).toBe(true);

    // Nothing left: a second replay does nothing.
    expect(await replayDeadLetters({ group: 'ingestion', outputs, print })).toEqual({ replayed: 0, failed: 0, listed: 0 });
  });

  it('outbox: a record the publisher gave up on is published by the replay, from the stream records its failure names', async () => {
    down.add('publishOutbox');
    const created = (await alice.post('/incidents', { title: 'Outbox replay', assignmentGroup: 'service-desk' })).body as { id: string; number: string };
    await stack.settled();
    await until(() => queueOf(`publishOutbox-failures`).length > 0, 'the outbox dead letter');
    const createdEvents = () => stack.published.events().filter((e) => e.detailType === 'Incident Created' && JSON.stringify(e.detail).includes(created.id));
    expect(createdEvents()).toEqual([]);

    // The publisher is still down: the replay fails, the failure record stays.
    const failing = await replayDeadLetters({ group: 'outbox', outputs, print });
    expect(failing).toMatchObject({ replayed: 0, failed: 1 });
    expect(lines.at(-2)).toMatch(/^NOT replayed outbox PublishOutboxFailureQueueUrl .*the function failed again/);

    down.delete('publishOutbox');
    const result = await replayDeadLetters({ group: 'outbox', outputs, print });
    expect(result).toEqual({ replayed: 1, failed: 0, listed: 0 });
    expect(createdEvents()).toHaveLength(1);
    expect(queueOf('publishOutbox-failures')).toHaveLength(0);
    expect(await replayDeadLetters({ group: 'outbox', outputs, print })).toEqual({ replayed: 0, failed: 0, listed: 0 });
  });

  it('timers: a firing Scheduler could not deliver starts the escalation workflow when replayed', async () => {
    const created = (await alice.post('/incidents', { title: 'Timer replay', assignmentGroup: 'service-desk' })).body as { id: string };
    const input = JSON.stringify({ incidentId: created.id, clock: 'resolution', threshold: 50, timerVersion: 1, at: new Date().toISOString() });
    const scheduler = new SchedulerClient({ endpoint: stack.awsEndpoint });
    // A timer left pointing at a state machine that was replaced: its firing fails into the DLQ.
    await scheduler.send(
      new CreateScheduleCommand({
        Name: `replay-test-${created.id}`,
        GroupName: process.env.SLA_SCHEDULE_GROUP,
        ScheduleExpression: `at(${new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000).toISOString().slice(0, 19)})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:replaced-long-ago',
          RoleArn: process.env.SLA_SCHEDULER_ROLE_ARN,
          Input: input,
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: process.env.SLA_TIMER_DEAD_LETTER_ARN },
        },
      }),
    );
    scheduler.destroy();
    await until(() => queueOf("sla-timers-dead-letters").length > 0, `the timer dead letter ${JSON.stringify(stack.schedules())}`, 15_000);
    const executionsFor = () => stack.executions().filter((e) => JSON.stringify(e).includes(created.id));
    expect(executionsFor()).toEqual([]);

    const result = await replayDeadLetters({ group: 'timers', outputs, print });
    expect(result).toEqual({ replayed: 1, failed: 0, listed: 0 });
    await until(() => executionsFor().length === 1, 'the escalation execution');
    expect(lines.some((l) => l.startsWith('replayed timers SlaTimerDeadLetterQueueUrl') && l.includes(`timer ${created.id} resolution 50%`))).toBe(true);
    expect(queueOf('sla-timers-dead-letters')).toHaveLength(0);
  });
});
