import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../functions/knowledge/domain/render.ts';

/* An article's body is rendered once, at write time: micromark's defaults keep raw HTML and unsafe URLs out. */
describe('renderMarkdown', () => {
  it('renders CommonMark', () => {
    expect(renderMarkdown('# Reset\n\n**Hold** the button, see [docs](https://example.com/a?b=1).')).toBe(
      '<h1>Reset</h1>\n<p><strong>Hold</strong> the button, see <a href="https://example.com/a?b=1">docs</a>.</p>',
    );
  });

  it.each([
    ['a script block', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['an inline script', 'Hi <script>alert(1)</script> there', '<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; there</p>'],
    ['an image with onerror', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['a raw anchor with a javascript: href', '<a href="javascript:alert(1)">x</a>', '<p>&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;</p>'],
    ['a javascript: link', '[x](javascript:alert(1))', '<p><a href="">x</a></p>'],
    ['a JavaScript: link in mixed case', '[x](JaVaScRiPt:alert(1))', '<p><a href="">x</a></p>'],
    ['a vbscript: link', '[x](vbscript:msgbox(1))', '<p><a href="">x</a></p>'],
    ['a data: link', '[x](data:text/html;base64,PHNjcmlwdD4=)', '<p><a href="">x</a></p>'],
    ['a data: image', '![i](data:image/svg+xml;base64,PHN2Zz4=)', '<p><img src="" alt="i" /></p>'],
    ['an autolink with javascript:', '<javascript:alert(1)>', '<p><a href="">javascript:alert(1)</a></p>'],
  ])('escapes or drops %s', (_what, markdown, html) => {
    const rendered = renderMarkdown(markdown);
    expect(rendered).toBe(html);
    expect(rendered).not.toMatch(/<script|<img [^>]*onerror|href="(?:javascript|vbscript|data):|src="data:/i);
  });

  // package.json overrides character-entities (HTML5's 2,125 names) with HTML 4's 252 and apos (vendor/character-entities), for bundle size.
  it("decodes HTML 4's named character references, and &apos;", () => {
    expect(renderMarkdown('&copy; 2026 &mdash; a&nbsp;b &rarr; &eacute; &hellip; &amp; &lt; it&apos;s')).toBe("<p>© 2026 — a\u00a0b → é … &amp; &lt; it's</p>");
  });

  it('leaves a name only HTML5 has as literal, escaped text', () => {
    expect(renderMarkdown('a &NotNestedGreaterGreater; b &check; c')).toBe('<p>a &amp;NotNestedGreaterGreater; b &amp;check; c</p>');
  });

  it('still decodes numeric character references to any code point', () => {
    expect(renderMarkdown('&#10003; &#x2AA2; &#0;')).toBe('<p>✓ ⪢ \ufffd</p>');
  });

  it('keeps safe URLs: https, mailto, relative', () => {
    expect(renderMarkdown('[a](mailto:help@example.com) [b](/articles/KB1) ![c](https://example.com/c.png)')).toBe(
      '<p><a href="mailto:help@example.com">a</a> <a href="/articles/KB1">b</a> <img src="https://example.com/c.png" alt="c" /></p>',
    );
  });
});
