import { describe, expect, it } from 'vitest';
import { conflict, HttpError } from '../../functions/shared/errors.ts';

describe('problem extension members', () => {
  it('refuses an extension named like an RFC 9457 member (it would overwrite it)', () => {
    for (const name of ['type', 'title', 'status', 'detail', 'instance']) {
      expect(() => conflict('x', 'X', 'x', { [name]: 'draft' })).toThrow(TypeError);
    }
    expect(() => new HttpError(409, 'x', 'X', 'x', { status: 'review' })).toThrow(/status/);
  });

  it('takes any other name', () => {
    expect(conflict('x', 'X', 'x', { articleStatus: 'draft' }).extensions).toEqual({ articleStatus: 'draft' });
  });
});
