import { describe, expect, it } from 'vitest';
import { bodyText, htmlToText, withoutQuotedReply } from '../../functions/email/domain/body.ts';

describe('bodyText', () => {
  it('prefers the text part', () => {
    expect(bodyText({ text: 'Plain words\r\n', html: '<p>HTML words</p>' })).toBe('Plain words');
  });

  it('turns HTML into text when there is no text part, without running anything', () => {
    const html =
      '<html><head><style>p{color:red}</style></head><body><p>Hello &amp; welcome</p><script>alert(1)</script><div>Line<br>two</div><!-- c --></body></html>';
    expect(bodyText({ html })).toBe('Hello & welcome\nLine\ntwo');
    expect(htmlToText('a &lt;b&gt; &#65;&#x42; &nbsp;c')).toBe('a <b> AB  c');
  });

  it('is empty for no body', () => {
    expect(bodyText({})).toBe('');
  });
});

describe('withoutQuotedReply', () => {
  it('keeps what is above "On ... wrote:"', () => {
    const reply =
      'It still jams.\n\nOn Mon, 7 Dec 2026 at 10:00, Service Desk <service-desk@itsm.local> wrote:\n> Hello Carol,\n> we have received your request';
    expect(withoutQuotedReply(reply)).toBe('It still jams.');
  });

  it('handles the introduction wrapped over two lines', () => {
    const reply = 'Thanks!\n\nOn Mon, 7 Dec 2026 at 10:00, Service Desk <service-desk@itsm.local>\nwrote:\n> quoted';
    expect(withoutQuotedReply(reply)).toBe('Thanks!');
  });

  it('drops lines quoted with ">" and Outlook’s original message', () => {
    expect(withoutQuotedReply('> earlier\nMy answer\n> more')).toBe('My answer');
    expect(withoutQuotedReply('Done.\n-----Original Message-----\nFrom: x')).toBe('Done.');
  });

  it('keeps a reply that is all quote, so nothing is lost', () => {
    expect(withoutQuotedReply('> only a quote')).toBe('> only a quote');
  });
});
