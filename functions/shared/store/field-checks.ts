import { type FieldError, fieldError } from '../errors.ts';
import type { Item, TransactItem } from './db.ts';
import { type NamedItem, named, type TransactionRefused } from './transaction.ts';

/*
 * Conditions a write's request relies on (the group it names exists, the user it adds is not being
 * deleted), checked inside the write's own transaction: valid at the instant of commit, at no
 * extra round trip. Each is named after the item it checks, so a refusal turns into the error of
 * the body field at fault by name, wherever the check sat in the transaction.
 */

export interface FieldCheck {
  /** A ConditionCheck on the item the field names. */
  readonly item: TransactItem;
  /** The body field at fault and what to say, given the checked item as it was (ALL_OLD), if it existed and was asked for. */
  readonly refusal: (old: Item | undefined) => { readonly path: readonly (string | number)[]; readonly message: string };
}

/**
 * A check's name in its transaction: its item's key. A transaction may touch an item only once,
 * so the name is unique, and it cannot collide with the names of written items ('record', ...).
 */
export function fieldCheckName(check: FieldCheck): string {
  const key = check.item.ConditionCheck?.Key;
  if (key === undefined) throw new Error('A field check is a ConditionCheck');
  return `check:${String(key.pk)}|${String(key.sk)}`;
}

/** The checks as named items, to add to the write's transaction. */
export const fieldCheckItems = (checks: readonly FieldCheck[]): NamedItem[] => checks.map((check) => named(fieldCheckName(check), check.item));

/**
 * The field errors of the checks the refusal names. One error per field: a later check (the
 * assignee does not exist at all) says more than an earlier one (the assignee is not a member).
 */
export function fieldCheckErrors(refused: TransactionRefused, checks: readonly FieldCheck[]): FieldError[] {
  const byField = new Map<string, FieldError>();
  for (const check of checks) {
    const name = fieldCheckName(check);
    if (!refused.has(name)) continue;
    const { path, message } = check.refusal(refused.item(name));
    const error = fieldError('body', [...path], message);
    byField.set(error.path, error);
  }
  return [...byField.values()];
}
