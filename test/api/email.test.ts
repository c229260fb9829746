import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '../../functions/shared/store/dynamodb.ts';
import { invokeFunction } from '../../local/invoke.ts';
import { sesReceiptEvent } from '../../local/smtp.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * E-mail in and out over the real protocols: mail sent over SMTP to the local listener (as SES
 * receiving in AWS) opens requests and incidents and threads replies into them as public notes;
 * what the product sends goes through SESv2 SendEmail to the mail catcher. Unknown senders,
 * auto-replies, bounces and loops are recorded and dropped, never ticketed.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;
let transport: Transporter;

interface Inbound {
  id: string;
  outcome: string;
  ticket?: { kind: string; id: string; number: string };
  noteId?: string;
  sender?: string;
}

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice, carol] = await Promise.all([admin(stack), agent(stack), requester(stack)]);
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtp.port, secure: false, ignoreTLS: true });
}, 120_000);

afterAll(async () => {
  transport?.close();
  await stack?.stop();
});

/** Sends a message over SMTP and answers its inbound record once the receiver has processed it. */
async function send(options: SendMailOptions): Promise<Inbound> {
  const info = await transport.sendMail(options);
  expect(info.response).toMatch(/^250 /);
  const id = String(info.response).split(' ').at(-1) as string;
  await stack.inboundMailSettled();
  const list = await ada.get<{ items: Inbound[] }>('/inbound-emails?limit=100');
  expect(list.status).toBe(200);
  const found = list.body.items.find((item) => item.id === id);
  expect(found, `inbound record ${id}`).toBeDefined();
  return found as Inbound;
}

/**
 * Lambda's retry of a delivery that wrote its ticket (or note) and then failed before recording
 * what became of the message: its record is back to `received` and the message still in the bucket.
 */
async function retryAfterFailingMidway(inbound: Inbound, destination: string): Promise<Inbound> {
  const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
  const { inboundKey } = await import('../../functions/email/store/keys.ts');
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: inboundKey(inbound.id),
      UpdateExpression: 'SET outcome = :received REMOVE ticket, noteId, sender, processedAt',
      ExpressionAttributeValues: { ':received': 'received' },
    }),
  );
  await invokeFunction(
    'receiveEmail',
    sesReceiptEvent({
      messageId: inbound.id,
      source: 'carol@example.com',
      destination: [destination],
      headers: [{ name: 'From', value: 'carol@example.com' }],
      receivedAt: new Date(),
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:receiveEmail',
    }),
  );
  const list = await ada.get<{ items: Inbound[] }>('/inbound-emails?limit=100');
  return list.body.items.find((item) => item.id === inbound.id) as Inbound;
}

const requestCount = async () => {
  const reply = await ada.get<{ items: unknown[]; nextCursor?: string }>('/requests?limit=100');
  expect(reply.status).toBe(200);
  return reply.body.items.length;
};

/** The mail caught for a subject containing `text`, once the event has gone through the outbox, the bus and the sender. */
const caught = (text: string) =>
  poll(
    async () => {
      await stack.settled();
      return stack.caughtMail().filter((m) => m.subject.includes(text));
    },
    (mails) => mails.length > 0,
  );

describe('e-mail to the service desk', () => {
  let request: { id: string; number: string };
  let messageIdHeader: string;

  it('opens a request of the default item from a known user, and the requester is told it was received', async () => {
    const before = await requestCount();
    const inbound = await send({
      from: 'Carol Requester <carol@example.com>',
      to: 'requests@itsm.local',
      subject: 'Printer on floor 2 jams',
      text: 'Every page since Monday.',
    });
    expect(inbound).toMatchObject({ outcome: 'opened-request', sender: 'carol', ticket: { kind: 'request' } });
    request = inbound.ticket as { id: string; number: string };
    expect(request.number).toMatch(/^REQ\d{7}$/);
    expect(await requestCount()).toBe(before + 1);

    const read = await carol.get(`/requests/${request.number}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: request.id, source: 'email', requester: 'carol', item: { id: 'report-something-else' } });
    expect(read.body.answers).toEqual({ summary: 'Printer on floor 2 jams', details: 'Every page since Monday.' });

    const [received] = await caught(`[${request.number}]`);
    expect(received?.to).toEqual(['carol@example.com']);
    expect(received?.from).toBe('service-desk@itsm.local');
    expect(received?.replyTo).toEqual(['requests@itsm.local']);
    expect(received?.subject).toMatch(/Received/);
    expect(received?.headers['auto-submitted']).toBe('auto-generated');
    expect(received?.headers['x-itsm-loop']).toBe('open-itsm');
    messageIdHeader = received?.headers['message-id'] as string;
    expect(messageIdHeader).toMatch(/^<.+@email\.amazonses\.com>$/);
  });

  it('adds a reply (In-Reply-To our message) as a public note by the sender to the same request, without the quote', async () => {
    const before = await requestCount();
    const inbound = await send({
      from: 'carol@example.com',
      to: 'requests@itsm.local',
      subject: 'Re: your mail',
      inReplyTo: messageIdHeader,
      references: [messageIdHeader],
      text: 'It jams on tray 2 only.\n\nOn Mon, 7 Dec 2026, Service Desk <service-desk@itsm.local> wrote:\n> we have received your request',
    });
    expect(inbound).toMatchObject({ outcome: 'noted', ticket: { id: request.id, number: request.number } });
    expect(await requestCount()).toBe(before);
    const notes = await carol.get(`/requests/${request.id}/notes`);
    expect(notes.status).toBe(200);
    const note = (notes.body.items as Record<string, unknown>[]).find((n) => n.id === inbound.noteId);
    expect(note).toMatchObject({ text: 'It jams on tray 2 only.', visibility: 'public', author: 'carol', source: 'email' });
  });

  it('threads a reply by the number in its subject alone', async () => {
    const before = await requestCount();
    const inbound = await send({ from: 'carol@example.com', to: 'requests@itsm.local', subject: `Re: [${request.number}] Received`, text: 'Any news?' });
    expect(inbound).toMatchObject({ outcome: 'noted', ticket: { id: request.id, number: request.number } });
    expect(await requestCount()).toBe(before);
    const notes = await alice.get(`/requests/${request.id}/notes`);
    expect((notes.body.items as Record<string, unknown>[]).map((n) => n.text)).toContain('Any news?');
  });

  it('processes a redelivered message once (the same SES message id)', async () => {
    const inbound = await send({ from: 'carol@example.com', to: 'requests@itsm.local', subject: `Re: ${request.number}`, text: 'Delivered twice?' });
    expect(inbound.outcome).toBe('noted');
    const notesBefore = (await carol.get(`/requests/${request.id}/notes`)).body.items.length;
    // SES (or Lambda's retry) delivers the same message again: the same id, the object still in the bucket.
    await invokeFunction(
      'receiveEmail',
      sesReceiptEvent({
        messageId: inbound.id,
        source: 'carol@example.com',
        destination: ['requests@itsm.local'],
        headers: [
          { name: 'From', value: 'carol@example.com' },
          { name: 'Subject', value: `Re: ${request.number}` },
        ],
        receivedAt: new Date(),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:receiveEmail',
      }),
    );
    expect((await carol.get(`/requests/${request.id}/notes`)).body.items.length).toBe(notesBefore);
  });

  it('a retry after the ticket was written but before the outcome was recorded opens no second request and adds no second note', async () => {
    const opened = await send({ from: 'carol@example.com', to: 'requests@itsm.local', subject: 'Monitor flickers', text: 'Since the update.' });
    expect(opened.outcome).toBe('opened-request');
    const requests = await requestCount();
    const retried = await retryAfterFailingMidway(opened, 'requests@itsm.local');
    expect(retried).toMatchObject({ outcome: 'opened-request', ticket: opened.ticket });
    expect(await requestCount()).toBe(requests);

    const number = opened.ticket?.number as string;
    const noted = await send({ from: 'carol@example.com', to: 'requests@itsm.local', subject: `Re: [${number}]`, text: 'Both screens.' });
    expect(noted.outcome).toBe('noted');
    const notesOf = async () => (await carol.get(`/requests/${opened.ticket?.id}/notes`)).body.items as { id: string; text: string }[];
    const again = await retryAfterFailingMidway(noted, 'requests@itsm.local');
    expect(again).toMatchObject({ outcome: 'noted', noteId: noted.noteId, ticket: { id: opened.ticket?.id } });
    expect((await notesOf()).filter((n) => n.text === 'Both screens.').map((n) => n.id)).toEqual([noted.noteId]);
  });

  it('a retry after the incident was opened, or its note added, writes neither again', async () => {
    const incidentsOf = async () => (await alice.get('/incidents?limit=100')).body.items.length as number;
    const opened = await send({ from: 'carol@example.com', to: 'incident@itsm.local', subject: 'Wi-Fi drops', text: 'Every hour.' });
    expect(opened.outcome).toBe('opened-incident');
    const incidents = await incidentsOf();
    expect(await retryAfterFailingMidway(opened, 'incident@itsm.local')).toMatchObject({ outcome: 'opened-incident', ticket: opened.ticket });
    expect(await incidentsOf()).toBe(incidents);
    // Its acknowledgement went once (the send claim on the message id).
    await stack.settled();
    expect(stack.caughtMail().filter((m) => m.subject === `[${opened.ticket?.number}] Received: Wi-Fi drops`)).toHaveLength(1);

    const number = opened.ticket?.number as string;
    const noted = await send({ from: 'carol@example.com', to: 'incident@itsm.local', subject: `Re: ${number}`, text: 'Floor 3 only.' });
    expect(noted.outcome).toBe('noted');
    expect(await retryAfterFailingMidway(noted, 'incident@itsm.local')).toMatchObject({ outcome: 'noted', noteId: noted.noteId });
    const notes = (await alice.get(`/incidents/${opened.ticket?.id}/notes`)).body.items as { id: string; body: string }[];
    expect(notes.filter((n) => n.body === 'Floor 3 only.').map((n) => n.id)).toEqual([noted.noteId]);
  });

  it('never opens a ticket for a number that is not found or not the sender’s', async () => {
    const before = await requestCount();
    expect(await send({ from: 'carol@example.com', to: 'requests@itsm.local', subject: 'Re: [REQ9999999] hello', text: 'x' })).toMatchObject({
      outcome: 'unknown-ticket',
    });
    // Dave is known, but the request is Carol's.
    expect(await send({ from: 'dave@example.com', to: 'requests@itsm.local', subject: `About ${request.number}`, text: 'x' })).toMatchObject({
      outcome: 'unknown-ticket',
      sender: 'dave',
    });
    expect(await requestCount()).toBe(before);
  });

  it('drops a forged From (the envelope sender of another domain) as unauthenticated: no ticket, no note', async () => {
    const before = await requestCount();
    const notesBefore = (await carol.get(`/requests/${request.id}/notes`)).body.items.length;
    const forged = {
      from: 'Carol Requester <carol@example.com>',
      to: 'requests@itsm.local',
      envelope: { from: 'mallory@evil.example', to: ['requests@itsm.local'] },
    };
    expect(await send({ ...forged, subject: 'Give mallory admin', text: 'Thanks, Carol' })).toMatchObject({ outcome: 'unauthenticated' });
    const reply = await send({ ...forged, subject: `Re: [${request.number}] Received`, text: 'Cancel it' });
    expect(reply.outcome).toBe('unauthenticated');
    expect(reply.sender).toBeUndefined();
    expect(await requestCount()).toBe(before);
    expect((await carol.get(`/requests/${request.id}/notes`)).body.items.length).toBe(notesBefore);
    // The same message from carol's own domain is hers.
    expect(
      await send({
        ...forged,
        envelope: { from: 'carol@example.com', to: ['requests@itsm.local'] },
        subject: `Re: [${request.number}] Received`,
        text: 'Really me',
      }),
    ).toMatchObject({ outcome: 'noted', sender: 'carol' });
  });

  it('records and drops mail from unknown senders, auto-replies, bounces and loops', async () => {
    const before = await requestCount();
    const base = { to: 'requests@itsm.local', subject: 'Hello', text: 'Some text' };
    expect(await send({ ...base, from: 'stranger@example.org' })).toMatchObject({ outcome: 'unknown-sender' });
    expect(await send({ ...base, from: 'carol@example.com', headers: { 'Auto-Submitted': 'auto-replied' } })).toMatchObject({ outcome: 'auto-reply' });
    expect(await send({ ...base, from: 'carol@example.com', headers: { Precedence: 'bulk' } })).toMatchObject({ outcome: 'auto-reply' });
    expect(await send({ ...base, from: 'carol@example.com', envelope: { from: '', to: ['requests@itsm.local'] } })).toMatchObject({ outcome: 'bounce' });
    expect(await send({ ...base, from: 'carol@example.com', headers: { 'X-ITSM-Loop': 'open-itsm' } })).toMatchObject({ outcome: 'loop' });
    expect(await send({ ...base, from: 'service-desk@itsm.local' })).toMatchObject({ outcome: 'loop' });
    expect(await requestCount()).toBe(before);

    // More than 20 from one address within an hour is a loop with some robot, whoever it is.
    const outcomes: string[] = [];
    for (let i = 0; i < 21; i++) outcomes.push((await send({ ...base, from: 'robot@example.org', subject: `Ticket ${i}` })).outcome);
    expect(outcomes.slice(0, 20).every((o) => o === 'unknown-sender')).toBe(true);
    expect(outcomes[20]).toBe('loop');
    expect(await requestCount()).toBe(before);

    const dropped = await ada.get<{ items: Inbound[] }>('/inbound-emails?outcome=unknown-sender');
    expect(dropped.status).toBe(200);
    expect(dropped.body.items.length).toBeGreaterThanOrEqual(1);
    expect(dropped.body.items.every((item) => item.outcome === 'unknown-sender')).toBe(true);
  });

  it('opens an incident for mail to incident@, and a reply adds a note to it', async () => {
    const opened = await send({ from: 'dave@example.com', to: 'incident@itsm.local', subject: 'VPN down', text: 'Cannot connect since 9:00.' });
    expect(opened).toMatchObject({ outcome: 'opened-incident', sender: 'dave', ticket: { kind: 'incident' } });
    const number = opened.ticket?.number as string;
    expect(number).toMatch(/^INC\d{7}$/);
    const dave = await stack.as('dave');
    const incident = await dave.get(`/incidents/${number}`);
    expect(incident.status).toBe(200);
    expect(incident.body).toMatchObject({ title: 'VPN down', description: 'Cannot connect since 9:00.', caller: 'dave' });

    // The sender is told the number, by a mail to reply to, as request mail is.
    const [received] = await caught(`[${number}] Received: VPN down`);
    expect(received?.to).toEqual(['dave@example.com']);
    expect(received?.replyTo).toEqual(['requests@itsm.local']);
    expect(received?.text).toContain(number);
    expect(received?.headers['auto-submitted']).toBe('auto-generated');
    expect(received?.headers['x-itsm-loop']).toBe('open-itsm');
    // A reply to it, naming it alone (no number in the subject), threads as a note on the incident.
    const answer = await send({
      from: 'dave@example.com',
      to: 'requests@itsm.local',
      subject: 'Re: your mail',
      inReplyTo: received?.headers['message-id'] as string,
      text: 'Only on the office Wi-Fi.',
    });
    expect(answer).toMatchObject({ outcome: 'noted', sender: 'dave', ticket: { kind: 'incident', id: opened.ticket?.id, number } });

    const reply = await send({
      from: 'dave@example.com',
      to: 'incident@itsm.local',
      subject: `Re: ${number} VPN down`,
      text: 'Works again after a reboot.\n> VPN down',
    });
    expect(reply).toMatchObject({ outcome: 'noted', ticket: { kind: 'incident', id: opened.ticket?.id, number } });
    const notes = await alice.get(`/incidents/${opened.ticket?.id}/notes`);
    expect((notes.body.items as Record<string, unknown>[]).find((n) => n.id === reply.noteId)).toMatchObject({
      body: 'Works again after a reboot.',
      visibility: 'public',
      author: 'dave',
    });
    // Carol may not write into Dave's incident.
    expect(await send({ from: 'carol@example.com', to: 'incident@itsm.local', subject: `Re: ${number}`, text: 'me too' })).toMatchObject({
      outcome: 'unknown-ticket',
    });
  });

  it('asks an approver by e-mail to decide, with the answers under the form titles, and tells the requester the decision', async () => {
    const user = await ada.get('/users/carol');
    const managed = await ada.put(
      '/users/carol',
      { displayName: user.body.displayName, email: user.body.email, manager: 'ada' },
      { 'if-match': user.headers.get('etag') as string },
    );
    expect(managed.status, JSON.stringify(managed.body)).toBe(200);
    const ordered = await carol.post('/requests', {
      item: 'application-access',
      answers: { application: 'Jira', accessLevel: 'read', justification: 'To follow the service desk board daily' },
    });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    const { id, number } = ordered.body as { id: string; number: string };

    const [ask] = await caught(`[${number}] Please decide`);
    expect(ask?.to).toEqual(['ada@example.com']);
    expect(ask?.subject).toBe(`[${number}] Please decide: Access to an application for Carol Requester`);
    expect(ask?.text).toContain('Application: Jira');
    expect(ask?.text).toContain('Justification: To follow the service desk board daily');
    // In the form's order (not the stored map's), a choice by its label (not its value `read`).
    expect(ask?.text).toContain('Their answers:\n  Application: Jira\n  Access level: Read only\n  Justification: To follow the service desk board daily\n\n');
    expect(ask?.text).toContain(`POST /requests/${id}/approvals`);
    expect(ask?.text).toContain('a reply does not decide');

    // The approver answers the mail: a public note by them on the request, never a vote.
    const answer = await send({
      from: 'ada@example.com',
      to: 'requests@itsm.local',
      subject: `Re: ${ask?.subject}`,
      inReplyTo: ask?.headers['message-id'],
      text: 'Approve',
    });
    expect(answer).toMatchObject({ outcome: 'noted', sender: 'ada', ticket: { id, number } });
    const notes = (await carol.get(`/requests/${id}/notes`)).body.items as Record<string, unknown>[];
    expect(notes.find((n) => n.id === answer.noteId)).toMatchObject({ text: 'Approve', visibility: 'public', author: 'ada', source: 'email' });
    expect((await carol.get(`/requests/${id}`)).body.status).toBe('awaiting_approval');

    const decided = await ada.post(`/requests/${id}/approvals`, { decision: 'reject', comment: 'Use the shared dashboard' });
    expect(decided.status, JSON.stringify(decided.body)).toBeLessThan(300);
    const [rejected] = await caught(`[${number}] Rejected`);
    expect(rejected?.to).toEqual(['carol@example.com']);
    // Each event mails each recipient once.
    expect(stack.caughtMail().filter((m) => m.subject.startsWith(`[${number}] Please decide`))).toHaveLength(1);
  });

  it('lists inbound mail to admins only', async () => {
    expect((await carol.get('/inbound-emails')).status).toBe(404);
    expect((await alice.get('/inbound-emails')).status).toBe(404);
    const page = await ada.get<{ items: Inbound[]; nextCursor?: string }>('/inbound-emails?limit=2');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.nextCursor).toBeDefined();
    const next = await ada.get<{ items: Inbound[] }>(`/inbound-emails?limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.items.map((i) => i.id)).not.toContain(page.body.items[0]?.id);
  });
});
