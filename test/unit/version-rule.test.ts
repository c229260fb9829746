import { describe, expect, it } from 'vitest';
import { isUnchangedWrite } from '../../functions/shared/domain/version.ts';

const at = (version: number) => ({ number: 'REQ0000001', version });
const diff = [{ field: 'status', from: 'submitted', to: 'approved' }];

describe('isUnchangedWrite: the version rule every versioned write keeps', () => {
  it('a creation is not unchanged', () => {
    expect(isUnchangedWrite(undefined, at(1), [])).toBe(false);
  });

  it('a write that moves one version on changes the entity', () => {
    expect(isUnchangedWrite(at(3), at(4), diff)).toBe(false);
  });

  it('a write at the same version without changes leaves the entity as it was (a note)', () => {
    expect(isUnchangedWrite(at(3), at(3), [])).toBe(true);
  });

  it('refuses changes under the version read: its ETag would not move', () => {
    expect(() => isUnchangedWrite(at(3), at(3), diff)).toThrow('A write that changes REQ0000001 must give it a new version');
  });

  it('refuses a version that skips or goes back', () => {
    expect(() => isUnchangedWrite(at(3), at(5), diff)).toThrow('REQ0000001 goes from version 3 to 4, not 5');
    expect(() => isUnchangedWrite(at(3), at(2), diff)).toThrow('REQ0000001 goes from version 3 to 4, not 2');
  });
});
