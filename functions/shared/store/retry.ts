export interface RetryOptions {
  /** How many times `run` may be called in all (the first call included). */
  readonly attempts: number;
  /** Whether the error means another writer won a race that running again may win. */
  readonly isConflict: (error: unknown) => boolean;
  /**
   * Milliseconds to wait before the next call, given the attempt that failed (1 for the first).
   * Absent: run again at once, which suits a read-modify-write (its next read is what waits).
   */
  readonly backoff?: (failedAttempt: number) => number;
  /** Called before each repeat, e.g. to log the race. */
  readonly onRetry?: (error: unknown, failedAttempt: number) => void;
}

/**
 * Exponential backoff with jitter for writes that collide with another in-flight transaction on
 * the same items: 10-30 ms, then 20-40, 40-60, 80-100 ms, so two writers spread out.
 */
export const conflictBackoff = (failedAttempt: number): number => 10 * 2 ** (failedAttempt - 1) + Math.random() * 20;

/**
 * Runs `run` again while it fails with a conflict, at most `attempts` times in all. The last
 * conflict, and any other error at once, reach the caller unchanged.
 */
export async function retryOnConflict<T>(run: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.isConflict(error)) throw error;
      options.onRetry?.(error, attempt);
      const wait = options.backoff?.(attempt) ?? 0;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
