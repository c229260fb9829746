import { describe, expect, it } from 'vitest';
import { incidentOutboxRecord } from '../../functions/incidents/domain/events.ts';
import { type Incident, openIncident } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import {
  IncidentAlreadyLinked,
  IncidentNotLinked,
  linkIncidentToProblem,
  resolveIncidentWithProblem,
  unlinkIncidentFromProblem,
  workNoteOfProblemResolution,
} from '../../functions/incidents/domain/problem-link.ts';
import { historySeenBy } from '../../functions/incidents/present.ts';
import { incidentEventDetail } from '../../functions/incidents/schemas/events.ts';
import { problemOutboxRecord } from '../../functions/problems/domain/events.ts';
import { moveLinkedIncidentCount, resolveWithFixChange } from '../../functions/problems/domain/links.ts';
import { openProblem, type Problem } from '../../functions/problems/domain/problem.ts';
import { problemEventDetail } from '../../functions/problems/schemas/events.ts';

/* The pure rules of problem links: the incident's side (incidents/domain/problem-link.ts) and the problem's (problems/domain/links.ts). */

const T0 = new Date('2026-03-01T08:00:00.000Z');
const T1 = new Date('2026-03-02T08:00:00.000Z');
const system = { actor: { userId: 'system' }, now: T1 };
const PROBLEM = { id: '01J0000000000000000000PRB1', number: 'PRB0001001' };

const incident = (overrides: Partial<Incident> = {}): Incident => ({
  ...openIncident(
    { title: 'Mail delayed', service: 'email', assignmentGroup: 'service-desk' },
    { id: '01J0000000000000000000INC1', sequence: 1, actor: { userId: 'alice' }, now: T0, matrix: DEFAULT_PRIORITY_MATRIX },
  ),
  ...overrides,
});

const problem = (overrides: Partial<Problem> = {}): Problem => ({
  ...openProblem(
    { title: 'Queue workers leak', service: 'email', fix: { change: { id: '01J0000000000000000000CHG1', number: 'CHG0001001' } } },
    { id: PROBLEM.id, sequence: 1, actor: { userId: 'alice' }, now: T0, matrix: DEFAULT_PRIORITY_MATRIX },
  ),
  ...overrides,
});

describe("the incident's side of a link", () => {
  it('links an unlinked incident (new version, the change names the problem) and refuses a second problem', () => {
    const { next, changes } = linkIncidentToProblem(incident(), PROBLEM, { actor: { userId: 'bob' }, now: T1 });
    expect(next).toMatchObject({ problem: PROBLEM, version: 2, updatedBy: 'bob', updatedAt: T1.toISOString() });
    expect(changes).toEqual([{ field: 'problem', from: null, to: PROBLEM }]);
    expect(() => linkIncidentToProblem(next, { id: 'other', number: 'PRB0001002' }, system)).toThrow(IncidentAlreadyLinked);
    try {
      linkIncidentToProblem(next, { id: 'other', number: 'PRB0001002' }, system);
    } catch (error) {
      expect((error as IncidentAlreadyLinked).problem).toEqual(PROBLEM);
    }
  });

  it('unlinks only from the problem it is linked to', () => {
    const linked = incident({ problem: PROBLEM, version: 2 });
    const { next, changes } = unlinkIncidentFromProblem(linked, PROBLEM.id, system);
    expect(next.problem).toBeUndefined();
    expect(next.version).toBe(3);
    expect(changes).toEqual([{ field: 'problem', from: PROBLEM, to: null }]);
    expect(() => unlinkIncidentFromProblem(linked, 'another', system)).toThrow(IncidentNotLinked);
    expect(() => unlinkIncidentFromProblem(incident(), PROBLEM.id, system)).toThrow(IncidentNotLinked);
  });

  it('resolves an open incident with the problem: through in_progress, one version, notes for its requester naming no problem', () => {
    const resolution = { ...PROBLEM, resolution: { code: 'fix_applied', notes: 'Heap capped' } };
    const moved = resolveIncidentWithProblem(incident({ problem: PROBLEM }), resolution, system);
    expect(moved?.next).toMatchObject({
      status: 'resolved',
      resolutionCode: 'solved_permanently',
      resolutionNotes: 'Resolved: the underlying cause was found and fixed.',
      resolvedBy: 'system',
      acknowledgedAt: T1.toISOString(),
      version: 2,
    });
    expect(moved?.changes.map((c) => c.field)).toEqual(['status', 'resolutionCode', 'resolutionNotes', 'acknowledgedAt', 'resolvedAt']);

    const held = incident({ status: 'on_hold', holdReason: 'awaiting_change', acknowledgedAt: T0.toISOString(), version: 4 });
    const fromHold = resolveIncidentWithProblem(held, { ...PROBLEM, resolution: { code: 'risk_accepted' } }, system);
    expect(fromHold?.next).toMatchObject({ status: 'resolved', resolutionCode: 'solved_workaround', version: 5 });
    expect(fromHold?.next.holdReason).toBeUndefined();
    expect(fromHold?.next.acknowledgedAt).toBe(T0.toISOString());
  });

  it('resolves nothing for codes that say nothing of the incidents, or incidents no longer open', () => {
    expect(resolveIncidentWithProblem(incident(), { ...PROBLEM, resolution: { code: 'duplicate' } }, system)).toBeUndefined();
    expect(resolveIncidentWithProblem(incident(), { ...PROBLEM, resolution: { code: 'canceled' } }, system)).toBeUndefined();
    expect(resolveIncidentWithProblem(incident({ status: 'resolved' }), { ...PROBLEM, resolution: { code: 'fix_applied' } }, system)).toBeUndefined();
    expect(resolveIncidentWithProblem(incident({ status: 'closed' }), { ...PROBLEM, resolution: { code: 'fix_applied' } }, system)).toBeUndefined();
  });

  it("puts the problem, its code and its notes in the work note, within the note limit; the requester's notes stay plain", () => {
    const resolved = { ...PROBLEM, resolution: { code: 'fix_applied', notes: 'Heap capped' } };
    expect(workNoteOfProblemResolution(resolved)).toBe('Resolved with problem PRB0001001 (fix_applied): Heap capped');
    expect(workNoteOfProblemResolution({ ...PROBLEM, resolution: { code: 'risk_accepted' } })).toBe('Resolved with problem PRB0001001 (risk_accepted)');
    const long = { ...PROBLEM, resolution: { code: 'fix_applied', notes: 'x'.repeat(20_000) } };
    expect(workNoteOfProblemResolution(long)).toHaveLength(20_000);
    expect(workNoteOfProblemResolution(long).endsWith('...')).toBe(true);
    const moved = resolveIncidentWithProblem(incident(), long, system);
    expect(moved?.next.resolutionNotes).toBe('Resolved: the underlying cause was found and fixed.');
    const workaround = resolveIncidentWithProblem(incident(), { ...PROBLEM, resolution: { code: 'risk_accepted', notes: 'internal' } }, system);
    expect(workaround?.next.resolutionNotes).not.toContain('PRB');
    expect(workaround?.next.resolutionNotes).not.toContain('internal');
  });

  it('shows a requester no problem in the history: problem diffs dropped, records of nothing else left out; agents see all', () => {
    const records = [
      { action: 'created', changes: [{ field: 'status', from: null, to: 'new' }] },
      { action: 'updated', changes: [{ field: 'problem', from: null, to: PROBLEM }] },
      {
        action: 'updated',
        changes: [
          { field: 'problem', from: PROBLEM, to: null },
          { field: 'sla.resolve.pausedAt', from: null, to: 'x' },
        ],
      },
      { action: 'updated', changes: [{ field: 'status', from: 'new', to: 'resolved' }] },
    ];
    expect(historySeenBy({ isAgent: true }, records)).toEqual(records);
    expect(historySeenBy({ isAgent: false }, records)).toEqual([
      records[0],
      { action: 'updated', changes: [{ field: 'sla.resolve.pausedAt', from: null, to: 'x' }] },
      records[3],
    ]);
  });

  it('announces the resolution without the notes, in the published schema', () => {
    const record = incidentOutboxRecord({
      eventId: 'PROBLEM-RESOLVED-x-3',
      type: 'Incident Problem Resolved',
      incident: incident({ problem: PROBLEM }),
      actor: 'system',
      occurredAt: T1.toISOString(),
      recipients: { users: [], groups: ['service-desk'] },
      problem: { ...PROBLEM, version: 3, resolutionCode: 'duplicate', incidentResolved: false },
    });
    expect(incidentEventDetail.safeParse(record.detail).success).toBe(true);
    expect(record.notification.text).toBe('Problem PRB0001001 was resolved (duplicate); its linked INC0001001 (P4) on email is still open');
  });
});

describe("the problem's side", () => {
  it('counts linked incidents up and down, one version each, naming the incident', () => {
    const up = moveLinkedIncidentCount(problem(), { id: 'i1', number: 'INC0001001' }, 1, system);
    expect(up.next).toMatchObject({ linkedIncidentCount: 1, version: 2, updatedBy: 'system' });
    expect(up.changes).toEqual([
      { field: 'incident', from: null, to: { id: 'i1', number: 'INC0001001' } },
      { field: 'linkedIncidentCount', from: 0, to: 1 },
    ]);
    const down = moveLinkedIncidentCount(up.next, { id: 'i1', number: 'INC0001001' }, -1, system);
    expect(down.next).toMatchObject({ linkedIncidentCount: 0, version: 3 });
    expect(down.changes[0]).toEqual({ field: 'incident', from: { id: 'i1', number: 'INC0001001' }, to: null });
  });

  it('resolves an open problem when its fix change closes successfully (a new one assessed on the way), once', () => {
    const change = { id: '01J0000000000000000000CHG1', number: 'CHG0001001' };
    const moved = resolveWithFixChange(problem(), change, system);
    expect(moved?.next).toMatchObject({
      status: 'resolved',
      version: 2,
      resolution: { code: 'fix_applied', by: 'system', notes: 'Fixed by change CHG0001001, closed with a successful implementation' },
    });
    expect(moved?.changes).toContainEqual({ field: 'status', from: 'new', to: 'resolved' });
    expect(resolveWithFixChange(moved?.next as Problem, change, system)).toBeUndefined();
    expect(resolveWithFixChange(problem({ status: 'canceled' }), change, system)).toBeUndefined();
  });

  it('announces a failed fix to the assignee with the change and its outcome, in the published schema', () => {
    const record = problemOutboxRecord({
      eventId: 'FIX-FAILED-x',
      type: 'Problem Fix Failed',
      problem: problem({ assignee: 'bob' }),
      actor: 'system',
      occurredAt: T1.toISOString(),
      recipients: { users: ['bob'], groups: [] },
      fix: { change: { id: 'c1', number: 'CHG0001001' }, outcome: 'backed_out' },
    });
    expect(problemEventDetail.safeParse(record.detail).success).toBe(true);
    expect(record.detail.fix).toEqual({ change: { id: 'c1', number: 'CHG0001001' }, outcome: 'backed_out' });
    expect(record.notification.text).toBe('The fix of PRB0001001 did not go in: change CHG0001001 was backed out');
  });

  it('announces a resolution with its code, when and who, and resolveLinkedIncidents (never the notes), in the published schema', () => {
    const moved = resolveWithFixChange(problem({ resolveLinkedIncidents: true }), { id: 'c1', number: 'CHG0001001' }, system);
    const resolved = moved?.next as Problem;
    const record = problemOutboxRecord({
      eventId: 'e1',
      type: 'Problem Resolved',
      problem: resolved,
      actor: 'system',
      occurredAt: T1.toISOString(),
      recipients: { users: [], groups: [] },
    });
    expect(problemEventDetail.safeParse(record.detail).success).toBe(true);
    expect(record.detail).toMatchObject({
      resolution: { code: 'fix_applied', at: resolved.resolution?.at, by: 'system' },
      resolveLinkedIncidents: true,
    });
    expect(JSON.stringify(record.detail)).not.toContain('Fixed by change');
    const updated = problemOutboxRecord({
      ...{ eventId: 'e2', actor: 'system', occurredAt: T1.toISOString(), recipients: { users: [], groups: [] } },
      type: 'Problem Updated',
      problem: resolved,
    });
    expect(updated.detail).not.toHaveProperty('resolution');
    expect(updated.detail).not.toHaveProperty('resolveLinkedIncidents');
  });
});
