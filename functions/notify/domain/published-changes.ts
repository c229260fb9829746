import type { FieldChange } from '../../shared/domain/audit.ts';

/*
 * Events and notifications leave the product's control: rules forward them to other accounts,
 * queues and chat; SNS mails them to whole groups. So they name the record and the fields that
 * changed, never free text someone typed (a title, a description, a note, a plan, a comment, a
 * reason); the API serves that text to whoever may read it.
 *
 * Safe by default: a field's values are published only when it is listed here as holding no free
 * text (states, levels, ids, names of directory records, instants, counts). Any other field, a new
 * one included, is published as its name alone until someone decides otherwise.
 */

/** A field change as published: `from` and `to` only for fields whose values hold no free text. */
export interface PublishedChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

/** How a field's values are published: as they are, or projected to their parts without free text. */
export type ValueRule = 'value' | ((value: unknown) => unknown);

export interface PublishRules {
  /** By exact field name. */
  fields: Readonly<Record<string, ValueRule>>;
  /** By leading segment (`sla.` covers `sla.response.state`): families of generated fields. */
  prefixes?: readonly string[];
}

function ruleFor(field: string, rules: PublishRules): ValueRule | undefined {
  if (Object.hasOwn(rules.fields, field)) return rules.fields[field];
  return rules.prefixes?.some((prefix) => field.startsWith(prefix)) ? 'value' : undefined;
}

export function publishedChanges(changes: readonly FieldChange[], rules: PublishRules): PublishedChange[] {
  return changes.map(({ field, from, to }) => {
    const rule = ruleFor(field, rules);
    if (rule === undefined) return { field };
    if (rule === 'value') return { field, from, to };
    return { field, from: from === null || from === undefined ? null : rule(from), to: to === null || to === undefined ? null : rule(to) };
  });
}

/** Keeps only the named members of a record value (e.g. who and when, without the comment). */
export function only(...keys: string[]): (value: unknown) => unknown {
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const record = value as Record<string, unknown>;
    return Object.fromEntries(keys.filter((key) => record[key] !== undefined).map((key) => [key, record[key]]));
  };
}
