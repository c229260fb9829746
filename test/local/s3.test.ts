import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { createLocalS3 } from '../../local/s3.ts';

/*
 * The local S3 stand-in, through the v3 SDK over the wire (as the replay script reaches it with
 * AWS_ENDPOINT_URL_S3): what the failure buckets need, kept in a folder across restarts.
 */
const BUCKET = 'open-itsm-publishoutbox-failures';
const dirs: string[] = [];
const running: AwsEndpoint[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((endpoint) => endpoint.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dir: string) {
  const s3 = createLocalS3({ dir, buckets: [BUCKET] });
  const endpoint = await startAwsEndpoint({ port: 0, services: [], handlers: [s3.handler] });
  running.push(endpoint);
  const client = new S3Client({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return { s3, endpoint, client };
}

describe('the local S3', () => {
  it('puts, lists (in key order, by page and prefix), gets and deletes objects; they survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itsm-s3-test-'));
    dirs.push(dir);
    const first = await start(dir);
    const key = (n: number) => `aws/lambda/0f3c/shardId-000001/2026/12/06/2026-12-06T20.10.0${n}-id${n}`;
    // One the way the event source mapping writes it (in process), two through the SDK.
    first.s3.putObject(BUCKET, key(2), '{"n":2}');
    await first.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(1), Body: '{"n":1}' }));
    await first.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(3), Body: Buffer.from('{"n":3,"text":"<&>"}') }));
    first.client.destroy();
    await first.endpoint.stop();
    running.splice(0);

    const { client } = await start(dir);
    const page1 = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2 }));
    expect(page1.Contents?.map((o) => o.Key)).toEqual([key(1), key(2)]);
    expect(page1.IsTruncated).toBe(true);
    expect(page1.Contents?.[0]?.LastModified).toBeInstanceOf(Date);
    expect(page1.Contents?.[0]?.Size).toBe(7);
    const page2 = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2, ContinuationToken: page1.NextContinuationToken }));
    expect(page2.Contents?.map((o) => o.Key)).toEqual([key(3)]);
    expect(page2.IsTruncated).toBe(false);
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'aws/lambda/other/' }))).Contents ?? []).toEqual([]);

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key(3) }));
    expect(await got.Body?.transformToString()).toBe('{"n":3,"text":"<&>"}');

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key(3) }));
    await expect(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key(3) }))).rejects.toBeInstanceOf(NoSuchKey);
    // Deleting what is not there succeeds, as in S3.
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key(3) }));
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount).toBe(2);
    client.destroy();
  });

  it('lists with the original ListObjects too (marker, NextMarker), answers HeadBucket, and keeps bucket lifecycle to the runtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itsm-s3-test-'));
    dirs.push(dir);
    const { client } = await start(dir);
    for (const n of [1, 2, 3]) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `k${n}`, Body: String(n) }));
    const page1 = await client.send(new ListObjectsCommand({ Bucket: BUCKET, MaxKeys: 2 }));
    expect(page1.Contents?.map((o) => o.Key)).toEqual(['k1', 'k2']);
    expect(page1.IsTruncated).toBe(true);
    expect(page1.NextMarker).toBe('k2');
    const page2 = await client.send(new ListObjectsCommand({ Bucket: BUCKET, Marker: page1.NextMarker }));
    expect(page2.Contents?.map((o) => o.Key)).toEqual(['k3']);
    expect(page2.IsTruncated).toBe(false);
    await expect(client.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
    await expect(client.send(new DeleteBucketCommand({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'MethodNotAllowed' });
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount).toBe(3);
    client.destroy();
  });

  it('answers only for its buckets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itsm-s3-test-'));
    dirs.push(dir);
    const { client } = await start(dir);
    await expect(client.send(new ListObjectsV2Command({ Bucket: 'someone-elses-bucket' }))).rejects.toThrow();
    client.destroy();
  });
});
