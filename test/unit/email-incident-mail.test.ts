import { describe, expect, it } from 'vitest';
import { threadCandidates } from '../../functions/email/domain/inbound.ts';
import { incidentReceivedMail } from '../../functions/email/domain/incident-mail.ts';

describe('incidentReceivedMail', () => {
  it('tells the sender the number, in a subject a reply threads by', () => {
    const mail = incidentReceivedMail({ to: 'dave', displayName: 'Dave Example', number: 'INC0000042', title: 'VPN down' });
    expect(mail).toMatchObject({ to: 'dave', subject: '[INC0000042] Received: VPN down' });
    expect(mail.text).toContain('Hello Dave Example');
    expect(mail.text).toContain('incident INC0000042: VPN down');
    expect(mail.text).toContain('Reply to this e-mail to add a note to INC0000042');
    expect(threadCandidates([], `Re: ${mail.subject}`).number).toEqual({ kind: 'incident', number: 'INC0000042' });
  });
});
