import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The e-mail area reaches the requests and incidents areas only through what they export for
 * other areas (operations.ts, reads.ts) and their pure domain modules, never their store or
 * handler modules: those are each area's own, free to change without breaking another.
 */
const EMAIL_ROOT = 'functions/email';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('the e-mail area’s imports of other work areas', () => {
  it('go through their exported operations and reads (or pure domain modules), never their stores or handlers', () => {
    const reaching: string[] = [];
    for (const file of sources(EMAIL_ROOT)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/from '((?:\.\.\/)+)(requests|incidents)\/([^']+)'/g)) {
        const target = match[3] as string;
        if (!(['operations.ts', 'reads.ts'].includes(target) || target.startsWith('domain/'))) reaching.push(`${file} -> ${match[2]}/${target}`);
      }
    }
    expect(reaching).toEqual([]);
  });
});
