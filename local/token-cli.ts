import { parseArgs } from 'node:util';
import { parseRoleGroups } from '../functions/shared/http/roles.ts';
import { dataDirectory } from './config.ts';
import { loadOrCreateSigningKey, localGroupsClaim, mintToken } from './identity.ts';

/** `npm run token -- --sub alice --groups agent` prints a bearer token for the local server. */
const USAGE = 'Usage: npm run token -- --sub <user> [--groups agent|admin[,...]] [--expires-in <seconds>] [--email <address>] [--audience <aud>]';

/** A mistake on the command line: one line on stderr, exit code 2, no stack trace. */
class UsageError extends Error {}

const OPTIONS = {
  sub: { type: 'string' },
  groups: { type: 'string', default: '' },
  'expires-in': { type: 'string', default: '43200' },
  audience: { type: 'string' },
  email: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readArgs() {
  try {
    return parseArgs({ options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // node:util's messages are long and name internals; say the same thing in the CLI's words.
    const { code, message } = error as { code?: string; message: string };
    const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(
        `unknown option '${option}'; options are ${Object.keys(OPTIONS)
          .map((name) => `--${name}`)
          .join(', ')}`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument '${/'([^']*)'/.exec(message)?.[1]}'; ${USAGE}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${option ?? 'an option'} needs a value; ${USAGE}`);
    throw new UsageError(`${message}; ${USAGE}`);
  }
}

/**
 * The groups to put in the token. Each must give a role under the local ROLE_GROUPS (by default
 * `admin`, `agent`): a typo would otherwise mint a token that silently has no role. A role's name
 * stands for its first configured group, so `--groups admin` works whatever the groups are called.
 */
function groupsFor(list: string): string[] {
  const roleGroups = parseRoleGroups(process.env.ROLE_GROUPS);
  const known = new Map<string, string>();
  for (const role of ['admin', 'agent', 'requester'] as const) {
    const [first] = roleGroups[role];
    if (first !== undefined) known.set(role, first);
    for (const name of roleGroups[role]) known.set(name, name);
  }
  const groups: string[] = [];
  for (const name of list
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)) {
    if (name === 'requester' && roleGroups.requester.length === 0) continue;
    const group = known.get(name);
    if (group === undefined) {
      throw new UsageError(`unknown role '${name}'; roles are ${[...known.keys()].join(', ')} (a requester needs no --groups)`);
    }
    groups.push(group);
  }
  return [...new Set(groups)];
}

async function main(): Promise<void> {
  const values = readArgs();
  if (values.help === true) {
    console.error(`${USAGE}\nThe token is signed by the key in $ITSM_DATA_DIR (default .data/).`);
    return;
  }
  if (values.sub === undefined || values.sub.trim() === '') throw new UsageError(`--sub is required; ${USAGE}`);
  const expiresIn = values['expires-in'];
  if (!/^-?\d+$/.test(expiresIn)) throw new UsageError(`--expires-in must be a whole number of seconds, got '${expiresIn}'`);
  const groups = groupsFor(values.groups);

  const key = await loadOrCreateSigningKey(dataDirectory());
  const token = await mintToken(key, {
    sub: values.sub,
    groups,
    groupsClaim: localGroupsClaim(),
    expiresInSeconds: Number(expiresIn),
    ...(values.audience === undefined ? {} : { audience: values.audience }),
    ...(values.email === undefined ? {} : { email: values.email }),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`npm run token: ${error.message}`);
    process.exit(2);
  }
  console.error(`npm run token: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
