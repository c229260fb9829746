import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { SESEvent, SESMailCommonHeaders, SESMailHeader } from 'aws-lambda';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { parseHeaders } from '../functions/email/domain/mime.ts';
import type { Invoke } from './invoke.ts';
import type { LocalS3 } from './s3.ts';

/**
 * SES receiving, locally: a real SMTP listener (loopback, no authentication, no TLS) that does
 * what an SES receipt rule with an S3 action then a Lambda action does. Each message accepted is
 * stored in the inbound bucket under `<prefix><messageId>`, and the function is invoked
 * asynchronously (invocation type Event) with SES's receipt event, which carries the envelope
 * and headers but not the body: the function reads the body from the bucket, as in AWS.
 * SMTP answers 250 once the message is stored, as SES does; processing follows. Only recipients
 * at the receiving domain are accepted (RCPT TO elsewhere: 550), as SES receives only that domain.
 * Spam and virus verdicts are PASS: nothing here scans. Nor does anything check SPF, DKIM or DMARC:
 * as a stand-in for DMARC's alignment, the SPF, DKIM and DMARC verdicts are PASS when the envelope
 * sender's domain (MAIL FROM) is the From header's domain, FAIL otherwise (see `localAuthentication`),
 * so that a message whose From names someone of another domain than its sender is dropped as in AWS.
 */

/** SES accepts messages up to 40 MB; the local listener stops well before. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Lambda retries an asynchronous invocation twice after the first. */
const ASYNC_ATTEMPTS = 3;

export interface LocalSmtpOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly s3: LocalS3;
  readonly bucket: string;
  /** Key prefix, e.g. `inbound/`. */
  readonly prefix: string;
  readonly functionId: string;
  readonly invoke: Invoke;
  /**
   * The domain mail is received for (the receipt rule's recipient in AWS): RCPT TO any other
   * domain is refused with 550, as SES refuses mail for domains it does not receive.
   */
  readonly receivingDomain: string;
  /** The AWS Region and account the receipt rule names (its ARNs are not checked). */
  readonly region?: string;
  /**
   * Lambda's on-failure destination: what becomes of an event every attempt failed on (its
   * invocation record, as Lambda sends it to an SQS destination). Without it, only logged.
   */
  readonly onGiveUp?: (record: AsyncInvocationRecord) => void;
}

/** What Lambda sends an asynchronous invocation's on-failure destination: the event it gave up on and why. */
export interface AsyncInvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: SESEvent;
  readonly responseContext: { readonly statusCode: 200; readonly executedVersion: '$LATEST'; readonly functionError: 'Unhandled' };
  readonly responsePayload: { readonly errorType: string; readonly errorMessage: string };
}

export interface LocalSmtp {
  /** `smtp://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Resolves once every message received so far has been processed (or given up on). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** SES's inbound message ids: 40 characters of lowercase letters and digits. */
const inboundMessageId = () =>
  Array.from(randomBytes(40), (byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36])
    .join('')
    .slice(0, 40);

/** The header block of a raw message, unfolded, in order (names as written), as SES lists them. */
export function headersOf(raw: Buffer): SESMailHeader[] {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return parseHeaders(end < 0 ? text : text.slice(0, end));
}

/** The address lists of a header, split at commas outside quotes and angle brackets. */
function addressList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === '<') angle++;
    else if (ch === '>') angle = Math.max(0, angle - 1);
    if (ch === ',' && !quoted && angle === 0) {
      if (current.trim() !== '') parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

const domainOf = (address: string) => (/<([^>]*)>/.exec(address)?.[1] ?? address).trim().toLowerCase().split('@').at(-1) ?? '';

/**
 * The local stand-in for SES's SPF, DKIM and DMARC verdicts: PASS when the envelope sender's domain
 * is the domain of the From header's (first) address, FAIL otherwise (another domain, no From, or
 * an empty return path). Locally nobody signs or publishes SPF; this keeps the one property the
 * receiver relies on: a From address of someone else's domain is not believed.
 */
export function localAuthentication(source: string, headers: readonly SESMailHeader[]): 'PASS' | 'FAIL' {
  const from = addressList(headers.find((h) => h.name.toLowerCase() === 'from')?.value)?.[0];
  const envelopeDomain = domainOf(source);
  return from !== undefined && source.includes('@') && envelopeDomain !== '' && domainOf(from) === envelopeDomain ? 'PASS' : 'FAIL';
}

/** SES's receipt event for one message, as the Lambda action delivers it (authentication verdicts: `localAuthentication`). */
export function sesReceiptEvent(input: {
  messageId: string;
  source: string;
  destination: string[];
  headers: SESMailHeader[];
  receivedAt: Date;
  functionArn: string;
}): SESEvent {
  const header = (name: string) => input.headers.find((h) => h.name.toLowerCase() === name)?.value;
  const optional = (key: keyof SESMailCommonHeaders, value: string[] | string | undefined) => (value === undefined ? {} : { [key]: value });
  const commonHeaders: SESMailCommonHeaders = {
    returnPath: input.source,
    date: header('date') ?? input.receivedAt.toUTCString(),
    messageId: header('message-id') ?? '',
    ...optional('from', addressList(header('from'))),
    ...optional('to', addressList(header('to'))),
    ...optional('cc', addressList(header('cc'))),
    ...optional('replyTo', addressList(header('reply-to'))),
    ...optional('subject', header('subject')),
  };
  const pass = { status: 'PASS' as const };
  const authentication = { status: localAuthentication(input.source, input.headers) };
  const timestamp = input.receivedAt.toISOString();
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: input.source,
            messageId: input.messageId,
            destination: input.destination,
            headersTruncated: false,
            headers: input.headers,
            commonHeaders,
          },
          receipt: {
            timestamp,
            processingTimeMillis: 0,
            recipients: input.destination,
            spamVerdict: pass,
            virusVerdict: pass,
            spfVerdict: authentication,
            dkimVerdict: authentication,
            dmarcVerdict: authentication,
            action: { type: 'Lambda', functionArn: input.functionArn, invocationType: 'Event' },
          },
        },
      },
    ],
  };
}

export async function startLocalSmtp(options: LocalSmtpOptions): Promise<LocalSmtp> {
  const pending = new Set<Promise<void>>();
  const receivingDomain = options.receivingDomain.toLowerCase();
  const functionArn = `arn:aws:lambda:${options.region ?? 'us-east-1'}:000000000000:function:${options.functionId}`;

  /** Lambda's asynchronous invocation: retried, then given up on into its on-failure destination (`onGiveUp`). */
  async function deliver(event: SESEvent, messageId: string): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= ASYNC_ATTEMPTS; attempt++) {
      try {
        await options.invoke(options.functionId, event);
        return;
      } catch (error) {
        lastError = error;
        console.error(
          JSON.stringify({
            level: 'error',
            message: 'local SMTP: the receiving function failed',
            functionId: options.functionId,
            messageId,
            attempt,
            error: String(error),
          }),
        );
      }
    }
    options.onGiveUp?.({
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId: randomUUID(), functionArn: `${functionArn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: ASYNC_ATTEMPTS },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: lastError instanceof Error ? lastError.name : 'Error',
        errorMessage: lastError instanceof Error ? lastError.message : String(lastError),
      },
    });
  }

  function receive(raw: Buffer, session: SMTPServerSession): string {
    const messageId = inboundMessageId();
    options.s3.putObject(options.bucket, `${options.prefix}${messageId}`, raw);
    const mailFrom = session.envelope.mailFrom;
    const event = sesReceiptEvent({
      messageId,
      // A bounce is sent with an empty return path (MAIL FROM:<>).
      source: mailFrom === false ? '' : mailFrom.address,
      destination: session.envelope.rcptTo.map((r) => r.address),
      headers: headersOf(raw),
      receivedAt: new Date(),
      functionArn,
    });
    const processing = deliver(event, messageId).finally(() => pending.delete(processing));
    pending.add(processing);
    return messageId;
  }

  const server = new SMTPServer({
    name: 'itsm.local',
    banner: 'open-itsm local SMTP listener (stands in for SES receiving)',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onRcptTo(address, _session, callback) {
      const domain = address.address.split('@').at(-1)?.toLowerCase();
      if (domain === receivingDomain) {
        callback();
        return;
      }
      callback(Object.assign(new Error(`Mailbox unavailable: only mail for ${receivingDomain} is received here`), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const error = Object.assign(new Error(`Message exceeds the ${MAX_MESSAGE_BYTES} bytes the local listener accepts`), { responseCode: 552 });
          callback(error);
          return;
        }
        try {
          const messageId = receive(Buffer.concat(chunks), session);
          callback(null, `Ok ${messageId}`);
        } catch (error) {
          callback(Object.assign(new Error(`Message not stored: ${String(error)}`), { responseCode: 451 }));
        }
      });
    },
  });
  server.on('error', (error) => console.error(JSON.stringify({ level: 'error', message: 'local SMTP listener error', error: String(error) })));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const settled = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    settled,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await settled();
    },
  };
}
