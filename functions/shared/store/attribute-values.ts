/*
 * DynamoDB attribute values to JavaScript values and back, as @aws-sdk/util-dynamodb converts them
 * with the options our document client uses (removeUndefinedValues, no convertEmptyValues, no
 * wrapNumbers): the same checks in the same order, the same errors word for word
 * (test/unit/attribute-values.test.ts compares the two over random values). Our own because
 * util-dynamodb's general options cost 5 KB of every bundle against 250 KB (bench/bundle.ts).
 * Not converted: lib-dynamodb's NumberValue, which nothing here creates.
 */

/** A value as DynamoDB stores it. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: Uint8Array }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: Uint8Array[] }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] }
  | { NULL: true }
  | { BOOL: boolean };

/** A JavaScript value that converts: string, number, bigint, boolean, null, Set, Map, array, object, Uint8Array. */
// biome-ignore lint/suspicious/noExplicitAny: lib-dynamodb's NativeAttributeValue is `any` as well; items are checked where they are read.
export type NativeAttributeValue = any;

// util-dynamodb tells binary by constructor name (a Buffer from another realm is one too).
const BINARY_TYPES = new Set(
  'ArrayBuffer Blob Buffer DataView File Int8Array Uint8Array Uint8ClampedArray Int16Array Uint16Array Int32Array Uint32Array Float32Array Float64Array BigInt64Array BigUint64Array'.split(
    ' ',
  ),
);

// biome-ignore lint/suspicious/noExplicitAny: any value at all may be handed in; the checks below are util-dynamodb's.
type Anything = any;

const isBinary = (value: Anything): boolean => BINARY_TYPES.has(value?.constructor?.name);

/** A number as N: NaN, infinities and integers beyond 2^53 are refused, as util-dynamodb refuses them. */
function marshallNumber(value: Anything): { N: string } {
  const text: string = value.toString();
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') throw new Error(`Special numeric value ${text} is not allowed`);
  const bound =
    Number(value) > Number.MAX_SAFE_INTEGER
      ? 'greater than Number.MAX_SAFE_INTEGER'
      : Number(value) < Number.MIN_SAFE_INTEGER
        ? 'lesser than Number.MIN_SAFE_INTEGER'
        : '';
  if (bound !== '') throw new Error(`Number ${text} is ${bound}. Use NumberValue from @aws-sdk/lib-dynamodb.`);
  return { N: text };
}

/** Members that are functions or undefined are left out, at every depth. */
function marshallMap(entries: Iterable<[string, Anything]>): { M: Record<string, AttributeValue> } {
  const map: Record<string, AttributeValue> = {};
  for (const [key, member] of entries) if (typeof member !== 'function' && member !== undefined) map[key] = marshallValue(member);
  return { M: map };
}

/** A Set's type is its first member's: numbers NS, strings SS, binaries BS; an empty Set is refused. */
function marshallSet(set: Set<Anything>): AttributeValue {
  const members = [...set].filter((member) => member !== undefined);
  const [first] = members;
  if (members.length === 0) throw new Error('Pass a non-empty set, or options.convertEmptyValues=true.');
  if (typeof first === 'number') return { NS: members.map((member) => marshallNumber(member).N) };
  if (typeof first === 'bigint') return { NS: members.map((member) => member.toString()) };
  if (typeof first === 'string') return { SS: members.map((member) => member.toString()) };
  if (isBinary(first)) return { BS: members };
  throw new Error('Only Number Set (NS), Binary Set (BS) or String Set (SS) are allowed.');
}

/** util-dynamodb's marshall(value, { removeUndefinedValues: true, convertTopLevelContainer: true }). */
export function marshallValue(value: NativeAttributeValue): AttributeValue {
  if (value === undefined) throw new Error('Pass options.removeUndefinedValues=true to remove undefined values from map/array/set.');
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) return { L: value.filter((member) => typeof member !== 'function' && member !== undefined).map(marshallValue) };
  const type: unknown = value.constructor?.name;
  if (type === 'Set') return marshallSet(value);
  if (type === 'Map') return marshallMap(value);
  if (type === 'Object' || (!value.constructor && typeof value === 'object')) {
    const entries: [string, Anything][] = [];
    for (const key in value) entries.push([key, value[key]]);
    return marshallMap(entries);
  }
  if (isBinary(value)) return { B: value };
  if (typeof value === 'boolean' || type === 'Boolean') return { BOOL: value.valueOf() };
  if (typeof value === 'number' || type === 'Number') return marshallNumber(value);
  if (typeof value === 'bigint') return { N: value.toString() };
  if (typeof value === 'string' || type === 'String') return { S: value.toString() };
  throw new Error(`Unsupported type passed: ${value}. Pass options.convertClassInstanceToMap=true to marshall typeof object as map attribute.`);
}

/** N as a number; an integer beyond 2^53 as a bigint (exact), and refused when it is not an integer. */
function unmarshallNumber(text: string): number | bigint {
  const value = Number(text);
  if ((value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER) && Math.abs(value) !== Number.POSITIVE_INFINITY) {
    try {
      return BigInt(text);
    } catch {
      throw new Error(`${text} can't be converted to BigInt. Set options.wrapNumbers to get string value.`);
    }
  }
  return value;
}

/*
 * Unmarshalling runs for every attribute of every item read (a page of 20 is some 700), so it walks
 * the members with for-in instead of Object.entries (an array per attribute): the same own keys in
 * the same order, so the same answer as util-dynamodb for any input, malformed ones included.
 */

/** util-dynamodb's unmarshall(attribute, { convertWithoutMapWrapper: true }): the first member set decides. */
export function unmarshallValue(attribute: AttributeValue): NativeAttributeValue {
  for (const type in attribute) {
    const value = (attribute as Record<string, Anything>)[type];
    if (value === undefined || !Object.hasOwn(attribute, type)) continue;
    switch (type) {
      case 'S':
      case 'B':
        return value;
      case 'N':
        return unmarshallNumber(value);
      case 'M':
        return unmarshall(value);
      case 'L':
        return value.map(unmarshallValue);
      case 'BOOL':
        return Boolean(value);
      case 'NULL':
        return null;
      case 'NS':
        return new Set(value.map(unmarshallNumber));
      case 'SS':
      case 'BS':
        return new Set(value);
      default:
        throw new Error(`Unsupported type passed: ${type}`);
    }
  }
  throw new Error(`No value defined: ${JSON.stringify(attribute)}`);
}

/** An item (a stream image, the Item of a refusal) as JavaScript values: util-dynamodb's unmarshall(item). */
export function unmarshall(item: Record<string, AttributeValue>): Record<string, NativeAttributeValue> {
  const native: Record<string, NativeAttributeValue> = {};
  for (const key in item) if (Object.hasOwn(item, key)) native[key] = unmarshallValue(item[key] as AttributeValue);
  return native;
}
