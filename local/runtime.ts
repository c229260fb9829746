import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { createLocalApi } from './http-server.ts';
import { createVerifier, loadOrCreateSigningKey, mintToken, type SigningKey } from './identity.ts';
import { seedDemoData } from './seed.ts';
import { ensureTable } from './table.ts';

export interface LocalStackOptions {
  /** Keeps DynamoDB data and the signing key here; without it, everything is in memory / temporary. */
  readonly dataDir?: string;
  /** 0 picks a free port. */
  readonly httpPort?: number;
  readonly dynamoDbPort?: number;
  /** Reuse a running DynamoDB Local (tests share one JVM) instead of starting one. */
  readonly dynamoDbEndpoint?: string;
  readonly tableName: string;
  readonly seed?: boolean;
}

export interface LocalStack {
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  readonly signingKey: SigningKey;
  readonly server: Server;
  token(sub: string, groups?: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The embedded runtime: DynamoDB Local, the table, and the API Gateway look-alike invoking the real
 * handlers. Handlers find their AWS endpoints exactly as in Lambda, through environment variables,
 * so the process environment is set before any handler module loads.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  // The SDK warns, from its first client on, that its releases after January 2027 need Node 22.
  // The versions in package-lock.json are pinned and run on Node 20; Lambda runs Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let dynamo: DynamoDbLocal | undefined;
  const endpoint =
    options.dynamoDbEndpoint ??
    (dynamo = await startDynamoDbLocal({
      ...(options.dynamoDbPort === undefined ? {} : { port: options.dynamoDbPort }),
      ...(options.dataDir === undefined ? {} : { dataDir: join(options.dataDir, 'dynamodb') }),
    })).endpoint;

  Object.assign(process.env, {
    TABLE_NAME: options.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    GROUPS_CLAIM: 'cognito:groups',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  const client = new DynamoDBClient({ endpoint });
  await ensureTable(client, options.tableName);
  client.destroy();

  const signingKey = await loadOrCreateSigningKey(options.dataDir ?? mkdtempSync(join(tmpdir(), 'itsm-keys-')));
  let ready = false;
  const server = createLocalApi({ verify: createVerifier(signingKey), isReady: () => ready });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.httpPort ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = (sub: string, groups: string[] = []) => mintToken(signingKey, { sub, groups });
  if (options.seed === true) await seedDemoData(url, await token('local-seed', ['admin']));
  ready = true;

  return {
    url,
    dynamoDbEndpoint: endpoint,
    tableName: options.tableName,
    signingKey,
    server,
    token,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dynamo?.stop();
    },
  };
}
