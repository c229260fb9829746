import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, mintToken } from './identity.ts';
import { dataDirectory } from './config.ts';

/** `npm run token -- --sub alice --groups agent,admin` prints a bearer token for the local server. */
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    groups: { type: 'string', default: '' },
    'expires-in': { type: 'string', default: '43200' },
    audience: { type: 'string' },
    email: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help === true || values.sub === undefined) {
  console.error(
    'Usage: npm run token -- --sub <user> [--groups agent,admin] [--expires-in <seconds>] [--email <address>] [--audience <aud>]\n' +
      'Groups: requester (any user), agent, admin. The token is signed by the key in $ITSM_DATA_DIR (default .data/).',
  );
  process.exit(values.help === true ? 0 : 2);
}

const key = await loadOrCreateSigningKey(dataDirectory());
const token = await mintToken(key, {
  sub: values.sub,
  groups: values.groups.split(',').map((g) => g.trim()).filter(Boolean),
  expiresInSeconds: Number(values['expires-in']),
  ...(values.audience === undefined ? {} : { audience: values.audience }),
  ...(values.email === undefined ? {} : { email: values.email }),
});
process.stdout.write(`${token}\n`);
