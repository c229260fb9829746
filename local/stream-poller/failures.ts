import { createHash, randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import type { StreamFailure } from './types.ts';

/** A batch given up on, as Lambda writes it to an S3 on-failure destination. */

/** A stable stand-in for the event source mapping's UUID, one per consumer. */
export function localMappingId(functionId: string): string {
  const hex = createHash('md5').update(`event-source-mapping ${functionId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function streamFailureOf(options: {
  functionId: string;
  shardId: string;
  streamArn: string;
  region: string;
  records: readonly DynamoDBRecord[];
  attempts: number;
  error?: string;
  now?: Date;
}): StreamFailure {
  const now = options.now ?? new Date();
  const first = options.records[0];
  const last = options.records.at(-1);
  const arrival = (record: DynamoDBRecord | undefined) =>
    new Date((record?.dynamodb?.ApproximateCreationDateTime ?? Math.floor(now.getTime() / 1000)) * 1000).toISOString().replace('.000Z', 'Z');
  const stamp = now.toISOString();
  return {
    functionId: options.functionId,
    key: `aws/lambda/${localMappingId(options.functionId)}/${options.shardId}/${stamp.slice(0, 10).replaceAll('-', '/')}/${stamp.slice(0, 19).replaceAll(':', '.')}-${randomUUID()}`,
    record: {
      requestContext: {
        requestId: randomUUID(),
        functionArn: `arn:aws:lambda:${options.region}:000000000000:function:${options.functionId}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: options.attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(options.error === undefined ? {} : { functionError: 'Unhandled' }) },
      version: '1.0',
      timestamp: stamp,
      DDBStreamBatchInfo: {
        shardId: options.shardId,
        startSequenceNumber: first?.dynamodb?.SequenceNumber ?? '',
        endSequenceNumber: last?.dynamodb?.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: options.records.length,
        streamArn: options.streamArn,
      },
      payload: JSON.stringify({ Records: options.records }),
    },
    ...(options.error === undefined ? {} : { error: options.error }),
  };
}
