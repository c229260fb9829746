import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { useAwsConfigurationSource } from '../functions/shared/aws/request.ts';
import { defined } from '../functions/shared/defined.ts';

/**
 * `npm run migrate -- (--table <name> | --stack <data stack>) [--list]`
 *
 * Runs the data migrations a table has not had yet (scripts/migrations.ts), in order, with the
 * usual AWS credentials and Region, and prints one line each; `--list` only says which are done
 * and which are pending. `npm start` does the same by itself on its data folder. Safe to repeat:
 * a table that has had them all costs one GetItem.
 */
const USAGE = 'usage: npm run migrate -- (--table <name> | --stack <data stack, e.g. ItsmData>) [--list]';

async function tableOfStack(stackName: string): Promise<string> {
  const client = new CloudFormationClient({});
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const name = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName')?.OutputValue;
    if (name === undefined) throw new Error(`the stack ${stackName} has no output TableName (the data stack has it)`);
    return name;
  } finally {
    client.destroy();
  }
}

/** The command line; throws on an unknown or malformed option. */
const parseOptions = () =>
  parseArgs({
    options: { table: { type: 'string' }, stack: { type: 'string' }, list: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });

async function main(): Promise<number> {
  let values: ReturnType<typeof parseOptions>['values'];
  try {
    ({ values } = parseOptions());
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if ((values.table === undefined) === (values.stack === undefined)) {
    console.error(`name the table with --table or its stack with --stack (one of them)\n${USAGE}`);
    return 2;
  }
  try {
    // The store modules read TABLE_NAME when they load: set it first, then load them.
    // One of --table and --stack is there: checked above.
    process.env.TABLE_NAME = values.table ?? (await tableOfStack(defined(values.stack, '--stack without --table')));
    // The store modules' own DynamoDB client reads credentials and Region from the environment only,
    // as Lambda sets them; an operator's come from a profile or SSO, which the SDK's chain reads.
    const sdkConfig = new DynamoDBClient({}).config;
    useAwsConfigurationSource({ credentials: () => sdkConfig.credentials(), region: () => sdkConfig.region() });
    const { MIGRATIONS, appliedMigrations, runPendingMigrations } = await import('./migrations.ts');
    if (values.list) {
      const applied = await appliedMigrations();
      for (const { name } of MIGRATIONS) console.log(`${name}: ${applied.has(name) ? 'done' : 'pending'}`);
      return 0;
    }
    const runs = await runPendingMigrations((run) => console.log(`${run.name}: ${run.summary} (${(run.ms / 1000).toFixed(1)} s)`));
    if (runs.length === 0) console.log(`${process.env.TABLE_NAME}: nothing to migrate`);
    return 0;
  } catch (error) {
    console.error(`migrate: ${(error as Error).message}`);
    return 1;
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await main();
