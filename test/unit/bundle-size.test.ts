import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, BUNDLE_HARD_LIMIT_BYTES, type BundleResult, bundleAll, esbuildOptionsFromCdk } from '../../bench/bundle.ts';
import { FUNCTIONS } from '../../functions/routes.ts';

/*
 * Every Lambda bundle, built in memory with the CDK's own bundling options (bench/bundle.ts reads
 * BUNDLING from infra/constructs/itsm-function.ts), must stay under the hard limit. The softer
 * budget and the sizes themselves are in `npm run bench`.
 */
let bundles: BundleResult[];

/** The AWS SDK and what its clients are built of; util-dynamodb too (functions/shared/store/attribute-values.ts converts as it does). */
const AWS_SDK_PACKAGE = /^@(aws-sdk|smithy|aws-crypto)\//;

beforeAll(async () => {
  bundles = await bundleAll();
}, 180_000);

describe('Lambda bundle size', () => {
  it('bundles every function of the route table', () => {
    expect(bundles.map((b) => b.functionId)).toEqual(Object.keys(FUNCTIONS));
  });

  it(`keeps every bundle under ${BUNDLE_HARD_LIMIT_BYTES / 1024} KB minified`, () => {
    const over = bundles
      .filter((b) => b.bytes > BUNDLE_HARD_LIMIT_BYTES)
      .map(
        (b) =>
          `${b.functionId} (${b.entry}): ${(b.bytes / 1024).toFixed(1)} KB; largest: ${b.packages
            .slice(0, 3)
            .map((p) => `${p.name} ${(p.bytes / 1024).toFixed(1)} KB`)
            .join(', ')}`,
      );
    expect(over, `bundles over ${BUNDLE_HARD_LIMIT_BYTES / 1024} KB`).toEqual([]);
  });

  it(`keeps openApi under the ${BUNDLE_BUDGET_BYTES / 1024} KB budget as the API description grows (it is bundled compressed)`, () => {
    const openApi = bundles.find((b) => b.functionId === 'openApi');
    expect(openApi?.bytes).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it('bundles no zod into HTTP functions that parse no input (the shared pipeline imports zod types only)', () => {
    const withZod = bundles.filter((b) => ['health', 'openApi'].includes(b.functionId) && b.packages.some((p) => p.name === 'zod'));
    expect(withZod.map((b) => b.functionId)).toEqual([]);
  });

  it('bundles no zod into the e-mail functions that take no API input (the stores read items through plain field lists)', () => {
    const withZod = bundles.filter((b) => ['receiveEmail', 'sendEmail'].includes(b.functionId) && b.packages.some((p) => p.name === 'zod'));
    expect(withZod.map((b) => b.functionId)).toEqual([]);
  });

  it(`keeps the e-mail functions under the ${BUNDLE_BUDGET_BYTES / 1024} KB budget`, () => {
    const over = bundles.filter((b) => ['receiveEmail', 'sendEmail', 'inboundEmails'].includes(b.functionId) && b.bytes >= BUNDLE_BUDGET_BYTES);
    expect(over.map((b) => `${b.functionId}: ${(b.bytes / 1024).toFixed(1)} KB`)).toEqual([]);
  });

  it(`keeps the functions that render Markdown under the ${BUNDLE_BUDGET_BYTES / 1024} KB budget, with HTML 4's character references only`, () => {
    // micromark with character-entities' full HTML5 table (35 KB) put these over; package.json overrides it (docs/knowledge.md, Articles).
    const rendering = bundles.filter((b) => b.packages.some((p) => p.name === 'micromark'));
    expect(rendering.map((b) => b.functionId)).toEqual(expect.arrayContaining(['manageArticles', 'articleFromKnownError']));
    expect(rendering.filter((b) => b.bytes >= BUNDLE_BUDGET_BYTES).map((b) => `${b.functionId}: ${(b.bytes / 1024).toFixed(1)} KB`)).toEqual([]);
    expect(rendering.filter((b) => b.packages.some((p) => p.name === 'character-entities')).map((b) => b.functionId)).toEqual([]);
  });

  it('bundles no Markdown renderer into the article reads (readArticles): only writes render, so readers do not load it on a cold start', () => {
    const reads = bundles.find((b) => b.functionId === 'readArticles');
    expect(reads?.packages.filter((p) => p.name.startsWith('micromark')).map((p) => p.name)).toEqual([]);
  });

  it('imports no package at run time: what a function runs is in its bundle, so its size is what it loads', () => {
    const importing = bundles.filter((b) => b.externals.length > 0).map((b) => `${b.functionId}: ${b.externals.join(', ')}`);
    expect(importing, 'bundles importing packages at run time').toEqual([]);
  });

  it('holds no AWS SDK client: functions reach AWS through functions/shared/aws (issue 17, cold starts)', () => {
    const withSdk = bundles
      .map((b) => ({ b, sdk: b.packages.filter((p) => AWS_SDK_PACKAGE.test(p.name)) }))
      .filter(({ sdk }) => sdk.length > 0)
      .map(({ b, sdk }) => `${b.functionId}: ${sdk.map((p) => `${p.name} ${(p.bytes / 1024).toFixed(1)} KB`).join(', ')}`);
    expect(withSdk, 'bundles holding the AWS SDK (import it in scripts, tests or local/ only)').toEqual([]);
  });
});

describe('esbuildOptionsFromCdk', () => {
  it('refuses bundling options it does not translate, instead of measuring a different build', () => {
    expect(() => esbuildOptionsFromCdk({ externalModules: [], target: 'node22', nodeModules: ['zod'] }, { entry: 'x.ts', outdir: '/tmp/x' })).toThrow(
      /nodeModules is not translated/,
    );
  });
});
