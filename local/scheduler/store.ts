import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { keyOf, type StoredSchedule } from './types.ts';

/**
 * The schedules, by `group/name`, and the JSON file that keeps them between runs (`stateFile`):
 * read once, written whole after every change, one write at a time, through a temporary file
 * renamed over the old one. Without a file the schedules live in memory only.
 */

const STATE_VERSION = 1;

export interface ScheduleStore {
  readonly schedules: Map<string, StoredSchedule>;
  /** Reads the state file, once; later calls wait for that read. */
  load(): Promise<void>;
  /** Writes the whole state after the writes already queued; a failed write is logged and rejects. */
  persist(): Promise<void>;
  /** Resolves once the writes queued so far are over. */
  written(): Promise<void>;
}

export function createScheduleStore(stateFile: string | undefined, log: (line: string) => void): ScheduleStore {
  const schedules = new Map<string, StoredSchedule>();
  let loaded: Promise<void> | undefined;
  let writes: Promise<void> = Promise.resolve();

  function load(): Promise<void> {
    loaded ??= (async () => {
      if (stateFile === undefined) return;
      let text: string;
      try {
        text = await readFile(stateFile, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const schedule of parseState(text, stateFile)) schedules.set(keyOf(schedule.GroupName, schedule.Name), schedule);
    })();
    return loaded;
  }

  function persist(): Promise<void> {
    const file = stateFile;
    if (file === undefined) return Promise.resolve();
    const write = writes.then(async () => {
      const text = `${JSON.stringify({ version: STATE_VERSION, schedules: [...schedules.values()] }, null, 2)}\n`;
      const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
      await mkdir(dirname(file), { recursive: true });
      try {
        await writeFile(temporary, text);
        await rename(temporary, file);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
    });
    writes = write.catch((error: unknown) => log(`[scheduler] could not write ${file}: ${String(error)}`));
    return write;
  }

  return { schedules, load, persist, written: () => writes };
}

function parseState(text: string, file: string): StoredSchedule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`local Scheduler: ${file} is not JSON; move it away to start without the schedules it held`);
  }
  const state = parsed as { version?: unknown; schedules?: unknown };
  if (state?.version !== STATE_VERSION || !Array.isArray(state.schedules)) {
    throw new Error(`local Scheduler: ${file} is not a version ${STATE_VERSION} schedule file; move it away to start without the schedules it held`);
  }
  return state.schedules as StoredSchedule[];
}
