import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { functionNameOutput } from '../infra/constructs/dead-letter-replay.ts';
import { localOutputs, type Outputs, stackOutputs } from './replay-dead-letters.ts';

/**
 * `npm run search:rebuild [-- --stack <name>]`: rebuilds the search indexes from the table (the
 * rebuildSearchIndex function, functions/search/handlers/rebuild-index.ts) and prints what it
 * indexed and how long it took.
 *
 * Without `--stack` (or ITSM_STACK), against the local runtime of `npm start` (its AWS endpoint,
 * http://127.0.0.1:$AWS_PORT, answers Lambda's Invoke; function names are their ids there). With
 * it, the stack's `RebuildSearchIndexFunctionName` output in AWS, with the usual credentials and
 * Region: the same as `aws lambda invoke --function-name <that output> out.json`. Safe to repeat:
 * the rebuild replaces the snapshots with the table's state as of its start, and the change log
 * holds what is written meanwhile.
 */

const FUNCTION_ID = 'rebuildSearchIndex';
const USAGE = 'usage: npm run search:rebuild [-- --stack <name>]';

export async function rebuildSearch(outputs: Outputs, local: boolean): Promise<Record<string, unknown>> {
  const functionName = outputs[functionNameOutput(FUNCTION_ID)] ?? (local ? FUNCTION_ID : undefined);
  if (functionName === undefined || functionName === '')
    throw new Error(`the stack has no output ${functionNameOutput(FUNCTION_ID)}: deploy this version of the stack first`);
  const lambda = new LambdaClient({});
  try {
    const answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from('{}') }));
    const payload = answer.Payload === undefined ? undefined : JSON.parse(Buffer.from(answer.Payload).toString('utf8'));
    if (answer.FunctionError !== undefined) throw new Error(`the rebuild failed: ${JSON.stringify(payload)}`);
    return payload as Record<string, unknown>;
  } finally {
    lambda.destroy();
  }
}

async function main(): Promise<number> {
  let stack: string | undefined;
  try {
    const { values } = parseArgs({ options: { stack: { type: 'string' }, help: { type: 'boolean', default: false } }, strict: true, allowPositionals: false });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    stack = values.stack ?? process.env.ITSM_STACK;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const started = Date.now();
    const outputs = stack === undefined ? await localOutputs(`http://127.0.0.1:${process.env.AWS_PORT ?? 4000}`) : await stackOutputs(stack);
    const result = await rebuildSearch(outputs, stack === undefined);
    console.log(
      `search indexes rebuilt as of ${String(result.asOf)}: ${String(result.articles)} published articles; ${String(result.incidents)} incidents, ${String(result.problems)} problems, ${String(result.knownErrors)} known errors; ${String(result.tookMs)} ms in the function, ${Date.now() - started} ms in all`,
    );
    return 0;
  } catch (error) {
    console.error(`search:rebuild: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.exitCode = await main();
}
