import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as sdk from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../functions/shared/aws/errors.ts';
import * as ours from '../../functions/shared/store/dynamodb.ts';

/*
 * Our document client against @aws-sdk/lib-dynamodb, configured as db.ts configured it: both send
 * to one fake DynamoDB that records what arrives and answers what each case says. Same commands in,
 * the same wire documents must go out and the same values come back; refusals must be the same
 * errors (name, fields, status), retries as the SDK's standard mode.
 */

interface Received {
  readonly target: string;
  readonly body: Record<string, unknown>;
  readonly headers: IncomingMessage['headers'];
}
type Answer = { status?: number; body?: unknown; headers?: Record<string, string>; destroy?: boolean };

let server: Server;
let received: Received[] = [];
let answers: Answer[] = [];
let sdkClient: sdk.DynamoDBDocumentClient;
const db = new ours.DynamoDBDocument();

function handle(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({ target: String(request.headers['x-amz-target']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: request.headers });
    const answer = answers.length > 1 ? (answers.shift() as Answer) : (answers[0] ?? {});
    if (answer.destroy === true) {
      request.socket.destroy();
      return;
    }
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'REQ1', ...answer.headers });
    response.end(JSON.stringify(answer.body ?? {}));
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' });
  sdkClient = sdk.DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } }),
    { marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false } },
  );
});

afterAll(async () => {
  sdkClient.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  answers = [];
});

type AnyCommand = new (input: never) => { readonly input: object };
const COMMANDS = {
  GetCommand: [sdk.GetCommand, ours.GetCommand],
  PutCommand: [sdk.PutCommand, ours.PutCommand],
  UpdateCommand: [sdk.UpdateCommand, ours.UpdateCommand],
  DeleteCommand: [sdk.DeleteCommand, ours.DeleteCommand],
  QueryCommand: [sdk.QueryCommand, ours.QueryCommand],
  TransactWriteCommand: [sdk.TransactWriteCommand, ours.TransactWriteCommand],
  BatchGetCommand: [sdk.BatchGetCommand, ours.BatchGetCommand],
  BatchWriteCommand: [sdk.BatchWriteCommand, ours.BatchWriteCommand],
} satisfies Record<string, readonly [AnyCommand, AnyCommand]>;

/** Sends the same input through both clients; answers both outputs and both wire documents. */
async function both(command: keyof typeof COMMANDS, input: object, answer: Answer = {}) {
  answers = [answer];
  const [SdkCommand, OurCommand] = COMMANDS[command] as unknown as [new (input: object) => sdk.GetCommand, new (input: object) => ours.GetCommand];
  const sdkOutput = (await sdkClient.send(new SdkCommand(structuredClone(input)))) as unknown as Record<string, unknown>;
  const ourOutput = (await db.send(new OurCommand(structuredClone(input)))) as unknown as Record<string, unknown>;
  const [sdkWire, ourWire] = received.map(({ target, body }) => ({ target, body: { ...body, ClientRequestToken: undefined } }));
  const { $metadata: _sdkMetadata, ...sdkRest } = sdkOutput;
  const { $metadata: _ourMetadata, ...ourRest } = ourOutput;
  return { sdkWire, ourWire, sdkOutput: sdkRest, ourOutput: ourRest };
}

const NATIVE_ITEM = {
  pk: 'INCIDENT#1',
  sk: 'INCIDENT',
  title: 'Mail down',
  empty: '',
  count: 42,
  ratio: 0.25,
  negative: -7,
  open: true,
  nothing: null,
  gone: undefined,
  tags: new Set(['a', 'b']),
  numbers: new Set([1, 2]),
  bytes: new Uint8Array([0, 1, 2, 250]),
  list: ['x', 1, { deep: undefined, kept: 'y' }, [true]],
  nested: { a: { b: { c: 'd', u: undefined } }, emptyList: [], emptyMap: {} },
};

const WIRE_ITEM = {
  pk: { S: 'INCIDENT#1' },
  title: { S: 'Mail down' },
  empty: { S: '' },
  count: { N: '42' },
  ratio: { N: '0.25' },
  open: { BOOL: true },
  nothing: { NULL: true },
  tags: { SS: ['a', 'b'] },
  numbers: { NS: ['1', '2'] },
  bytes: { B: Buffer.from([0, 1, 2, 250]).toString('base64') },
  blobs: { BS: [Buffer.from('hi').toString('base64')] },
  list: { L: [{ S: 'x' }, { N: '1' }, { M: { kept: { S: 'y' } } }, { L: [{ BOOL: true }] }] },
  nested: { M: { a: { M: { b: { M: { c: { S: 'd' } } } } }, emptyList: { L: [] }, emptyMap: { M: {} } } },
};

describe('the document client marshals as lib-dynamodb does', () => {
  it('PutItem: the item and the condition values, undefined removed at every depth', async () => {
    const r = await both(
      'PutCommand',
      {
        TableName: 't',
        Item: NATIVE_ITEM,
        ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
        ExpressionAttributeValues: { ':v': 3, ':unused': undefined },
        ReturnValues: 'ALL_OLD',
      },
      { body: { Attributes: WIRE_ITEM } },
    );
    expect(r.ourWire).toEqual(r.sdkWire);
    expect(r.ourOutput).toEqual(r.sdkOutput);
    expect((r.ourOutput.Attributes as Record<string, unknown>).bytes).toEqual(new Uint8Array([0, 1, 2, 250]));
  });

  it('GetItem, UpdateItem and DeleteItem: key, values and the item back', async () => {
    for (const [command, input, answer] of [
      [
        'GetCommand',
        { TableName: 't', Key: { pk: 'A', sk: 'B' }, ConsistentRead: true, ProjectionExpression: '#a', ExpressionAttributeNames: { '#a': 'x' } },
        { Item: WIRE_ITEM },
      ],
      ['GetCommand', { TableName: 't', Key: { pk: 'A', sk: 'missing' } }, {}],
      [
        'UpdateCommand',
        {
          TableName: 't',
          Key: { pk: 'A', sk: 'B' },
          UpdateExpression: 'SET #s = :s, tags = :tags ADD n :one',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'new', ':tags': new Set(['x']), ':one': 1, ':list': [1, undefined, 2] },
          ReturnValues: 'ALL_NEW',
        },
        { Attributes: { n: { N: '2' } } },
      ],
      ['DeleteCommand', { TableName: 't', Key: { pk: 'A', sk: 'B' }, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 1 } }, {}],
    ] as const) {
      const r = await both(command, input, { body: answer });
      expect(r.ourWire, command).toEqual(r.sdkWire);
      expect(r.ourOutput, command).toEqual(r.sdkOutput);
    }
  });

  it('Query: start key, values, every item and the last key back', async () => {
    const r = await both(
      'QueryCommand',
      {
        TableName: 't',
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        FilterExpression: '#s IN (:a, :b)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pk': 'INCIDENT', ':prefix': '2026', ':a': 'new', ':b': 'open' },
        ExclusiveStartKey: { pk: 'INCIDENT#1', sk: 'INCIDENT', gsi1pk: 'INCIDENT', gsi1sk: '2026-01' },
        Limit: 20,
        ScanIndexForward: false,
      },
      { body: { Items: [WIRE_ITEM, { pk: { S: 'B' } }], Count: 2, ScannedCount: 3, LastEvaluatedKey: { pk: { S: 'B' }, sk: { S: 'X' } } } },
    );
    expect(r.ourWire).toEqual(r.sdkWire);
    expect(r.ourOutput).toEqual(r.sdkOutput);
  });

  it('TransactWriteItems: every kind of item; a client request token per send', async () => {
    const r = await both('TransactWriteCommand', {
      TransactItems: [
        { Put: { TableName: 't', Item: NATIVE_ITEM, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Update: { TableName: 't', Key: { pk: 'A', sk: 'B' }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': 2 } } },
        { Delete: { TableName: 't', Key: { pk: 'C', sk: 'D' } } },
        {
          ConditionCheck: {
            TableName: 't',
            Key: { pk: 'E', sk: 'F' },
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': 1 },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ],
    });
    expect(r.ourWire).toEqual(r.sdkWire);
    expect(r.ourOutput).toEqual(r.sdkOutput);
    expect(received[1]?.body.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('BatchGetItem and BatchWriteItem: keys and items each way, unprocessed ones back', async () => {
    const get = await both(
      'BatchGetCommand',
      {
        RequestItems: {
          t: {
            Keys: [
              { pk: 'A', sk: 'B' },
              { pk: 'C', sk: 'D' },
            ],
            ConsistentRead: true,
          },
        },
      },
      { body: { Responses: { t: [WIRE_ITEM] }, UnprocessedKeys: { t: { Keys: [{ pk: { S: 'C' }, sk: { S: 'D' } }], ConsistentRead: true } } } },
    );
    expect(get.ourWire).toEqual(get.sdkWire);
    expect(get.ourOutput).toEqual(get.sdkOutput);
    received = [];
    const write = await both(
      'BatchWriteCommand',
      { RequestItems: { t: [{ PutRequest: { Item: NATIVE_ITEM } }, { DeleteRequest: { Key: { pk: 'A', sk: 'B' } } }] } },
      { body: { UnprocessedItems: { t: [{ DeleteRequest: { Key: { pk: { S: 'A' }, sk: { S: 'B' } } } }] } } },
    );
    expect(write.ourWire).toEqual(write.sdkWire);
    expect(write.ourOutput).toEqual(write.sdkOutput);
  });

  it('refuses to marshal what lib-dynamodb refuses (a class instance, an unsafe number)', async () => {
    for (const value of [new Date(0), 2 ** 60]) {
      answers = [{}];
      const sdkError = await sdkClient.send(new sdk.PutCommand({ TableName: 't', Item: { pk: 'A', value } })).catch((e: Error) => e);
      const ourError = await db.send(new ours.PutCommand({ TableName: 't', Item: { pk: 'A', value } })).catch((e: Error) => e);
      expect(ourError).toBeInstanceOf(Error);
      expect((ourError as Error).message).toBe((sdkError as Error).message);
    }
  });
});

describe('commands', () => {
  it("sends its own commands only: lib-dynamodb's are refused before anything is sent, naming where ours are", async () => {
    const sdkCommand = new sdk.GetCommand({ TableName: 't', Key: { pk: 'A' } }) as unknown as ours.GetCommand;
    await expect(db.send(sdkCommand)).rejects.toThrow('GetCommand is not a command of functions/shared/store/dynamodb.ts');
    expect(received).toEqual([]);
  });
});

describe('refusals are the SDK errors', () => {
  const refusal = (type: string, fields: object = {}, status = 400): Answer => ({
    status,
    body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `${type} happened`, ...fields },
  });

  it('ConditionalCheckFailedException: a subclass, its Item as DynamoDB sent it, status and request id', async () => {
    answers = [refusal('ConditionalCheckFailedException', { Item: { pk: { S: 'A' }, version: { N: '4' } } })];
    const error = await db
      .send(new ours.PutCommand({ TableName: 't', Item: { pk: 'A' }, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 3 } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ours.ConditionalCheckFailedException);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'ConditionalCheckFailedException happened',
      Item: { pk: { S: 'A' }, version: { N: '4' } },
      $metadata: { httpStatusCode: 400, requestId: 'REQ1', attempts: 1 },
    });
    expect(received).toHaveLength(1);
  });

  it('TransactionCanceledException: its CancellationReasons as the SDK gives them; a conflict is not retried', async () => {
    const reasons = [
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'failed', Item: { pk: { S: 'A' }, version: { N: '2' } } },
      { Code: 'TransactionConflict' },
    ];
    answers = [refusal('TransactionCanceledException', { CancellationReasons: reasons })];
    const input = { TransactItems: [{ Delete: { TableName: 't', Key: { pk: 'A', sk: 'B' } } }] };
    const sdkError = (await sdkClient.send(new sdk.TransactWriteCommand(input)).catch((e: unknown) => e)) as Record<string, unknown>;
    received = [];
    const ourError = (await db.send(new ours.TransactWriteCommand(input)).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(ourError).toBeInstanceOf(ours.TransactionCanceledException);
    expect(ourError.name).toBe(sdkError.name);
    expect(ourError.message).toBe(sdkError.message);
    expect(ourError.CancellationReasons).toEqual(sdkError.CancellationReasons);
    expect(received).toHaveLength(1);
  });

  it('ValidationException from an x-amzn-ErrorType header is an AwsServiceError by that name, not retried', async () => {
    answers = [
      {
        status: 400,
        headers: { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/' },
        body: { Message: 'bad key' },
      },
    ];
    const error = await db.send(new ours.GetCommand({ TableName: 't', Key: { pk: 'A' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).not.toBeInstanceOf(ours.ConditionalCheckFailedException);
    expect(error).toMatchObject({ name: 'ValidationException', message: 'bad key' });
    expect(received).toHaveLength(1);
  });
});

describe('retries as the SDK standard mode does', () => {
  it('retries a 500, throttling and a broken connection, up to 3 requests in all', async () => {
    answers = [refusal500(), { status: 400, body: { __type: 'ThrottlingException', message: 'slow down' } }, { body: { Item: { pk: { S: 'A' } } } }];
    const output = await db.send(new ours.GetCommand({ TableName: 't', Key: { pk: 'A' } }));
    expect(output.Item).toEqual({ pk: 'A' });
    expect(received).toHaveLength(3);

    received = [];
    answers = [{ destroy: true }, { body: { Item: { pk: { S: 'B' } } } }];
    expect((await db.send(new ours.GetCommand({ TableName: 't', Key: { pk: 'B' } }))).Item).toEqual({ pk: 'B' });
    expect(received).toHaveLength(2);
  });

  it('gives up after the third request with the last refusal', async () => {
    answers = [{ status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'too fast' } }];
    const error = await db.send(new ours.GetCommand({ TableName: 't', Key: { pk: 'A' } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { attempts: 3 } });
    expect(received).toHaveLength(3);
  });

  it('signs every request with the session token when there is one', async () => {
    process.env.AWS_SESSION_TOKEN = 'token-1';
    try {
      answers = [{ body: {} }];
      await db.send(new ours.GetCommand({ TableName: 't', Key: { pk: 'A' } }));
      expect(received[0]?.headers['x-amz-security-token']).toBe('token-1');
      expect(received[0]?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=[^,]*x-amz-security-token/,
      );
    } finally {
      delete process.env.AWS_SESSION_TOKEN;
    }
  });
});

function refusal500(): Answer {
  return { status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' } };
}
