/*
 * Which scheduled changes and blackout windows a change request runs into.
 *
 * Windows are half-open [start, end): a change ending at 02:00 and the next starting at 02:00 do not
 * conflict, so back-to-back maintenance slots can be booked. Instants are compared as points in time,
 * not as strings, because ISO texts with different offsets or precision ("Z" vs "+00:00", ".000") sort
 * differently from the instants they name. An empty window (start at or after end) overlaps nothing.
 *
 * Another change conflicts when its window overlaps and it shares at least one service or configuration
 * item; the change itself (same id) is skipped, so a stored change can be re-checked against the schedule
 * it is already part of. A blackout conflicts when its window overlaps and it applies to the change:
 * one naming services applies only to changes touching one of them; one naming none (absent or empty)
 * applies to every change, since an empty list reading as "nothing" would silently disable a freeze.
 *
 * The result is sorted by window start, then kind, then change id or blackout name (code unit order),
 * so reviewers and tests see the same list whatever order the schedule was read in.
 */

export interface Window {
  start: string;
  end: string;
}

export interface ChangeToCheck {
  id: string;
  services: readonly string[];
  configurationItems: readonly string[];
  plannedStart: string;
  plannedEnd: string;
}

export interface ScheduledChange extends ChangeToCheck {
  number: string;
}

export interface Blackout {
  name: string;
  start: string;
  end: string;
  services?: readonly string[];
}

export type Conflict =
  | { kind: 'change'; changeId: string; number: string; on: { services: string[]; configurationItems: string[] }; window: Window }
  | { kind: 'blackout'; name: string; window: Window };

export function overlaps(a: Window, b: Window): boolean {
  const [aStart, aEnd, bStart, bEnd] = [instant(a.start), instant(a.end), instant(b.start), instant(b.end)];
  if (aStart >= aEnd || bStart >= bEnd) return false;
  return aStart < bEnd && bStart < aEnd;
}

export function findConflicts(change: ChangeToCheck, scheduled: readonly ScheduledChange[], blackouts: readonly Blackout[]): Conflict[] {
  const window: Window = { start: change.plannedStart, end: change.plannedEnd };
  const conflicts: Conflict[] = [];

  for (const other of scheduled) {
    if (other.id === change.id) continue;
    const otherWindow: Window = { start: other.plannedStart, end: other.plannedEnd };
    if (!overlaps(window, otherWindow)) continue;
    const on = { services: shared(change.services, other.services), configurationItems: shared(change.configurationItems, other.configurationItems) };
    if (on.services.length === 0 && on.configurationItems.length === 0) continue;
    conflicts.push({ kind: 'change', changeId: other.id, number: other.number, on, window: otherWindow });
  }

  for (const blackout of blackouts) {
    const blackoutWindow: Window = { start: blackout.start, end: blackout.end };
    if (!overlaps(window, blackoutWindow)) continue;
    const scope = blackout.services ?? [];
    if (scope.length > 0 && shared(change.services, scope).length === 0) continue;
    conflicts.push({ kind: 'blackout', name: blackout.name, window: blackoutWindow });
  }

  return conflicts.sort(compareConflicts);
}

function compareConflicts(a: Conflict, b: Conflict): number {
  return (
    instant(a.window.start) - instant(b.window.start) ||
    compareText(a.kind, b.kind) ||
    compareText(key(a), key(b)) ||
    instant(a.window.end) - instant(b.window.end)
  );
}

const key = (conflict: Conflict) => (conflict.kind === 'change' ? conflict.changeId : conflict.name);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sorted and without repeats, so `on` reads the same whatever order the lists were entered in. */
function shared(mine: readonly string[], theirs: readonly string[]): string[] {
  const theirSet = new Set(theirs);
  return [...new Set(mine.filter((name) => theirSet.has(name)))].sort(compareText);
}

/** Unparseable instants throw rather than compare false, which would hide a conflict. */
function instant(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`${text} is not an ISO instant`);
  return ms;
}
