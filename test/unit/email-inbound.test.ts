import { describe, expect, it } from 'vitest';
import {
  authenticated,
  classify,
  cleanSubject,
  type Envelope,
  kindForRecipients,
  MAX_MESSAGES_PER_SENDER_HOUR,
  type MailHeader,
  overSenderRate,
  senderWindow,
  threadCandidates,
} from '../../functions/email/domain/inbound.ts';

const person: Envelope = {
  returnPath: 'carol@example.com',
  from: 'carol@example.com',
  spamVerdict: 'PASS',
  virusVerdict: 'PASS',
  spfVerdict: 'PASS',
  dkimVerdict: 'PASS',
  dmarcVerdict: 'PASS',
};
const h = (name: string, value: string): MailHeader => ({ name, value });
const OURS = 'service-desk@itsm.local';

describe('classify', () => {
  it('lets a person’s mail through', () => {
    expect(classify([h('Subject', 'Printer'), h('Content-Type', 'text/plain')], person, OURS)).toBe('ok');
    expect(classify([h('Auto-Submitted', 'no')], person, OURS)).toBe('ok');
  });

  it('drops spam and viruses by SES verdict', () => {
    expect(classify([], { ...person, spamVerdict: 'FAIL' }, OURS)).toBe('spam');
    expect(classify([], { ...person, virusVerdict: 'FAIL' }, OURS)).toBe('spam');
    expect(classify([], { ...person, spamVerdict: 'GRAY' }, OURS)).toBe('ok');
  });

  it('drops bounces: empty return path, MAILER-DAEMON, postmaster, delivery reports', () => {
    expect(classify([], { ...person, returnPath: '' }, OURS)).toBe('bounce');
    expect(classify([], { ...person, returnPath: '<>' }, OURS)).toBe('bounce');
    expect(classify([], { ...person, returnPath: 'MAILER-DAEMON@mx.example.com' }, OURS)).toBe('bounce');
    expect(classify([], { ...person, from: 'postmaster@example.com' }, OURS)).toBe('bounce');
    expect(classify([h('Content-Type', 'multipart/report; report-type=delivery-status; boundary="x"')], person, OURS)).toBe('bounce');
  });

  it('drops mail whose From domain did not vouch for it: DMARC PASS, or SPF PASS for a return path in the From domain', () => {
    const unverified = { ...person, spfVerdict: 'FAIL', dkimVerdict: 'FAIL', dmarcVerdict: 'FAIL' };
    expect(classify([], unverified, OURS)).toBe('unauthenticated');
    expect(classify([], { ...unverified, dmarcVerdict: 'PASS' }, OURS)).toBe('ok');
    // SPF passes for the return path: believed only when that is the From domain.
    expect(classify([], { ...unverified, spfVerdict: 'PASS' }, OURS)).toBe('ok');
    expect(classify([], { ...unverified, spfVerdict: 'PASS', returnPath: 'bounces@Example.COM' }, OURS)).toBe('ok');
    expect(classify([], { ...unverified, spfVerdict: 'PASS', returnPath: 'mallory@evil.example' }, OURS)).toBe('unauthenticated');
    expect(classify([], { ...unverified, spfVerdict: 'PASS', returnPath: 'x@mail.example.com' }, OURS)).toBe('unauthenticated');
    // DKIM PASS alone does not say which domain signed: a forger signs for its own.
    expect(classify([], { ...unverified, dkimVerdict: 'PASS' }, OURS)).toBe('unauthenticated');
    for (const verdict of ['GRAY', 'PROCESSING_FAILED', undefined]) {
      expect(classify([], { ...unverified, dmarcVerdict: verdict, spfVerdict: verdict }, OURS), String(verdict)).toBe('unauthenticated');
    }
    // Our own address forged by someone else is unauthenticated, not a loop: nothing about it is ours.
    expect(classify([], { ...unverified, from: OURS }, OURS)).toBe('unauthenticated');
    expect(authenticated({ ...unverified, from: 'Carol <carol@example.com>', returnPath: 'carol@example.com', spfVerdict: 'PASS' })).toBe(true);
  });

  it('drops our own mail coming back: the loop header, or our address', () => {
    expect(classify([h('X-ITSM-Loop', 'open-itsm')], person, OURS)).toBe('loop');
    expect(classify([], { ...person, from: 'Service Desk <SERVICE-DESK@itsm.local>' }, OURS)).toBe('loop');
    expect(classify([], { ...person, from: OURS }, '')).toBe('ok');
  });

  it('drops auto-replies', () => {
    for (const header of [
      h('Auto-Submitted', 'auto-replied'),
      h('auto-submitted', 'auto-generated'),
      h('Precedence', 'bulk'),
      h('Precedence', 'auto_reply'),
      h('Precedence', 'list'),
      h('X-Autoreply', 'yes'),
      h('X-Autorespond', 'vacation'),
    ]) {
      expect(classify([header], person, OURS), `${header.name}: ${header.value}`).toBe('auto-reply');
    }
    expect(classify([h('Precedence', 'first-class')], person, OURS)).toBe('ok');
  });

  it('counts a loop past the hourly allowance, by the hour', () => {
    expect(overSenderRate(MAX_MESSAGES_PER_SENDER_HOUR)).toBe(false);
    expect(overSenderRate(MAX_MESSAGES_PER_SENDER_HOUR + 1)).toBe(true);
    expect(senderWindow(new Date('2026-12-07T04:59:59Z'))).toBe('2026-12-07T04');
  });
});

describe('threadCandidates', () => {
  it('takes our message ids from In-Reply-To, then References newest first', () => {
    const candidates = threadCandidates(
      [h('In-Reply-To', '<abc-1@email.amazonses.com>'), h('References', '<old@x.example> <mid@email.amazonses.com> <abc-1@email.amazonses.com>')],
      'Re: something',
    );
    expect(candidates.messageIds).toEqual(['abc-1', 'mid', 'old']);
    expect(candidates.number).toBeUndefined();
  });

  it('finds a ticket number in the subject', () => {
    expect(threadCandidates([], 'Re: [REQ0000012] Received: New laptop').number).toEqual({ kind: 'request', number: 'REQ0000012' });
    expect(threadCandidates([], 'about inc0000003 again').number).toEqual({ kind: 'incident', number: 'INC0000003' });
    expect(threadCandidates([], 'REQ12 is not a number').number).toBeUndefined();
    expect(threadCandidates([], 'REQ00000123 has eight digits').number).toBeUndefined();
  });
});

describe('kindForRecipients and cleanSubject', () => {
  it('opens an incident for incident@ or incidents@, a request otherwise', () => {
    expect(kindForRecipients(['incident@itsm.local'])).toBe('incident');
    expect(kindForRecipients(['Desk <Incidents@corp.example>'])).toBe('incident');
    expect(kindForRecipients(['requests@itsm.local'])).toBe('request');
    expect(kindForRecipients(['my-incident@itsm.local'])).toBe('request');
  });

  it('strips reply and forward markers', () => {
    expect(cleanSubject('Re: Fwd: RE: Printer jams')).toBe('Printer jams');
    expect(cleanSubject('AW: Drucker')).toBe('Drucker');
    expect(cleanSubject('Reset my password')).toBe('Reset my password');
  });
});
