import nodemailer, { type SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { addressOf, decodeWords, parseMail } from '../../functions/email/domain/mime.ts';

/** A message as a real client (nodemailer) writes it: encoded words, quoted-printable, base64, multipart. */
async function compose(options: SendMailOptions): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail(options);
  return info.message as Buffer;
}

describe('parseMail', () => {
  it('reads a plain message', async () => {
    const mail = parseMail(
      await compose({ from: 'Carol Requester <Carol@Example.com>', to: 'requests@itsm.local', subject: 'Printer jams', text: 'Every page.' }),
    );
    expect(mail.from).toBe('carol@example.com');
    expect(mail.subject).toBe('Printer jams');
    expect(mail.text?.trim()).toBe('Every page.');
    expect(mail.html).toBeUndefined();
    expect(mail.headers.find((h) => h.name === 'Subject')?.value).toBe('Printer jams');
  });

  it('decodes encoded-word subjects and names, quoted-printable and base64 bodies in their charset', async () => {
    const raw = await compose({
      from: '"Zoë Ærø" <zoe@example.com>',
      to: 'requests@itsm.local',
      subject: 'Drucker im 2. Stock: Papierstau – schon wieder 😩',
      text: `Grüße aus Köln. ${'Lange Zeile '.repeat(20)}`,
      html: '<p>Grüße <b>aus</b> Köln</p>',
    });
    const mail = parseMail(raw);
    expect(mail.from).toBe('zoe@example.com');
    expect(mail.subject).toBe('Drucker im 2. Stock: Papierstau – schon wieder 😩');
    expect(mail.text).toContain('Grüße aus Köln. Lange Zeile Lange Zeile');
    expect(mail.html).toContain('<p>Grüße <b>aus</b> Köln</p>');
  });

  it('takes the text of a multipart/mixed message and skips its attachments', async () => {
    const raw = await compose({
      from: 'carol@example.com',
      to: 'requests@itsm.local',
      subject: 'See attached',
      text: 'The log is attached.',
      attachments: [{ filename: 'log.txt', content: 'attachment text, not the body' }],
    });
    const mail = parseMail(raw);
    expect(mail.text?.trim()).toBe('The log is attached.');
  });

  it('reads an HTML-only message and latin-1 text', () => {
    const html = parseMail(Buffer.from('From: a@b.example\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi</p>\r\n'));
    expect(html.text).toBeUndefined();
    expect(html.html).toContain('<p>Hi</p>');
    const latin = parseMail(
      Buffer.concat([Buffer.from('From: a@b.example\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n'), Buffer.from('Gr\xfc\xdfe', 'latin1')]),
    );
    expect(latin.text).toBe('Grüße');
  });

  it('survives a message with no body or headers it knows', () => {
    expect(parseMail(Buffer.from('X-Nothing: here'))).toMatchObject({ from: '', subject: '' });
    expect(parseMail(Buffer.from('Content-Type: multipart/mixed\r\n\r\nno boundary')).text).toBeUndefined();
  });
});

describe('decodeWords and addressOf', () => {
  it('joins adjacent encoded words and decodes Q and B', () => {
    expect(decodeWords('=?utf-8?Q?Gr=C3=BC=C3=9Fe_aus?= =?utf-8?B?S8O2bG4=?=')).toBe('Grüße ausKöln');
    expect(decodeWords('plain =?iso-8859-1?q?caf=E9?= text')).toBe('plain café text');
  });

  it('finds the address in a From header', () => {
    expect(addressOf('"Doe, Jane" <Jane.Doe@Example.com>')).toBe('jane.doe@example.com');
    expect(addressOf('jane@example.com (Jane)')).toBe('jane@example.com');
    expect(addressOf(undefined)).toBe('');
  });
});
