/*
 * A nested value kept in one string attribute, as JSON text, instead of a map: for values that no
 * expression reads into, such as an SLA clock with the copy of its calendar (some 50 nested
 * attributes a clock). Whoever reads the item then converts one string instead of every nested
 * attribute, and a list pays that for each of its rows: DynamoDB Local's Query of 20 incidents
 * took about half the CPU with the clocks as text (issue 17, bench/README.md "Where list time
 * went"), and the function's unmarshalling shrinks alike. Items written before keep the map until
 * their next write: reads take either.
 */

export const toJsonAttribute = (value: unknown): string => JSON.stringify(value);

/** The value of an attribute written by toJsonAttribute, or of one still holding the map. */
export const fromJsonAttribute = <T>(stored: unknown): T => (typeof stored === 'string' ? JSON.parse(stored) : stored) as T;
