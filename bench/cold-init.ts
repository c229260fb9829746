import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CAPABILITY_ENVIRONMENT } from '../functions/routes.ts';
import { median } from './report.ts';

const run = promisify(execFile);

/** Fresh processes per bundle that count, after one discarded round that warms the file cache. */
export const COLD_INIT_RUNS = 7;

/**
 * Issue 17: module load <= 100 ms median per function on the bench machine, and no function's
 * slowest sample over 150 ms (read as "none over 150 ms": not a median, every sample).
 */
export const COLD_INIT_BUDGET = { medianMs: 100, maxMs: 150 } as const;

/**
 * Runs in a fresh `node` per sample: the time of `await import(bundle)`, which is how the Lambda
 * Node.js runtime loads an ESM handler (its init phase minus the runtime's own bootstrap): module
 * evaluation of the bundle plus loading any package it leaves external.
 */
const PROBE = [
  'const cpu = process.cpuUsage();',
  'const started = performance.now();',
  'await import(process.argv[1]);',
  'const wall = performance.now() - started;',
  'const used = process.cpuUsage(cpu);',
  'process.stdout.write(JSON.stringify({ wall, cpu: (used.user + used.system) / 1000 }));',
].join('\n');

/**
 * The environment a function's process starts with: what Lambda sets itself (region, the
 * execution role's temporary credentials, function name and memory, UTC) and what the CDK stack
 * adds (infra/stacks/api-stack.ts, plus every capability's variables of functions/routes.ts
 * CAPABILITY_ENVIRONMENT). Values are placeholders: nothing is called at init. Nothing of the
 * bench's own environment leaks in (an AWS profile or endpoint variable would change what the SDK
 * does at init), except PATH.
 */
export const LAMBDA_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench-access-key',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_SESSION_TOKEN: 'bench-session-token',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench-cold-init',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/bench-cold-init',
  AWS_LAMBDA_LOG_STREAM_NAME: 'bench',
  AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
  TABLE_NAME: 'bench-cold-init',
  GROUPS_CLAIM: 'cognito:groups',
  LOG_LEVEL: 'warn',
  EVENT_RETENTION_DAYS: '30',
  ...Object.fromEntries(
    Object.values(CAPABILITY_ENVIRONMENT)
      .flat()
      .map((name) => [name, `bench-${name.toLowerCase()}`]),
  ),
};

function sampleEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...LAMBDA_ENV };
}

/** The row for a module that imports only what the bundles leave external (or nothing): what every bundle pays before its own code runs. */
export const BASELINE = '(externals only)';

export interface ColdInitResult<Label extends string = string> {
  /** A function id (or a variant of one), or BASELINE. */
  readonly label: Label;
  /** Wall-clock milliseconds per sample. */
  readonly samples: readonly number[];
  readonly medianMs: number;
  readonly maxMs: number;
  /** Median CPU time (user + system) of the import: steadier than wall time on a busy machine. */
  readonly medianCpuMs: number;
}

/**
 * Writes `<outRoot>/_externals/index.mjs`, importing exactly the packages the bundles leave external
 * (none once functions no longer import the AWS SDK: then it is an empty module, the floor of
 * `await import`), so `median(bundle) - median(baseline)` is roughly the bundle's own init cost.
 */
export async function writeBaselineModule(outRoot: string, externals: readonly string[]): Promise<string> {
  const file = join(outRoot, '_externals', 'index.mjs');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${externals.map((name) => `import ${JSON.stringify(name)};`).join('\n')}\nexport {};\n`);
  return file;
}

async function sample(bundlePath: string): Promise<{ wall: number; cpu: number }> {
  // --no-warnings: the AWS SDK's NodeVersionSupportWarning on Node 20 is noise here (Lambda runs 22).
  const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', PROBE, pathToFileURL(bundlePath).href], {
    cwd: dirname(bundlePath),
    env: sampleEnv(),
    timeout: 30_000,
  });
  return JSON.parse(stdout) as { wall: number; cpu: number };
}

/**
 * `runs` samples per bundle, one fresh process each, interleaved across bundles (so a slow moment
 * of the machine spreads over all of them), after one discarded round that warms the file cache.
 */
export async function measureColdInit<Label extends string>(
  bundles: readonly { label: Label; outfile: string }[],
  runs = COLD_INIT_RUNS,
  onRound?: (round: number) => void,
): Promise<ColdInitResult<Label>[]> {
  const samples = new Map<Label, { wall: number; cpu: number }[]>(bundles.map((b) => [b.label, []]));
  if (samples.size !== bundles.length) throw new Error('measureColdInit: labels must be unique');
  for (let round = 0; round <= runs; round++) {
    onRound?.(round);
    for (const bundle of bundles) {
      const value = await sample(bundle.outfile).catch((error: Error) => {
        throw new Error(`cold init of ${bundle.label} (${bundle.outfile}) failed: ${error.message}`);
      });
      if (round > 0) samples.get(bundle.label)?.push(value);
    }
  }
  return bundles.map(({ label }) => {
    const values = samples.get(label) ?? [];
    const wall = values.map((v) => v.wall);
    return { label, samples: wall, medianMs: median(wall), maxMs: Math.max(...wall), medianCpuMs: median(values.map((v) => v.cpu)) };
  });
}

/** One line per function over COLD_INIT_BUDGET (the baseline row is not a function and has no budget). */
export function coldInitMisses(results: readonly ColdInitResult[]): string[] {
  const misses: string[] = [];
  for (const r of results) {
    if (r.label === BASELINE) continue;
    if (r.medianMs > COLD_INIT_BUDGET.medianMs) misses.push(`cold init ${r.label}: median ${r.medianMs.toFixed(1)} ms > ${COLD_INIT_BUDGET.medianMs} ms`);
    if (r.maxMs > COLD_INIT_BUDGET.maxMs) misses.push(`cold init ${r.label}: slowest sample ${r.maxMs.toFixed(1)} ms > ${COLD_INIT_BUDGET.maxMs} ms`);
  }
  return misses;
}

/**
 * The machine's noise floor: wall time from spawning `node -e 0` to its exit (median of `runs`,
 * after one discarded), to read the cold-init numbers against. Lambda's own bootstrap is not part
 * of cold init; this is here only to say how fast this machine starts a process right now.
 */
export async function nodeStartupMs(runs = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    await run(process.execPath, ['-e', '0'], { env: sampleEnv() });
    if (i > 0) times.push(performance.now() - started);
  }
  return median(times);
}
