import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './bundle.ts';

/** What bench/server.ts reports when ready (see there). */
export interface ServerInfo {
  readonly url: string;
  readonly awsEndpoint: string;
  readonly tableName: string;
  /** Bench-only: `POST /settled` answers once the stream poller has caught up. */
  readonly controlUrl: string;
  readonly agentToken: string;
  readonly adminToken: string;
  /** A user in no group: a requester (the default role). */
  readonly requesterToken: string;
}

export interface ServerProcess extends ServerInfo {
  /**
   * Closes its stdin and waits for the stack to stop (the stream poller finishes its batch in
   * flight). `abandon` kills it instead: for a backlog nobody will look at, on a throwaway table.
   */
  stop(options?: { abandon?: boolean }): Promise<void>;
}

const isReadyLine = (value: unknown): value is ServerInfo =>
  value !== null && typeof value === 'object' && typeof (value as ServerInfo).url === 'string' && typeof (value as ServerInfo).controlUrl === 'string';

/** bench/server.ts in its own process (see there), on the given DynamoDB Local; `seed: false` leaves out the demo data. */
export async function startServer(dynamoDbEndpoint: string, options: { seed?: boolean } = {}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/server.ts', dynamoDbEndpoint, ...(options.seed === false ? ['--no-seed'] : [])],
    {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<ServerInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench/server.ts did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`bench/server.ts exited with code ${code} before it was ready`)));
    // The handlers log JSON lines to stdout too; the ready line is the one with url and controlUrl.
    const onLine = (line: string) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if (!isReadyLine(parsed)) return;
      clearTimeout(timer);
      lines.off('line', onLine);
      resolve(parsed);
    };
    lines.on('line', onLine);
  });
  // Anything the server logs later is drained (and dropped) so the pipe never blocks it.
  lines.on('line', () => undefined);
  return {
    ...ready,
    stop: async ({ abandon = false } = {}) => {
      if (child.exitCode !== null) return;
      if (abandon) {
        child.kill('SIGKILL');
        return exited;
      }
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
