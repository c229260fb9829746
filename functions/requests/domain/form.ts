import type { OutputUnit } from '@cfworker/json-schema';
import { pointerSegments, schemaIssues, validatorOf } from '../../shared/domain/json-schema.ts';
import type { FormField, FormFieldChoice, JsonSchemaObject } from './catalog.ts';

/*
 * A catalog item's form is a JSON Schema (draft 2020-12) object: its `properties` are the fields a
 * requester fills in, each with a `title` (the name people read). A request's answers are checked
 * against it, and each wrong field is named by its title, in words a requester understands ("Model:
 * must be one of MacBook Air 13, MacBook Pro 14"), not in the validator's ("Instance does not match
 * exactly one subschema"). A choice with readable labels is `oneOf` of `{ const, title }`; a plain
 * `enum` lists its values.
 */

/** A field (or a part of the form) at fault: its path and why, in the form's own words. */
export interface FormIssue {
  path: (string | number)[];
  message: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An issue inside a field's schema (`properties.<name>...`) names the field by its title, as the form's admin wrote it. */
function namedField(form: Record<string, unknown>, issue: { path: string[]; message: string }): FormIssue {
  const [keyword, name] = issue.path;
  const field = isObject(form.properties) && name !== undefined ? form.properties[name] : undefined;
  if (keyword !== 'properties' || !isObject(field)) return issue;
  const title = typeof field.title === 'string' && field.title !== '' ? field.title : name;
  return { path: issue.path, message: `${title}: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}` };
}

/** Why `form` cannot be a catalog item's form ([] when it can): a draft 2020-12 schema of type object with its fields under `properties`. */
export function validateForm(form: unknown): FormIssue[] {
  if (!isObject(form)) return [{ path: [], message: 'A form is a JSON Schema object ({ "type": "object", "properties": { ... } })' }];
  const issues: FormIssue[] = schemaIssues(form).map((issue) => namedField(form, issue));
  if (issues.length > 0) return issues;
  if (form.type !== 'object') issues.push({ path: ['type'], message: 'A form is of type "object": its fields are its properties' });
  const properties = form.properties;
  if (!isObject(properties)) {
    issues.push({ path: ['properties'], message: 'A form names its fields under "properties"' });
    return issues;
  }
  for (const [name, field] of Object.entries(properties)) {
    if (!isObject(field)) issues.push({ path: ['properties', name], message: 'A field is a schema object, with a title' });
  }
  const required = Array.isArray(form.required) ? (form.required as string[]) : [];
  for (const [i, name] of required.entries()) {
    if (!Object.hasOwn(properties, name)) issues.push({ path: ['required', i], message: `${name} is required but is not one of the form's properties` });
  }
  return issues;
}

/** The labelled values of a choice: its `oneOf`/`anyOf` alternatives `{ const, title }` that have a title; undefined when none has. */
function labelledChoices(schema: unknown): FormFieldChoice[] | undefined {
  if (!isObject(schema)) return undefined;
  const alternatives = Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : [];
  const choices = alternatives.flatMap((alternative: unknown) =>
    isObject(alternative) && Object.hasOwn(alternative, 'const') && typeof alternative.title === 'string' && alternative.title !== ''
      ? [{ value: alternative.const, label: alternative.title }]
      : [],
  );
  return choices.length > 0 ? choices : undefined;
}

/**
 * The form's fields in its order: name, title (the name when it has none) and, for a choice whose
 * values have labels (`oneOf` of `{ const, title }`, or a list whose `items` are such a choice),
 * those labels. A request copies them (plan.formFields) to show its answers as the form did.
 */
export function formFields(form: JsonSchemaObject): FormField[] {
  const properties = isObject(form.properties) ? form.properties : {};
  return Object.entries(properties).map(([name, field]) => {
    const title = isObject(field) && typeof field.title === 'string' && field.title !== '' ? field.title : name;
    const choices = isObject(field) ? (labelledChoices(field) ?? labelledChoices(field.items)) : undefined;
    return { name, title, ...(choices === undefined ? {} : { choices }) };
  });
}

/** Each field's title, by field name (the name itself when the field has no title), in the form's order. */
export function formTitles(form: JsonSchemaObject): Record<string, string> {
  return Object.fromEntries(formFields(form).map((field) => [field.name, field.title]));
}

/** The node of `root` a JSON pointer (`#/properties/model/enum`) names; undefined when there is none. */
function at(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of pointerSegments(pointer)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'empty',
};

const FORMAT_WORDS: Record<string, string> = {
  date: 'a date (YYYY-MM-DD)',
  'date-time': 'a date and time (RFC 3339)',
  time: 'a time (HH:MM:SS)',
  email: 'an e-mail address',
  uri: 'an absolute URI',
  uuid: 'a UUID',
};

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The labels of a choice: `oneOf`/`anyOf` of `{ const, title? }`; undefined when its alternatives are not all constants. */
function choiceLabels(alternatives: unknown): string[] | undefined {
  if (!Array.isArray(alternatives) || !alternatives.every((alternative) => isObject(alternative) && Object.hasOwn(alternative, 'const'))) return undefined;
  return (alternatives as Record<string, unknown>[]).map((alternative) =>
    typeof alternative.title === 'string' ? alternative.title : show(alternative.const),
  );
}

/** The property a message like `... required property "x".` names. */
const quoted = (message: string, index = 0): string | undefined => [...message.matchAll(/"((?:[^"\\]|\\.)*)"/g)][index]?.[1];

// Keywords whose error only says "something below failed": the error below says what.
const WRAPPERS = new Set([
  'properties',
  'patternProperties',
  'additionalProperties',
  'allOf',
  'if',
  '$ref',
  'items',
  'prefixItems',
  'dependentSchemas',
  'contains',
]);

/** What one validator error says about the field, in the form's words; undefined when another error says it better. */
function describe(form: JsonSchemaObject, error: OutputUnit): { extra?: string; message: (title: string) => string } | undefined {
  const keyword = error.keyword;
  if (WRAPPERS.has(keyword)) return undefined;
  const value = at(form, error.keywordLocation);
  const schema = at(form, error.keywordLocation.slice(0, error.keywordLocation.lastIndexOf('/')));
  switch (keyword) {
    case 'required': {
      const name = quoted(error.error);
      return name === undefined ? undefined : { extra: name, message: (title) => `${title} is required` };
    }
    case 'dependentRequired': {
      const [given, missing] = [quoted(error.error, 0), quoted(error.error, 1)];
      if (missing === undefined) return undefined;
      const givenTitle = given === undefined ? 'another field' : (formTitles(form)[given] ?? given);
      return { extra: missing, message: (title) => `${title} is required when ${givenTitle} is given` };
    }
    case 'false':
      return { message: (title) => `${title} is not a field of this form` };
    case 'type': {
      const types = Array.isArray(value) ? value : [value];
      return { message: (title) => `${title}: must be ${types.map((type) => TYPE_WORDS[String(type)] ?? String(type)).join(' or ')}` };
    }
    case 'enum':
      return { message: (title) => `${title}: must be one of ${(Array.isArray(value) ? value : []).map(show).join(', ')}` };
    case 'const':
      return { message: (title) => `${title}: must be ${show(value)}` };
    case 'oneOf':
    case 'anyOf': {
      const labels = choiceLabels(value);
      return { message: (title) => (labels === undefined ? `${title}: matches none of the allowed forms` : `${title}: must be one of ${labels.join(', ')}`) };
    }
    case 'pattern':
      return { message: (title) => `${title}: must match the pattern ${show(value)}` };
    case 'format':
      return { message: (title) => `${title}: must be ${FORMAT_WORDS[String(value)] ?? `a valid ${show(value)}`}` };
    case 'minLength':
      return { message: (title) => (value === 1 ? `${title} must not be empty` : `${title}: must be at least ${show(value)} characters long`) };
    case 'maxLength':
      return { message: (title) => `${title}: must be at most ${show(value)} characters long` };
    case 'minimum':
      return { message: (title) => `${title}: must be at least ${show(value)}` };
    case 'maximum':
      return { message: (title) => `${title}: must be at most ${show(value)}` };
    case 'exclusiveMinimum':
      return { message: (title) => `${title}: must be more than ${show(value)}` };
    case 'exclusiveMaximum':
      return { message: (title) => `${title}: must be less than ${show(value)}` };
    case 'multipleOf':
      return { message: (title) => `${title}: must be a multiple of ${show(value)}` };
    case 'minItems':
      return { message: (title) => `${title}: choose at least ${show(value)}` };
    case 'maxItems':
      return { message: (title) => `${title}: choose at most ${show(value)}` };
    case 'uniqueItems':
      return { message: (title) => `${title}: each value at most once` };
    case 'not':
      return { message: (title) => `${title}: this value is not allowed` };
    default: {
      const own = isObject(schema) && typeof schema.title === 'string' ? ` (${schema.title})` : '';
      return { message: (title) => `${title}: ${error.error}${own}` };
    }
  }
}

/** An error inside one alternative of a oneOf/anyOf: the choice's own error says what was wrong. */
const insideAlternative = (keywordLocation: string): boolean => /\/(oneOf|anyOf)\/\d+\//.test(keywordLocation);

/** Instance pointer segments as a path: indices of arrays in the answers as numbers. */
function pathIn(answers: unknown, segments: string[]): (string | number)[] {
  const path: (string | number)[] = [];
  let node = answers;
  for (const segment of segments) {
    const index = Array.isArray(node) && /^\d+$/.test(segment) ? Number(segment) : undefined;
    path.push(index ?? segment);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}

/** A field's name as people read it: its title, then where inside it (`Laptops, item 2, colour`). */
function titleOf(titles: Record<string, string>, path: (string | number)[]): string {
  if (path.length === 0) return 'The answers';
  const [field, ...rest] = path;
  return [titles[String(field)] ?? String(field), ...rest.map((segment) => (typeof segment === 'number' ? `item ${segment + 1}` : segment))].join(', ');
}

/**
 * Every field of `answers` the form refuses, once each (the first reason the validator gives), its
 * message naming the field by its title; [] when the answers fit. `form` is one validateForm accepted.
 */
export function validateAnswers(form: JsonSchemaObject, answers: unknown): FormIssue[] {
  const result = validatorOf(form).validate(answers);
  if (result.valid) return [];
  const titles = formTitles(form);
  const byPath = new Map<string, FormIssue>();
  for (const error of result.errors) {
    if (insideAlternative(error.keywordLocation)) continue;
    const described = describe(form, error);
    if (described === undefined) continue;
    const path = pathIn(answers, pointerSegments(error.instanceLocation));
    if (described.extra !== undefined) path.push(described.extra);
    const key = JSON.stringify(path);
    if (!byPath.has(key)) byPath.set(key, { path, message: described.message(titleOf(titles, path)) });
  }
  const issues = [...byPath.values()];
  // A validator that only said "something in here" still names the field.
  return issues.length > 0 ? issues : [{ path: [], message: 'The answers do not fit the form' }];
}
