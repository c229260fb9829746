import type { AwsResponse, ParsedAwsError } from './request.ts';
import { sendAwsRequest } from './request.ts';
import { escapeUri } from './sigv4.ts';
import { xmlElementText } from './xml.ts';

/*
 * SNS in its query protocol: a form-encoded POST of `Action=Publish&Version=2010-03-31&...`,
 * message attributes flattened as `MessageAttributes.entry.<n>.Name` / `.Value.DataType` /
 * `.Value.StringValue` (numbered from 1), answered in XML. Publish only, with the SDK's member names.
 */

const VERSION = '2010-03-31';

export interface MessageAttributeValue {
  /** String, Number, Binary or String.Array (optionally with a custom suffix, `String.x`). */
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Uint8Array;
}

export interface PublishInput {
  readonly TopicArn: string;
  readonly Message: string;
  readonly Subject?: string;
  readonly MessageStructure?: string;
  readonly MessageAttributes?: Readonly<Record<string, MessageAttributeValue>>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

/** The query protocol's form body, keys and values escaped as the SDK escapes them (RFC 3986). */
function formBody(parameters: readonly (readonly [string, string])[]): string {
  return parameters.map(([key, value]) => `${escapeUri(key)}=${escapeUri(value)}`).join('&');
}

function publishParameters(input: PublishInput): [string, string][] {
  const parameters: [string, string][] = [
    ['Action', 'Publish'],
    ['Version', VERSION],
    ['TopicArn', input.TopicArn],
    ['Message', input.Message],
  ];
  for (const member of ['Subject', 'MessageStructure', 'MessageGroupId', 'MessageDeduplicationId'] as const) {
    const value = input[member];
    if (value !== undefined) parameters.push([member, value]);
  }
  let index = 0;
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    index += 1;
    const prefix = `MessageAttributes.entry.${index}`;
    parameters.push([`${prefix}.Name`, name], [`${prefix}.Value.DataType`, value.DataType]);
    if (value.StringValue !== undefined) parameters.push([`${prefix}.Value.StringValue`, value.StringValue]);
    if (value.BinaryValue !== undefined) parameters.push([`${prefix}.Value.BinaryValue`, Buffer.from(value.BinaryValue).toString('base64')]);
  }
  return parameters;
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function parseQueryError(response: AwsResponse): ParsedAwsError {
  const xml = response.body.toString('utf8');
  const code = xmlElementText(xml, 'Code') || `Http${response.statusCode}`;
  return { code, message: xmlElementText(xml, 'Message') ?? code };
}

/** Publishes one message; answers SNS's MessageId (and SequenceNumber on a FIFO topic). */
export async function publish(input: PublishInput): Promise<{ MessageId?: string; SequenceNumber?: string }> {
  const response = await sendAwsRequest(
    {
      service: 'sns',
      endpointEnv: 'SNS',
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody(publishParameters(input)),
    },
    { parseError: parseQueryError },
  );
  const xml = response.body.toString('utf8');
  const messageId = xmlElementText(xml, 'MessageId');
  const sequenceNumber = xmlElementText(xml, 'SequenceNumber');
  return { ...(messageId === undefined ? {} : { MessageId: messageId }), ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }) };
}
