/**
 * How the poller waits: a caught-up reader idles between polls (settled() and stop() wake it), a
 * failing one pauses before retrying (only stop() wakes it), and settled()'s callers wait until
 * every reader has caught up since they called.
 *
 * Each sleep is a plain timer its waker clears. An earlier version raced timers/promises sleeps on
 * one shared AbortSignal; an idle sleep woken early kept its abort listener until its timer ran
 * out, so with four consumers and settled() called often the signal passed Node's 10 listeners and
 * printed MaxListenersExceededWarning. Now nothing listens on a shared signal.
 */

interface Waiter {
  readonly since: number;
  readonly resolve: () => void;
}

export class Waits {
  readonly #idleWakers = new Set<() => void>();
  readonly #pauseWakers = new Set<() => void>();
  readonly #waiters: Waiter[] = [];
  #stopped = false;

  /** @param allCaughtUp whether every reader has caught up (or finished) since `since` (performance.now()). */
  constructor(private readonly allCaughtUp: (since: number) => boolean) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  /** A wait between polls of a caught-up shard: settled() and stop() cut it short. */
  idle(ms: number): Promise<void> {
    return this.#sleep(ms, this.#idleWakers);
  }

  /** A wait before a retry: only stop() cuts it short. */
  pause(ms: number): Promise<void> {
    return this.#sleep(ms, this.#pauseWakers);
  }

  /** Whether a settled() begun after `sentAt` waits: then a reader polls again at once instead of idling. */
  awaitedSince(sentAt: number): boolean {
    return this.#waiters.some((waiter) => waiter.since > sentAt);
  }

  /** Resolves once every reader has caught up since `since`, or the poller stops. */
  settle(since: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiters.push({ since, resolve });
      this.#wake(this.#idleWakers);
      this.check();
    });
  }

  /** Resolves the settled() callers whose readers have all caught up (all of them once stopped). */
  check(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i] as Waiter;
      if (this.#stopped || this.allCaughtUp(waiter.since)) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /** Marks the poller stopped and ends every sleep; later sleeps end at once. */
  stop(): void {
    this.#stopped = true;
    this.#wake(this.#pauseWakers);
    this.#wake(this.#idleWakers);
  }

  #sleep(ms: number, wakers: Set<() => void>): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });
  }

  #wake(wakers: Set<() => void>): void {
    for (const wake of [...wakers]) wake();
  }
}
