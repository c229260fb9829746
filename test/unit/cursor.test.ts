import { describe, expect, it } from 'vitest';
import { HttpError } from '../../functions/shared/errors.ts';
import { decodeCursor, encodeCursor, filterFingerprint } from '../../functions/shared/store/cursor.ts';

const key = { pk: 'INCIDENT#01J0', sk: 'INCIDENT', gsi2pk: 'INCIDENT#STATUS#new', gsi2sk: 'INC0001042' };
const filters = { status: 'new', kind: 'incidents' };

function invalidCursor(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('the cursor was accepted');
}

describe('cursors', () => {
  it('round-trip the last key for the same filters', () => {
    const cursor = encodeCursor(key, filterFingerprint(filters));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/); // base64url: safe in a query string as is
    expect(decodeCursor(cursor, filterFingerprint({ kind: 'incidents', status: 'new' }))).toEqual(key);
  });

  it('fingerprints filters independently of key order and of absent filters', () => {
    expect(filterFingerprint({ a: '1', b: '2' })).toBe(filterFingerprint({ b: '2', a: '1' }));
    expect(filterFingerprint({ a: '1', b: undefined })).toBe(filterFingerprint({ a: '1' }));
    expect(filterFingerprint({ a: '1' })).not.toBe(filterFingerprint({ a: '2' }));
    expect(filterFingerprint({ status: 'new' })).not.toBe(filterFingerprint({ priority: 'new' }));
  });

  it('are refused with other filters', () => {
    const cursor = encodeCursor(key, filterFingerprint(filters));
    for (const other of [
      { status: 'in_progress', kind: 'incidents' },
      { kind: 'incidents' },
      { ...filters, priority: 'P1' },
      { status: 'new', kind: 'notes' },
    ]) {
      const error = invalidCursor(() => decodeCursor(cursor, filterFingerprint(other)));
      expect(error).toMatchObject({ status: 400, slug: 'invalid-cursor' });
      expect(error.extensions.errors).toEqual([{ location: 'query', path: 'cursor', pointer: '#/cursor', message: expect.any(String) }]);
    }
  });

  it.each([
    ['garbage', 'not-a-cursor!!'],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON array', Buffer.from('[1,2]').toString('base64url')],
    ['a key that is not an object', Buffer.from(JSON.stringify({ k: 'pk', f: filterFingerprint(filters) })).toString('base64url')],
    ['a key with a non-string value', Buffer.from(JSON.stringify({ k: { pk: { S: 'x' } }, f: filterFingerprint(filters) })).toString('base64url')],
    ['a key array', Buffer.from(JSON.stringify({ k: ['x'], f: filterFingerprint(filters) })).toString('base64url')],
    ['a truncated cursor', encodeCursor(key, filterFingerprint(filters)).slice(0, -6)],
  ])('refuses %s with 400 invalid-cursor', (_label, cursor) => {
    expect(invalidCursor(() => decodeCursor(cursor, filterFingerprint(filters)))).toMatchObject({ status: 400, slug: 'invalid-cursor' });
  });

  it('refuses a cursor whose fingerprint was edited', () => {
    const cursor = encodeCursor(key, filterFingerprint(filters));
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k: unknown; f: string };
    const edited = Buffer.from(JSON.stringify({ ...parsed, f: `${parsed.f.slice(0, -1)}x` })).toString('base64url');
    expect(invalidCursor(() => decodeCursor(edited, filterFingerprint(filters))).status).toBe(400);
  });
});
