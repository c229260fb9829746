import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { startLocalStack } from '../../local/runtime.ts';

/*
 * Nothing the local runtime starts is reachable from the network unless asked: DynamoDB Local (whose
 * jar has no bind option), the local AWS endpoints and the API listen on 127.0.0.1; ITSM_HOST opens
 * the API alone. `npm start` checks its ports before it starts or writes anything, and prints one
 * line per API request.
 */

/** An address of this machine other than loopback, if it has one. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

/** Whether a TCP connection to host:port is accepted. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

const portOf = (url: string) => Number(new URL(url).port);
const children: ChildProcess[] = [];
const folders: string[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function npmStart(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe.runIf(externalAddress !== undefined)('listening on loopback only', () => {
  it("DynamoDB Local accepts connections on 127.0.0.1 and refuses them on the machine's other addresses", async () => {
    const dynamo = await startDynamoDbLocal();
    try {
      expect(await accepts('127.0.0.1', dynamo.port)).toBe(true);
      expect(await accepts(externalAddress as string, dynamo.port)).toBe(false);
    } finally {
      await dynamo.stop();
    }
  }, 120_000);

  it('the API and the local AWS endpoints are on loopback by default; ITSM_HOST (httpHost) opens the API alone', async () => {
    const closed = await startLocalStack({
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      tableName: `test-${randomUUID()}`,
      httpPort: 0,
      printPublished: false,
    });
    try {
      expect(await accepts('127.0.0.1', portOf(closed.url))).toBe(true);
      expect(await accepts(externalAddress as string, portOf(closed.url))).toBe(false);
      expect(await accepts(externalAddress as string, portOf(closed.awsEndpoint))).toBe(false);
    } finally {
      await closed.stop();
    }
    const open = await startLocalStack({
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      tableName: `test-${randomUUID()}`,
      httpPort: 0,
      httpHost: '0.0.0.0',
      printPublished: false,
    });
    try {
      expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`http://${externalAddress}:${portOf(open.url)}/health`);
      expect(health.status).toBe(200);
      expect(await accepts(externalAddress as string, portOf(open.awsEndpoint))).toBe(false);
    } finally {
      await open.stop();
    }
    // Two stacks start and stop in turn (each runs the after-deploy consumers, the search rebuild
    // among them): seconds on a loaded machine, past vitest's default 5 s.
  }, 60_000);
});

describe('npm start', () => {
  it('refuses a port in use with one line naming it and its setting, before creating the data folder', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;
    const dataDir = join(mkdtempSync(join(tmpdir(), 'itsm-start-')), 'data');
    folders.push(dataDir);
    try {
      const start = npmStart({
        ITSM_DATA_DIR: dataDir,
        PORT: String(await freePort()),
        AWS_PORT: String(port),
        DYNAMODB_PORT: String(await freePort()),
        SMTP_PORT: String(await freePort()),
      });
      expect(await start.exited).toBe(1);
      expect(start.output().trim()).toBe(`Port ${port} (the local AWS endpoints) is already in use: stop what uses it, or set AWS_PORT to a free port.`);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      taken.close();
    }
  }, 60_000);

  it('refuses a setting it cannot use with one line naming it', async () => {
    const start = npmStart({ PORT: 'http', ITSM_DATA_DIR: join(tmpdir(), `itsm-never-${randomUUID()}`) });
    expect(await start.exited).toBe(1);
    expect(start.output().trim()).toBe('PORT=http is not a port number (1-65535)');
  }, 60_000);

  it('prints one line per API request: method, path, status, milliseconds and the request id the response carries', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'itsm-start-'));
    folders.push(dataDir);
    const port = await freePort();
    const start = npmStart({
      ITSM_DATA_DIR: dataDir,
      PORT: String(port),
      AWS_PORT: String(await freePort()),
      DYNAMODB_PORT: String(await freePort()),
      SMTP_PORT: String(await freePort()),
    });
    const deadline = Date.now() + 150_000;
    while (!start.output().includes('ITSM backend running locally')) {
      if (start.child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${start.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const health = await fetch(`http://127.0.0.1:${port}/health?probe=1`);
    const missing = await fetch(`http://127.0.0.1:${port}/incidents`);
    await new Promise((r) => setTimeout(r, 200));
    const lines = start
      .output()
      .split('\n')
      .filter((l) => l.startsWith('[api] '));
    expect(lines.find((l) => l.includes('/health?probe=1'))).toMatch(
      new RegExp(`^\\[api\\] GET /health\\?probe=1 200 \\d+ ms ${health.headers.get('apigw-requestid')}$`),
    );
    expect(lines.find((l) => l.startsWith('[api] GET /incidents '))).toMatch(
      new RegExp(`^\\[api\\] GET /incidents 401 \\d+ ms ${missing.headers.get('apigw-requestid')}$`),
    );
    start.child.kill('SIGTERM');
    await start.exited;
  }, 180_000);
});
