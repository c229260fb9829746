import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const functions = resolve(import.meta.dirname, '../../functions');
const directory = join(functions, 'directory');

/** The other folders of functions/ each import of functions/directory reaches. */
function areasImported(): string[] {
  const reached: string[] = [];
  for (const file of readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'))) {
    const path = join(directory, file);
    for (const [, specifier] of readFileSync(path, 'utf8').matchAll(/\bfrom\s+'(\.[^']+)'/g)) {
      const area = relative(functions, resolve(dirname(path), specifier as string)).split('/')[0];
      if (area !== 'directory') reached.push(`${file} -> ${area}`);
    }
  }
  return reached;
}

describe('the directory', () => {
  it('imports only functions/shared: the work areas and the reactions above it (ingestion, sla, ...) import it, never the reverse', () => {
    const edges = areasImported();
    expect(edges).toContain('store/usage.ts -> shared'); // the check sees imports at all
    expect(edges.filter((edge) => !edge.endsWith('-> shared'))).toEqual([]);
  });
});
