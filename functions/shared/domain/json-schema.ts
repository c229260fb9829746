import { type OutputUnit, type Schema, Validator } from '@cfworker/json-schema';

/*
 * JSON Schemas (draft 2020-12) admins write: a CI class's `attributesSchema` (functions/cmdb), which
 * every manual write of a CI of the class is validated against, and a catalog item's form
 * (functions/requests), which a request's answers are. @cfworker/json-schema validates (small, no
 * code generation, so it runs in Lambda without eval). It does not know `$dynamicRef`, which the
 * official 2020-12 meta-schema is built on, so a schema an admin sends is checked against the same
 * meta-schema flattened into one document (every `$dynamicRef: "#meta"` a `$ref: "#"`, which is
 * what it resolves to when nothing extends it), then for what a meta-schema cannot say: its
 * patterns compile and its references resolve inside it (no remote references: a validator in a
 * Lambda function fetches nothing).
 */

/** A part of the validated document (or of the schema) at fault: a path and why. */
export interface SchemaIssue {
  /** Segments from the root of the validated document (a CI's attributes, a request's answers, or the schema). */
  path: string[];
  message: string;
}

const meta = { $ref: '#' } as const;
const schemaArray = { type: 'array', minItems: 1, items: meta };
const nonNegativeInteger = { type: 'integer', minimum: 0 };
const stringArray = { type: 'array', items: { type: 'string' }, uniqueItems: true };
const schemaMap = { type: 'object', additionalProperties: meta };

/** The draft 2020-12 meta-schema (core, applicator, unevaluated, validation, meta-data, format, content), flattened. */
export const JSON_SCHEMA_2020_12_META: Readonly<Record<string, unknown>> = {
  type: ['object', 'boolean'],
  properties: {
    $id: { type: 'string', format: 'uri-reference', pattern: '^[^#]*#?$' },
    $schema: { type: 'string', format: 'uri' },
    $ref: { type: 'string', format: 'uri-reference' },
    $anchor: { type: 'string', pattern: '^[A-Za-z_][-A-Za-z0-9._]*$' },
    $dynamicRef: { type: 'string', format: 'uri-reference' },
    $dynamicAnchor: { type: 'string', pattern: '^[A-Za-z_][-A-Za-z0-9._]*$' },
    $vocabulary: { type: 'object', additionalProperties: { type: 'boolean' } },
    $comment: { type: 'string' },
    $defs: schemaMap,
    definitions: schemaMap,
    prefixItems: schemaArray,
    items: meta,
    contains: meta,
    additionalProperties: meta,
    properties: schemaMap,
    // Patterns are compiled by the walk below, which says why one does not compile (format: 'regex' would only say "does not match").
    patternProperties: schemaMap,
    dependentSchemas: schemaMap,
    propertyNames: meta,
    if: meta,
    // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword here, and this object is never awaited
    then: meta,
    else: meta,
    allOf: schemaArray,
    anyOf: schemaArray,
    oneOf: schemaArray,
    not: meta,
    unevaluatedItems: meta,
    unevaluatedProperties: meta,
    type: {
      anyOf: [
        { enum: ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'] },
        { type: 'array', items: { enum: ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'] }, minItems: 1, uniqueItems: true },
      ],
    },
    enum: { type: 'array' },
    multipleOf: { type: 'number', exclusiveMinimum: 0 },
    maximum: { type: 'number' },
    exclusiveMaximum: { type: 'number' },
    minimum: { type: 'number' },
    exclusiveMinimum: { type: 'number' },
    maxLength: nonNegativeInteger,
    minLength: nonNegativeInteger,
    pattern: { type: 'string' },
    maxItems: nonNegativeInteger,
    minItems: nonNegativeInteger,
    uniqueItems: { type: 'boolean' },
    maxContains: nonNegativeInteger,
    minContains: nonNegativeInteger,
    maxProperties: nonNegativeInteger,
    minProperties: nonNegativeInteger,
    required: stringArray,
    dependentRequired: { type: 'object', additionalProperties: stringArray },
    title: { type: 'string' },
    description: { type: 'string' },
    deprecated: { type: 'boolean' },
    readOnly: { type: 'boolean' },
    writeOnly: { type: 'boolean' },
    examples: { type: 'array' },
    format: { type: 'string' },
    contentEncoding: { type: 'string' },
    contentMediaType: { type: 'string' },
    contentSchema: meta,
  },
};

const DRAFT_2020_12_URI = 'https://json-schema.org/draft/2020-12/schema';

/** `#/a/b~1c` -> ['a', 'b/c']. */
export function pointerSegments(location: string): string[] {
  const pointer = location.startsWith('#') ? location.slice(1) : location;
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * The validator's output as one issue per place at fault: its deepest errors (an error at a path
 * that another error goes below only says "something in here"), with the property that a
 * `required` or a properties keyword names added to the path.
 */
function issuesOf(errors: readonly OutputUnit[]): SchemaIssue[] {
  const byPath = new Map<string, SchemaIssue>();
  for (const error of errors) {
    const path = pointerSegments(error.instanceLocation);
    const named = /^Instance does not have required property "(.*)"\.$/.exec(error.error) ?? /^Property "(.*)" does not match/.exec(error.error);
    if (named?.[1] !== undefined) path.push(named[1]);
    const key = JSON.stringify(path);
    if (!byPath.has(key)) byPath.set(key, { path, message: error.error });
  }
  const all = [...byPath.values()];
  return all.filter(
    (issue) => !all.some((other) => other !== issue && other.path.length > issue.path.length && issue.path.every((segment, i) => other.path[i] === segment)),
  );
}

const metaValidator = new Validator(structuredClone(JSON_SCHEMA_2020_12_META) as Schema, '2020-12', false);

/** Where a schema's keywords hold subschemas: what the walk below descends into. */
const SUBSCHEMA_MAPS = ['$defs', 'definitions', 'properties', 'patternProperties', 'dependentSchemas'] as const;
const SUBSCHEMAS = [
  'items',
  'contains',
  'additionalProperties',
  'propertyNames',
  'if',
  'then',
  'else',
  'not',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
] as const;
const SUBSCHEMA_ARRAYS = ['prefixItems', 'allOf', 'anyOf', 'oneOf'] as const;

function resolves(root: unknown, ref: string): boolean {
  let node: unknown = root;
  for (const segment of pointerSegments(ref)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return false;
    node = (node as Record<string, unknown>)[segment];
  }
  return node !== undefined;
}

/** What the meta-schema cannot check: patterns compile (as the validator compiles them, with `u`), references resolve locally. */
function walk(root: unknown, node: unknown, path: string[], issues: SchemaIssue[]): void {
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  const regex = (source: unknown, at: string[]) => {
    try {
      new RegExp(String(source), 'u');
    } catch (error) {
      issues.push({ path: at, message: `The regular expression does not compile (${(error as Error).message})` });
    }
  };
  if (typeof schema.pattern === 'string') regex(schema.pattern, [...path, 'pattern']);
  for (const key of ['$ref', '$dynamicRef'] as const) {
    const ref = schema[key];
    if (typeof ref !== 'string') continue;
    if (!ref.startsWith('#')) issues.push({ path: [...path, key], message: 'Only references inside the schema (#/$defs/...) are allowed' });
    else if (key === '$ref' && !resolves(root, ref)) issues.push({ path: [...path, key], message: `${ref} names nothing in this schema` });
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = schema[key];
    if (map === null || typeof map !== 'object') continue;
    for (const [name, sub] of Object.entries(map)) {
      if (key === 'patternProperties') regex(name, [...path, key, name]);
      walk(root, sub, [...path, key, name], issues);
    }
  }
  for (const key of SUBSCHEMAS) walk(root, schema[key], [...path, key], issues);
  for (const key of SUBSCHEMA_ARRAYS) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    for (const [i, sub] of list.entries()) walk(root, sub, [...path, key, String(i)], issues);
  }
}

/** Why `schema` is not a JSON Schema draft 2020-12 this product can apply; [] when it is. */
export function schemaIssues(schema: unknown): SchemaIssue[] {
  const result = metaValidator.validate(schema);
  if (!result.valid) return issuesOf(result.errors);
  if (typeof schema === 'object' && schema !== null) {
    const declared = (schema as Record<string, unknown>).$schema;
    if (declared !== undefined && declared !== DRAFT_2020_12_URI && declared !== `${DRAFT_2020_12_URI}#`) {
      return [{ path: ['$schema'], message: `Only JSON Schema draft 2020-12 (${DRAFT_2020_12_URI}) is supported` }];
    }
  }
  const issues: SchemaIssue[] = [];
  walk(schema, schema, [], issues);
  return issues;
}

/** Compiled validators by schema text: a warm function validates without compiling again. */
const compiled = new Map<string, Validator>();
const MAX_COMPILED = 50;

/** The compiled validator of a schema schemaIssues accepted (cached: a warm function does not compile it again). */
export function validatorOf(schema: Readonly<Record<string, unknown>> | boolean): Validator {
  const text = JSON.stringify(schema);
  let validator = compiled.get(text);
  if (validator === undefined) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    // The validator annotates the schema objects it is given: a copy keeps the caller's intact.
    validator = new Validator(typeof schema === 'boolean' ? schema : (structuredClone(schema) as Schema), '2020-12', false);
    compiled.set(text, validator);
  }
  return validator;
}

/** The document's issues against a schema schemaIssues accepted ([] when valid). */
export function instanceIssues(schema: Readonly<Record<string, unknown>> | boolean, document: Record<string, unknown>): SchemaIssue[] {
  const result = validatorOf(schema).validate(document);
  return result.valid ? [] : issuesOf(result.errors);
}
