import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { RawHandler } from './aws-endpoint.ts';

/**
 * S3, locally, as much as the stream consumers' failure buckets need: PutObject, GetObject,
 * HeadObject, DeleteObject, ListObjects (V2 and the original) and HeadBucket on a fixed set of buckets, path-style (`/<bucket>/<key>`, which
 * the v3 SDK uses by itself for an IP endpoint such as `AWS_ENDPOINT_URL_S3=http://127.0.0.1:4000`),
 * with S3's XML answers. Each object is a file under `<dir>/<bucket>/` named by its URI-encoded
 * key, so objects survive a restart; its mtime is its LastModified. Signatures are not checked.
 */
export interface LocalS3 {
  readonly handler: RawHandler;
  /** What the local event source mappings write, as Lambda does with PutObject. */
  putObject(bucket: string, key: string, body: string | Buffer): void;
}

/** A key longer than a file name allows (S3 allows 1,024 bytes; here ~250 once encoded) is refused. */
const MAX_FILE_NAME = 250;

const xmlText = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

function xml(response: ServerResponse, status: number, body: string): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  response.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}

const s3Error = (response: ServerResponse, status: number, code: string, message: string, resource: string) =>
  xml(response, status, `<Error><Code>${code}</Code><Message>${xmlText(message)}</Message><Resource>${xmlText(resource)}</Resource></Error>`);

/** A body the SDK sent as `aws-chunked` (a streamed upload with a trailing checksum): its data alone. */
function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function createLocalS3(options: { readonly dir: string; readonly buckets: readonly string[] }): LocalS3 {
  const buckets = new Set(options.buckets);
  for (const bucket of buckets) mkdirSync(join(options.dir, bucket), { recursive: true });
  const fileOf = (bucket: string, key: string) => join(options.dir, bucket, encodeURIComponent(key));

  function putObject(bucket: string, key: string, body: string | Buffer): void {
    if (!buckets.has(bucket)) throw new Error(`no local bucket ${bucket}`);
    const file = fileOf(bucket, key);
    if (encodeURIComponent(key).length > MAX_FILE_NAME) throw new Error(`key too long for the local S3: ${key}`);
    writeFileSync(`${file}.tmp`, body);
    renameSync(`${file}.tmp`, file);
  }

  /**
   * ListObjectsV2 (`list-type=2`: continuation-token, start-after, KeyCount) or the original
   * ListObjects (marker, NextMarker), which differ only in how a page names where the next starts.
   */
  function listObjects(bucket: string, url: URL, response: ServerResponse): void {
    const v2 = url.searchParams.get('list-type') === '2';
    const prefix = url.searchParams.get('prefix') ?? '';
    const after = (v2 ? (url.searchParams.get('continuation-token') ?? url.searchParams.get('start-after')) : url.searchParams.get('marker')) ?? '';
    const maxKeys = Math.min(1000, Math.max(0, Number(url.searchParams.get('max-keys') ?? 1000) || 0));
    // S3 lists in UTF-8 byte order.
    const keys = readdirSync(join(options.dir, bucket))
      .filter((name) => !name.endsWith('.tmp'))
      .map((name) => decodeURIComponent(name))
      .filter((k) => k.startsWith(prefix) && (after === '' || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const file = fileOf(bucket, k);
        const stat = statSync(file);
        return `<Contents><Key>${xmlText(k)}</Key><LastModified>${stat.mtime.toISOString()}</LastModified><ETag>${xmlText(etagOf(readFileSync(file)))}</ETag><Size>${stat.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next = truncated ? xmlText(page.at(-1) as string) : undefined;
    const paging = v2
      ? `<KeyCount>${page.length}</KeyCount>${next === undefined ? '' : `<NextContinuationToken>${next}</NextContinuationToken>`}`
      : `<Marker>${xmlText(after)}</Marker>${next === undefined ? '' : `<NextMarker>${next}</NextMarker>`}`;
    xml(
      response,
      200,
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlText(bucket)}</Name><Prefix>${xmlText(prefix)}</Prefix>${paging}<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}</ListBucketResult>`,
    );
  }

  const handler: RawHandler = async (request, url, body, response) => {
    const [, bucket = '', ...keyParts] = url.pathname.split('/');
    if (!buckets.has(bucket)) return false;
    const key = decodeURIComponent(keyParts.join('/'));
    const resource = `/${bucket}/${key}`;

    if (key === '') {
      if (request.method === 'HEAD') {
        // HeadBucket: the bucket is there (the runtime creates its buckets, and only those).
        response.writeHead(200).end();
        return true;
      }
      if (request.method !== 'GET') {
        // The runtime owns its buckets' lifecycle; creating or deleting buckets is not for callers.
        s3Error(response, 405, 'MethodNotAllowed', `${request.method} is not allowed on a bucket here: the local runtime creates its buckets`, resource);
        return true;
      }
      listObjects(bucket, url, response);
      return true;
    }

    const file = fileOf(bucket, key);
    switch (request.method) {
      case 'PUT': {
        const chunked =
          String(request.headers['content-encoding'] ?? '').includes('aws-chunked') ||
          String(request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
        const data = chunked ? unchunk(body) : body;
        try {
          putObject(bucket, key, data);
        } catch (error) {
          s3Error(response, 400, 'KeyTooLongError', String((error as Error).message), resource);
          return true;
        }
        response.writeHead(200, { etag: etagOf(data), 'content-length': '0' });
        response.end();
        return true;
      }
      case 'GET':
      case 'HEAD': {
        let data: Buffer;
        try {
          data = readFileSync(file);
        } catch {
          if (request.method === 'HEAD') {
            response.writeHead(404).end();
            return true;
          }
          s3Error(response, 404, 'NoSuchKey', 'The specified key does not exist.', resource);
          return true;
        }
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': String(data.length),
          etag: etagOf(data),
          'last-modified': statSync(file).mtime.toUTCString(),
        });
        response.end(request.method === 'HEAD' ? undefined : data);
        return true;
      }
      case 'DELETE':
        // As in S3, deleting a key that is not there succeeds.
        rmSync(file, { force: true });
        response.writeHead(204).end();
        return true;
      default:
        s3Error(response, 405, 'MethodNotAllowed', `${request.method} is not allowed on an object here`, resource);
        return true;
    }
  };

  return { handler, putObject };
}
