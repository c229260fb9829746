import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SESEvent } from 'aws-lambda';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { createLocalS3 } from '../../local/s3.ts';
import { createLocalSes } from '../../local/ses.ts';
import { type LocalSmtp, MAX_MESSAGE_BYTES, startLocalSmtp } from '../../local/smtp.ts';

/*
 * SES receiving and sending, locally, over the real protocols: a message sent with nodemailer to
 * the SMTP listener lands in the inbound bucket and the receiving function is invoked with SES's
 * receipt event; SESv2 SendEmail through the SDK lands in the mail catcher.
 */
const BUCKET = 'itsm-test-inbound-email';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const dirs: string[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const dir = mkdtempSync(join(tmpdir(), 'itsm-smtp-test-'));
  dirs.push(dir);
  const s3 = createLocalS3({ dir, buckets: [BUCKET] });
  const ses = createLocalSes();
  const endpoint: AwsEndpoint = await startAwsEndpoint({
    port: 0,
    services: [],
    handlers: [s3.handler, ses.handler],
    routes: {
      'GET /local/mail': () => ses.list(),
      'DELETE /local/mail': () => {
        ses.clear();
        return {};
      },
    },
  });
  stops.push(() => endpoint.stop());
  const invocations: { functionId: string; event: SESEvent }[] = [];
  const smtp: LocalSmtp = await startLocalSmtp({
    port: 0,
    s3,
    bucket: BUCKET,
    prefix: 'inbound/',
    functionId: 'receiveEmail',
    receivingDomain: 'itsm.local',
    invoke: async (functionId, event) => {
      invocations.push({ functionId, event: event as SESEvent });
      return undefined;
    },
  });
  stops.push(() => smtp.stop());
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
  stops.push(async () => transport.close());
  return { endpoint, smtp, invocations, transport };
}

describe('the local SMTP listener', () => {
  it('takes a message over SMTP, stores it in the inbound bucket and invokes the function with an SES receipt event', async () => {
    const { endpoint, smtp, invocations, transport } = await start();
    expect(smtp.url).toBe(`smtp://127.0.0.1:${smtp.port}`);
    const info = await transport.sendMail({
      from: 'Carol Requester <carol@example.com>',
      to: 'requests@itsm.local',
      subject: 'Printer on floor 2 jams',
      text: 'Every page.',
      headers: { 'In-Reply-To': '<abc@email.amazonses.com>' },
      envelope: { from: 'bounces+carol@example.com', to: ['requests@itsm.local'] },
    });
    expect(info.response).toMatch(/^250 /);
    await smtp.settled();
    expect(invocations).toHaveLength(1);
    const [record] = invocations[0]?.event.Records ?? [];
    expect(invocations[0]?.functionId).toBe('receiveEmail');
    expect(record?.eventSource).toBe('aws:ses');
    expect(record?.eventVersion).toBe('1.0');
    const mail = record?.ses.mail;
    expect(mail?.messageId).toMatch(/^[a-z0-9]{40}$/);
    expect(mail?.source).toBe('bounces+carol@example.com');
    expect(mail?.destination).toEqual(['requests@itsm.local']);
    expect(mail?.commonHeaders.subject).toBe('Printer on floor 2 jams');
    expect(mail?.commonHeaders.from).toEqual(['Carol Requester <carol@example.com>']);
    expect(mail?.headers.find((h) => h.name.toLowerCase() === 'in-reply-to')?.value).toBe('<abc@email.amazonses.com>');
    expect(record?.ses.receipt.recipients).toEqual(['requests@itsm.local']);
    expect(record?.ses.receipt.spamVerdict.status).toBe('PASS');
    // The envelope sender's domain is the From domain: the local stand-in for SPF, DKIM and DMARC passes.
    expect(record?.ses.receipt.dmarcVerdict?.status).toBe('PASS');
    expect(record?.ses.receipt.spfVerdict.status).toBe('PASS');
    expect(record?.ses.receipt.action).toMatchObject({ type: 'Lambda', invocationType: 'Event' });

    // The body is in the bucket, read as the function reads it.
    const s3 = new S3Client({ endpoint: endpoint.url, region: 'us-east-1', credentials, forcePathStyle: true });
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `inbound/${mail?.messageId}` }));
    const raw = await object.Body?.transformToString();
    expect(raw).toContain('Subject: Printer on floor 2 jams');
    expect(raw).toContain('Every page.');
    s3.destroy();
  });

  it('fails SPF, DKIM and DMARC for a From address of another domain than the envelope sender (a forged From)', async () => {
    const { smtp, invocations, transport } = await start();
    await transport.sendMail({
      from: 'Carol Requester <carol@example.com>',
      to: 'requests@itsm.local',
      subject: 'Open something as carol',
      text: 'x',
      envelope: { from: 'mallory@evil.example', to: ['requests@itsm.local'] },
    });
    await smtp.settled();
    const receipt = invocations[0]?.event.Records[0]?.ses.receipt;
    expect(receipt?.dmarcVerdict?.status).toBe('FAIL');
    expect(receipt?.spfVerdict.status).toBe('FAIL');
    expect(receipt?.dkimVerdict.status).toBe('FAIL');
  });

  it('refuses recipients outside the receiving domain with 550, and receives for the others of a message', async () => {
    const { smtp, invocations, transport } = await start();
    await expect(transport.sendMail({ from: 'carol@example.com', to: 'someone@elsewhere.example', subject: 'Relay me', text: 'x' })).rejects.toThrow(/550/);
    const info = await transport.sendMail({ from: 'carol@example.com', to: ['someone@elsewhere.example', 'Requests@ITSM.local'], subject: 'Both', text: 'x' });
    expect(info.rejected).toEqual(['someone@elsewhere.example']);
    expect(info.rejectedErrors?.[0]?.responseCode).toBe(550);
    await smtp.settled();
    expect(invocations).toHaveLength(1);
    expect(invocations[0]?.event.Records[0]?.ses.receipt.recipients).toEqual(['Requests@itsm.local']);
  });

  it('gives a bounce (MAIL FROM:<>) an empty source', async () => {
    const { smtp, invocations, transport } = await start();
    await transport.sendMail({
      from: 'MAILER-DAEMON@mx.example.com',
      to: 'requests@itsm.local',
      subject: 'Undelivered',
      text: 'x',
      envelope: { from: '', to: ['requests@itsm.local'] },
    });
    await smtp.settled();
    expect(invocations[0]?.event.Records[0]?.ses.mail.source).toBe('');
  });

  it(`refuses a message over ${MAX_MESSAGE_BYTES / 1024 / 1024} MB and invokes nothing`, async () => {
    const { smtp, invocations, transport } = await start();
    await expect(
      transport.sendMail({ from: 'carol@example.com', to: 'requests@itsm.local', subject: 'big', text: 'x'.repeat(MAX_MESSAGE_BYTES + 1024) }),
    ).rejects.toThrow(/552|exceed/i);
    await smtp.settled();
    expect(invocations).toEqual([]);
  });
});

describe('the local SES (mail catcher)', () => {
  it('answers SESv2 SendEmail through the SDK and lists what would have been sent; DELETE empties it', async () => {
    const { endpoint } = await start();
    const ses = new SESv2Client({ endpoint: endpoint.url, region: 'us-east-1', credentials });
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'service-desk@itsm.local',
        Destination: { ToAddresses: ['carol@example.com'] },
        ReplyToAddresses: ['requests@itsm.local'],
        Content: {
          Simple: {
            Subject: { Data: '[REQ0000001] Received: Report something else' },
            Body: { Text: { Data: 'Hello Carol' } },
            Headers: [{ Name: 'Auto-Submitted', Value: 'auto-generated' }],
          },
        },
      }),
    );
    expect(sent.MessageId).toMatch(/^[0-9a-f-]+$/);
    const raw = await ses.send(
      new SendEmailCommand({
        Content: {
          Raw: { Data: Buffer.from('From: service-desk@itsm.local\r\nTo: dave@example.com\r\nSubject: Raw one\r\nX-ITSM-Loop: open-itsm\r\n\r\nRaw body\r\n') },
        },
      }),
    );
    ses.destroy();

    const listed = (await (await fetch(`${endpoint.url}/local/mail`)).json()) as Record<string, any>[];
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({
      messageId: sent.MessageId,
      from: 'service-desk@itsm.local',
      to: ['carol@example.com'],
      replyTo: ['requests@itsm.local'],
      subject: '[REQ0000001] Received: Report something else',
      text: 'Hello Carol',
    });
    expect(listed[0]?.headers['message-id']).toBe(`<${sent.MessageId}@email.amazonses.com>`);
    expect(listed[0]?.headers['auto-submitted']).toBe('auto-generated');
    expect(listed[1]).toMatchObject({ messageId: raw.MessageId, to: ['dave@example.com'], subject: 'Raw one' });
    expect(listed[1]?.headers['x-itsm-loop']).toBe('open-itsm');
    expect(listed[1]?.text).toContain('Raw body');

    await fetch(`${endpoint.url}/local/mail`, { method: 'DELETE' });
    expect(await (await fetch(`${endpoint.url}/local/mail`)).json()).toEqual([]);
  });
});
