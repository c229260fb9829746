/**
 * JSON text read without losing what JSON.parse loses. Senders may put anything JSON allows in
 * `custom_details` or an EventBridge `detail`: integers above 2^53, exponents beyond a double
 * (1e400 parses to Infinity, 1e-400 to 0), duplicate keys, empty keys, nesting thousands deep.
 * This scanner keeps where every value sits in the text and says, per value, whether it survives
 * JSON.parse and whether a DynamoDB map can hold it unchanged; what cannot is stored as its text.
 *
 * Iterative, not recursive: a 512 KB body may nest 250,000 levels deep.
 */

/** DynamoDB refuses an attribute nested 32 levels deep (counted from the attribute itself). */
export const MAX_STORABLE_DEPTH = 31;
/** JSON.stringify recurses: deeper values are served as text, never re-serialized. */
export const MAX_FAITHFUL_DEPTH = 100;
/** DynamoDB numbers: magnitude from 1e-130; the document client refuses what a double cannot hold exactly. */
const MIN_DYNAMODB_MAGNITUDE = 1e-130;

export interface JsonSpan {
  readonly kind: 'object' | 'array' | 'string' | 'number' | 'literal';
  /** Offsets in the text: `text.slice(start, end)` is the value as sent. */
  readonly start: number;
  end: number;
  /** 0 for scalars; a container is one deeper than its deepest member. */
  depth: number;
  /** JSON.parse reads it without loss (no number beyond a double, no duplicate key) and JSON.stringify can write it back. */
  faithful: boolean;
  /** A DynamoDB attribute (through the document client) holds it unchanged: faithful, numbers in range, no empty key. */
  storable: boolean;
  /** Objects: each member by key (the last one, as JSON.parse keeps) and, in order, where each member sits. */
  readonly members?: Map<string, JsonSpan>;
  readonly entries?: { key: string; start: number; end: number }[];
}

export interface ScannedJson {
  readonly text: string;
  readonly root: JsonSpan;
}

const isWhitespace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

/** The same grammar as JSON.parse; throws SyntaxError where JSON.parse would. */
export function scanJson(text: string): ScannedJson {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const skipWhitespace = () => {
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  };
  /** From the opening quote to after the closing one; the value is JSON.parse's to decode. */
  const stringEnd = (): number => {
    for (let j = i + 1; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c < 0x20) break;
      if (c === 0x5c) {
        const next = text[j + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) break;
          j += 5;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) j++;
        else break;
      }
    }
    return fail('Unterminated or invalid string');
  };

  interface Frame {
    span: JsonSpan;
    key?: string;
    keyStart?: number;
  }
  const stack: Frame[] = [];
  const readKey = (frame: Frame) => {
    skipWhitespace();
    if (text[i] !== '"') fail('Expected a member name');
    const end = stringEnd();
    frame.keyStart = i;
    frame.key = JSON.parse(text.slice(i, end)) as string;
    i = end;
    skipWhitespace();
    if (text[i] !== ':') fail("Expected ':'");
    i++;
  };
  const absorb = (frame: Frame, value: JsonSpan) => {
    const span = frame.span;
    span.depth = Math.max(span.depth, value.depth + 1);
    span.faithful &&= value.faithful && span.depth <= MAX_FAITHFUL_DEPTH;
    span.storable &&= value.storable && span.faithful && span.depth <= MAX_STORABLE_DEPTH;
    if (span.kind !== 'object') return;
    const key = frame.key as string;
    if (span.members?.has(key)) {
      // JSON.parse keeps the last of duplicate keys: the others would be lost.
      span.faithful = false;
      span.storable = false;
    }
    // DynamoDB refuses empty attribute names; `__proto__` would not come back as a member when read.
    if (key === '' || key === '__proto__') span.storable = false;
    span.members?.set(key, value);
    span.entries?.push({ key, start: frame.keyStart as number, end: value.end });
  };

  let root: JsonSpan | undefined;
  for (;;) {
    skipWhitespace();
    const c = text[i];
    let value: JsonSpan | undefined;
    if (c === '{' || c === '[') {
      const object = c === '{';
      const span: JsonSpan = {
        kind: object ? 'object' : 'array',
        start: i,
        end: -1,
        depth: 1,
        faithful: true,
        storable: true,
        ...(object ? { members: new Map(), entries: [] } : {}),
      };
      i++;
      skipWhitespace();
      if (text[i] === (object ? '}' : ']')) {
        i++;
        span.end = i;
        value = span;
      } else {
        const frame: Frame = { span };
        stack.push(frame);
        if (object) readKey(frame);
        continue;
      }
    } else if (c === '"') {
      const end = stringEnd();
      value = { kind: 'string', start: i, end, depth: 0, faithful: true, storable: true };
      i = end;
    } else {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(text);
      if (number !== null) {
        const end = i + number[0].length;
        value = { kind: 'number', start: i, end, depth: 0, ...numberFidelity(number[0]) };
        i = end;
      } else {
        LITERAL.lastIndex = i;
        const literal = LITERAL.exec(text) ?? fail('Unexpected token');
        const end = i + literal[0].length;
        value = { kind: 'literal', start: i, end, depth: 0, faithful: true, storable: true };
        i = end;
      }
    }
    // A value is complete: hand it to its container, closing every container it completes.
    for (;;) {
      const frame = stack.at(-1);
      if (frame === undefined) {
        root = value;
        break;
      }
      absorb(frame, value);
      skipWhitespace();
      const object = frame.span.kind === 'object';
      if (text[i] === ',') {
        i++;
        if (object) readKey(frame);
        break;
      }
      if (text[i] !== (object ? '}' : ']')) fail(`Expected ',' or '${object ? '}' : ']'}'`);
      i++;
      frame.span.end = i;
      stack.pop();
      value = frame.span;
    }
    if (root !== undefined) break;
  }
  skipWhitespace();
  if (i !== text.length) fail('Unexpected text after the JSON value');
  return { text, root };
}

/**
 * Whether JSON.parse reads a number exactly (its decimal value is the double's) and whether DynamoDB,
 * through the document client, stores it unchanged.
 */
export function numberFidelity(literal: string): { faithful: boolean; storable: boolean } {
  const value = Number(literal);
  const faithful = Number.isFinite(value) && decimal(literal) === decimal(String(value));
  const magnitude = Math.abs(value);
  const storable = faithful && magnitude <= Number.MAX_SAFE_INTEGER && (magnitude === 0 || magnitude >= MIN_DYNAMODB_MAGNITUDE);
  return { faithful, storable };
}

/** A number's exact decimal value in one spelling: sign, significant digits, exponent. */
function decimal(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (match === null) return literal;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`;
  let power = BigInt(exponent) - BigInt(fraction.length);
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  power += BigInt(trailing);
  return `${sign}${digits}e${power}`;
}

/** The value's text exactly as sent. */
export const textOf = (scanned: ScannedJson, span: JsonSpan): string => scanned.text.slice(span.start, span.end);

/** A member of an object, as JSON.parse would pick it (the last of duplicates). */
export const memberOf = (span: JsonSpan | undefined, key: string): JsonSpan | undefined => span?.members?.get(key);

/** An object's text without some members, every other member exactly as sent. */
export function textWithout(scanned: ScannedJson, span: JsonSpan, keys: readonly string[]): string {
  if (span.entries === undefined || !span.entries.some((entry) => keys.includes(entry.key))) return textOf(scanned, span);
  const kept = span.entries.filter((entry) => !keys.includes(entry.key)).map((entry) => scanned.text.slice(entry.start, entry.end));
  return `{${kept.join(',')}}`;
}

/** Whether a value built in code (not read from text) fits a DynamoDB map unchanged. */
export function storableValue(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return numberFidelity(String(value)).storable;
  if (typeof value !== 'object' || depth >= MAX_STORABLE_DEPTH) return false;
  if (Array.isArray(value)) return value.every((item) => storableValue(item, depth + 1));
  return Object.entries(value).every(([key, item]) => key !== '' && key !== '__proto__' && item !== undefined && storableValue(item, depth + 1));
}
