import { fileURLToPath } from 'node:url';
import { App, type Environment, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AREAS } from '../functions/areas.ts';
import { type Area, assembleAreas } from '../functions/routes.ts';
import { type ItsmConfig, readConfig } from './config.ts';
import { busRuleDetailTypes } from './constructs/ingestion.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { AreaStack } from './stacks/area-stack.ts';
import { DataStack } from './stacks/data-stack.ts';

/** The stack of the table. */
export const DATA_STACK = 'ItsmData';
/** The stack of the HTTP API, identity, ingestion, workflows and alarms, and of every area that names no stack of its own. */
export const API_STACK = 'ItsmApi';

/** The repository root: the route table's entry paths and package-lock.json are relative to it. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BuildAppOptions {
  /** Where to put the cloud assembly; the CLI sets it through the environment. */
  readonly outdir?: string;
  /** Defaults to CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION, and env-agnostic when those are unset. */
  readonly env?: Environment;
  /** Directory holding the handler entries and package-lock.json; defaults to the repository root. */
  readonly sourceRoot?: string;
  /** The areas to deploy: the registry's (functions/areas.ts) unless given; a test adds a fixture area. */
  readonly areas?: readonly Area[];
}

export interface ItsmApp {
  readonly app: App;
  readonly config: ItsmConfig;
  readonly data: DataStack;
  readonly api: ApiStack;
  /** One stack per name the areas give in `stack` (other than ItsmApi), by that name. */
  readonly areaStacks: ReadonlyMap<string, AreaStack>;
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

  const areas = options.areas ?? AREAS;
  // Refuses what two areas would both claim, wherever they deploy.
  assembleAreas(areas);
  const areasByStack = new Map<string, Area[]>([[API_STACK, []]]);
  for (const area of areas) {
    const stack = area.stack ?? API_STACK;
    checkStackName(area, stack);
    areasByStack.set(stack, [...(areasByStack.get(stack) ?? []), area]);
  }
  const sourceRoot = options.sourceRoot ?? REPOSITORY_ROOT;

  const data = new DataStack(app, DATA_STACK, {
    env,
    description: 'Open ITSM: the single DynamoDB table (stateful, retained)',
  });
  const api = new ApiStack(app, API_STACK, {
    env,
    description: 'Open ITSM: HTTP API, functions, identity, event ingestion and alarms',
    table: data.table,
    config,
    sourceRoot,
    areas: assembleAreas(areasByStack.get(API_STACK) ?? []),
    // Bus rules of every stack: the bus policy (in the API stack) lets other accounts put their events.
    busRuleDetailTypes: busRuleDetailTypes(assembleAreas(areas)),
  });

  // Each named stack: its areas' functions, routes on the API stack's HTTP API, consumers and
  // alarms. CDK exports what they use of the API and data stacks, so they deploy after them.
  const areaStacks = new Map<string, AreaStack>();
  for (const [stackName, stackAreas] of areasByStack) {
    if (stackName === API_STACK) continue;
    const names = stackAreas.map((area) => area.name).join(', ');
    areaStacks.set(
      stackName,
      new AreaStack(app, stackName, {
        env,
        description: `Open ITSM: the ${names} area${stackAreas.length > 1 ? 's' : ''} (functions, routes on the ${API_STACK} HTTP API, consumers and alarms)`,
        table: data.table,
        config,
        sourceRoot,
        areas: assembleAreas(stackAreas),
        api: {
          httpApiId: api.httpApi.api.apiId,
          jwtAuthorizerId: api.httpApi.jwtAuthorizerId,
          alarmTopic: api.alarmTopic,
          capabilityResources: api.capabilityResources,
          functionEnvironment: api.functionEnvironment,
        },
      }),
    );
  }

  // For cost allocation and for finding everything this app owns in a shared account.
  Tags.of(app).add('application', 'open-itsm');

  return { app, config, data, api, areaStacks };
}

/** A CloudFormation stack name (letters, digits, hyphens; a letter first), and not the table's stack. */
function checkStackName(area: Area, stack: string): void {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack)) {
    throw new Error(`Area ${area.name}: stack "${stack}" is not a CloudFormation stack name (letters, digits and hyphens, starting with a letter)`);
  }
  if (stack === DATA_STACK) throw new Error(`Area ${area.name}: stack ${DATA_STACK} holds the table only; name a stack of the area's own`);
}
