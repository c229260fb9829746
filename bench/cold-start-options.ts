/**
 * `npm run bench:cold-start`: the measurements behind the choice of how functions reach AWS (issue 17,
 * bench/README.md "Cold starts: runtime SDK, bundled SDK or our own clients"). For every function,
 * Lambda-like cold init (bench/cold-init.ts: a fresh `node` per sample, `await import(bundle)`, the
 * Lambda environment) and bundle size of:
 *
 *  (a) the build before the switch (commit BEFORE_REF): `@aws-sdk/*` external, loaded from
 *      node_modules as the runtime's own copy would be;
 *  (b) the same code with the SDK bundled in (ESM, tree-shaken, minified: `externalModules: []`);
 *  (c) (b) with the SDK's default credential chain (`@aws-sdk/credential-provider-node`: env, SSO,
 *      ini files, process, web identity, container and instance metadata) replaced by the
 *      environment provider alone, which is where Lambda puts the role's credentials;
 *  (d) the code of this checkout (working tree), built with today's `BUNDLING`: after the switch,
 *      our own thin clients (functions/shared/aws) and no SDK.
 *
 * (a)-(c) are built from a git worktree of BEFORE_REF (COLD_START_WORKTREE, default /tmp/wt-before;
 * created when missing, with this checkout's node_modules linked in when the lockfiles match, else
 * `npm ci`), so the comparison can be re-run after the switch. All bundles are sampled interleaved,
 * so a slow moment of the machine spreads over every variant.
 *
 * Environment: COLD_START_RUNS (default 7), COLD_START_FUNCTIONS (comma-separated ids, default all),
 * COLD_START_BEFORE (default f82e537), COLD_START_WORKTREE. Writes bench/results/cold-start-options.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, version as esbuildVersion, type Plugin } from 'esbuild';
import { FUNCTIONS, type FunctionId } from '../functions/routes.ts';
import { bundleFunction, esbuildOptionsFromCdk, REPO_ROOT } from './bundle.ts';
import { COLD_INIT_BUDGET, type ColdInitResult, measureColdInit, nodeStartupMs, writeBaselineModule } from './cold-init.ts';
import { kb, machineRows, median, ms, table } from './report.ts';

const run = promisify(execFile);

const BEFORE_REF = process.env.COLD_START_BEFORE ?? 'f82e537';
const WORKTREE = process.env.COLD_START_WORKTREE ?? '/tmp/wt-before';
const RUNS = Number(process.env.COLD_START_RUNS ?? 7);
const ONLY = process.env.COLD_START_FUNCTIONS?.split(',').filter(Boolean);
const RESULT_FILE = join(REPO_ROOT, 'bench', 'results', 'cold-start-options.md');

const VARIANTS = {
  a: 'SDK external (runtime copy)',
  b: 'SDK bundled',
  c: 'SDK bundled, env credentials',
  d: 'own clients, no SDK',
} as const;
type Variant = keyof typeof VARIANTS;

const sections: string[] = [];
function emit(text: string): void {
  console.log(`${text}\n`);
  sections.push(text);
}
/** The floor of `await import`: a module with nothing in it. */
const EMPTY_MODULE = '(empty module)';
const progress = (text: string) => process.stderr.write(`[cold-start] ${text}\n`);

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd })).stdout.trim();
}

/** The worktree of BEFORE_REF with installed dependencies; refuses one checked out at another commit. */
async function beforeWorktree(): Promise<string> {
  const commit = await git(REPO_ROOT, 'rev-parse', `${BEFORE_REF}^{commit}`);
  if (!existsSync(WORKTREE)) {
    progress(`git worktree add --detach ${WORKTREE} ${BEFORE_REF}`);
    await git(REPO_ROOT, 'worktree', 'add', '--detach', WORKTREE, commit);
  }
  const head = await git(WORKTREE, 'rev-parse', 'HEAD');
  if (head !== commit) throw new Error(`${WORKTREE} is at ${head}, not ${BEFORE_REF} (${commit}): remove it or set COLD_START_WORKTREE`);
  if (!existsSync(join(WORKTREE, 'node_modules'))) {
    const [ours, theirs] = await Promise.all([readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8'), readFile(join(WORKTREE, 'package-lock.json'), 'utf8')]);
    if (ours === theirs) {
      progress(`same package-lock.json: linking ${WORKTREE}/node_modules to this checkout's`);
      await symlink(join(REPO_ROOT, 'node_modules'), join(WORKTREE, 'node_modules'), 'dir');
    } else {
      progress(`npm ci in ${WORKTREE} (its package-lock.json differs from this checkout's)`);
      await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: WORKTREE, maxBuffer: 64 * 1024 * 1024 });
    }
  }
  return commit;
}

/** The function entries and BUNDLING of the worktree's own commit, read in a process started there. */
async function beforeBuildInputs(): Promise<{ entries: Record<string, string>; bundling: BundlingOptions }> {
  const script = [
    "const { FUNCTIONS } = await import('./functions/routes.ts');",
    "const { BUNDLING } = await import('./infra/constructs/itsm-function.ts');",
    'const entries = Object.fromEntries(Object.entries(FUNCTIONS).map(([id, f]) => [id, f.entry]));',
    'process.stdout.write(JSON.stringify({ entries, bundling: BUNDLING }));',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: WORKTREE, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as { entries: Record<string, string>; bundling: BundlingOptions };
}

/**
 * (c): every client's `credentialDefaultProvider` comes from `@aws-sdk/credential-provider-node`'s
 * `defaultProvider`; this module stands in for it with the environment provider, which reads
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN as Lambda sets them.
 */
const ENV_CREDENTIALS_SHIM = "export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';\n";

function replaceModule(name: string, file: string): Plugin {
  const filter = new RegExp(`^${name.replace(/[/.*+?^${}()|[\]\\-]/g, '\\$&')}$`);
  return { name: `replace ${name}`, setup: (b) => b.onResolve({ filter }, () => ({ path: file })) };
}

interface Built {
  readonly label: string;
  readonly functionId: string;
  readonly variant: Variant;
  readonly outfile: string;
  readonly bytes: number;
}

async function buildBefore(id: string, entry: string, bundling: BundlingOptions, variant: 'a' | 'b' | 'c', outRoot: string, shim: string): Promise<Built> {
  const options = esbuildOptionsFromCdk(variant === 'a' ? bundling : { ...bundling, externalModules: [] }, {
    entry,
    outdir: join(outRoot, variant, id),
    projectRoot: WORKTREE,
  });
  const result = await build({
    ...options,
    metafile: true,
    logLevel: 'silent',
    ...(variant === 'c' ? { plugins: [replaceModule('@aws-sdk/credential-provider-node', shim)] } : {}),
  });
  const output = result.metafile.outputs[Object.keys(result.metafile.outputs)[0] as string];
  return { label: `${variant}:${id}`, functionId: id, variant, outfile: options.outfile, bytes: output?.bytes ?? Number.NaN };
}

async function main(): Promise<void> {
  const started = performance.now();
  const beforeCommit = await beforeWorktree();
  const { entries: beforeEntries, bundling: beforeBundling } = await beforeBuildInputs();
  const afterCommit = await git(REPO_ROOT, 'rev-parse', '--short', 'HEAD');
  const afterDirty = (await git(REPO_ROOT, 'status', '--porcelain', '--', 'functions', 'infra', 'package-lock.json')) !== '';

  const ids = (Object.keys(FUNCTIONS) as FunctionId[]).filter((id) => ONLY === undefined || ONLY.includes(id));
  const outRoot = join(WORKTREE, '.tmp', 'cold-start');
  await rm(outRoot, { recursive: true, force: true });
  await mkdir(outRoot, { recursive: true });
  const shim = join(outRoot, 'env-credentials.mjs');
  await writeFile(shim, ENV_CREDENTIALS_SHIM);

  progress(`building ${ids.length} functions x 4 variants`);
  const built: Built[] = [];
  const failed: string[] = [];
  for (const id of ids) {
    const entry = beforeEntries[id];
    if (entry === undefined) failed.push(`${id}: not a function at ${BEFORE_REF} (no (a)-(c))`);
    else for (const variant of ['a', 'b', 'c'] as const) built.push(await buildBefore(id, entry, beforeBundling, variant, outRoot, shim));
    // (d) is written inside this checkout so anything it leaves external resolves from its node_modules.
    const after = await bundleFunction(id, { outRoot: join(REPO_ROOT, '.tmp', 'cold-start', 'd') }).catch((error: Error) => {
      failed.push(`${id}: (d) did not build: ${error.message.split('\n')[0]}`);
      return undefined;
    });
    if (after?.outfile !== undefined) built.push({ label: `d:${id}`, functionId: id, variant: 'd', outfile: after.outfile, bytes: after.bytes });
  }
  const floor = await writeBaselineModule(join(REPO_ROOT, '.tmp', 'cold-start'), []);

  const loadBefore = loadavg();
  const nodeStartBefore = await nodeStartupMs();
  progress(`cold init: ${built.length + 1} bundles, ${RUNS} fresh processes each after a discarded round`);
  const measured = await measureColdInit(
    [...built.map((b) => ({ label: b.label, outfile: b.outfile })), { label: EMPTY_MODULE, outfile: floor }],
    RUNS,
    (round) => progress(`round ${round} of ${RUNS}${round === 0 ? ' (discarded)' : ''}`),
  );
  const nodeStartAfter = await nodeStartupMs();
  const loadAfter = loadavg();
  const byLabel = new Map<string, ColdInitResult>(measured.map((m) => [m.label, m]));
  const cell = (variant: Variant, id: string) => byLabel.get(`${variant}:${id}`);
  const sizeOf = (variant: Variant, id: string) => built.find((b) => b.label === `${variant}:${id}`)?.bytes;
  const variants = Object.keys(VARIANTS) as Variant[];

  emit(
    [
      '# Cold starts: runtime SDK, bundled SDK or our own clients',
      '',
      table(
        ['Environment', ''],
        [
          ...machineRows(),
          [
            'load average',
            `${loadBefore.map((l) => l.toFixed(2)).join(' / ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' / ')} after (1 / 5 / 15 min)`,
          ],
          ['`node -e 0`', `${ms(nodeStartBefore)} before, ${ms(nodeStartAfter)} after (spawn to exit, median of 7)`],
          ['(a)-(c) built from', `${BEFORE_REF} (${beforeCommit.slice(0, 12)}), worktree ${WORKTREE}`],
          ['(d) built from', `${afterCommit}${afterDirty ? ' with uncommitted changes in functions/ or infra/' : ''}`],
          ['esbuild', esbuildVersion],
          ['samples', `${RUNS} per bundle after one discarded round, interleaved across all bundles`],
        ],
        ['left', 'left'],
      ),
      '',
      'Generated by `npm run bench:cold-start` (bench/cold-start-options.ts). Cold init is `await import(bundle)` in a fresh `node` with the Lambda environment (bench/cold-init.ts); ' +
        `${EMPTY_MODULE} is the floor of \`await import\`. Variants: ${variants.map((v) => `(${v}) ${VARIANTS[v]}`).join('; ')}.`,
    ].join('\n'),
  );

  const summaryRows = variants.map((v) => {
    const rows = ids.map((id) => ({ r: cell(v, id), size: sizeOf(v, id) })).filter((x): x is { r: ColdInitResult; size: number } => x.r !== undefined);
    const medians = rows.map((x) => x.r.medianMs);
    const withinBudget = rows.filter((x) => x.r.medianMs <= COLD_INIT_BUDGET.medianMs && x.r.maxMs <= COLD_INIT_BUDGET.maxMs).length;
    return [
      `(${v}) ${VARIANTS[v]}`,
      String(rows.length),
      ms(median(medians)),
      ms(Math.min(...medians)),
      ms(Math.max(...medians)),
      ms(Math.max(...rows.map((x) => x.r.maxMs))),
      ms(median(rows.map((x) => x.r.medianCpuMs))),
      kb(median(rows.map((x) => x.size))),
      kb(Math.max(...rows.map((x) => x.size))),
      `${withinBudget} / ${rows.length}`,
    ];
  });
  const floorResult = byLabel.get(EMPTY_MODULE);
  emit(
    [
      '## Over all functions',
      '',
      table(
        [
          'variant',
          'functions',
          'median of medians',
          'fastest median',
          'slowest median',
          'slowest sample',
          'CPU (median of medians)',
          'size (median)',
          'size (max)',
          'within budget',
        ],
        summaryRows,
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
      '',
      `Budget (issue 17): median <= ${COLD_INIT_BUDGET.medianMs} ms and every sample <= ${COLD_INIT_BUDGET.maxMs} ms per function; bundles <= 250 KB. ` +
        `${EMPTY_MODULE}: median ${ms(floorResult?.medianMs ?? Number.NaN)}, max ${ms(floorResult?.maxMs ?? Number.NaN)}.`,
      ...failed.map((f) => `\nNot measured: ${f}`),
    ].join('\n'),
  );

  const fmt = (r: ColdInitResult | undefined) => (r === undefined ? 'n/a' : `${r.medianMs.toFixed(0)} / ${r.maxMs.toFixed(0)} (${r.medianCpuMs.toFixed(0)})`);
  emit(
    [
      '## Per function',
      '',
      'Cold init as median / max of the wall-clock samples (median CPU time in parentheses), in ms; minified bundle size.',
      '',
      table(
        ['function', ...variants.map((v) => `(${v}) ms`), ...variants.map((v) => `(${v}) size`)],
        ids.map((id) => [
          id,
          ...variants.map((v) => fmt(cell(v, id))),
          ...variants.map((v) => {
            const size = sizeOf(v, id);
            return size === undefined ? 'n/a' : kb(size);
          }),
        ]),
      ),
      '',
      `Took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    ].join('\n'),
  );

  if (ONLY === undefined) {
    await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(RESULT_FILE, `${sections.join('\n\n')}\n`);
    progress(`written to ${RESULT_FILE}`);
  }
}

await main();
