/*
 * Reading the few values the functions need out of AWS's XML answers (S3's errors, SNS's query
 * protocol): small, flat documents whose element names are fixed by the service. A parser would
 * cost more bundle and load time than every use of it together.
 */

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML's five named entities and numeric character references, as text. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? entity;
  });
}

/** The decoded text of the first `<name>` element (undefined when there is none; '' for `<name/>`). */
export function xmlElementText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}\\s*>)`).exec(xml);
  if (match === null) return undefined;
  return decodeXmlText(match[1] ?? '');
}
