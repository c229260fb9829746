/** JSON shapes and conversions shared by the runner's files. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, unknown>;

export const asObject = (value: unknown): JsonObject | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;

export const epochSeconds = (ms: number) => ms / 1000;
export const json = (value: unknown) => JSON.stringify(value ?? null);
export const clone = (value: unknown): Json => JSON.parse(JSON.stringify(value ?? null)) as Json;
/** JSON with object keys sorted: inputs equal as values compare equal as text. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as JsonObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
export const truncate = (text: string | undefined, length = 300) => (text === undefined || text.length <= length ? text : `${text.slice(0, length)}...`);
