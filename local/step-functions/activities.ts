import { ExecutionEnded } from './errors.ts';
import { MAX_TIMER_SECONDS } from './limits.ts';
import type { Activity, Live } from './records.ts';

/**
 * Activities: what a running execution waits on (a function call, a token, a Wait, a retry
 * interval), counted per phase so settled() knows whether an execution still works or only waits.
 */

export function setPhase(notify: () => void, live: Live, activity: Activity, phase: Activity['phase']): void {
  if (activity.phase === phase) return;
  if (activity.phase === 'busy') live.busy--;
  if (activity.phase === 'blocked') live.blocked--;
  activity.phase = phase;
  if (phase === 'busy') live.busy++;
  if (phase === 'blocked') live.blocked++;
  notify();
}

/** Sleeps as an activity of the execution: `blocked` for Waits, `busy` for retry intervals. */
export function pause(notify: () => void, live: Live, stateName: string, ms: number, phase: 'busy' | 'blocked'): Promise<void> {
  return new Promise((resolvePause, rejectPause) => {
    if (live.ended) return rejectPause(new ExecutionEnded());
    const activity: Activity = {
      stateName,
      phase: 'idle',
      cancel: () => {
        clearTimeout(timer);
        live.activities.delete(activity);
        setPhase(notify, live, activity, 'idle');
        rejectPause(new ExecutionEnded());
      },
    };
    const timer = setTimeout(
      () => {
        live.activities.delete(activity);
        setPhase(notify, live, activity, 'idle');
        resolvePause();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_SECONDS * 1000),
    );
    live.activities.add(activity);
    setPhase(notify, live, activity, phase);
  });
}
