import { mkdir, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { FUNCTIONS, type FunctionId } from '../functions/routes.ts';
// The one source of truth for how handlers are bundled. Importing it loads aws-cdk-lib (~2-3 s).
import { BUNDLING } from '../infra/constructs/itsm-function.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const KB = 1024;
/** What a handler bundle should stay under (minified, before gzip). The bench reports misses. */
export const BUNDLE_BUDGET_BYTES = 250 * KB;
/** Over this, `npm test` fails (test/unit/bundle-size.test.ts). */
export const BUNDLE_HARD_LIMIT_BYTES = 400 * KB;

/**
 * BundlingOptions keys that do not change what esbuild produces (Docker image, asset hash, file
 * access mode of Docker bundling) and so need no translation.
 */
const IRRELEVANT_KEYS = new Set<keyof BundlingOptions>(['assetHash', 'buildArgs', 'bundlingFileAccess', 'dockerImage']);

/**
 * "CDK BundlingOptions -> esbuild BuildOptions": the same build NodejsFunction runs, as esbuild
 * JS API options. Mirrors `Bundling.buildEsbuildArgs` of aws-cdk-lib 2.276 (the CLI command
 * `esbuild --bundle <entry> --target=... --platform=node --format=... --outfile=<dir>/index.mjs ...`,
 * run with the project root as working directory). Options this function does not translate
 * throw, so a change to BUNDLING cannot silently make the bench and the test measure something else.
 */
export function esbuildOptionsFromCdk(
  bundling: BundlingOptions,
  target: { entry: string; outdir: string; projectRoot?: string },
): BuildOptions & { outfile: string } {
  const translated = new Set<string>([
    'minify',
    'sourceMap',
    'sourceMapMode',
    'sourcesContent',
    'target',
    'loader',
    'logLevel',
    'keepNames',
    'tsconfig',
    'metafile',
    'banner',
    'footer',
    'define',
    'externalModules',
    'format',
    'mainFields',
    'inject',
  ]);
  for (const [key, value] of Object.entries(bundling)) {
    if (value === undefined || translated.has(key) || IRRELEVANT_KEYS.has(key as keyof BundlingOptions)) continue;
    throw new Error(`BundlingOptions.${key} is not translated to esbuild options; extend esbuildOptionsFromCdk in bench/bundle.ts`);
  }
  if (bundling.externalModules === undefined) {
    // The CDK default depends on the runtime, bundleAwsSDK and a feature flag (@smithy/* or not).
    throw new Error('BundlingOptions.externalModules must be explicit for esbuildOptionsFromCdk to reproduce the CDK build');
  }
  if (bundling.target === undefined) {
    throw new Error('BundlingOptions.target must be explicit (the CDK default derives it from the Lambda runtime)');
  }
  const projectRoot = target.projectRoot ?? REPO_ROOT;
  const format = bundling.format ?? undefined;
  const sourcemapMode = bundling.sourceMapMode ?? bundling.sourceMap;
  const options: BuildOptions & { outfile: string } = {
    absWorkingDir: projectRoot,
    entryPoints: [resolve(projectRoot, target.entry)],
    bundle: true,
    platform: 'node',
    target: bundling.target,
    ...(format === undefined ? {} : { format: format as 'cjs' | 'esm' }),
    outfile: join(target.outdir, format === 'esm' ? 'index.mjs' : 'index.js'),
    minify: bundling.minify === true,
    keepNames: bundling.keepNames === true,
    external: [...bundling.externalModules],
  };
  if (sourcemapMode !== undefined && sourcemapMode !== false) {
    // `--sourcemap` (SourceMapMode.DEFAULT) is `true`; `--sourcemap=inline|external|both` keep their names.
    options.sourcemap = sourcemapMode === true || sourcemapMode === 'default' ? true : (sourcemapMode as 'inline' | 'external' | 'both');
  }
  if (bundling.sourcesContent === false) options.sourcesContent = false;
  if (bundling.loader !== undefined) options.loader = { ...bundling.loader } as BuildOptions['loader'];
  if (bundling.define !== undefined) options.define = { ...bundling.define };
  if (bundling.logLevel !== undefined) options.logLevel = bundling.logLevel as BuildOptions['logLevel'];
  if (bundling.tsconfig !== undefined) options.tsconfig = resolve(projectRoot, bundling.tsconfig);
  if (bundling.metafile === true) options.metafile = true;
  if (bundling.banner !== undefined) options.banner = { js: bundling.banner };
  if (bundling.footer !== undefined) options.footer = { js: bundling.footer };
  if (bundling.mainFields !== undefined) options.mainFields = [...bundling.mainFields];
  if (bundling.inject !== undefined) options.inject = bundling.inject.map((file) => resolve(projectRoot, file));
  return options;
}

export interface BundleResult {
  readonly functionId: FunctionId;
  readonly entry: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Where the bundle was written (only with `outRoot`). */
  readonly outfile?: string;
  /** Bytes in the bundle per npm package (or `(project)` for our own code), largest first. */
  readonly packages: readonly { name: string; bytes: number }[];
  /** Packages the bundle imports at run time instead of containing them (BUNDLING.externalModules), not Node built-ins: none expected. */
  readonly externals: readonly string[];
  /** esbuild's warnings, formatted (the CDK build would print them). */
  readonly warnings: readonly string[];
}

function packageOf(input: string): string {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.replaceAll('\\', '/'));
  return match?.[1] ?? '(project)';
}

function externalImports(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external !== true || imported.path.startsWith('node:') || isBuiltin(imported.path)) continue;
      names.add(imported.path);
    }
  }
  return [...names].sort();
}

function packageSizes(metafile: Metafile): { name: string; bytes: number }[] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Bundles one function exactly as the CDK does. In memory unless `outRoot` is given; then the
 * bundle goes to `<outRoot>/<functionId>/index.mjs` (keep `outRoot` inside the repository so the
 * externals, if BUNDLING ever leaves any, resolve from its node_modules when the bundle is loaded).
 */
export async function bundleFunction(functionId: FunctionId, options: { outRoot?: string } = {}): Promise<BundleResult> {
  const entry = FUNCTIONS[functionId].entry;
  const outdir = join(options.outRoot ?? join(REPO_ROOT, '.tmp', 'bundle'), functionId);
  // Metafile on top of the CDK options only reports what went in; it does not change the output.
  const buildOptions = { ...esbuildOptionsFromCdk(BUNDLING, { entry, outdir }), write: false as const, metafile: true as const, logLevel: 'silent' as const };
  const result = await build(buildOptions);
  const output = result.outputFiles.find((file) => file.path === buildOptions.outfile);
  if (output === undefined) throw new Error(`esbuild wrote no ${buildOptions.outfile} for ${functionId}`);
  if (options.outRoot !== undefined) {
    await mkdir(dirname(buildOptions.outfile), { recursive: true });
    await writeFile(buildOptions.outfile, output.contents);
  }
  return {
    functionId,
    entry,
    bytes: output.contents.byteLength,
    gzipBytes: gzipSync(output.contents, { level: 9 }).byteLength,
    ...(options.outRoot === undefined ? {} : { outfile: buildOptions.outfile }),
    packages: packageSizes(result.metafile),
    externals: externalImports(result.metafile),
    warnings: result.warnings.map((w) => `${w.location === null ? '' : `${w.location.file}:${w.location.line}: `}${w.text}`),
  };
}

/** Every function of the route table, bundled in parallel, in FUNCTIONS order. */
export async function bundleAll(options: { outRoot?: string } = {}): Promise<BundleResult[]> {
  const ids = Object.keys(FUNCTIONS) as FunctionId[];
  return Promise.all(ids.map((id) => bundleFunction(id, options)));
}
