import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '../../functions/shared/errors.ts';
import { httpHandler } from '../../functions/shared/http/handler.ts';
import { eventFields, log, withLogContext } from '../../functions/shared/log.ts';
import { type CapturedLogs, captureLogLines } from '../support/logs.ts';

// vitest.config.ts sets LOG_LEVEL=warn for the suite; these tests read info lines too. Hoisted:
// log.ts reads the level once, when it is first imported.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'info';
});

const lambdaContext = (awsRequestId: string): Context =>
  ({
    awsRequestId,
    functionName: 'local-createIncident',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:local-createIncident',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 10_000,
  }) as unknown as Context;

function httpEvent(requestId: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /incidents',
    rawPath: '/incidents',
    rawQueryString: '',
    headers: {},
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: { method: 'GET', path: '/incidents', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId,
      routeKey: 'GET /incidents',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let logs: CapturedLogs;
beforeEach(() => {
  logs = captureLogLines();
});
afterEach(() => {
  logs.restore();
});

describe('log (Powertools Logger behind the house call signature)', () => {
  it('writes one JSON line with the message, the level, the service and the fields; info to stdout, error to stderr', () => {
    log.info('event applied', { eventId: 'e1', attempt: 2 });
    log.error('event not applied', { eventId: 'e2' });
    expect(logs.lines()).toMatchObject([
      { stream: 'stdout', entry: { level: 'INFO', message: 'event applied', service: 'open-itsm', eventId: 'e1', attempt: 2, timestamp: expect.any(String) } },
      { stream: 'stderr', entry: { level: 'ERROR', message: 'event not applied', eventId: 'e2' } },
    ]);
  });

  it('writes an Error under `error` with its name, message and stack', () => {
    log.error('failed', { error: new TypeError('no table') });
    expect(logs.errors()[0]?.error).toMatchObject({ name: 'TypeError', message: 'no table', stack: expect.stringContaining('TypeError: no table') });
  });

  it('carries no request ids outside an invocation', () => {
    log.info('module loaded');
    expect(logs.lines()[0]?.entry).not.toHaveProperty('function_request_id');
    expect(logs.lines()[0]?.entry).not.toHaveProperty('correlation_id');
  });
});

describe('withLogContext', () => {
  it('puts the Lambda context on every line of the invocation, awaited work included, and only there', async () => {
    const handler = withLogContext(async (event: { batch: string }) => {
      log.info('batch started');
      await pause(5);
      log.warn('record skipped', { batch: event.batch });
      return 'done';
    });
    expect(await handler({ batch: 'b1' }, lambdaContext('lambda-1'))).toBe('done');
    log.info('after');
    const [started, skipped, after] = logs.lines().map((line) => line.entry);
    const lambdaKeys = {
      function_request_id: 'lambda-1',
      function_name: 'local-createIncident',
      function_arn: 'arn:aws:lambda:local:000000000000:function:local-createIncident',
      function_memory_size: 512,
      cold_start: expect.any(Boolean),
    };
    expect(started).toMatchObject(lambdaKeys);
    expect(skipped).toMatchObject({ ...lambdaKeys, batch: 'b1', level: 'WARN' });
    expect(after).not.toHaveProperty('function_request_id');
  });

  it('keeps overlapping invocations of one module apart (the local runtime serves them concurrently)', async () => {
    const handler = withLogContext(
      async (event: { id: string; wait: number }) => {
        log.info('first');
        await pause(event.wait);
        log.info('second');
      },
      (event) => ({ correlation_id: event.id }),
    );
    await Promise.all([handler({ id: 'gw-slow', wait: 20 }, lambdaContext('lambda-slow')), handler({ id: 'gw-fast', wait: 1 }, lambdaContext('lambda-fast'))]);
    const entries = logs.lines().map((line) => line.entry);
    expect(entries).toHaveLength(4);
    for (const entry of entries) {
      expect(entry.function_request_id).toBe(entry.correlation_id === 'gw-slow' ? 'lambda-slow' : 'lambda-fast');
    }
    expect(entries.map((entry) => entry.correlation_id).sort()).toEqual(['gw-fast', 'gw-fast', 'gw-slow', 'gw-slow']);
  });

  it('says cold_start only for the first invocation a module serves', async () => {
    const handler = withLogContext(async () => log.info('hello'));
    await handler({}, lambdaContext('lambda-a'));
    await handler({}, lambdaContext('lambda-b'));
    // Other tests of this file ran invocations first: the flag belongs to the module instance.
    expect(logs.lines().map((line) => line.entry.cold_start)).toEqual([false, false]);
    vi.resetModules();
    const fresh = await import('../../functions/shared/log.ts');
    const freshHandler = fresh.withLogContext(async () => fresh.log.info('hello'));
    await freshHandler({}, lambdaContext('lambda-c'));
    await freshHandler({}, lambdaContext('lambda-d'));
    expect(
      logs
        .lines()
        .slice(2)
        .map((line) => [line.entry.function_request_id, line.entry.cold_start]),
    ).toEqual([
      ['lambda-c', true],
      ['lambda-d', false],
    ]);
  });

  it('eventFields names ids of the event, and nothing else', () => {
    const keys = eventFields('step', 'changeId', 'round', 'executionArn');
    expect(keys({ step: 'remind', changeId: 'c1', round: 2, taskToken: 'secret', executionArn: 'arn:x', nested: { step: 'x' } })).toEqual({
      step: 'remind',
      changeId: 'c1',
      round: 2,
      executionArn: 'arn:x',
    });
    expect(keys({ step: { not: 'an id' } })).toEqual({});
    expect(keys(null)).toEqual({});
  });
});

describe('LOG_LEVEL', () => {
  it('drops lines below the configured level', async () => {
    process.env.LOG_LEVEL = 'warn';
    try {
      vi.resetModules();
      const fresh = await import('../../functions/shared/log.ts');
      fresh.log.debug('not written');
      fresh.log.info('not written either');
      fresh.log.warn('written');
      expect(logs.lines().map((line) => line.entry.message)).toEqual(['written']);
    } finally {
      process.env.LOG_LEVEL = 'info';
    }
  });
});

describe('httpHandler', () => {
  it("writes API Gateway's and Lambda's request ids on every line of an HTTP invocation, the error middleware's included", async () => {
    const handler = httpHandler(
      async () => {
        log.info('use case started');
        throw new Error('table gone');
      },
      { authenticated: false },
    );
    const result = await handler(httpEvent('gw-1'), lambdaContext('lambda-1'));
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body ?? '')).toMatchObject({ requestId: 'gw-1' });
    const entries = logs.lines().map((line) => line.entry);
    expect(entries.map((entry) => entry.message)).toEqual(['use case started', 'unhandled error']);
    for (const entry of entries) expect(entry).toMatchObject({ correlation_id: 'gw-1', function_request_id: 'lambda-1' });
  });

  it("answers every 5xx with API Gateway's request id, and no 4xx with one", async () => {
    const failing = (error: HttpError) =>
      httpHandler(
        async () => {
          throw error;
        },
        { authenticated: false },
      );
    const unavailable = await failing(new HttpError(503, 'unavailable', 'Service unavailable', 'retry later'))(httpEvent('gw-503'), lambdaContext('l'));
    expect(JSON.parse(unavailable.body ?? '')).toMatchObject({ status: 503, requestId: 'gw-503' });
    const conflict = await failing(new HttpError(409, 'conflict', 'Conflict', 'no'))(httpEvent('gw-409'), lambdaContext('l'));
    expect(JSON.parse(conflict.body ?? '')).not.toHaveProperty('requestId');
  });
});
