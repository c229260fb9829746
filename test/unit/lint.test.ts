import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const biome = resolve(root, 'node_modules/.bin/biome');
const fixtures = resolve(root, 'test/fixtures/lint');

interface Diagnostic {
  category: string;
  severity: string;
  location: { path: string };
}

// `npm run lint` as package.json writes it, so a script that stops refusing these files fails here.
const lintScript: string = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).scripts.lint;
const [lintCommand, ...lintArgs] = lintScript.split(/\s+/);

let workspace: string;
beforeAll(() => {
  // The repository's biome.json skips test/fixtures/lint: check the fixtures from a copy where
  // they sit where their names say (functions/...), under the same configuration (which also
  // reads .gitignore: vcs.useIgnoreFile).
  workspace = mkdtempSync(join(tmpdir(), 'lint-fixtures-'));
  for (const file of ['biome.json', '.gitignore']) cpSync(resolve(root, file), join(workspace, file));
  cpSync(fixtures, workspace, { recursive: true });
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

/** Runs the lint script on `paths` of the copy; its exit code and what it found, per file. */
async function lint(...paths: string[]): Promise<{ failed: boolean; diagnostics: Diagnostic[] }> {
  const args = [...lintArgs.filter((arg) => arg !== '.'), '--colors=off', '--reporter=json', ...paths];
  const { stdout, failed } = await promisify(execFile)(biome, args, { cwd: workspace }).then(
    ({ stdout }) => ({ stdout, failed: false }),
    // Biome exits non-zero when it refuses something; its report is still on stdout.
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '', failed: true }),
  );
  const report = stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1);
  return { failed, diagnostics: (JSON.parse(report) as { diagnostics: Diagnostic[] }).diagnostics };
}

describe('npm run lint (Biome, biome.json)', () => {
  it('is biome ci over the whole tree, warnings included', () => {
    expect(lintCommand).toBe('biome');
    expect(lintArgs).toEqual(expect.arrayContaining(['ci', '--error-on-warnings', '.']));
  });

  it('accepts a formatted, lint-free file', async () => {
    expect(await lint('functions/example/clean.ts')).toEqual({ failed: false, diagnostics: [] });
  });

  it('fails a file that is not formatted', async () => {
    const { failed, diagnostics } = await lint('functions/example/unformatted.ts');
    expect(failed).toBe(true);
    expect(diagnostics.map(({ category, location }) => [category, location.path])).toEqual([['format', 'functions/example/unformatted.ts']]);
  });

  it('fails a lint warning (a non-null assertion in functions/)', async () => {
    const { failed, diagnostics } = await lint('functions/example/non-null-assertion.ts');
    expect(failed).toBe(true);
    expect(diagnostics.map(({ category, severity }) => [category, severity])).toEqual([['lint/style/noNonNullAssertion', 'warning']]);
  });
});
