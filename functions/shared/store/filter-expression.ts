/**
 * `#field IN (:field0, :field1, ...)` for a list filter that narrows a Query (the index serves one
 * filter; the others are filter expressions). Adds the attribute name and the values to the
 * expression's maps and answers the placeholders and the condition.
 */
export function inCondition(
  field: string,
  wanted: readonly unknown[],
  names: Record<string, string>,
  values: Record<string, unknown>,
): { placeholders: string[]; condition: string } {
  const placeholders = wanted.map((value, i) => {
    values[`:${field}${i}`] = value;
    return `:${field}${i}`;
  });
  names[`#${field}`] = field;
  return { placeholders, condition: `#${field} IN (${placeholders.join(', ')})` };
}
