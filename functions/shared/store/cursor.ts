import { createHash } from 'node:crypto';
import { fieldError, HttpError } from '../errors.ts';
import type { Item } from './db.ts';

/**
 * Cursors are opaque to clients: base64url JSON of the last key plus a fingerprint of the filters
 * it was issued for, so a cursor cannot be replayed against a different query.
 */
export function filterFingerprint(filters: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.entries(filters)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
}

export function encodeCursor(key: Item, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ k: key, f: fingerprint })).toString('base64url');
}

export function decodeCursor(cursor: string, fingerprint: string): Item {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; f?: unknown };
    if (parsed.f === fingerprint && typeof parsed.k === 'object' && parsed.k !== null && !Array.isArray(parsed.k)) {
      const key = parsed.k as Item;
      if (Object.values(key).every((v) => typeof v === 'string')) return key;
    }
  } catch {
    // fall through to the same answer as a well-formed cursor for another query
  }
  throw invalidCursor();
}

export const invalidCursor = (): HttpError =>
  new HttpError(400, 'invalid-cursor', 'Invalid cursor', 'The cursor is not one this list issued for these filters; start again without it', {
    errors: [fieldError('query', ['cursor'], 'Not a cursor this list issued for these filters')],
  });
