import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const depcruise = resolve(root, 'node_modules/.bin/depcruise');

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

describe('import boundaries (.dependency-cruiser.cjs)', () => {
  it('functions/ keeps every rule', async () => {
    expect(await violationsIn(root)).toEqual([]);
  });

  it('fails two areas that import each other', async () => {
    const violations = await violationsIn(resolve(root, 'test/fixtures/boundaries'));
    const cycles = violations.filter((violation) => violation.rule.name === 'no-cycles-between-areas');
    // The checker reports a cycle once, from whichever end it reaches first.
    expect(cycles.map(({ from, to }) => [from, to].sort())).toEqual([['functions/changes/open-change.ts', 'functions/incidents/escalate.ts']]);
    // Work areas reach each other through events or exported operations, never imports.
    expect(violations.map((violation) => violation.rule.name)).toContain('work-areas-import-only-support-directory-and-shared');
  });
});
