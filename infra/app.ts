import { fileURLToPath } from 'node:url';
import { App, type Environment, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type ItsmConfig, readConfig } from './config.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';

/** The repository root: the route table's entry paths and package-lock.json are relative to it. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BuildAppOptions {
  /** Where to put the cloud assembly; the CLI sets it through the environment. */
  readonly outdir?: string;
  /** Defaults to CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION, and env-agnostic when those are unset. */
  readonly env?: Environment;
  /** Directory holding the handler entries and package-lock.json; defaults to the repository root. */
  readonly sourceRoot?: string;
}

export interface ItsmApp {
  readonly app: App;
  readonly config: ItsmConfig;
  readonly data: DataStack;
  readonly api: ApiStack;
}

/**
 * Builds the whole app without synthesizing it, so tests can inspect the construct tree and
 * synthesize when they choose. Context given here is merged over the CLI's (cdk.json, -c).
 */
export function buildApp(context: Record<string, unknown> = {}, options: BuildAppOptions = {}): ItsmApp {
  const app = new App({ context, ...(options.outdir !== undefined ? { outdir: options.outdir } : {}) });

  // The AWS Solutions rule pack runs on every synth, in tests as in `cdk deploy`: an
  // unacknowledged error fails the synth; warnings are reported (and the tests fail on them).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  const config = readConfig(app.node);
  const env = options.env ?? {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };

  const data = new DataStack(app, 'ItsmData', {
    env,
    description: 'Open ITSM: the single DynamoDB table (stateful, retained)',
  });
  const api = new ApiStack(app, 'ItsmApi', {
    env,
    description: 'Open ITSM: HTTP API, functions, identity, event ingestion and alarms',
    table: data.table,
    config,
    sourceRoot: options.sourceRoot ?? REPOSITORY_ROOT,
  });

  // For cost allocation and for finding everything this app owns in a shared account.
  Tags.of(app).add('application', 'open-itsm');

  return { app, config, data, api };
}
