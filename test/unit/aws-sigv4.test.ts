import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { type AwsCredentials, escapePath, type SignableRequest, signRequest } from '../../functions/shared/aws/sigv4.ts';

const bytes = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** The SDK's signer takes a hash class; node:crypto behind its interface. */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined || typeof secret === 'string' ? secret : bytes(secret);
    this.#hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(typeof data === 'string' ? data : bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

const DATE = new Date('2026-11-22T16:20:05.123Z');
const KEYS: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SESSION: AwsCredentials = { ...KEYS, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token=' };

interface Case {
  readonly request: SignableRequest;
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly s3?: boolean;
}

async function smithySignature({ request, service, credentials, s3 = false }: Case): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service, region: 'eu-west-1', credentials, sha256: Sha256, uriEscapePath: !s3, applyChecksum: s3 });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: request.host,
      path: request.path,
      query: (request.query ?? {}) as Record<string, string | string[]>,
      headers: { ...request.headers, host: request.host },
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    { signingDate: DATE },
  );
  return Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
}

const ours = ({ request, service, credentials, s3 = false }: Case) =>
  signRequest(request, { service, region: 'eu-west-1', credentials, date: DATE, uriEscapePath: !s3, contentSha256Header: s3 });

const CASES: Record<string, Case> = {
  'a GET with a query string (repeated names, reserved characters, spaces, unicode)': {
    service: 'sns',
    credentials: KEYS,
    request: {
      method: 'GET',
      host: 'sns.eu-west-1.amazonaws.com',
      path: '/',
      query: { Action: 'Publish', Message: "it's (urgent)! *now* ~ a+b=c & d é", 'Tag.b': ['z', 'a'], Empty: '', Version: '2010-03-31' },
    },
  },
  'a JSON POST with a session token': {
    service: 'dynamodb',
    credentials: SESSION,
    request: {
      method: 'POST',
      host: 'dynamodb.eu-west-1.amazonaws.com',
      path: '/',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.GetItem', 'user-agent': 'not signed' },
      body: JSON.stringify({ TableName: 't', Key: { pk: { S: 'INCIDENT#1' }, sk: { S: 'INCIDENT' } } }),
    },
  },
  'a REST POST whose path is encoded once more, with ., .. and empty segments removed': {
    service: 'scheduler',
    credentials: SESSION,
    request: {
      method: 'POST',
      host: 'localhost:4566',
      path: `/schedules/${escapePath('sla timer:incident#1')}/./x/..//`,
      query: { clientToken: 'abc' },
      headers: { 'content-type': 'application/json', 'x-custom': '  spaced    value  ' },
      body: '{"ScheduleExpression":"at(2026-11-22T17:00:00)"}',
    },
  },
  'an S3 PUT: the path signed as sent, the payload hash sent': {
    service: 's3',
    credentials: SESSION,
    s3: true,
    request: {
      method: 'PUT',
      host: 'my-bucket.s3.eu-west-1.amazonaws.com',
      path: escapePath('/search/index v2/a+b (1).json'),
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode('{"documents":[]}'),
    },
  },
  'an S3 GET with an unsigned payload and a query': {
    service: 's3',
    credentials: KEYS,
    s3: true,
    request: {
      method: 'GET',
      host: 'localhost:9000',
      path: '/bucket/inbound//mail%2Fmessage.eml',
      query: { 'x-id': 'GetObject', versionId: 'v/1' },
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
  },
};

describe('signRequest', () => {
  for (const [name, testCase] of Object.entries(CASES)) {
    it(`signs ${name} as @smithy/signature-v4 does`, async () => {
      const expected = await smithySignature(testCase);
      const actual = ours(testCase);
      expect(actual.authorization).toBe(expected.authorization);
      expect(actual['x-amz-date']).toBe(expected['x-amz-date']);
      expect(actual['x-amz-security-token']).toBe(expected['x-amz-security-token']);
      expect(actual['x-amz-content-sha256']).toBe(expected['x-amz-content-sha256']);
    });
  }

  it('matches the AWS test suite vector get-vanilla', () => {
    const headers = signRequest(
      { method: 'GET', host: 'example.amazonaws.com', path: '/' },
      { service: 'service', region: 'us-east-1', credentials: KEYS, date: new Date('2015-08-30T12:36:00Z') },
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });
});
