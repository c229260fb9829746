/**
 * EventBridge event patterns, the syntax Lambda event filtering uses too
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). The local
 * EventBridge endpoint matches PutEvents entries against the ingestion rules with it, and the
 * stream poller filters stream records with the consumers' filter patterns, so a pattern that
 * matches here matches in AWS and the other way round.
 *
 * Semantics (those of EventBridge's matcher, aws/event-ruler):
 * - a pattern is an object; every field in it must match (AND); `$or` takes a list of
 *   sub-patterns of which at least one must match, alongside the other fields;
 * - a field's value is an array of matchers (any may match: OR), or an object that descends;
 * - only leaf values (string, number, boolean, null) match; an array in the event matches if any
 *   of its elements does; a nested pattern over an array of objects must match within one element;
 * - a field that is missing (or an object, or an empty array) matches nothing but `exists: false`;
 * - matchers: exact values (strings, numbers, booleans, null; `"5"` is not `5`), `prefix`,
 *   `suffix` (both also with `equals-ignore-case`), `anything-but` (a value, a list, `prefix`,
 *   `suffix`, `equals-ignore-case`, `wildcard`), `exists`, `numeric` ranges,
 *   `equals-ignore-case`, `wildcard` (`*`, with `\*` for a literal star).
 *
 * `cidr` is unsupported (no rule here uses it): a pattern using it is refused rather than silently never matching.
 */

export type EventPattern = Readonly<Record<string, unknown>>;

export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
}

type Leaf = string | number | boolean | null;
type Test = (value: Leaf) => boolean;
type Node = (value: unknown) => boolean;

interface LeafMatcher {
  /** `exists: true/false`, decided on whether the field has any leaf value. */
  readonly exists?: boolean;
  readonly test?: Test;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const isLeaf = (value: unknown): value is Leaf =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

/** The leaf values at a field: arrays are flattened; objects (intermediate nodes) have none. */
function leaves(value: unknown, into: Leaf[] = []): Leaf[] {
  if (Array.isArray(value)) for (const element of value) leaves(element, into);
  else if (isLeaf(value)) into.push(value);
  return into;
}

const fail = (path: string, message: string): never => {
  throw new EventPatternError(`${path === '' ? 'pattern' : path}: ${message}`);
};

function stringArgument(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string') fail(path, `${what} takes a string`);
  return value as string;
}

function lowerCase(value: string): string {
  return value.toLowerCase();
}

/** `prefix` / `suffix`: a string, or `{ "equals-ignore-case": string }`. */
function affix(kind: 'prefix' | 'suffix', argument: unknown, path: string): Test {
  let expected: string;
  let ignoreCase = false;
  if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') fail(path, `${kind} takes a string or { "equals-ignore-case": string }`);
    expected = stringArgument(argument['equals-ignore-case'], path, `${kind} equals-ignore-case`);
    ignoreCase = true;
  } else {
    expected = stringArgument(argument, path, kind);
  }
  const wanted = ignoreCase ? lowerCase(expected) : expected;
  return (value) => {
    if (typeof value !== 'string') return false;
    const actual = ignoreCase ? lowerCase(value) : value;
    return kind === 'prefix' ? actual.startsWith(wanted) : actual.endsWith(wanted);
  };
}

function equalsIgnoreCase(argument: unknown, path: string): Test {
  const wanted = lowerCase(stringArgument(argument, path, 'equals-ignore-case'));
  return (value) => typeof value === 'string' && lowerCase(value) === wanted;
}

function wildcard(argument: unknown, path: string): Test {
  const source = stringArgument(argument, path, 'wildcard');
  let regex = '';
  let previousStar = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i] as string;
    if (char === '\\') {
      const next = source[i + 1];
      if (next !== '*' && next !== '\\') fail(path, 'wildcard: a backslash escapes only * or \\');
      regex += `\\${next}`;
      i++;
      previousStar = false;
    } else if (char === '*') {
      if (previousStar) fail(path, 'wildcard: consecutive * are not allowed');
      regex += '.*';
      previousStar = true;
    } else {
      regex += char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      previousStar = false;
    }
  }
  const compiled = new RegExp(`^${regex}$`, 's');
  return (value) => typeof value === 'string' && compiled.test(value);
}

const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

function numeric(argument: unknown, path: string): Test {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
    fail(path, 'numeric takes [operator, number] or [lower operator, number, upper operator, number]');
  }
  const terms = argument as unknown[];
  const conditions: Test[] = [];
  const seen: string[] = [];
  for (let i = 0; i < terms.length; i += 2) {
    const operator = terms[i];
    const bound = terms[i + 1];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) fail(path, 'numeric bounds must be numbers');
    const n = bound as number;
    switch (operator) {
      case '=':
        if (terms.length !== 2) fail(path, 'numeric "=" stands alone');
        conditions.push((v) => (v as number) === n);
        break;
      case '>':
        conditions.push((v) => (v as number) > n);
        break;
      case '>=':
        conditions.push((v) => (v as number) >= n);
        break;
      case '<':
        conditions.push((v) => (v as number) < n);
        break;
      case '<=':
        conditions.push((v) => (v as number) <= n);
        break;
      default:
        fail(path, `numeric operator ${JSON.stringify(operator)} is not one of =, <, <=, >, >=`);
    }
    seen.push(operator as string);
  }
  if (seen.length === 2 && !(LOWER_BOUNDS.has(seen[0] as string) && UPPER_BOUNDS.has(seen[1] as string))) {
    fail(path, 'a numeric range is a lower bound (> or >=) followed by an upper bound (< or <=)');
  }
  return (value) => typeof value === 'number' && conditions.every((condition) => condition(value));
}

function exactValues(values: readonly unknown[], path: string, what: string): Test {
  if (values.length === 0) fail(path, `${what} needs at least one value`);
  for (const value of values) if (!isLeaf(value)) fail(path, `${what} takes strings, numbers, booleans or null`);
  const set = new Set(values as Leaf[]);
  return (value) => set.has(value);
}

function anythingBut(argument: unknown, path: string): Test {
  let inner: Test;
  if (Array.isArray(argument)) inner = exactValues(argument, path, 'anything-but');
  else if (isLeaf(argument)) inner = (value) => value === argument;
  else if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    if (keys.length !== 1) fail(path, 'anything-but takes one of prefix, suffix, equals-ignore-case, wildcard');
    const [kind] = keys as [string];
    const value = argument[kind];
    const list = (build: (one: unknown) => Test): Test => {
      const tests = Array.isArray(value) ? value.map(build) : [build(value)];
      if (tests.length === 0) fail(path, `anything-but ${kind} needs at least one value`);
      return (v) => tests.some((test) => test(v));
    };
    switch (kind) {
      case 'prefix':
      case 'suffix':
        inner = affix(kind, value, path);
        break;
      case 'equals-ignore-case':
        inner = list((one) => equalsIgnoreCase(one, path));
        break;
      case 'wildcard':
        inner = list((one) => wildcard(one, path));
        break;
      default:
        return fail(path, `anything-but ${kind} is not supported`);
    }
  } else {
    return fail(path, 'anything-but takes a value, a list of values, or an object');
  }
  return (value) => !inner(value);
}

function leafMatcher(matcher: unknown, path: string): LeafMatcher {
  if (isLeaf(matcher)) return { test: (value) => value === matcher };
  if (!isPlainObject(matcher)) return fail(path, `${JSON.stringify(matcher)} is neither a value nor a matcher object`);
  const keys = Object.keys(matcher);
  if (keys.length !== 1) fail(path, `a matcher object has exactly one key, not ${JSON.stringify(keys)}`);
  const [kind] = keys as [string];
  const argument = matcher[kind];
  switch (kind) {
    case 'exists':
      if (typeof argument !== 'boolean') fail(path, 'exists takes true or false');
      return { exists: argument as boolean };
    case 'prefix':
    case 'suffix':
      return { test: affix(kind, argument, path) };
    case 'anything-but':
      return { test: anythingBut(argument, path) };
    case 'numeric':
      return { test: numeric(argument, path) };
    case 'equals-ignore-case':
      return { test: equalsIgnoreCase(argument, path) };
    case 'wildcard':
      return { test: wildcard(argument, path) };
    default:
      return fail(path, `matcher ${JSON.stringify(kind)} is not supported`);
  }
}

function compileLeaf(matchers: readonly unknown[], path: string): (values: Leaf[]) => boolean {
  if (matchers.length === 0) fail(path, 'an empty array matches nothing');
  const compiled = matchers.map((matcher) => leafMatcher(matcher, path));
  const acceptsMissing = compiled.some((m) => m.exists === false);
  return (values) => {
    if (values.length === 0) return acceptsMissing;
    return compiled.some((m) => (m.exists !== undefined ? m.exists : values.some((value) => (m.test as Test)(value))));
  };
}

function field(value: unknown, key: string): unknown {
  return isPlainObject(value) ? value[key] : undefined;
}

function compileObject(pattern: unknown, path: string): Node {
  if (!isPlainObject(pattern)) return fail(path, 'must be an object');
  const entries = Object.entries(pattern);
  if (entries.length === 0) fail(path, 'an empty pattern object is not allowed');
  const checks: Node[] = entries.map(([key, sub]) => {
    const subPath = path === '' ? key : `${path}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length === 0) fail(subPath, '$or takes a non-empty array of patterns');
      const alternatives = (sub as unknown[]).map((alternative, i) => compileObject(alternative, `${subPath}[${i}]`));
      return (value) => alternatives.some((alternative) => alternative(value));
    }
    if (Array.isArray(sub)) {
      const leaf = compileLeaf(sub, subPath);
      return (value) => leaf(leaves(field(value, key)));
    }
    if (isPlainObject(sub)) {
      const child = compileObject(sub, subPath);
      return (value) => child(field(value, key));
    }
    return fail(subPath, 'must be an array of matchers or a nested pattern object');
  });
  const all = (value: unknown) => checks.every((check) => check(value));
  // An array of objects: the nested pattern must match within one element.
  return (value) => (Array.isArray(value) && value.length > 0 ? value.some(all) : all(value));
}

export type CompiledPattern = (event: unknown) => boolean;

/** Checks the pattern once (throws EventPatternError with the offending path) and returns a matcher. */
export function compileEventPattern(pattern: EventPattern): CompiledPattern {
  const root = compileObject(pattern, '');
  return (event) => isPlainObject(event) && root(event);
}

const cache = new WeakMap<object, CompiledPattern>();

/** Does `event` match `pattern`? Patterns are compiled once and cached. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = compileEventPattern(pattern);
    cache.set(pattern, compiled);
  }
  return compiled(event);
}
