import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Log } from './context.ts';
import type { Workflow } from './definitions.ts';
import { FINISHED_KEPT, STATE_VERSION } from './limits.ts';
import type { Execution, StoredExecution } from './records.ts';

/**
 * The state file: executions survive a restart (RUNNING ones are replayed by resume()). Replaced
 * atomically (write, then rename) so a crash mid-write leaves the previous file whole.
 */
export interface Persistence {
  /** One write for every change of the same turn (a burst of StartExecution writes once). */
  persist(): Promise<void>;
  /** Writes now if a write is pending: stop() calls it so the last change is not lost. */
  flush(): void;
  /** Reads the state file into `executions`; an unreadable one is moved aside. */
  load(): void;
}

export function createPersistence(
  stateFile: string | undefined,
  executions: Map<string, Execution>,
  byArn: ReadonlyMap<string, Workflow>,
  log: Log,
  isStopped: () => boolean,
): Persistence {
  let pendingWrite: Promise<void> | undefined;

  function writeState(): void {
    if (stateFile === undefined) return;
    const stored: StoredExecution[] = [...executions.values()].map(({ history: _history, live: _live, ...record }) => record);
    try {
      mkdirSync(dirname(stateFile), { recursive: true });
      const temporary = `${stateFile}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ version: STATE_VERSION, executions: stored }));
      renameSync(temporary, stateFile);
    } catch (error) {
      log('error', 'cannot write the state file; executions will not survive a restart', { stateFile, error: String(error) });
    }
  }

  function persist(): Promise<void> {
    if (stateFile === undefined || isStopped()) return Promise.resolve();
    pendingWrite ??= new Promise((resolveWrite) =>
      setImmediate(() => {
        pendingWrite = undefined;
        if (!isStopped()) writeState();
        resolveWrite();
      }),
    );
    return pendingWrite;
  }

  function flush(): void {
    if (pendingWrite !== undefined) writeState();
  }

  function loadState(): void {
    if (stateFile === undefined) return;
    let text: string;
    try {
      text = readFileSync(stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let stored: StoredExecution[];
    try {
      const parsed = JSON.parse(text) as { version?: number; executions?: StoredExecution[] };
      if (parsed.version !== STATE_VERSION || !Array.isArray(parsed.executions)) throw new Error(`not a version ${STATE_VERSION} state file`);
      stored = parsed.executions;
    } catch (error) {
      const aside = `${stateFile}.unreadable-${Date.now()}`;
      renameSync(stateFile, aside);
      log('error', 'the state file is unreadable; moved aside, starting without executions', { stateFile, movedTo: aside, error: String(error) });
      return;
    }
    for (const record of stored) {
      const execution: Execution = { ...record };
      if (execution.status === 'RUNNING' && !byArn.has(execution.stateMachineArn)) {
        Object.assign(execution, { status: 'ABORTED', stopDate: Date.now(), error: 'States.Runtime', cause: 'its state machine is no longer defined' });
        log('warn', 'execution of a state machine no longer defined: aborted', { executionArn: execution.executionArn });
      }
      executions.set(execution.executionArn, execution);
    }
  }

  return { persist, flush, load: loadState };
}

/** Keeps the most recent FINISHED_KEPT finished executions (AWS keeps 90 days; memory is the bound here). */
export function trimFinished(executions: Map<string, Execution>): void {
  const finished = [...executions.values()].filter((e) => e.status !== 'RUNNING');
  if (finished.length <= FINISHED_KEPT) return;
  finished.sort((a, b) => (a.stopDate ?? 0) - (b.stopDate ?? 0));
  for (const execution of finished.slice(0, finished.length - FINISHED_KEPT)) executions.delete(execution.executionArn);
}
