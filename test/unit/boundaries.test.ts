import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const depcruise = resolve(root, 'node_modules/.bin/depcruise');
const biome = resolve(root, 'node_modules/.bin/biome');
const fixtures = resolve(root, 'test/fixtures/boundaries');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Runs the checker exactly as `npm run boundaries` does, from `cwd`, and returns its violations. */
async function violationsIn(cwd: string): Promise<Violation[]> {
  const args = ['functions', '--config', resolve(root, '.dependency-cruiser.cjs'), '--ts-config', resolve(root, 'tsconfig.json'), '--output-type', 'json'];
  // depcruise exits non-zero when it finds violations; its JSON report is still on stdout.
  const { stdout } = await promisify(execFile)(depcruise, args, { cwd, maxBuffer: 64 * 1024 * 1024 }).catch((error: { stdout?: string }) => ({
    stdout: error.stdout ?? '',
  }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** The fixtures' violations, found once for the tests that read them. */
let fixtureViolations: Promise<Violation[]> | undefined;
const violationsInFixtures = () => {
  fixtureViolations ??= violationsIn(fixtures);
  return fixtureViolations;
};

const named = (violations: readonly Violation[], rule: string): string[] =>
  violations.filter((violation) => violation.rule.name === rule).map(({ from, to }) => (to === from || to === '' ? from : `${from} -> ${to}`));

/** The layers the rules are written over (.dependency-cruiser.cjs exports them, not enumerable, for this test). */
const layers = (createRequire(import.meta.url)(resolve(root, '.dependency-cruiser.cjs')) as { layers: Record<string, readonly string[]> }).layers;

describe('import boundaries (.dependency-cruiser.cjs)', () => {
  it('functions/ keeps every rule', async () => {
    expect(await violationsIn(root)).toEqual([]);
  });

  it('fails two areas that import each other', async () => {
    const violations = await violationsInFixtures();
    const cycles = violations.filter((violation) => violation.rule.name === 'no-cycles-between-areas');
    // The checker reports a cycle once, from whichever end it reaches first.
    expect(cycles.map(({ from, to }) => [from, to].sort())).toEqual([['functions/changes/open-change.ts', 'functions/incidents/escalate.ts']]);
    // Work areas reach each other through events or exported operations, never imports.
    expect(violations.map((violation) => violation.rule.name)).toContain('work-areas-import-only-support-directory-and-shared');
  });

  it('puts every folder of functions/ but shared in exactly one layer', () => {
    const folders = readdirSync(resolve(root, 'functions'), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() && entry.name !== 'shared' ? [entry.name] : [],
    );
    expect(folders.length).toBeGreaterThan(5);
    const misplaced = folders.flatMap((folder) => {
      const of = Object.entries(layers).flatMap(([layer, members]) => (members.includes(folder) ? [layer] : []));
      return of.length === 1
        ? []
        : [
            `functions/${folder}/ is in ${of.length === 0 ? 'no layer' : `layers ${of.join(' and ')}`} of .dependency-cruiser.cjs (LAYERS); it must be in exactly one`,
          ];
    });
    expect(misplaced).toEqual([]);
  });

  it('fails a folder in no layer, whether its modules import something or nothing', async () => {
    const violations = await violationsInFixtures();
    expect(named(violations, 'every-folder-has-a-layer').sort()).toEqual([
      'functions/bookmarks/bookmark.ts',
      'functions/bookmarks/list-bookmarks.ts -> functions/shared/log.ts',
    ]);
  });

  it('fails domain/ importing log.ts or the HTTP helpers (they read the environment)', async () => {
    const violations = await violationsInFixtures();
    expect(named(violations, 'domain-is-pure').sort()).toEqual([
      'functions/incidents/domain/logs.ts -> functions/shared/log.ts',
      'functions/incidents/domain/reads-claims.ts -> functions/shared/http/request.ts',
    ]);
  });
});

describe('process.env in domain/ (biome.json, noProcessEnv)', () => {
  /**
   * Lints fixture files with the repository's biome.json from a copy where they sit where their
   * names say (functions/...): the override names functions/*\/domain/ from the repository root,
   * so in the tree the fixtures, under test/, are not refused and `npm run lint` stays clean.
   */
  async function lint(...paths: string[]): Promise<{ failed: boolean; categories: string[] }> {
    const workspace = mkdtempSync(join(tmpdir(), 'boundaries-lint-'));
    try {
      for (const file of ['biome.json', '.gitignore']) cpSync(resolve(root, file), join(workspace, file));
      cpSync(fixtures, workspace, { recursive: true });
      const lintScript: string = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).scripts.lint;
      const args = [
        ...lintScript
          .split(/\s+/)
          .slice(1)
          .filter((arg) => arg !== '.'),
        '--colors=off',
        '--reporter=json',
        ...paths,
      ];
      const { stdout, failed } = await promisify(execFile)(biome, args, { cwd: workspace }).then(
        ({ stdout }) => ({ stdout, failed: false }),
        // Biome exits non-zero when it refuses something; its report is still on stdout.
        (error: { stdout?: string }) => ({ stdout: error.stdout ?? '', failed: true }),
      );
      const report = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as { diagnostics: { category: string }[] };
      return { failed, categories: report.diagnostics.map(({ category }) => category) };
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  }

  it('fails a domain rule that reads process.env', async () => {
    expect(await lint('functions/incidents/domain/reads-environment.ts')).toEqual({ failed: true, categories: ['lint/style/noProcessEnv'] });
  });

  it('accepts process.env outside domain/ (shared/log.ts, the HTTP helpers)', async () => {
    expect(await lint('functions/shared/log.ts', 'functions/shared/http/request.ts')).toEqual({ failed: false, categories: [] });
  });
});
