import type { IncomingHttpHeaders } from 'node:http';
import { AwsServiceError } from './errors.ts';
import { type AwsRequest, type AwsResponse, type ParsedAwsError, sendAwsRequest } from './request.ts';
import { escapePath, escapeUri } from './sigv4.ts';
import { xmlElementText } from './xml.ts';

/*
 * S3 (REST-XML): GetObject and PutObject, with the SDK's member names; the body is signed (its
 * SHA-256 in x-amz-content-sha256), the path as sent. In AWS a bucket is addressed by its own host
 * (`<bucket>.s3.<region>.amazonaws.com`), as the SDK does; an endpoint from AWS_ENDPOINT_URL_S3 (the
 * local runtime's, any emulator's) is addressed path-style, `/<bucket>/<key>`, as the SDK does for
 * an IP address and emulators expect.
 */

/** GetObject of a key the bucket does not hold; `instanceof` works as with the SDK's class. */
export class NoSuchKey extends AwsServiceError {}
export class NoSuchBucket extends AwsServiceError {}

const S3_ERRORS = { NoSuchKey, NoSuchBucket };

/** What the SDK names an S3 refusal without an XML body (HEAD requests, some proxies). */
const CODE_BY_STATUS: Readonly<Record<number, string>> = { 304: 'NotModified', 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound' };

/** `<Error><Code/><Message/>...</Error>`; the code from the status when there is no body. */
export function parseS3Error(response: AwsResponse): ParsedAwsError {
  const xml = response.body.toString('utf8');
  const code = xmlElementText(xml, 'Code') || CODE_BY_STATUS[response.statusCode] || `Http${response.statusCode}`;
  const fields: Record<string, unknown> = {};
  for (const field of ['Key', 'BucketName', 'Resource', 'RequestId', 'HostId']) {
    const value = xmlElementText(xml, field);
    if (value !== undefined) fields[field] = value;
  }
  return { code, message: xmlElementText(xml, 'Message') || code, fields };
}

/** Names S3 accepts as a host label (no dots: a dotted name would not match S3's TLS certificate). */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** Where the object is: its path, and the host to use when no endpoint is configured. */
function objectLocation(bucket: string, key: string): Pick<AwsRequest, 'path' | 'defaultHost'> {
  const configured = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
  if ((configured === undefined || configured === '') && VIRTUAL_HOSTABLE.test(bucket)) {
    return { path: `/${escapePath(key)}`, defaultHost: (region) => `${bucket}.s3.${region}.amazonaws.com` };
  }
  return { path: `/${escapeUri(bucket)}/${escapePath(key)}`, defaultHost: (region) => `s3.${region}.amazonaws.com` };
}

/** S3's model puts `?x-id=<Operation>` in these operations' URIs; the SDK sends it, S3 ignores it. */
const OPERATION_ID = { getObject: { 'x-id': 'GetObject' }, putObject: { 'x-id': 'PutObject' } } as const;

const headerText = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};

export interface GetObjectOutput {
  /** The whole object. */
  readonly Body: Buffer;
  readonly ContentType?: string;
  readonly ETag?: string;
  readonly LastModified?: Date;
  /** The user metadata (`x-amz-meta-<name>`), names lower-cased as S3 keeps them. */
  readonly Metadata: Readonly<Record<string, string>>;
}

/** The object, read whole; NoSuchKey when the bucket does not hold the key. */
export async function getObject(input: { readonly Bucket: string; readonly Key: string }): Promise<GetObjectOutput> {
  const response = await sendAwsRequest(
    { service: 's3', endpointEnv: 'S3', method: 'GET', ...objectLocation(input.Bucket, input.Key), query: OPERATION_ID.getObject, s3Signing: true },
    { parseError: parseS3Error, errorClasses: S3_ERRORS },
  );
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  const contentType = headerText(response.headers, 'content-type');
  const etag = headerText(response.headers, 'etag');
  const lastModified = headerText(response.headers, 'last-modified');
  return {
    Body: response.body,
    Metadata: metadata,
    ...(contentType === undefined ? {} : { ContentType: contentType }),
    ...(etag === undefined ? {} : { ETag: etag }),
    ...(lastModified === undefined ? {} : { LastModified: new Date(lastModified) }),
  };
}

export interface PutObjectInput {
  readonly Bucket: string;
  readonly Key: string;
  readonly Body: string | Uint8Array;
  readonly ContentType?: string;
  /** User metadata, sent as `x-amz-meta-<name>` headers (ASCII values). */
  readonly Metadata?: Readonly<Record<string, string>>;
}

/** Stores the object, replacing any under the key. */
export async function putObject(input: PutObjectInput): Promise<{ ETag?: string }> {
  const headers: Record<string, string> = {};
  if (input.ContentType !== undefined) headers['content-type'] = input.ContentType;
  for (const [name, value] of Object.entries(input.Metadata ?? {})) headers[`x-amz-meta-${name.toLowerCase()}`] = value;
  const response = await sendAwsRequest(
    {
      service: 's3',
      endpointEnv: 'S3',
      method: 'PUT',
      ...objectLocation(input.Bucket, input.Key),
      query: OPERATION_ID.putObject,
      headers,
      body: input.Body,
      s3Signing: true,
    },
    { parseError: parseS3Error, errorClasses: S3_ERRORS },
  );
  const etag = headerText(response.headers, 'etag');
  return etag === undefined ? {} : { ETag: etag };
}
