import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RawHandler } from './aws-endpoint.ts';
import type { PublishedLog } from './published-log.ts';

/**
 * SNS, locally, in its query protocol: a form-encoded `POST /` with `Action=Publish&Version=2010-03-31`
 * and an XML reply. That is what @aws-sdk/client-sns 3.1164 (AwsQueryProtocol) and the AWS CLI
 * (botocore's `query` model) both send, so one handler serves both.
 *
 * There are no subscribers here: a notification is accepted, validated as SNS would, and put in the
 * PublishedLog, which prints it and keeps it for `GET /local/notifications`.
 *
 * Local differences, on purpose: no signature or permission checks; topics need not be created
 * first (the product's topics exist in AWS through CDK, and the runtime hands the functions ARNs
 * of its own choosing), so Publish accepts any well-formed topic ARN and ListTopics lists the
 * topics created or published to; FIFO deduplication is not applied (every publish is recorded).
 */

const ACCOUNT = '000000000000';
const VERSION = '2010-03-31';
const XMLNS = `http://sns.amazonaws.com/doc/${VERSION}/`;
/** SNS's limit for a message, its attributes included, and for all the messages of a batch. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_BATCH_ENTRIES = 10;
const MAX_SUBJECT_LENGTH = 100;
const LIST_PAGE_SIZE = 100;

const region = () => process.env.AWS_REGION ?? 'us-east-1';

class SnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new SnsError('InvalidParameter', `Invalid parameter: ${message}`);

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

function replyXml(response: ServerResponse, status: number, requestId: string, xml: string): void {
  const body = `<?xml version="1.0"?>\n${xml}`;
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': String(Buffer.byteLength(body)), 'x-amzn-requestid': requestId });
  response.end(body);
}

function replyResult(response: ServerResponse, requestId: string, action: string, result: string): void {
  replyXml(
    response,
    200,
    requestId,
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

function replyError(response: ServerResponse, requestId: string, error: SnsError): void {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  replyXml(
    response,
    error.status,
    requestId,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

/**
 * The members of a flattened query list or map (`Prefix.1.Name`, `Prefix.1.Value.DataType`, ...)
 * in index order, each with its index (the query protocol numbers from 1; gaps are allowed).
 */
function members(params: URLSearchParams, prefix: string): { index: number; fields: Map<string, string> }[] {
  const byIndex = new Map<number, Map<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    const index = Number(rest.slice(0, dot));
    if (dot === -1 || !Number.isInteger(index) || index < 1) continue;
    let fields = byIndex.get(index);
    if (fields === undefined) {
      fields = new Map();
      byIndex.set(index, fields);
    }
    fields.set(rest.slice(dot + 1), value);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, fields]) => ({ index, fields }));
}

/** `Attributes.entry.1.key=FifoTopic&Attributes.entry.1.value=true`, as a record. */
function stringMap(params: URLSearchParams, prefix: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { fields } of members(params, `${prefix}.entry.`)) {
    const key = fields.get('key');
    if (key !== undefined) map[key] = fields.get('value') ?? '';
  }
  return map;
}

interface Message {
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  readonly attributes: Record<string, string>;
  readonly attributeBytes: number;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;
const TOPIC_ARN = /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)$/;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary|String\.Array)(\.[A-Za-z0-9_.-]+)?$/;

/** The message attributes, as SNS validates them, flattened to strings for the log. */
function messageAttributes(params: URLSearchParams, prefix: string): { attributes: Record<string, string>; bytes: number } {
  const attributes: Record<string, string> = {};
  let bytes = 0;
  for (const { fields } of members(params, `${prefix}MessageAttributes.entry.`)) {
    const name = fields.get('Name') ?? '';
    const type = fields.get('Value.DataType') ?? '';
    const stringValue = fields.get('Value.StringValue');
    const binaryValue = fields.get('Value.BinaryValue');
    const bad = (why: string) => new SnsError('ParameterValueInvalid', `The message attribute '${name}' ${why}`);
    if (!ATTRIBUTE_NAME.test(name) || /^(aws|amazon)\./i.test(name)) {
      throw new SnsError(
        'ParameterValueInvalid',
        `The message attribute name '${name}' is invalid: use letters, digits, '_', '-' and '.', not starting with AWS. or Amazon.`,
      );
    }
    if (Object.hasOwn(attributes, name)) throw bad('is given more than once.');
    if (type === '') throw bad('must contain non-empty message attribute type.');
    if (!DATA_TYPE.test(type)) throw bad('has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.');
    let value: string;
    if (type.startsWith('Binary')) {
      if (binaryValue === undefined || binaryValue === '') throw bad(`must contain non-empty message attribute value for message attribute type '${type}'.`);
      value = binaryValue;
    } else {
      if (stringValue === undefined || stringValue === '') throw bad(`must contain non-empty message attribute value for message attribute type '${type}'.`);
      if (type.startsWith('Number') && !Number.isFinite(Number(stringValue)))
        throw bad(`has an invalid message attribute value: '${stringValue}' is not a number.`);
      if (type.startsWith('String.Array')) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(stringValue);
        } catch {
          parsed = undefined;
        }
        const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
        if (!Array.isArray(parsed) || !parsed.every(scalar))
          throw bad('has an invalid String.Array value: a JSON array of strings, numbers, booleans or nulls is expected.');
      }
      value = stringValue;
    }
    attributes[name] = value;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(type) + Buffer.byteLength(value);
  }
  return { attributes, bytes };
}

/** One message of Publish, or of PublishBatch (`prefix` = `PublishBatchRequestEntries.member.N.`). */
function readMessage(params: URLSearchParams, prefix: string, topicArn: string): Message {
  const message = params.get(`${prefix}Message`);
  if (message === null || message === '') throw invalid('Empty message');
  const subject = params.get(`${prefix}Subject`) ?? undefined;
  if (subject !== undefined) {
    // SNS takes printable ASCII only: subjects end up as e-mail subject lines.
    if (subject === '' || subject.length > MAX_SUBJECT_LENGTH || !/^[\x20-\x7e]+$/.test(subject)) {
      throw invalid(`Subject must be 1 to ${MAX_SUBJECT_LENGTH} printable ASCII characters, without line breaks`);
    }
  }
  const messageStructure = params.get(`${prefix}MessageStructure`) ?? undefined;
  if (messageStructure !== undefined) {
    if (messageStructure !== 'json') throw invalid(`MessageStructure Reason: '${messageStructure}' is not supported; only 'json' is`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('Message Structure - JSON message body failed to parse');
    if (typeof (parsed as Record<string, unknown>).default !== 'string') throw invalid('Message Structure - No default entry in JSON message body');
  }
  const { attributes, bytes } = messageAttributes(params, prefix);
  const messageGroupId = params.get(`${prefix}MessageGroupId`) ?? undefined;
  const messageDeduplicationId = params.get(`${prefix}MessageDeduplicationId`) ?? undefined;
  if (topicArn.endsWith('.fifo') && (messageGroupId === undefined || messageGroupId === '')) {
    throw invalid('The MessageGroupId parameter is required for FIFO topics');
  }
  for (const [name, value] of [
    ['MessageGroupId', messageGroupId],
    ['MessageDeduplicationId', messageDeduplicationId],
  ] as const) {
    if (value !== undefined && !/^[\x21-\x7e]{1,128}$/.test(value)) throw invalid(`${name} Reason: 1 to 128 printable ASCII characters, without spaces`);
  }
  if (Buffer.byteLength(message) + bytes > MAX_PAYLOAD_BYTES) throw invalid('Message too long');
  return {
    topicArn,
    message,
    attributes,
    attributeBytes: bytes,
    ...(subject === undefined ? {} : { subject }),
    ...(messageStructure === undefined ? {} : { messageStructure }),
    ...(messageGroupId === undefined ? {} : { messageGroupId }),
    ...(messageDeduplicationId === undefined ? {} : { messageDeduplicationId }),
  };
}

function parseMessage(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface LocalSnsOptions {
  readonly log: PublishedLog;
}

export interface LocalSns {
  readonly handler: RawHandler;
}

export function createLocalSns(options: LocalSnsOptions): LocalSns {
  /** Topics created or published to, in order of first sight, for ListTopics. */
  const topics = new Set<string>();
  /** FIFO topics hand out increasing sequence numbers, as SNS does (a 128-bit decimal). */
  let sequence = 10_000_000_000_000_000_000n;

  function topicOf(params: URLSearchParams, prefix = ''): string {
    const arn = params.get(`${prefix}TopicArn`) ?? params.get(`${prefix}TargetArn`);
    if (params.get('PhoneNumber') !== null) throw invalid('PhoneNumber Reason: SMS is not emulated locally; publish to a topic');
    if (arn === null || arn === '') throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
    if (!TOPIC_ARN.test(arn)) throw invalid(`TopicArn Reason: '${arn}' is not a topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
    return arn;
  }

  function record(message: Message): { messageId: string; sequenceNumber?: string } {
    const messageId = randomUUID();
    topics.add(message.topicArn);
    options.log.add({
      kind: 'notification',
      topicArn: message.topicArn,
      ...(message.subject === undefined ? {} : { subject: message.subject }),
      message: parseMessage(message.message),
      attributes: message.attributes,
      messageId,
      ...(message.messageGroupId === undefined ? {} : { messageGroupId: message.messageGroupId }),
      ...(message.messageDeduplicationId === undefined ? {} : { messageDeduplicationId: message.messageDeduplicationId }),
      at: new Date().toISOString(),
    });
    if (!message.topicArn.endsWith('.fifo')) return { messageId };
    sequence += 1n;
    return { messageId, sequenceNumber: sequence.toString() };
  }

  const actions: Record<string, (params: URLSearchParams) => string> = {
    CreateTopic(params) {
      const name = params.get('Name') ?? '';
      const attributes = stringMap(params, 'Attributes');
      const fifo = attributes.FifoTopic === 'true';
      if (!(fifo ? FIFO_TOPIC_NAME : TOPIC_NAME).test(name)) {
        throw invalid(
          fifo
            ? 'Topic Name: FIFO topic names end with .fifo and have up to 256 characters: letters, digits, hyphens and underscores'
            : 'Topic Name: up to 256 letters, digits, hyphens and underscores (a name ending in .fifo needs the FifoTopic attribute)',
        );
      }
      const arn = `arn:aws:sns:${region()}:${ACCOUNT}:${name}`;
      topics.add(arn);
      return `<TopicArn>${escapeXml(arn)}</TopicArn>`;
    },

    ListTopics(params) {
      const all = [...topics];
      const token = params.get('NextToken');
      const start = token === null || token === '' ? 0 : Number(token);
      if (!Number.isInteger(start) || start < 0 || start > all.length) throw invalid('NextToken');
      const page = all.slice(start, start + LIST_PAGE_SIZE);
      const next = start + page.length < all.length ? `<NextToken>${start + page.length}</NextToken>` : '';
      return `<Topics>${page.map((arn) => `<member><TopicArn>${escapeXml(arn)}</TopicArn></member>`).join('')}</Topics>${next}`;
    },

    Publish(params) {
      const { messageId, sequenceNumber } = record(readMessage(params, '', topicOf(params)));
      return `<MessageId>${messageId}</MessageId>${sequenceNumber === undefined ? '' : `<SequenceNumber>${sequenceNumber}</SequenceNumber>`}`;
    },

    PublishBatch(params) {
      const topicArn = topicOf(params);
      const prefix = 'PublishBatchRequestEntries.member.';
      const entries = members(params, prefix);
      if (entries.length === 0) throw new SnsError('EmptyBatchRequest', 'The batch request does not contain any entries.');
      if (entries.length > MAX_BATCH_ENTRIES)
        throw new SnsError('TooManyEntriesInBatchRequest', `The batch request contains more entries than permissible (${MAX_BATCH_ENTRIES}).`);
      const ids = entries.map(({ fields }) => fields.get('Id') ?? '');
      for (const id of ids) {
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(id))
          throw new SnsError('InvalidBatchEntryId', `The Id of a batch entry in a batch request doesn't abide by the specification: '${id}'.`);
      }
      if (new Set(ids).size !== ids.length) throw new SnsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
      const read = entries.map(({ index, fields }) => {
        const id = fields.get('Id') as string;
        try {
          return { id, message: readMessage(params, `${prefix}${index}.`, topicArn) };
        } catch (error) {
          if (!(error instanceof SnsError)) throw error;
          return { id, error };
        }
      });
      const size = read.reduce(
        (sum, r) => sum + ('message' in r && r.message !== undefined ? Buffer.byteLength(r.message.message) + r.message.attributeBytes : 0),
        0,
      );
      if (size > MAX_PAYLOAD_BYTES)
        throw new SnsError('BatchRequestTooLong', `The length of all the messages put together is more than the limit (${MAX_PAYLOAD_BYTES} bytes).`);
      const successful: string[] = [];
      const failed: string[] = [];
      for (const entry of read) {
        if ('error' in entry && entry.error !== undefined) {
          failed.push(
            `<member><Id>${escapeXml(entry.id)}</Id><Code>${escapeXml(entry.error.code)}</Code><Message>${escapeXml(entry.error.message)}</Message><SenderFault>true</SenderFault></member>`,
          );
        } else if ('message' in entry && entry.message !== undefined) {
          const { messageId, sequenceNumber } = record(entry.message);
          successful.push(
            `<member><Id>${escapeXml(entry.id)}</Id><MessageId>${messageId}</MessageId>${sequenceNumber === undefined ? '' : `<SequenceNumber>${sequenceNumber}</SequenceNumber>`}</member>`,
          );
        }
      }
      return `<Successful>${successful.join('')}</Successful><Failed>${failed.join('')}</Failed>`;
    },
  };

  const handler: RawHandler = async (request, url, body, response) => {
    if (url.pathname !== '/' || (request.method !== 'POST' && request.method !== 'GET')) return false;
    const params = request.method === 'POST' ? new URLSearchParams(body.toString('utf8')) : url.searchParams;
    const action = params.get('Action');
    // Other query-protocol services (SQS, STS) share the shape; their Version tells them apart.
    const version = params.get('Version');
    if (action === null || (version !== null && version !== VERSION)) return false;
    const requestId = randomUUID();
    const operation = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (operation === undefined) {
      replyError(
        response,
        requestId,
        new SnsError('InvalidAction', `The action ${action} is not valid for this endpoint (the local SNS implements ${Object.keys(actions).join(', ')}).`),
      );
      return true;
    }
    try {
      replyResult(response, requestId, action, operation(params));
    } catch (error) {
      if (error instanceof SnsError) {
        replyError(response, requestId, error);
      } else {
        console.error(JSON.stringify({ level: 'error', message: 'local SNS failed', action, error: String(error) }));
        replyError(response, requestId, new SnsError('InternalError', 'the local SNS failed; see its console', 500));
      }
    }
    return true;
  };

  return { handler };
}
