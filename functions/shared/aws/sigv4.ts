import { createHash, createHmac } from 'node:crypto';

/*
 * AWS Signature Version 4, header-based, with node:crypto: what @smithy/signature-v4 computes for a
 * request (test/unit/aws-sigv4.test.ts compares the two), without loading the SDK. Only what our
 * clients send is covered: no presigning, no event streams, no SigV4a.
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Query parameters; a list repeats the name (`a=1&a=2`). */
export type QueryParameters = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface SignableRequest {
  readonly method: string;
  /** Host as it goes in the Host header: with the port when it is not the scheme's default. */
  readonly host: string;
  /** The path as sent on the wire, already percent-encoded (escapePath). */
  readonly path: string;
  readonly query?: QueryParameters;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export interface SigningParameters {
  /** The signing name: dynamodb, s3, sns, ses, scheduler, states, events. */
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** The signing time; now if absent. */
  readonly date?: Date;
  /**
   * S3 signs the path as sent; every other service signs it percent-encoded once more (and with
   * `.`, `..` and empty segments removed). False for S3.
   */
  readonly uriEscapePath?: boolean;
  /** Send the payload hash as x-amz-content-sha256 (S3 requires it). A value the caller set (UNSIGNED-PAYLOAD) wins. */
  readonly contentSha256Header?: boolean;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Headers proxies and clients may add or change on the way: signing them would break the signature. */
const UNSIGNABLE_HEADERS = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

const hexEncode = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/** RFC 3986 percent-encoding, as SigV4 wants it: encodeURIComponent leaves !'()* alone, SigV4 does not. */
export const escapeUri = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, hexEncode);

/** A path of raw segments ('/bucket/key with spaces/x') percent-encoded for the wire, slashes kept. */
export const escapePath = (path: string): string => path.split('/').map(escapeUri).join('/');

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** The query string in canonical order and encoding: the same string is signed and sent. */
export function canonicalQueryString(query: QueryParameters | undefined): string {
  if (query === undefined) return '';
  const pairs: string[] = [];
  const byKey = new Map<string, string[]>();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || name.toLowerCase() === 'x-amz-signature') continue;
    const key = escapeUri(name);
    const values = typeof value === 'string' ? [value] : value;
    byKey.set(
      key,
      values.map((v) => `${key}=${escapeUri(v)}`),
    );
  }
  for (const key of [...byKey.keys()].sort()) pairs.push(...(byKey.get(key) ?? []).sort());
  return pairs.join('&');
}

function canonicalPath(path: string, uriEscapePath: boolean): string {
  if (!uriEscapePath) return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

const amzDate = (date: Date): string =>
  date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

let cachedKey: { readonly id: string; readonly key: Buffer } | undefined;

/** The day's signing key; one HMAC chain per day, region and service is enough, so the last is kept. */
function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const id = `${shortDate}/${region}/${service}/${secretAccessKey}`;
  if (cachedKey?.id === id) return cachedKey.key;
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, shortDate), region), service), 'aws4_request');
  cachedKey = { id, key };
  return key;
}

/**
 * The headers to send: the request's own (names lower-cased) plus host, x-amz-date,
 * x-amz-security-token (with a session token), x-amz-content-sha256 (when asked) and authorization.
 */
export function signRequest(request: SignableRequest, parameters: SigningParameters): Record<string, string> {
  const { credentials, region, service } = parameters;
  const longDate = amzDate(parameters.date ?? new Date());
  const shortDate = longDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'x-amz-date' || lower === 'date') continue;
    headers[lower] = value;
  }
  headers.host = request.host;
  headers['x-amz-date'] = longDate;
  if (credentials.sessionToken !== undefined && credentials.sessionToken !== '') headers['x-amz-security-token'] = credentials.sessionToken;
  const payloadHash = headers['x-amz-content-sha256'] ?? (request.body === undefined ? EMPTY_SHA256 : sha256Hex(request.body));
  if (parameters.contentSha256Header === true) headers['x-amz-content-sha256'] = payloadHash;

  const signedNames = Object.keys(headers)
    .filter((name) => !UNSIGNABLE_HEADERS.has(name) && !name.startsWith('proxy-') && !name.startsWith('sec-'))
    .sort();
  const canonicalHeaders = signedNames
    .map(
      (name) =>
        `${name}:${(headers[name] ?? '')
          .replace(/[\r\n]/g, ' ')
          .replace(/[ \t]+/g, ' ')
          .replace(/^ | $/g, '')}\n`,
    )
    .join('');
  const signedHeaders = signedNames.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.path, parameters.uriEscapePath !== false),
    canonicalQueryString(request.query),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${shortDate}/${region}/${service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, shortDate, region, service))
    .update(stringToSign, 'utf8')
    .digest('hex');
  headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
