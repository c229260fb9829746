import { vi } from 'vitest';

export interface LogLine {
  /** Powertools writes DEBUG and INFO to stdout, WARN and ERROR to stderr. */
  readonly stream: 'stdout' | 'stderr';
  readonly entry: Record<string, unknown>;
}

export interface CapturedLogs {
  /** Every JSON line written so far (other output is ignored). */
  lines(): LogLine[];
  /** The JSON lines written to stderr. */
  errors(): Record<string, unknown>[];
  restore(): void;
}

/**
 * Captures what the functions log, as the Lambda runtime would see it: functions/shared/log.ts
 * writes through Powertools' own Console on process.stdout/stderr, not through the global console
 * (which vitest intercepts), so the streams themselves are tapped. Captured output is not
 * passed on, which also keeps expected error lines out of the test output.
 */
export function captureLogLines(): CapturedLogs {
  const captured: LogLine[] = [];
  const pending = { stdout: '', stderr: '' };
  const tap = (stream: 'stdout' | 'stderr') =>
    vi.spyOn(process[stream], 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      pending[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const complete = pending[stream].split('\n');
      pending[stream] = complete.pop() ?? '';
      for (const line of complete) {
        try {
          const entry = JSON.parse(line) as unknown;
          if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) captured.push({ stream, entry: entry as Record<string, unknown> });
        } catch {
          // not a log line
        }
      }
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write);
  const spies = [tap('stdout'), tap('stderr')];
  return {
    lines: () => [...captured],
    errors: () => captured.filter((line) => line.stream === 'stderr').map((line) => line.entry),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
