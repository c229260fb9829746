/*
 * What a list reads of each item: the attributes its items show, not the item's keys, its index
 * attributes or what only a single read shows (an article's body). A page of a list reads 20 or
 * more items; whatever of them is read and thrown away costs every request, in DynamoDB's work and
 * answer, in parsing the answer and in converting it (issue 17: lists as fast as single reads).
 */

export interface Projection {
  readonly expression: string;
  /** Placeholders for every attribute: many of them (status, number, name) are reserved words. */
  readonly names: Record<string, string>;
}

/** A ProjectionExpression of `attributes` (each once), named through `#p_0`, `#p_1`... (no filter names its placeholders so) */
export function projectionOf(attributes: readonly string[]): Projection {
  const names: Record<string, string> = {};
  const placeholders = [...new Set(attributes)].map((attribute, i) => {
    names[`#p_${i}`] = attribute;
    return `#p_${i}`;
  });
  return { expression: placeholders.join(', '), names };
}
