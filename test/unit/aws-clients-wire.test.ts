import { EventEmitter } from 'node:events';
import type { RequestOptions } from 'node:https';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

/*
 * Our thin clients (functions/shared/aws/) send what the SDK sends, in AWS (no endpoint
 * configured): the same host, method, path, query, protocol headers and body, for every operation
 * the functions use. The SDK's request is taken from its request handler, after signing; ours
 * from node:https, mocked here so that nothing leaves the machine.
 */

interface Sent {
  readonly method: string;
  readonly host: string;
  /** The path without its query. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const ours: Sent[] = [];
/** The answer our clients get for their next request. */
let reply: { status: number; headers?: Record<string, string>; body?: string } = { status: 200 };

vi.mock('node:https', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:https')>();
  const request = (options: RequestOptions, callback: (response: EventEmitter & { statusCode: number; headers: Record<string, string> }) => void) => {
    const chunks: Buffer[] = [];
    const fake = Object.assign(new EventEmitter(), {
      setTimeout: () => fake,
      destroy: () => undefined,
      end(body?: string | Uint8Array) {
        if (body !== undefined) chunks.push(Buffer.from(body));
        const url = new URL(String(options.path), `https://${options.hostname}`);
        ours.push({
          method: String(options.method),
          host: String(options.hostname),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
          body: Buffer.concat(chunks),
        });
        const response = Object.assign(new EventEmitter(), { statusCode: reply.status, headers: reply.headers ?? {} });
        setImmediate(() => {
          callback(response);
          if (reply.body !== undefined) response.emit('data', Buffer.from(reply.body));
          response.emit('end');
        });
      },
    });
    return fake;
  };
  return { ...actual, default: { ...actual, request }, request };
});

/** The SDK's request, as its handler receives it; the call then fails (nothing is sent). */
function sdkCapture() {
  const captured: Sent[] = [];
  const requestHandler = {
    handle: async (request: {
      method: string;
      hostname: string;
      path: string;
      query?: Record<string, string | string[] | null>;
      headers: Record<string, string>;
      body?: unknown;
    }) => {
      const body = request.body;
      captured.push({
        method: request.method,
        host: request.hostname,
        path: request.path,
        query: Object.fromEntries(Object.entries(request.query ?? {}).map(([k, v]) => [k, String(v)])),
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
        body: body === undefined || body === null ? Buffer.alloc(0) : Buffer.from(body as string | Uint8Array),
      });
      throw Object.assign(new Error('captured'), { name: 'Captured' });
    },
  };
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1, requestHandler };
  return { captured, config };
}

async function sdkSends(send: (config: ReturnType<typeof sdkCapture>['config']) => Promise<unknown>): Promise<Sent> {
  const { captured, config } = sdkCapture();
  await send(config).catch((error: Error) => {
    if (error.name !== 'Captured') throw error;
  });
  const sent = captured[0];
  if (sent === undefined) throw new Error('the SDK sent nothing');
  return sent;
}

async function oursSends(call: () => Promise<unknown>): Promise<Sent> {
  ours.length = 0;
  await call();
  const sent = ours[0];
  if (sent === undefined) throw new Error('our client sent nothing');
  return sent;
}

/** What must be equal: everything but the signature, dates, SDK metadata headers and fresh idempotency tokens. */
function comparable(sent: Sent, options: { json?: boolean; form?: boolean; headers?: readonly string[] } = {}) {
  const { clientToken: _token, ...query } = sent.query;
  let body: unknown = sent.body.toString('utf8');
  if (options.json === true && sent.body.length > 0) {
    const { ClientToken: _clientToken, ...rest } = JSON.parse(sent.body.toString('utf8')) as Record<string, unknown>;
    body = rest;
  }
  if (options.form === true) body = [...new URLSearchParams(sent.body.toString('utf8'))].sort(([a], [b]) => a.localeCompare(b));
  const headers = Object.fromEntries((options.headers ?? []).map((name) => [name, sent.headers[name]]));
  return { method: sent.method, host: sent.host, path: decodeURIComponent(sent.path), query, headers, body };
}

beforeAll(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_ENDPOINT_URL')) delete process.env[name];
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
  delete process.env.AWS_SESSION_TOKEN;
});
afterEach(() => {
  reply = { status: 200 };
});

describe('Step Functions on the wire', async () => {
  const sfn = await import('../../functions/shared/aws/step-functions.ts');
  const headers = ['content-type', 'x-amz-target'];
  const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:change-approval';

  it('StartExecution: the same request; the start date read from epoch seconds', async () => {
    const input = { stateMachineArn: arn, name: 'CHG0000001-1', input: JSON.stringify({ a: 1, text: 'é & <x>' }) };
    const expected = await sdkSends((config) => new SFNClient(config).send(new StartExecutionCommand(input)));
    reply = { status: 200, body: JSON.stringify({ executionArn: `${arn}:CHG0000001-1`, startDate: 1_765_000_000.5 }) };
    let output: Awaited<ReturnType<typeof sfn.startExecution>> | undefined;
    const actual = await oursSends(async () => {
      output = await sfn.startExecution(input);
    });
    expect(comparable(actual, { json: true, headers })).toEqual(comparable(expected, { json: true, headers }));
    expect(actual.host).toBe('states.us-east-1.amazonaws.com');
    expect(output?.startDate.toISOString()).toBe('2025-12-06T05:46:40.500Z');
  });

  it('StopExecution, SendTaskSuccess, SendTaskFailure: the same requests', async () => {
    const cases: [() => Promise<unknown>, (config: ReturnType<typeof sdkCapture>['config']) => Promise<unknown>][] = [
      [
        () => sfn.stopExecution({ executionArn: `${arn}:x`, error: 'ChangeCanceled', cause: 'CHG1: by ada' }),
        (config) => new SFNClient(config).send(new StopExecutionCommand({ executionArn: `${arn}:x`, error: 'ChangeCanceled', cause: 'CHG1: by ada' })),
      ],
      [
        () => sfn.sendTaskSuccess({ taskToken: 'token/+=', output: '{"decision":"approved"}' }),
        (config) => new SFNClient(config).send(new SendTaskSuccessCommand({ taskToken: 'token/+=', output: '{"decision":"approved"}' })),
      ],
      [
        () => sfn.sendTaskFailure({ taskToken: 'token', error: 'ChangeRejected', cause: '{"by":"ada"}' }),
        (config) => new SFNClient(config).send(new SendTaskFailureCommand({ taskToken: 'token', error: 'ChangeRejected', cause: '{"by":"ada"}' })),
      ],
    ];
    for (const [call, sdk] of cases) {
      const expected = await sdkSends(sdk);
      reply = { status: 200, body: '{}' };
      expect(comparable(await oursSends(call), { json: true, headers })).toEqual(comparable(expected, { json: true, headers }));
    }
  });

  it('reads a refusal as the SDK names it: the code without namespace or URL', async () => {
    reply = {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ __type: 'com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists', message: 'Execution Already Exists' }),
    };
    await expect(sfn.startExecution({ stateMachineArn: arn, name: 'n', input: '{}' })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
      message: 'Execution Already Exists',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('EventBridge on the wire', async () => {
  const { putEvents } = await import('../../functions/shared/aws/eventbridge.ts');

  it('PutEvents: the same request, Time in epoch seconds', async () => {
    const entry = {
      EventBusName: 'itsm-bus',
      Source: 'itsm',
      DetailType: 'Incident Created',
      Detail: '{"id":"x"}',
      Time: new Date('2026-01-02T03:04:05.678Z'),
    };
    const expected = await sdkSends((config) => new EventBridgeClient(config).send(new PutEventsCommand({ Entries: [entry] })));
    reply = { status: 200, body: JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] }) };
    let output: unknown;
    const actual = await oursSends(async () => {
      output = await putEvents({ Entries: [entry] });
    });
    const headers = ['content-type', 'x-amz-target'];
    expect(comparable(actual, { json: true, headers })).toEqual(comparable(expected, { json: true, headers }));
    expect(actual.host).toBe('events.us-east-1.amazonaws.com');
    expect(output).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  });
});

describe('SNS on the wire', async () => {
  const { publish } = await import('../../functions/shared/aws/sns.ts');

  it('Publish: the same form, message attributes numbered as the SDK numbers them; the MessageId read from the XML', async () => {
    const input = {
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:notifications',
      Subject: 'INC0000001 assigned to you',
      Message: JSON.stringify({ text: 'a+b=c & d; ünïcode', recipients: ['ada'] }),
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'Incident Assigned' },
        priority: { DataType: 'String', StringValue: 'P1' },
      },
    };
    const expected = await sdkSends((config) => new SNSClient(config).send(new PublishCommand(input)));
    reply = {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>',
    };
    let output: unknown;
    const actual = await oursSends(async () => {
      output = await publish(input);
    });
    expect(comparable(actual, { form: true, headers: ['content-type'] })).toEqual(comparable(expected, { form: true, headers: ['content-type'] }));
    expect(actual.host).toBe('sns.us-east-1.amazonaws.com');
    expect(output).toEqual({ MessageId: '94f20ce6-13c5-43a0-9a9e-ca52d816e90b' });
  });

  it('reads a refusal from its XML', async () => {
    reply = {
      status: 400,
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: Subject &amp; more</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    };
    await expect(publish({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Message: 'x' })).rejects.toMatchObject({
      name: 'InvalidParameter',
      message: 'Invalid parameter: Subject & more',
    });
  });
});

describe('Scheduler on the wire', async () => {
  const scheduler = await import('../../functions/shared/aws/scheduler.ts');
  const input = {
    Name: 'INC1-resolution-50',
    GroupName: 'open-itsm-sla-timers',
    ScheduleExpression: 'at(2031-01-01T00:00:00)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    ActionAfterCompletion: 'DELETE' as const,
    Description: 'SLA resolution 50% of incident INC1',
    Target: {
      Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:incident-escalation',
      RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
      Input: '{"incidentId":"INC1"}',
      RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
    },
  };
  const headers = ['content-type'];

  it('CreateSchedule and UpdateSchedule: the same requests, each with a client token', async () => {
    for (const [call, sdk] of [
      [
        () => scheduler.createSchedule(input),
        (config: ReturnType<typeof sdkCapture>['config']) => new SchedulerClient(config).send(new CreateScheduleCommand(input)),
      ],
      [
        () => scheduler.updateSchedule(input),
        (config: ReturnType<typeof sdkCapture>['config']) => new SchedulerClient(config).send(new UpdateScheduleCommand(input)),
      ],
    ] as const) {
      const expected = await sdkSends(sdk);
      reply = { status: 200, body: JSON.stringify({ ScheduleArn: 'arn' }) };
      const actual = await oursSends(call);
      expect(comparable(actual, { json: true, headers })).toEqual(comparable(expected, { json: true, headers }));
      expect(actual.host).toBe('scheduler.us-east-1.amazonaws.com');
      expect(JSON.parse(actual.body.toString('utf8')).ClientToken).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('GetSchedule and DeleteSchedule: the same requests', async () => {
    const key = { Name: input.Name, GroupName: input.GroupName };
    const expectedGet = await sdkSends((config) => new SchedulerClient(config).send(new GetScheduleCommand(key)));
    reply = { status: 200, body: JSON.stringify({ Name: input.Name, Target: input.Target, CreationDate: 1_765_000_000 }) };
    let got: Awaited<ReturnType<typeof scheduler.getSchedule>> | undefined;
    const actualGet = await oursSends(async () => {
      got = await scheduler.getSchedule(key);
    });
    expect(comparable(actualGet)).toEqual(comparable(expectedGet));
    expect(got?.Target?.Input).toBe(input.Target.Input);

    const expectedDelete = await sdkSends((config) => new SchedulerClient(config).send(new DeleteScheduleCommand(key)));
    reply = { status: 200, body: '{}' };
    const actualDelete = await oursSends(() => scheduler.deleteSchedule(key));
    expect(comparable(actualDelete)).toEqual(comparable(expectedDelete));
    expect(actualDelete.query.clientToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('throws ConflictException and ResourceNotFoundException as classes, from AWS’s header with its URL suffix', async () => {
    reply = {
      status: 409,
      headers: { 'x-amzn-errortype': 'ConflictException:http://internal.amazon.com/coral/com.amazonaws.chronos/' },
      body: '{"Message":"Schedule INC1-resolution-50 already exists."}',
    };
    const conflict = await scheduler.createSchedule(input).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(scheduler.ConflictException);
    expect(conflict).toMatchObject({ name: 'ConflictException', message: 'Schedule INC1-resolution-50 already exists.' });

    reply = { status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: '{"Message":"Schedule x does not exist."}' };
    const missing = await scheduler.getSchedule({ Name: 'x', GroupName: 'g' }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(scheduler.ResourceNotFoundException);
    expect(missing).not.toBeInstanceOf(scheduler.ConflictException);
  });
});

describe('S3 on the wire', async () => {
  const s3 = await import('../../functions/shared/aws/s3.ts');

  it('PutObject: the same virtual-hosted request, content type and metadata as headers, the body signed', async () => {
    const body = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]);
    const input = {
      Bucket: 'open-itsm-search-index',
      Key: 'search/articles.json.gz',
      Body: body,
      ContentType: 'application/gzip',
      Metadata: { 'as-of': 'x', documents: '3' },
    };
    const expected = await sdkSends((config) => new S3Client(config).send(new PutObjectCommand(input)));
    reply = { status: 200, headers: { etag: '"abc"' } };
    const actual = await oursSends(() => s3.putObject(input));
    const headers = ['content-type', 'x-amz-meta-as-of', 'x-amz-meta-documents'];
    expect({ ...comparable(actual, { headers }), body: actual.body }).toEqual({ ...comparable(expected, { headers }), body: expected.body });
    expect(actual.host).toBe('open-itsm-search-index.s3.us-east-1.amazonaws.com');
    expect(actual.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('GetObject: the same request (a key with spaces and unicode escaped once); body and metadata read back', async () => {
    const input = { Bucket: 'open-itsm-inbound-email', Key: 'inbound/a b+é(1).eml' };
    const expected = await sdkSends((config) => new S3Client(config).send(new GetObjectCommand(input)));
    reply = { status: 200, headers: { 'content-type': 'message/rfc822', 'x-amz-meta-documents': '3', etag: '"e"' }, body: 'From: a@b' };
    let output: Awaited<ReturnType<typeof s3.getObject>> | undefined;
    const actual = await oursSends(async () => {
      output = await s3.getObject(input);
    });
    expect(comparable(actual)).toEqual(comparable(expected));
    expect(actual.path).toBe(expected.path.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
    expect(output).toMatchObject({ ContentType: 'message/rfc822', ETag: '"e"', Metadata: { documents: '3' } });
    expect(output?.Body.toString('utf8')).toBe('From: a@b');
  });

  it('addresses a bucket whose name is no host label path-style', async () => {
    reply = { status: 200, body: 'x' };
    const actual = await oursSends(() => s3.getObject({ Bucket: 'my.dotted.bucket', Key: 'k' }));
    expect({ host: actual.host, path: actual.path }).toEqual({ host: 's3.us-east-1.amazonaws.com', path: '/my.dotted.bucket/k' });
  });

  it('throws NoSuchKey as its class; a 404 without a body (no XML) is NotFound', async () => {
    reply = {
      status: 404,
      headers: { 'x-amz-request-id': 'R1' },
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>k</Key><RequestId>R1</RequestId><HostId>h</HostId></Error>',
    };
    const missing = await s3.getObject({ Bucket: 'open-itsm-search-index', Key: 'k' }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(s3.NoSuchKey);
    expect(missing).toMatchObject({ name: 'NoSuchKey', Key: 'k', $metadata: { httpStatusCode: 404, requestId: 'R1', attempts: 1 } });

    reply = { status: 404 };
    await expect(s3.getObject({ Bucket: 'open-itsm-search-index', Key: 'k' })).rejects.toMatchObject({ name: 'NotFound' });
  });
});

describe('SESv2 on the wire', async () => {
  const { sendEmail } = await import('../../functions/shared/aws/sesv2.ts');

  it('SendEmail: the same request at email.<region>; the MessageId read back', async () => {
    const input = {
      FromEmailAddress: 'service-desk@example.com',
      Destination: { ToAddresses: ['carol@example.com'] },
      ReplyToAddresses: ['reply@example.com'],
      Content: {
        Simple: {
          Subject: { Data: '[REQ0000001] Received', Charset: 'UTF-8' },
          Body: { Text: { Data: 'hello', Charset: 'UTF-8' } },
          Headers: [{ Name: 'Auto-Submitted', Value: 'auto-generated' }],
        },
      },
    };
    const expected = await sdkSends((config) => new SESv2Client(config).send(new SendEmailCommand(input)));
    reply = { status: 200, body: JSON.stringify({ MessageId: 'm-1' }) };
    let output: unknown;
    const actual = await oursSends(async () => {
      output = await sendEmail(input);
    });
    expect(comparable(actual, { json: true, headers: ['content-type'] })).toEqual(comparable(expected, { json: true, headers: ['content-type'] }));
    expect(actual.host).toBe('email.us-east-1.amazonaws.com');
    expect(actual.headers.authorization).toContain('/us-east-1/ses/aws4_request');
    expect(output).toEqual({ MessageId: 'm-1' });
  });
});
