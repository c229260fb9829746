import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteDefinition } from '../../functions/routes.ts';
import { createLocalApi, type TokenRejection } from '../../local/http-server.ts';
import { createVerifier, loadOrCreateSigningKey, mintToken, type SigningKey } from '../../local/identity.ts';

/**
 * The local identity provider as a user meets it: the token command's mistakes, and the one line
 * the local server prints when it refuses a token. No DynamoDB: a route whose function is never
 * reached (every request here is refused at the authorizer).
 */
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
let dataDir: string;
let key: SigningKey;
let server: Server;
let url: string;
const rejections: TokenRejection[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'itsm-token-'));
  key = await loadOrCreateSigningKey(dataDir);
  const routes: RouteDefinition[] = [{ method: 'GET', path: '/incidents', functionId: 'listIncidents', auth: 'jwt' } as RouteDefinition];
  server = createLocalApi({ verify: createVerifier(key), routes, onTokenRejected: (rejection) => rejections.push(rejection) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a rejected token is logged with its reason, never the token', () => {
  it.each([
    ['missing', async () => undefined, /^missing/],
    ['not a bearer token', async () => 'Basic YWxpY2U6c2VjcmV0', /^missing/],
    ['malformed', async () => 'Bearer abc.def', /^malformed/],
    ['expired', async () => `Bearer ${await mintToken(key, { sub: 'alice', expiresInSeconds: -60 })}`, /^expired/],
    ['wrong audience', async () => `Bearer ${await mintToken(key, { sub: 'alice', audience: 'someone-else' })}`, /^wrong audience \(expected itsm-local\)/],
    ['wrong issuer', async () => `Bearer ${await mintToken(key, { sub: 'alice', issuer: 'https://evil.invalid' })}`, /^wrong issuer/],
    [
      'bad signature',
      async () => {
        const foreign = await loadOrCreateSigningKey(mkdtempSync(join(tmpdir(), 'itsm-foreign-')));
        return `Bearer ${await mintToken({ ...foreign, kid: key.kid }, { sub: 'alice' })}`;
      },
      /^bad signature/,
    ],
  ])('%s', async (_name, authorization, reason) => {
    const header = await authorization();
    rejections.length = 0;
    const reply = await fetch(`${url}/incidents`, { headers: header === undefined ? {} : { authorization: header } });
    expect(reply.status).toBe(401);
    expect(await reply.json()).toEqual({ message: 'Unauthorized' });
    expect(rejections).toHaveLength(1);
    const [rejection] = rejections;
    expect(rejection).toMatchObject({ method: 'GET', path: '/incidents', requestId: reply.headers.get('apigw-requestid') ?? expect.any(String) });
    expect(rejection?.reason).toMatch(reason);
    expect(rejection?.reason).not.toContain('\n');
    const token = header?.split(' ')[1];
    if (token !== undefined) {
      expect(JSON.stringify(rejection)).not.toContain(token);
      for (const part of token.split('.').filter((p) => p.length > 8)) expect(JSON.stringify(rejection)).not.toContain(part);
    }
  });
});

describe('npm run token', () => {
  const token = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', join(ROOT, 'local', 'token-cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ITSM_DATA_DIR: dataDir },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  const oneLine = (text: string) => text.trim().split('\n');

  it('prints a token the local server accepts', async () => {
    const { code, stdout } = await token('--sub', 'alice', '--groups', 'agent');
    expect(code).toBe(0);
    expect((await createVerifier(key)(`Bearer ${stdout.trim()}`)).ok).toBe(true);
  });

  it.each([
    [['--sub', 'alice', '--grups', 'agent'], /unknown option '--grups'/],
    [['--sub', 'alice', 'agent'], /unexpected argument 'agent'/],
    [['--sub', 'alice', '--groups', 'admn'], /unknown role 'admn'.*admin, agent/],
    [['--sub', 'alice', '--expires-in', 'soon'], /--expires-in must be a whole number of seconds/],
    [['--sub'], /--sub needs a value/],
  ])('refuses %j with one line and exit code 2, no stack trace', async (args, message) => {
    const { code, stdout, stderr } = await token(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(oneLine(stderr)).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\bat \S+|Error:|node:internal/);
  });
});
