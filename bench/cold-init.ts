import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CAPABILITY_ENVIRONMENT, type FunctionId } from '../functions/routes.ts';
import { median } from './report.ts';

const run = promisify(execFile);

/**
 * Runs in a fresh `node` per sample: the time of `await import(bundle)`, i.e. module evaluation of
 * the bundle plus loading the `@aws-sdk/*` externals it imports (the Lambda init phase, minus the
 * runtime's own bootstrap).
 */
const PROBE = [
  'const cpu = process.cpuUsage();',
  'const started = performance.now();',
  'await import(process.argv[1]);',
  'const wall = performance.now() - started;',
  'const used = process.cpuUsage(cpu);',
  'process.stdout.write(JSON.stringify({ wall, cpu: (used.user + used.system) / 1000 }));',
].join('\n');

/** What a Lambda function gets from the CDK stack; values are placeholders (nothing is called). */
const FUNCTION_ENV = {
  TABLE_NAME: 'bench-cold-init',
  GROUPS_CLAIM: 'cognito:groups',
  LOG_LEVEL: 'warn',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  NODE_OPTIONS: '',
  // Every capability's variables (functions/routes.ts CAPABILITY_ENVIRONMENT), as placeholders.
  ...Object.fromEntries(
    Object.values(CAPABILITY_ENVIRONMENT)
      .flat()
      .map((name) => [name, `bench-${name.toLowerCase()}`]),
  ),
};

/** The row for a module that only imports the bundles' externals: what every bundle pays before its own code runs. */
export const BASELINE = '(externals only)';

export interface ColdInitResult {
  /** A function id, or BASELINE. */
  readonly functionId: FunctionId | typeof BASELINE;
  /** Wall-clock milliseconds per sample. */
  readonly samples: readonly number[];
  readonly medianMs: number;
  /** Median CPU time (user + system) of the import: steadier than wall time on a busy machine. */
  readonly medianCpuMs: number;
}

/**
 * Writes `<outRoot>/_externals/index.mjs`, importing exactly the packages the bundles leave external
 * (the AWS SDK), so `median(bundle) - median(baseline)` is roughly the bundle's own init cost.
 */
export async function writeBaselineModule(outRoot: string, externals: readonly string[]): Promise<string> {
  const file = join(outRoot, '_externals', 'index.mjs');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${externals.map((name) => `import ${JSON.stringify(name)};`).join('\n')}\n`);
  return file;
}

async function sample(bundlePath: string): Promise<{ wall: number; cpu: number }> {
  // --no-warnings: the AWS SDK's NodeVersionSupportWarning on Node 20 is noise here.
  const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', PROBE, pathToFileURL(bundlePath).href], {
    cwd: dirname(bundlePath),
    env: { ...process.env, ...FUNCTION_ENV },
    timeout: 30_000,
  });
  return JSON.parse(stdout) as { wall: number; cpu: number };
}

/**
 * `runs` samples per bundle, one fresh process each, interleaved across bundles (so a slow moment
 * of the machine spreads over all of them), after one discarded round that warms the file cache.
 */
export async function measureColdInit(bundles: readonly { functionId: ColdInitResult['functionId']; outfile: string }[], runs = 5): Promise<ColdInitResult[]> {
  const samples = new Map<ColdInitResult['functionId'], { wall: number; cpu: number }[]>(bundles.map((b) => [b.functionId, []]));
  for (let round = 0; round <= runs; round++) {
    for (const bundle of bundles) {
      const value = await sample(bundle.outfile);
      if (round > 0) samples.get(bundle.functionId)?.push(value);
    }
  }
  return bundles.map(({ functionId }) => {
    const values = samples.get(functionId) ?? [];
    const wall = values.map((v) => v.wall);
    return { functionId, samples: wall, medianMs: median(wall), medianCpuMs: median(values.map((v) => v.cpu)) };
  });
}
