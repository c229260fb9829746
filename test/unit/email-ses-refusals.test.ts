import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * SES refusals a retry cannot change (a recipient the SES sandbox has not verified: MessageRejected)
 * give the mail up instead of failing the caller, which would retry it into a dead-letter queue;
 * other failures still throw. Against a loopback server answering as SESv2 answers errors.
 */
let server: Server;
let answer: { status: number; type: string } = { status: 400, type: 'MessageRejected' };
let sendMail: typeof import('../../functions/email/ses-mail.ts').sendMail;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(answer.status, { 'content-type': 'application/json', 'x-amzn-errortype': answer.type });
      response.end(JSON.stringify({ message: 'refused by the test' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.env.AWS_ENDPOINT_URL_SESV2 = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.MAIL_FROM = 'service-desk@itsm.local';
  ({ sendMail } = await import('../../functions/email/ses-mail.ts'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('sendMail', () => {
  const mail = { subject: '[REQ0000000] Received', text: 'hello' };

  it('gives up a mail SES refuses for good (MessageRejected) and answers no message id', async () => {
    answer = { status: 400, type: 'MessageRejected' };
    await expect(sendMail(mail, 'carol@example.com')).resolves.toBeUndefined();
  });

  it('throws on a failure a retry may cure (throttling), so the caller retries', async () => {
    answer = { status: 429, type: 'TooManyRequestsException' };
    await expect(sendMail(mail, 'carol@example.com')).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });
});
