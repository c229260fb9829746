import type * as z from 'zod';

/*
 * The text-field rule of every schema-parsed request part (http/request.ts parseWith). Only zod
 * types are imported: this module is on the import path of every HTTP function, and a value import
 * of zod would put zod (~100 KB minified) into functions that parse no input at all. The schema's
 * own methods (`meta()`, `safeParse`) do what the zod namespace would.
 */

/**
 * Text fields allowing at least this many characters are prose (descriptions, notes, plans,
 * reasons): they may hold tabs and line breaks. Shorter ones (titles, names, ids) are one line.
 * `.meta({ multiline: true | false })` on a string schema overrides the rule for that field.
 */
export const MULTILINE_MIN_LENGTH = 1000;

export interface TextViolation {
  readonly path: (string | number)[];
  readonly message: string;
}

const codePoint = (char: string): string => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

// Category Cc: C0 controls, DEL and C1 controls. Tab, LF and CR are handled by the caller.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern finds control characters to refuse them in text fields
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_CONTROL = /[\t\n\r]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What is wrong with one text value, or undefined. Control characters break logs, terminals and
 * CSV exports and can hide text; an unpaired surrogate is not Unicode at all and turns into U+FFFD
 * (or an error) in every UTF-8 consumer downstream, so neither is stored.
 */
export function textViolation(value: string, multiline: boolean): string | undefined {
  const surrogate = UNPAIRED_SURROGATE.exec(value);
  if (surrogate !== null) return `Contains an unpaired surrogate ${codePoint(surrogate[0])} at position ${surrogate.index}; send well-formed UTF-16/UTF-8 text`;
  const control = CONTROL.exec(value);
  if (control !== null) {
    return `Contains the control character ${codePoint(control[0])} at position ${control.index}; ${multiline ? 'only tab, line feed and carriage return are allowed' : 'this one-line field allows none'}`;
  }
  const lineControl = multiline ? null : LINE_CONTROL.exec(value);
  if (lineControl !== null) return `Contains the control character ${codePoint(lineControl[0])} at position ${lineControl.index}; this is a one-line field`;
  return undefined;
}

type SchemaDef = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): SchemaDef => (schema as { _zod: { def: SchemaDef } })._zod.def;

function isMultiline(schema: z.ZodString): boolean {
  // meta() without arguments reads the global registry, where `.meta({ multiline })` wrote.
  const declared = (schema.meta() as { multiline?: unknown } | undefined)?.multiline;
  if (typeof declared === 'boolean') return declared;
  return (schema.maxLength ?? 0) >= MULTILINE_MIN_LENGTH;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every text field of `value` that `schema` declares as a string, checked with textViolation: one
 * walk of the schema beside the input, so each area's schemas get the rule without restating it.
 * Values the schema leaves open (`z.unknown()`, `z.json()`) are not text fields and are not checked.
 */
export function textViolations(schema: z.ZodType, value: unknown, path: (string | number)[] = []): TextViolation[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'string': {
      if (typeof value !== 'string') return [];
      const message = textViolation(value, isMultiline(schema as unknown as z.ZodString));
      return message === undefined ? [] : [{ path, message }];
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return textViolations(def.innerType as z.ZodType, value, path);
    case 'pipe':
      return textViolations(def.in as z.ZodType, value, path);
    case 'lazy':
      return textViolations((def.getter as () => z.ZodType)(), value, path);
    case 'object': {
      if (!isPlainObject(value)) return [];
      const shape = def.shape as Record<string, z.ZodType>;
      return Object.entries(value).flatMap(([key, item]) => {
        const field = Object.hasOwn(shape, key) ? shape[key] : (def.catchall as z.ZodType | undefined);
        return field === undefined ? [] : textViolations(field, item, [...path, key]);
      });
    }
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, index) => textViolations(def.element as z.ZodType, item, [...path, index])) : [];
    case 'tuple': {
      if (!Array.isArray(value)) return [];
      const items = def.items as z.ZodType[];
      return value.flatMap((item, index) => {
        const element = items[index] ?? (def.rest as z.ZodType | undefined);
        return element === undefined ? [] : textViolations(element, item, [...path, index]);
      });
    }
    case 'record': {
      if (!isPlainObject(value)) return [];
      return Object.entries(value).flatMap(([key, item]) => [
        ...textViolations(def.keyType as z.ZodType, key, [...path, key]),
        ...textViolations(def.valueType as z.ZodType, item, [...path, key]),
      ]);
    }
    case 'union': {
      // The option the value parses as; else the first, so a violation is still reported once.
      const options = def.options as z.ZodType[];
      const chosen = options.find((option) => option.safeParse(value).success) ?? options[0];
      return chosen === undefined ? [] : textViolations(chosen, value, path);
    }
    case 'intersection': {
      const both = [...textViolations(def.left as z.ZodType, value, path), ...textViolations(def.right as z.ZodType, value, path)];
      return both.filter((violation, index) => both.findIndex((p) => p.path.join('.') === violation.path.join('.')) === index);
    }
    default:
      return [];
  }
}
