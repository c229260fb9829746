import type { AwsErrorClasses } from './errors.ts';
import { type AwsRequest, type AwsResponse, type ParsedAwsError, sendAwsRequest } from './request.ts';

/*
 * The AWS JSON 1.0 / 1.1 protocol (DynamoDB, Step Functions, EventBridge): every operation is a
 * POST of a JSON document to '/', named by the X-Amz-Target header.
 */

export interface AwsJsonService {
  /** The signing name: dynamodb, states, events. */
  readonly service: string;
  /** The suffix of AWS_ENDPOINT_URL_<X>: DYNAMODB, SFN, EVENTBRIDGE. */
  readonly endpointEnv: string;
  readonly defaultHost?: AwsRequest['defaultHost'];
  /** X-Amz-Target is `<targetPrefix>.<operation>`: DynamoDB_20120810, AWSStepFunctions, AWSEvents. */
  readonly targetPrefix: string;
  readonly jsonVersion: '1.0' | '1.1';
  readonly errorClasses?: AwsErrorClasses;
}

/** The code without its namespace (`aws.dynamodb#X`) or URL (`X:http://...`), as the SDK sanitizes it. */
const sanitizeErrorCode = (raw: string): string => {
  let code = raw;
  if (code.includes(':')) code = code.split(':')[0] ?? code;
  if (code.includes('#')) code = code.split('#')[1] ?? code;
  return code;
};

/** Reads an AWS JSON refusal: code from x-amzn-ErrorType or `__type`, message from message/Message, every other field kept. */
export function parseJsonError(response: AwsResponse): ParsedAwsError {
  const text = response.body.toString('utf8');
  const document = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
  const header = response.headers['x-amzn-errortype'];
  const rawCode = typeof header === 'string' && header !== '' ? header : (document.__type ?? document.code ?? document.Code);
  const code = typeof rawCode === 'string' && rawCode !== '' ? sanitizeErrorCode(rawCode) : `Http${response.statusCode}`;
  const message = document.message ?? document.Message ?? document.errorMessage;
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(document)) {
    if (name !== '__type' && name !== 'message' && name !== 'Message' && name !== 'code' && name !== 'Code') fields[name] = value;
  }
  return { code, message: typeof message === 'string' ? message : code, fields };
}

/** Calls `operation` with a JSON document already serialized; answers the output's JSON text. */
export async function sendAwsJsonText(service: AwsJsonService, operation: string, body: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const response = await sendAwsRequest(
    {
      service: service.service,
      endpointEnv: service.endpointEnv,
      ...(service.defaultHost === undefined ? {} : { defaultHost: service.defaultHost }),
      method: 'POST',
      path: '/',
      headers: { 'content-type': `application/x-amz-json-${service.jsonVersion}`, 'x-amz-target': `${service.targetPrefix}.${operation}` },
      body,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    },
    { parseError: parseJsonError, ...(service.errorClasses === undefined ? {} : { errorClasses: service.errorClasses }) },
  );
  return response.body.toString('utf8');
}

/** Calls `operation` with `input` (a JSON-serializable object) and answers the parsed JSON output. */
export async function sendAwsJson<Output>(service: AwsJsonService, operation: string, input: unknown, options: { timeoutMs?: number } = {}): Promise<Output> {
  const text = await sendAwsJsonText(service, operation, JSON.stringify(input ?? {}), options);
  return (text === '' ? {} : JSON.parse(text)) as Output;
}
