import { inspect, isDeepStrictEqual } from 'node:util';
import { convertToNative, marshall, unmarshall as sdkUnmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AttributeValue, marshallValue, unmarshall, unmarshallValue } from '../../functions/shared/store/attribute-values.ts';

/*
 * Our marshalling (functions/shared/store/attribute-values.ts) against @aws-sdk/util-dynamodb with
 * the options lib-dynamodb used in db.ts: for any value, the same attribute value or the same
 * error, and back the same JavaScript value or the same error.
 */
const SDK_MARSHALL = { removeUndefinedValues: true, convertEmptyValues: false, convertTopLevelContainer: true } as const;

type Outcome = { value: unknown } | { error: string };
const outcome = (convert: () => unknown): Outcome => {
  try {
    return { value: convert() };
  } catch (error) {
    return { error: error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error) };
  }
};

/**
 * What a value is, prototypes spelled out: a member named __proto__ becomes the object's prototype
 * in util-dynamodb (an assignment), and must in ours, yet the two prototypes are different objects.
 */
function canonical(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Set.prototype) return { set: [...(value as Set<unknown>)].map(canonical) };
  if (prototype === Map.prototype) return { map: [...(value as Map<unknown, unknown>)].map(([k, v]) => [k, canonical(v)]) };
  if (prototype === Array.prototype) return (value as unknown[]).map(canonical);
  const own = Object.entries(value).map(([k, v]) => [k, canonical(v)]);
  return prototype === Object.prototype ? { own } : prototype === null ? { own, prototype: null } : { own, prototype: canonical(prototype) };
}

/** node:util's deep strict equality (Sets, Maps, bytes, bigint, -0 against 0) of the canonical forms. */
const expectSame = (ours: Outcome, sdk: Outcome): void => {
  if (!isDeepStrictEqual(canonical(ours), canonical(sdk))) expect.fail(`ours ${inspect(ours, { depth: 9 })} but util-dynamodb ${inspect(sdk, { depth: 9 })}`);
};
const sameMarshalling = (value: unknown): void =>
  expectSame(
    outcome(() => marshallValue(value)),
    outcome(() => marshall(value, SDK_MARSHALL)),
  );
// convertToNative is what lib-dynamodb's unmarshall(value, { convertWithoutMapWrapper: true }) runs.
const sameUnmarshalling = (attribute: AttributeValue): void =>
  expectSame(
    outcome(() => unmarshallValue(attribute)),
    outcome(() => convertToNative(attribute as never)),
  );

/** Numbers as stored and as they go wrong: small and large integers, fractions, -0, NaN, infinities, 2^53 and beyond. */
const numbers = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 0.1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53, -(2 ** 53), 1e21, 1e-7, Number.NaN, Infinity, -Infinity),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).map((n) => n * 2 ** 30),
);
const strings = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', '__proto__', 'constructor', '0'));
const bytes = fc.uint8Array({ maxLength: 8 });
const keys = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('constructor', 'toString', 'N', 'S', 'M', '__proto__'));
const scalars = fc.oneof(
  strings,
  numbers,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  bytes,
  fc.constant(() => 'a function'),
  fc.date({ noInvalidDate: true }),
  fc.constantFrom(new Number(3), new String('boxed'), new Boolean(false), Buffer.from('buf'), new Uint16Array([1, 2]), new ArrayBuffer(2), Symbol.iterator),
);
const sets = fc
  .oneof(
    fc.uniqueArray(strings, { maxLength: 4 }),
    fc.uniqueArray(numbers, { maxLength: 4 }),
    fc.uniqueArray(fc.bigInt(), { maxLength: 3 }),
    fc.array(bytes, { maxLength: 3 }),
    fc.array(fc.oneof(strings, numbers, fc.constant(undefined), fc.boolean()), { maxLength: 4 }),
  )
  .map((members) => new Set<unknown>(members));

const { value: nativeValues } = fc.letrec<{ value: unknown; list: unknown[]; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalars,
    sets,
    tie('list'),
    tie('object'),
    tie('object').map((o) => new Map(Object.entries(o))),
  ),
  list: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.oneof(
    fc.dictionary(keys, tie('value'), { maxKeys: 4 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 3, noNullPrototype: false }),
    fc.dictionary(keys, tie('value'), { maxKeys: 3 }).map((o) => Object.assign(Object.create(null), o)),
  ),
}));

/** Attribute values as DynamoDB answers them, numbers as text (beyond 2^53, fractions, exponents, garbage). */
const numberTexts = fc.oneof(
  numbers.filter(Number.isFinite).map(String),
  fc.bigInt().map(String),
  fc.constantFrom('9007199254740993', '-9007199254740993', '1e400', '1.5e300', '12345678901234567890.5', '0.000', '-0', ' 7', 'abc', ''),
);
const { attribute: attributes } = fc.letrec<{ attribute: AttributeValue }>((tie) => ({
  attribute: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ S: strings }),
    fc.record({ N: numberTexts }),
    fc.record({ B: bytes }),
    fc.record({ BOOL: fc.boolean() }),
    fc.constant({ NULL: true as const }),
    fc.record({ SS: fc.array(strings, { maxLength: 3 }) }),
    fc.record({ NS: fc.array(numberTexts, { maxLength: 3 }) }),
    fc.record({ BS: fc.array(bytes, { maxLength: 2 }) }),
    fc.record({ L: fc.array(tie('attribute'), { maxLength: 3 }) }),
    fc.record({ M: fc.dictionary(keys, tie('attribute'), { maxKeys: 3 }) }),
    // What no well-formed answer holds, to compare the refusals too.
    fc.constantFrom({}, { X: 'unknown' }, { S: undefined, N: '1' }, { N: '1', S: 'x' }, { S: 'x', N: '1' }, { NULL: false }) as fc.Arbitrary<AttributeValue>,
  ),
}));

describe('marshalling as util-dynamodb does (removeUndefinedValues, no convertEmptyValues)', () => {
  it('any value: the same attribute value, or the same error', () => {
    fc.assert(fc.property(nativeValues, sameMarshalling), { numRuns: 3000 });
  });

  it('items as the store writes them: the same attribute values', () => {
    const item = fc.dictionary(keys, nativeValues, { maxKeys: 8 });
    fc.assert(
      fc.property(item, (value) => {
        for (const member of Object.values(value)) if (member !== undefined && typeof member !== 'function') sameMarshalling(member);
      }),
      { numRuns: 500 },
    );
  });

  it('the cases named: undefined members dropped at every depth, empty strings kept, sets typed by their first member, the refusals', () => {
    for (const value of [
      { a: undefined, b: [1, undefined, { c: undefined, d: '' }], e: new Map<string, unknown>([['f', undefined]]) },
      new Set([1, 'x']),
      new Set(['x', 1]),
      new Set([undefined, 'x']),
      new Set(),
      new Set([undefined]),
      new Set([true]),
      2 ** 60,
      -(2 ** 60),
      Number.NaN,
      new Date(0),
      class Thing {},
      undefined,
    ]) {
      sameMarshalling(value);
    }
  });
});

describe('unmarshalling as util-dynamodb does (no wrapNumbers)', () => {
  it('any attribute value: the same JavaScript value, or the same error', () => {
    fc.assert(fc.property(attributes, sameUnmarshalling), { numRuns: 3000 });
  });

  it('an item (a stream image, a refusal’s Item): the same object', () => {
    fc.assert(
      fc.property(fc.dictionary(keys, attributes, { maxKeys: 5 }), (item) => {
        expectSame(
          outcome(() => unmarshall(item)),
          outcome(() => sdkUnmarshall(item as never)),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('numbers: safe ones as numbers, integers beyond 2^53 as bigint, a fraction beyond it refused', () => {
    for (const N of ['42', '-0.5', '9007199254740991', '9007199254740993', '-12345678901234567890', '1e400', '1.5e300', '12345678901234567890.5'])
      sameUnmarshalling({ N });
    expect(unmarshallValue({ N: '9007199254740993' })).toBe(9007199254740993n);
    expect(() => unmarshallValue({ N: '1.5e300' })).toThrow("1.5e300 can't be converted to BigInt");
  });

  it('round trip: what the store writes reads back as the SDK reads it', () => {
    fc.assert(
      fc.property(nativeValues, (value) => {
        let attribute: AttributeValue;
        try {
          attribute = marshallValue(value);
        } catch {
          return;
        }
        sameUnmarshalling(attribute);
      }),
      { numRuns: 1000 },
    );
  });
});
