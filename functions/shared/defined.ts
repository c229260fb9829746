/**
 * `value`, which the caller's own logic guarantees is there (a key it put in the map it reads, the
 * filter it chose an index for). Where a `!` would let a broken guarantee surface later, as "cannot
 * read properties of undefined" far away, this throws at once and says what was missing.
 */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Expected ${what}, found none`);
  return value;
}
