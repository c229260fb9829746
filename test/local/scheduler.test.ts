import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  type ListSchedulesCommandInput,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { DeadLetters } from '../../local/dead-letters.ts';
import { createLocalScheduler, type LocalSchedulerOptions, type ScheduleTarget, wallTimeToInstant } from '../../local/scheduler.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:incident-escalation';
const ROLE = 'arn:aws:iam::000000000000:role/local-scheduler';
const FAST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 };

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'local-scheduler-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** One scheduler behind its own endpoint and client; stopped after each test. */
interface Harness {
  readonly client: SchedulerClient;
  readonly endpoint: AwsEndpoint;
  readonly fired: { target: ScheduleTarget; at: number }[];
  readonly deadLetters: DeadLetters;
  readonly lines: string[];
  readonly scheduler: ReturnType<typeof createLocalScheduler>;
  close(): Promise<void>;
}
const open: Harness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
});

async function harness(options: Partial<LocalSchedulerOptions> = {}, start = true): Promise<Harness> {
  const fired: Harness['fired'] = [];
  const lines: string[] = [];
  const deadLetters = new DeadLetters(100, (line) => lines.push(line));
  const scheduler = createLocalScheduler({
    deadLetters,
    retry: FAST_RETRY,
    log: (line) => lines.push(line),
    fire: async (target) => {
      fired.push({ target, at: Date.now() });
    },
    ...options,
  });
  if (start) await scheduler.start();
  const endpoint = await startAwsEndpoint({ port: 0, services: [], handlers: [scheduler.handler] });
  const client = new SchedulerClient({ endpoint: endpoint.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const h: Harness = {
    client,
    endpoint,
    fired,
    deadLetters,
    lines,
    scheduler,
    close: async () => {
      client.destroy();
      await scheduler.stop();
      await endpoint.stop();
    },
  };
  open.push(h);
  return h;
}

/** `at()` text for an instant, as wall-clock time in `zone`. */
function atExpression(instant: Date, zone = 'UTC'): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value;
  return `at(${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')})`;
}

const schedule = (name: string, more: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: name,
  GroupName: 'sla-timers',
  ScheduleExpression: 'at(2030-07-01T09:00:00)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: STATE_MACHINE, RoleArn: ROLE, Input: JSON.stringify({ incidentId: 'INC0001002', threshold: 100 }) },
  ActionAfterCompletion: 'DELETE',
  ...more,
});
const PAST = 'at(2020-01-01T00:00:00)';

const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const rejection = async (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected an error'),
    (error: unknown) => error as Error & { $metadata: { httpStatusCode?: number } },
  );

describe('the Scheduler API through @aws-sdk/client-scheduler', () => {
  it('creates, gets, updates, lists and deletes a schedule', async () => {
    const { client } = await harness();
    const created = await client.send(
      new CreateScheduleCommand(
        schedule('INC0001002-resolution-100', {
          ScheduleExpressionTimezone: 'Europe/Berlin',
          Description: 'resolution SLA breach',
          Target: {
            Arn: STATE_MACHINE,
            RoleArn: ROLE,
            Input: '{"a":1}',
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
            DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:sla-timers-dlq' },
          },
        }),
      ),
    );
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/sla-timers/INC0001002-resolution-100');

    const got = await client.send(new GetScheduleCommand({ Name: 'INC0001002-resolution-100', GroupName: 'sla-timers' }));
    expect(got).toMatchObject({
      Arn: created.ScheduleArn,
      Name: 'INC0001002-resolution-100',
      GroupName: 'sla-timers',
      ScheduleExpression: 'at(2030-07-01T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Description: 'resolution SLA breach',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: STATE_MACHINE, RoleArn: ROLE, Input: '{"a":1}', RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 } },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect(Math.abs((got.CreationDate as Date).getTime() - Date.now())).toBeLessThan(5000);

    // Update replaces the whole schedule: what is not sent is back to its default.
    await client.send(
      new UpdateScheduleCommand({ ...schedule('INC0001002-resolution-100'), ScheduleExpression: 'at(2031-01-01T00:00:00)', ActionAfterCompletion: undefined }),
    );
    const updated = await client.send(new GetScheduleCommand({ Name: 'INC0001002-resolution-100', GroupName: 'sla-timers' }));
    expect(updated).toMatchObject({ ScheduleExpression: 'at(2031-01-01T00:00:00)', ActionAfterCompletion: 'NONE' });
    expect(updated.Description).toBeUndefined();
    expect(updated.ScheduleExpressionTimezone).toBeUndefined();
    expect(updated.CreationDate).toEqual(got.CreationDate);

    const listed = await client.send(new ListSchedulesCommand({ GroupName: 'sla-timers' }));
    expect(listed.Schedules).toEqual([
      expect.objectContaining({
        Arn: created.ScheduleArn,
        Name: 'INC0001002-resolution-100',
        GroupName: 'sla-timers',
        State: 'ENABLED',
        Target: { Arn: STATE_MACHINE },
      }),
    ]);

    await client.send(new DeleteScheduleCommand({ Name: 'INC0001002-resolution-100', GroupName: 'sla-timers' }));
    expect((await client.send(new ListSchedulesCommand({}))).Schedules).toEqual([]);
  });

  it('answers ConflictException for an existing name in the group, ResourceNotFoundException for a missing one', async () => {
    const { client } = await harness();
    await client.send(new CreateScheduleCommand(schedule('dup')));
    const conflict = await rejection(client.send(new CreateScheduleCommand(schedule('dup'))));
    expect(conflict).toBeInstanceOf(ConflictException);
    expect(conflict.$metadata.httpStatusCode).toBe(409);
    expect(conflict.message).toBe('Schedule dup already exists.');
    // The same name in another group is another schedule.
    await client.send(new CreateScheduleCommand(schedule('dup', { GroupName: undefined })));

    for (const command of [
      new GetScheduleCommand({ Name: 'missing', GroupName: 'sla-timers' }),
      new DeleteScheduleCommand({ Name: 'missing', GroupName: 'sla-timers' }),
      new UpdateScheduleCommand(schedule('missing')),
      new GetScheduleCommand({ Name: 'dup', GroupName: 'other' }),
    ]) {
      const error = await rejection(client.send(command as GetScheduleCommand));
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error.$metadata.httpStatusCode).toBe(404);
    }
  });

  it('validates as Scheduler does, and refuses rate() and cron() clearly', async () => {
    const { client } = await harness();
    const cases: [CreateScheduleCommandInput, RegExp][] = [
      [schedule('has space'), /regular expression pattern/],
      [schedule('x'.repeat(65)), /less than or equal to 64/],
      [schedule('rate', { ScheduleExpression: 'rate(5 minutes)' }), /rate\(\) schedules are not supported locally/],
      [schedule('cron', { ScheduleExpression: 'cron(0 9 * * ? *)' }), /cron\(\) schedules are not supported locally/],
      [schedule('bad-at', { ScheduleExpression: 'at(2030-02-30T09:00:00)' }), /not a valid date/],
      [schedule('bad-expression', { ScheduleExpression: 'tomorrow' }), /Invalid Schedule Expression/],
      [schedule('bad-zone', { ScheduleExpressionTimezone: 'Mars/Olympus' }), /Invalid time zone/],
      [schedule('no-window', { FlexibleTimeWindow: undefined }), /flexibleTimeWindow/],
      [schedule('flexible', { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }), /MaximumWindowInMinutes is required/],
      [schedule('no-role', { Target: { Arn: STATE_MACHINE } as never }), /target.roleArn/],
      [schedule('big-input', { Target: { Arn: STATE_MACHINE, RoleArn: ROLE, Input: 'x'.repeat(256 * 1024 + 1) } }), /target.input/],
      [schedule('bad-state', { State: 'PAUSED' as never }), /ENABLED, DISABLED/],
      [schedule('bad-retry', { Target: { Arn: STATE_MACHINE, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 186 } } }), /maximumRetryAttempts/],
    ];
    for (const [input, message] of cases) {
      const error = await rejection(client.send(new CreateScheduleCommand(input)));
      expect(error, input.Name).toBeInstanceOf(ValidationException);
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toMatch(message);
    }
    expect((await client.send(new ListSchedulesCommand({}))).Schedules).toEqual([]);
  });

  it('filters and pages ListSchedules', async () => {
    const { client } = await harness();
    for (const name of ['a-1', 'a-2', 'a-3', 'b-1']) await client.send(new CreateScheduleCommand(schedule(name)));
    await client.send(new CreateScheduleCommand(schedule('a-4', { State: 'DISABLED' })));
    await client.send(new CreateScheduleCommand(schedule('a-5', { GroupName: 'other' })));

    const names = async (input: ListSchedulesCommandInput) => (await client.send(new ListSchedulesCommand(input))).Schedules?.map((s) => s.Name);
    expect(await names({ GroupName: 'sla-timers', NamePrefix: 'a-' })).toEqual(['a-1', 'a-2', 'a-3', 'a-4']);
    expect(await names({ State: 'DISABLED' })).toEqual(['a-4']);
    expect(await names({})).toHaveLength(6);

    const first = await client.send(new ListSchedulesCommand({ GroupName: 'sla-timers', MaxResults: 3 }));
    expect(first.Schedules?.map((s) => s.Name)).toEqual(['a-1', 'a-2', 'a-3']);
    const second = await client.send(new ListSchedulesCommand({ GroupName: 'sla-timers', MaxResults: 3, NextToken: first.NextToken }));
    expect(second.Schedules?.map((s) => s.Name)).toEqual(['a-4', 'b-1']);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('at() and time zones', () => {
  it('converts wall-clock time in an IANA zone to UTC, DST included', async () => {
    const { client, scheduler } = await harness();
    await client.send(
      new CreateScheduleCommand(schedule('summer', { ScheduleExpression: 'at(2030-07-01T09:00:00)', ScheduleExpressionTimezone: 'America/New_York' })),
    );
    await client.send(
      new CreateScheduleCommand(schedule('winter', { ScheduleExpression: 'at(2030-01-15T09:00:00)', ScheduleExpressionTimezone: 'America/New_York' })),
    );
    await client.send(new CreateScheduleCommand(schedule('utc', { ScheduleExpression: 'at(2030-01-15T09:00:00)' })));
    await client.send(
      new CreateScheduleCommand(schedule('kolkata', { ScheduleExpression: 'at(2030-01-15T09:00:00)', ScheduleExpressionTimezone: 'Asia/Kolkata' })),
    );
    const fireAt = Object.fromEntries(scheduler.schedules().map((s) => [s.name, s.fireAt]));
    expect(fireAt).toEqual({
      summer: '2030-07-01T13:00:00.000Z',
      winter: '2030-01-15T14:00:00.000Z',
      utc: '2030-01-15T09:00:00.000Z',
      kolkata: '2030-01-15T03:30:00.000Z',
    });
  });

  it('shifts a time skipped by DST forward and takes the first of a repeated one', () => {
    const wall = (day: number, month: number) => ({ year: 2026, month, day, hour: 2, minute: 30, second: 0 });
    // Europe/Berlin: 2026-03-29 02:00 -> 03:00 (skipped), 2026-10-25 03:00 -> 02:00 (repeated).
    expect(wallTimeToInstant(wall(29, 3), 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(wallTimeToInstant(wall(25, 10), 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });
});

describe('firing', () => {
  it('fires the target at its time, in its time zone, then deletes the schedule (ActionAfterCompletion DELETE)', async () => {
    const h = await harness();
    // Second granularity: the next full second at least a second away.
    const when = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000);
    await h.client.send(
      new CreateScheduleCommand(schedule('soon', { ScheduleExpression: atExpression(when, 'Asia/Kolkata'), ScheduleExpressionTimezone: 'Asia/Kolkata' })),
    );
    expect(h.scheduler.schedules()[0]?.fireAt).toBe(when.toISOString());

    await until(() => h.fired.length > 0);
    expect(h.fired[0]?.at).toBeGreaterThanOrEqual(when.getTime());
    // Late only by timer and event-loop lag (generous for loaded CI machines).
    expect(h.fired[0]?.at).toBeLessThan(when.getTime() + 2000);
    expect(h.fired[0]?.target).toEqual({ Arn: STATE_MACHINE, RoleArn: ROLE, Input: JSON.stringify({ incidentId: 'INC0001002', threshold: 100 }) });
    await until(() => h.scheduler.schedules().length === 0);
    await expect(h.client.send(new GetScheduleCommand({ Name: 'soon', GroupName: 'sla-timers' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('keeps a completed schedule with ActionAfterCompletion NONE, and never fires it again', async () => {
    const h = await harness();
    await h.client.send(new CreateScheduleCommand(schedule('kept', { ScheduleExpression: PAST, ActionAfterCompletion: 'NONE' })));
    await until(() => h.scheduler.schedules()[0]?.status === 'completed');
    expect(h.fired).toHaveLength(1);
    expect(h.scheduler.schedules()[0]?.completed).toMatchObject({ outcome: 'succeeded', attempts: 1 });
    const got = await h.client.send(new GetScheduleCommand({ Name: 'kept', GroupName: 'sla-timers' }));
    expect(got).toMatchObject({ State: 'ENABLED', ActionAfterCompletion: 'NONE' });
    await h.scheduler.stop();
    await h.scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.fired).toHaveLength(1);
  });

  it('retries a failing target, then dead-letters it with the schedule and the target', async () => {
    let calls = 0;
    const h = await harness({
      fire: async () => {
        calls++;
        throw new Error('StateMachineDoesNotExist');
      },
    });
    await h.client.send(
      new CreateScheduleCommand(
        schedule('failing', {
          ScheduleExpression: PAST,
          Target: {
            Arn: STATE_MACHINE,
            RoleArn: ROLE,
            Input: '{"x":1}',
            RetryPolicy: { MaximumRetryAttempts: 2 },
            DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:sla-timers-dlq' },
          },
        }),
      ),
    );
    await until(() => h.deadLetters.list().length > 0);
    expect(calls).toBe(3);
    expect(h.deadLetters.list()[0]).toMatchObject({
      source: 'scheduler',
      condition: 'MaximumRetryAttempts',
      attempts: 3,
      error: 'StateMachineDoesNotExist',
      schedule: 'failing',
      groupName: 'sla-timers',
      scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/sla-timers/failing',
      deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:sla-timers-dlq',
      target: { Arn: STATE_MACHINE, RoleArn: ROLE, Input: '{"x":1}' },
    });
    // Dead-lettered is completed too: DELETE removes it.
    await until(() => h.scheduler.schedules().length === 0);
    expect(h.lines.some((line) => line.includes('attempt 1 of 3 failed'))).toBe(true);
  });

  it('retries up to the local default when the target has no RetryPolicy, and succeeds on a later attempt', async () => {
    let calls = 0;
    const h = await harness({
      fire: async () => {
        calls++;
        if (calls < 3) throw new Error('throttled');
      },
    });
    await h.client.send(new CreateScheduleCommand(schedule('flaky', { ScheduleExpression: PAST, ActionAfterCompletion: 'NONE' })));
    await until(() => h.scheduler.schedules()[0]?.status === 'completed');
    expect(calls).toBe(3);
    expect(h.scheduler.schedules()[0]?.completed).toMatchObject({ outcome: 'succeeded', attempts: 3 });
    expect(h.deadLetters.list()).toEqual([]);
  });

  it('does not fire a DISABLED schedule, nor one far ahead; enabling it fires it', async () => {
    const h = await harness();
    await h.client.send(new CreateScheduleCommand(schedule('off', { ScheduleExpression: PAST, State: 'DISABLED' })));
    await h.client.send(new CreateScheduleCommand(schedule('far', { ScheduleExpression: 'at(2099-12-31T23:59:59)' })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.fired).toEqual([]);
    expect(
      h.scheduler
        .schedules()
        .map((s) => s.status)
        .sort(),
    ).toEqual(['disabled', 'pending']);

    await h.client.send(new UpdateScheduleCommand(schedule('off', { ScheduleExpression: PAST, State: 'ENABLED' })));
    await until(() => h.fired.length === 1);
  });
});

describe('persistence', () => {
  it('keeps schedules in the state file across a restart, and fires the ones that came due at once', async () => {
    const stateFile = join(directory, 'persist', 'schedules.json');
    const first = await harness({ stateFile });
    await first.client.send(new CreateScheduleCommand(schedule('later', { ScheduleExpression: atExpression(new Date(Date.now() + 60_000)) })));
    await first.client.send(new CreateScheduleCommand(schedule('much-later', { ScheduleExpression: 'at(2099-01-01T00:00:00)' })));
    await first.client.send(new CreateScheduleCommand(schedule('done', { ScheduleExpression: PAST, ActionAfterCompletion: 'NONE' })));
    await until(() => first.scheduler.schedules().some((s) => s.status === 'completed'));
    expect(first.fired.map((f) => f.target.Arn)).toHaveLength(1);
    await first.close();

    const saved = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(saved.schedules.map((s: { Name: string }) => s.Name).sort()).toEqual(['done', 'later', 'much-later']);
    expect((await readdir(join(directory, 'persist'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Two minutes later: 'later' came due while nothing ran.
    const second = await harness({ stateFile, now: () => new Date(Date.now() + 120_000) });
    await until(() => second.fired.length === 1);
    await until(() => second.scheduler.schedules().length === 2);
    expect(
      second.scheduler
        .schedules()
        .map((s) => [s.name, s.status])
        .sort(),
    ).toEqual([
      ['done', 'completed'],
      ['much-later', 'pending'],
    ]);
    expect(second.lines.some((line) => line.includes('came due while stopped'))).toBe(true);
    const got = await second.client.send(new GetScheduleCommand({ Name: 'much-later', GroupName: 'sla-timers' }));
    expect(got.ScheduleExpression).toBe('at(2099-01-01T00:00:00)');
  });

  it('leaves the file whole when a firing is under way at stop(), and the next start fires it again', async () => {
    const stateFile = join(directory, 'in-flight.json');
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const first = await harness({
      stateFile,
      fire: async () => {
        started++;
        await blocked;
      },
    });
    await first.client.send(new CreateScheduleCommand(schedule('slow', { ScheduleExpression: PAST })));
    await until(() => started === 1);
    expect(first.scheduler.schedules()[0]?.status).toBe('firing');
    await first.scheduler.stop();
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const saved = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(saved.schedules).toHaveLength(1);
    expect(saved.schedules[0].completed).toBeUndefined();

    const second = await harness({ stateFile });
    await until(() => second.fired.length === 1);
    await until(() => second.scheduler.schedules().length === 0);
    // stop() waits for the write that followed the deletion.
    await second.scheduler.stop();
    expect(JSON.parse(await readFile(stateFile, 'utf8')).schedules).toEqual([]);
  });

  it('serves the API before start() and arms what it holds on start()', async () => {
    const h = await harness({}, false);
    await h.client.send(new CreateScheduleCommand(schedule('early', { ScheduleExpression: PAST })));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(h.fired).toEqual([]);
    await h.scheduler.start();
    await until(() => h.fired.length === 1);
  });
});
