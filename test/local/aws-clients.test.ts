import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEvents } from '../../functions/shared/aws/eventbridge.ts';
import { getObject, NoSuchKey, putObject } from '../../functions/shared/aws/s3.ts';
import {
  ConflictException,
  createSchedule,
  deleteSchedule,
  getSchedule,
  ResourceNotFoundException,
  updateSchedule,
} from '../../functions/shared/aws/scheduler.ts';
import { sendEmail } from '../../functions/shared/aws/sesv2.ts';
import { publish } from '../../functions/shared/aws/sns.ts';
import { sendTaskFailure, sendTaskSuccess, startExecution, stopExecution } from '../../functions/shared/aws/step-functions.ts';
import { EVENT_SOURCE } from '../../functions/shared/events.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { DeadLetters } from '../../local/dead-letters.ts';
import { eventBridgeService } from '../../local/eventbridge.ts';
import { PublishedLog } from '../../local/published-log.ts';
import { createLocalS3 } from '../../local/s3.ts';
import { createLocalScheduler } from '../../local/scheduler.ts';
import { createLocalSes } from '../../local/ses.ts';
import { createLocalSns } from '../../local/sns.ts';
import { createStepFunctionsRunner } from '../../local/step-functions.ts';

/*
 * The functions' own AWS clients (functions/shared/aws/) against the local emulators, reached the
 * way the functions reach them (AWS_ENDPOINT_URL_<SERVICE>, credentials from the environment):
 * each operation the product uses, its answers and the refusals the callers tell apart.
 */
const BUCKET = 'open-itsm-aws-clients-test';
const dir = mkdtempSync(join(tmpdir(), 'aws-clients-'));
const log = new PublishedLog({ print: false });
const scheduler = createLocalScheduler({ deadLetters: new DeadLetters(10, () => undefined), log: () => undefined, fire: async () => undefined });
const ses = createLocalSes();
/** What the fixture workflow's Tasks were handed, by execution name: its task token. */
const tokens = new Map<string, string>();
const stepFunctions = createStepFunctionsRunner({
  workflows: { approval: { definitionFile: 'test/fixtures/statemachines/approval.asl.json', functions: { NotifyFunctionArn: 'notify' } } },
  rootDir: join(import.meta.dirname, '..', '..'),
  invoke: async (_functionId, payload) => {
    const { token, execution } = payload as { token?: string; execution?: string };
    if (token !== undefined && execution !== undefined) tokens.set(execution, token);
    return { sent: true };
  },
  validate: false,
  log: () => undefined,
});
let endpoint: AwsEndpoint;

beforeAll(async () => {
  endpoint = await startAwsEndpoint({
    port: 0,
    services: [
      stepFunctions.service,
      eventBridgeService({
        deadLetters: new DeadLetters(10, () => undefined),
        buses: { default: [] },
        invoke: async () => ({ batchItemFailures: [] }),
        publishedLog: log,
      }),
    ],
    handlers: [scheduler.handler, createLocalSns({ log }).handler, createLocalS3({ dir, buckets: [BUCKET] }).handler, ses.handler],
  });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...Object.fromEntries(['SFN', 'EVENTBRIDGE', 'SNS', 'SCHEDULER', 'S3', 'SESV2'].map((service) => [`AWS_ENDPOINT_URL_${service}`, endpoint.url])),
  });
});
afterAll(async () => {
  await scheduler.stop();
  await stepFunctions.stop();
  await endpoint.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('S3', () => {
  it('puts and gets an object, bytes, content type and metadata as stored, path-style on the local endpoint', async () => {
    const body = Buffer.from([0x1f, 0x8b, 0x00, 0xff, 0x0a]);
    await putObject({
      Bucket: BUCKET,
      Key: 'search/articles.json.gz',
      Body: body,
      ContentType: 'application/gzip',
      Metadata: { 'as-of': 'now', documents: '3' },
    });
    const object = await getObject({ Bucket: BUCKET, Key: 'search/articles.json.gz' });
    expect(object.Body).toEqual(body);
    expect(object.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('keeps a key with spaces, unicode and reserved characters as it was given', async () => {
    const key = "inbound/a b+c=d&é(1)'!*~.eml";
    await putObject({ Bucket: BUCKET, Key: key, Body: 'From: ada@example.com\r\n\r\nhello' });
    expect((await getObject({ Bucket: BUCKET, Key: key })).Body.toString('utf8')).toBe('From: ada@example.com\r\n\r\nhello');
  });

  it('throws NoSuchKey (the class, with its status) for a key the bucket does not hold', async () => {
    const error = await getObject({ Bucket: BUCKET, Key: 'search/none.json.gz' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchKey);
    expect(error).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404, attempts: 1 } });
  });
});

describe('SNS', () => {
  it('publishes with a subject and message attributes, as the local SNS records them', async () => {
    const topic = 'arn:aws:sns:us-east-1:000000000000:open-itsm-notifications';
    const { MessageId } = await publish({
      TopicArn: topic,
      Subject: 'INC0000001 assigned: printer & scanner',
      Message: JSON.stringify({ text: 'a+b = c; ünïcode', recipients: ['ada'] }),
      MessageAttributes: { eventType: { DataType: 'String', StringValue: 'Incident Assigned' }, priority: { DataType: 'String', StringValue: 'P1' } },
    });
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.notifications().find((n) => n.messageId === MessageId)).toMatchObject({
      topicArn: topic,
      subject: 'INC0000001 assigned: printer & scanner',
      message: { text: 'a+b = c; ünïcode', recipients: ['ada'] },
      attributes: { eventType: 'Incident Assigned', priority: 'P1' },
    });
  });

  it('throws SNS’s refusal by its code', async () => {
    await expect(publish({ TopicArn: 'not-an-arn', Message: 'x' })).rejects.toMatchObject({ name: 'InvalidParameter', $metadata: { httpStatusCode: 400 } });
  });
});

describe('EventBridge', () => {
  it('puts an event with its time; the output names its id', async () => {
    const output = await putEvents({
      Entries: [
        { EventBusName: 'default', Source: EVENT_SOURCE, DetailType: 'Incident Created', Detail: '{"id":"x"}', Time: new Date('2026-01-02T03:04:05Z') },
      ],
    });
    expect(output.FailedEntryCount).toBe(0);
    const id = output.Entries?.[0]?.EventId;
    expect(log.events().find((e) => e.id === id)).toMatchObject({ detailType: 'Incident Created', detail: { id: 'x' }, at: '2026-01-02T03:04:05Z' });
  });

  it('reports a refused entry in the output, not as an error', async () => {
    const output = await putEvents({ Entries: [{ EventBusName: 'default', Source: EVENT_SOURCE, DetailType: 'X', Detail: 'not json' }] });
    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries?.[0]?.ErrorCode).toBeDefined();
  });
});

describe('Scheduler', () => {
  const schedule = (input: string) => ({
    Name: 'INC1-resolution-50',
    GroupName: 'open-itsm-sla-timers',
    ScheduleExpression: 'at(2031-01-01T00:00:00)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    ActionAfterCompletion: 'DELETE' as const,
    Target: {
      Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:incident-escalation',
      RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
      Input: input,
      RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
    },
  });
  const key = { Name: 'INC1-resolution-50', GroupName: 'open-itsm-sla-timers' };

  it('creates, refuses a second create (ConflictException), reads, updates and deletes a schedule', async () => {
    const { ScheduleArn } = await createSchedule(schedule('{"v":1}'));
    expect(ScheduleArn).toContain('schedule/open-itsm-sla-timers/INC1-resolution-50');
    await expect(createSchedule(schedule('{"v":2}'))).rejects.toBeInstanceOf(ConflictException);
    expect((await getSchedule(key)).Target?.Input).toBe('{"v":1}');
    await updateSchedule(schedule('{"v":2}'));
    expect(await getSchedule(key)).toMatchObject({ Name: key.Name, GroupName: key.GroupName, Target: { Input: '{"v":2}' } });
    await deleteSchedule(key);
    expect(scheduler.schedules()).toEqual([]);
  });

  it('throws ResourceNotFoundException for a schedule that is not there: get, update, delete', async () => {
    const missing = { Name: 'INC1-response-75', GroupName: 'open-itsm-sla-timers' };
    await expect(getSchedule(missing)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(updateSchedule({ ...schedule('{}'), Name: missing.Name })).rejects.toBeInstanceOf(ResourceNotFoundException);
    const error = await deleteSchedule(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });
});

describe('SESv2', () => {
  it('sends a simple message with our headers; the local SES catches it under the MessageId it answered', async () => {
    const { MessageId } = await sendEmail({
      FromEmailAddress: 'service-desk@itsm.local',
      Destination: { ToAddresses: ['carol@example.com'] },
      ReplyToAddresses: ['reply@itsm.local'],
      Content: {
        Simple: {
          Subject: { Data: '[REQ0000001] Received – ünïcode', Charset: 'UTF-8' },
          Body: { Text: { Data: 'hello', Charset: 'UTF-8' } },
          Headers: [{ Name: 'Auto-Submitted', Value: 'auto-generated' }],
        },
      },
    });
    expect(ses.list().find((m) => m.messageId === MessageId)).toMatchObject({
      to: ['carol@example.com'],
      replyTo: ['reply@itsm.local'],
      subject: '[REQ0000001] Received – ünïcode',
      text: 'hello',
      headers: { 'auto-submitted': 'auto-generated' },
    });
  });

  it('throws SES’s refusal by its code (BadRequestException: no recipient)', async () => {
    const refused = sendEmail({
      FromEmailAddress: 'service-desk@itsm.local',
      Destination: { ToAddresses: [] },
      Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
    });
    await expect(refused).rejects.toMatchObject({ name: 'BadRequestException', $metadata: { httpStatusCode: 400 } });
  });
});

describe('Step Functions', () => {
  const stateMachineArn = stepFunctions.stateMachineArn('approval');
  const input = (request: string) => JSON.stringify({ request, timeoutSeconds: 3600 });
  const statusOf = (executionArn: string) => stepFunctions.executions().find((e) => e.executionArn === executionArn)?.status;

  it('starts an execution by name (a second start of it is refused as ExecutionAlreadyExists), answers and fails its task tokens', async () => {
    const approved = await startExecution({ stateMachineArn, name: 'approve-me', input: input('ok') });
    expect(approved.executionArn).toBe(stateMachineArn.replace(':stateMachine:', ':execution:').concat(':approve-me'));
    expect(Math.abs(approved.startDate.getTime() - Date.now())).toBeLessThan(60_000);
    await expect(startExecution({ stateMachineArn, name: 'approve-me', input: input('another') })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    const rejected = await startExecution({ stateMachineArn, name: 'reject-me', input: input('no') });
    await stepFunctions.settled();

    await sendTaskSuccess({ taskToken: tokens.get('approve-me') as string, output: '{"approved":true}' });
    await sendTaskFailure({ taskToken: tokens.get('reject-me') as string, error: 'ChangeRejected', cause: '{"by":"ada"}' });
    await stepFunctions.settled();
    expect(statusOf(approved.executionArn)).toBe('SUCCEEDED');
    expect(stepFunctions.executions().find((e) => e.executionArn === rejected.executionArn)?.output).toMatchObject({
      failure: { Error: 'ChangeRejected', Cause: '{"by":"ada"}' },
    });

    // A token no longer waited for: what answerApproval and answerStage take as "settled elsewhere".
    await expect(sendTaskSuccess({ taskToken: tokens.get('approve-me') as string, output: '{}' })).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('stops a running execution; one that does not exist is ExecutionDoesNotExist', async () => {
    const { executionArn } = await startExecution({ stateMachineArn, name: 'stop-me', input: input('stop') });
    await stepFunctions.settled();
    await stopExecution({ executionArn, error: 'ChangeCanceled', cause: 'CHG1: ChangeCanceled by ada' });
    expect(statusOf(executionArn)).toBe('ABORTED');
    await expect(stopExecution({ executionArn: `${executionArn}-none`, error: 'ChangeCanceled' })).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
