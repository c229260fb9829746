import { randomUUID } from 'node:crypto';
import { AwsError, type AwsJsonService } from './aws-endpoint.ts';
import { type DeadLetters, md5 } from './dead-letters.ts';

/**
 * SQS, locally, as much as replaying dead letters needs, over the protocol the v3 SDK speaks
 * (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`):
 *
 * - the dead-letter queues hold what the local runtime gave up on (local/dead-letters.ts):
 *   ReceiveMessage, DeleteMessage, GetQueueUrl, GetQueueAttributes;
 * - queues with a consumer (the ingestion queue) take SendMessage and hand the message to it
 *   right away, answering once it has been delivered (or dead-lettered), as PutEvents does.
 *
 * Queue URLs are `<endpoint>/000000000000/<name>`; signatures are not checked.
 */
export const LOCAL_ACCOUNT = '000000000000';

export interface SqsOptions {
  readonly deadLetters: DeadLetters;
  /** The dead-letter queues' names. */
  readonly deadLetterQueues: readonly string[];
  /** Queues that deliver what is sent to them, by name. */
  readonly consumers: Readonly<Record<string, (body: string) => Promise<void>>>;
  /** The endpoint's URL, once it listens. */
  readonly baseUrl: () => string;
}

export const localQueueUrl = (baseUrl: string, name: string) => `${baseUrl}/${LOCAL_ACCOUNT}/${name}`;

export function sqsService(options: SqsOptions): AwsJsonService {
  const known = new Set([...options.deadLetterQueues, ...Object.keys(options.consumers)]);
  const queueOf = (input: Record<string, unknown>): string => {
    const url = input.QueueUrl;
    if (typeof url !== 'string') throw new AwsError('InvalidAddress', 'QueueUrl is required');
    const name = url.split('/').at(-1) ?? '';
    if (!known.has(name)) throw new AwsError('QueueDoesNotExist', `The specified queue does not exist: ${url}`);
    return name;
  };
  const integer = (value: unknown, fallback: number, min: number, max: number, name: string): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new AwsError('InvalidParameterValue', `${name} must be an integer from ${min} to ${max}`);
    }
    return value;
  };

  return {
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations: {
      GetQueueUrl: async (input) => {
        const name = String(input.QueueName ?? '');
        if (!known.has(name)) throw new AwsError('QueueDoesNotExist', `The specified queue does not exist: ${name}`);
        return { QueueUrl: localQueueUrl(options.baseUrl(), name) };
      },
      ListQueues: async () => ({ QueueUrls: [...known].map((name) => localQueueUrl(options.baseUrl(), name)) }),
      GetQueueAttributes: async (input) => {
        const queue = queueOf(input);
        const { visible, inFlight } = options.deadLetters.count(queue);
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(visible),
            ApproximateNumberOfMessagesNotVisible: String(inFlight),
            MessageRetentionPeriod: String(14 * 24 * 3600),
            QueueArn: `arn:aws:sqs:${process.env.AWS_REGION ?? 'us-east-1'}:${LOCAL_ACCOUNT}:${queue}`,
          },
        };
      },
      ReceiveMessage: async (input) => {
        const queue = queueOf(input);
        const max = integer(input.MaxNumberOfMessages, 1, 1, 10, 'MaxNumberOfMessages');
        const visibility = integer(input.VisibilityTimeout, 30, 0, 43_200, 'VisibilityTimeout');
        const messages = options.deadLetters.receive(queue, max, visibility);
        if (messages.length === 0) return {};
        return {
          Messages: messages.map((m) => ({
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: m.md5OfBody,
            Body: m.body,
            Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
            ...(Object.keys(m.attributes).length === 0
              ? {}
              : {
                  MessageAttributes: Object.fromEntries(
                    Object.entries(m.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
                  ),
                }),
          })),
        };
      },
      DeleteMessage: async (input) => {
        const queue = queueOf(input);
        if (typeof input.ReceiptHandle !== 'string') throw new AwsError('MissingParameter', 'ReceiptHandle is required');
        options.deadLetters.delete(queue, input.ReceiptHandle);
        return {};
      },
      ChangeMessageVisibility: async (input) => {
        const queue = queueOf(input);
        if (typeof input.ReceiptHandle !== 'string') throw new AwsError('MissingParameter', 'ReceiptHandle is required');
        const seconds = integer(input.VisibilityTimeout, 0, 0, 43_200, 'VisibilityTimeout');
        if (!options.deadLetters.changeVisibility(queue, input.ReceiptHandle, seconds)) {
          throw new AwsError('ReceiptHandleIsInvalid', `The input receipt handle "${input.ReceiptHandle}" is not a valid receipt handle.`);
        }
        return {};
      },
      SendMessage: async (input) => {
        const queue = queueOf(input);
        const consumer = options.consumers[queue];
        if (consumer === undefined) throw new AwsError('UnsupportedOperation', `the local ${queue} takes no new messages; it holds what was given up on`);
        if (typeof input.MessageBody !== 'string' || input.MessageBody === '') throw new AwsError('MissingParameter', 'MessageBody is required');
        await consumer(input.MessageBody);
        return { MessageId: randomUUID(), MD5OfMessageBody: md5(input.MessageBody) };
      },
    },
  };
}
