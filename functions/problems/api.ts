/**
 * The problem management area's API description: its tag, one operation per route of ./area.ts
 * (what the handlers read and answer, read off functions/problems/handlers), the components they
 * name and the JSON Schema of its event detail. Loaded by the OpenAPI build only (scripts/openapi/),
 * never by a handler.
 */
import * as z from 'zod';
import { defineApi, firstPageNote, PAGE_NOTE } from '../shared/api/operation.ts';
import { countableFilterSets } from '../shared/domain/queue-counts.ts';
import { countedListEnvelope, listEnvelope } from '../shared/schemas/common.ts';
import { PROBLEM_COUNTS } from './counts.ts';
import { PROBLEM_EVENT_TYPES } from './domain/events.ts';
import { PROBLEM_RESOLUTION_CODES, PROBLEM_TRANSITIONS } from './domain/lifecycle.ts';
import { DEFAULT_RECURRENCE_RULE, MAX_THRESHOLD, MAX_WINDOW_DAYS, MIN_THRESHOLD } from './domain/recurrence.ts';
import { problemEventDetail } from './schemas/events.ts';
import { linkedIncidentSchema, linkIncidentBody, listLinkedIncidentsQuery, problemIncidentLinkSchema } from './schemas/links.ts';
import {
  addProblemNoteBody,
  createProblemBody,
  listProblemsQuery,
  problemHistoryRecordSchema,
  problemNoteSchema,
  problemPageQuery,
  problemSchema,
  updateProblemBody,
} from './schemas/problem.ts';
import {
  acceptedProblemCandidateSchema,
  candidateEventDetail,
  dismissProblemCandidateBody,
  listProblemCandidatesQuery,
  problemCandidateSchema,
  problemConfigSchema,
  putProblemConfigBody,
} from './schemas/recurrence.ts';
import { problemReportSchema } from './schemas/report.ts';

const lifecycle = Object.entries(PROBLEM_TRANSITIONS)
  .map(([from, to]) => `- \`${from}\` -> ${to.length === 0 ? 'final' : to.map((s) => `\`${s}\``).join(', ')}`)
  .join('\n');

const codes = PROBLEM_RESOLUTION_CODES.map((code) => `\`${code}\``).join(', ');
const REQUESTERS_CANDIDATES = 'Requesters get 404: to them problem management does not exist.';
const REQUESTERS = 'Requesters get 404 on every /problems route: to them problem management does not exist.';
/** A candidate is named by its id only: its number (PRC0001001) is for people. */
const CANDIDATE_ID = {
  id: { schema: z.string().min(1), description: 'The id (a ULID) of the problem candidate, not its number; anything else is 404' },
};

export default defineApi({
  tags: {
    'Problem candidates':
      'Recurring incidents proposed as problems (agents only): the rule that finds them (/problem-config), and accepting or dismissing them',
    Problems:
      'Problems (agents only): the causes behind incidents, investigated to a root cause, worked around, fixed (through a change request) and closed after a review; published as known errors once a root cause or workaround is documented; with their notes and audit trail',
  },
  requestSchemas: {
    PutProblemConfig: putProblemConfigBody,
    DismissProblemCandidate: dismissProblemCandidateBody,
    CreateProblem: createProblemBody,
    UpdateProblem: updateProblemBody,
    AddProblemNote: addProblemNoteBody,
    LinkProblemIncident: linkIncidentBody,
  },
  responseSchemas: {
    ProblemConfig: problemConfigSchema,
    ProblemCandidate: problemCandidateSchema,
    AcceptedProblemCandidate: acceptedProblemCandidateSchema,
    ProblemCandidatePage: listEnvelope(problemCandidateSchema),
    ProblemReport: problemReportSchema,
    Problem: problemSchema,
    ProblemPage: countedListEnvelope(problemSchema),
    ProblemNote: problemNoteSchema,
    ProblemNotePage: listEnvelope(problemNoteSchema),
    ProblemHistoryRecord: problemHistoryRecordSchema,
    ProblemHistoryPage: listEnvelope(problemHistoryRecordSchema),
    ProblemLinkedIncident: linkedIncidentSchema,
    ProblemLinkedIncidentPage: listEnvelope(linkedIncidentSchema),
    ProblemIncidentLink: problemIncidentLinkSchema,
  },
  pathParameters: {
    id: {
      schema: z.string().min(1),
      description: 'The id (a ULID) or the number (PRB0001001) of the problem; anything else is 404',
    },
    incident: { schema: z.string().min(1), description: 'The linked incident, by id or number (INC0001001)' },
  },
  errorMembers: {
    incident: z.object({ id: z.string(), number: z.string() }).optional().describe('incident-already-linked: the incident'),
    linkedProblem: z.object({ id: z.string(), number: z.string() }).optional().describe('incident-already-linked: the problem the incident is linked to'),
    problemStatus: z.string().optional().describe('problem-closed: the status the problem is in'),
  },
  operations: {
    'POST /problems': {
      operationId: 'createProblem',
      summary: 'Open a problem',
      tag: 'Problems',
      audience: 'agent',
      description: [
        'A problem starts `new` (version 1), numbered `PRB` + 7 digits (take the number from the response), with its priority from `impact` and `urgency` (default 3 each) through the priority matrix incidents use (GET /config/priority-matrix).',
        '`service`, `assignmentGroup` and `assignee` must exist, and an assignee given with a group must belong to it (checked in the same transaction as the write: 400 naming the field). `fix.change` names a change request by id or number, which must exist (400 on `fix.change`); it is stored as `{id, number}`.',
        REQUESTERS,
      ].join('\n\n'),
      body: { schema: 'CreateProblem' },
      idempotencyKey: true,
      responses: { 201: { description: 'Opened', schema: 'Problem', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['not-found'],
      notes: { 404: 'Requesters.' },
    },
    'GET /problems': {
      operationId: 'listProblems',
      summary: 'List problems',
      tag: 'Problems',
      audience: 'agent',
      description: [
        'Newest first (by number). Different filters combine with AND; the values of one filter with OR: `status=assess,root_cause_analysis`, at most 10 values per filter. Each list is read from an index, one key Query per value, all in flight together and merged, never a scan.',
        `\`count=true\` adds \`total\`, read from counters beside the page's Queries (no scan, no extra round trip; counters follow writes within about a second). Counted: ${countableFilterSets(PROBLEM_COUNTS)}; each filter with any of its values; other filter sets are a \`validation-error\` on \`count\`.`,
        PAGE_NOTE,
        firstPageNote('`status` with one value, and of every problem'),
        REQUESTERS,
      ].join('\n\n'),
      query: listProblemsQuery,
      queryDescriptions: {
        status: 'Only problems in one of these statuses (comma-separated)',
        priority: 'Only problems of one of these priorities (comma-separated)',
        assignmentGroup: 'Only problems assigned to one of these groups (comma-separated)',
        assignee: 'Only problems assigned to one of these users (comma-separated)',
        service: 'Only problems on one of these services (comma-separated)',
      },
      responses: { 200: { description: 'One page of problems', schema: 'ProblemPage' } },
      errorTypes: ['not-found'],
      notes: { 404: 'Requesters.' },
    },
    'GET /problems/{id}': {
      operationId: 'getProblem',
      summary: 'Get a problem',
      tag: 'Problems',
      audience: 'agent',
      description: ['By id or by number. Send the ETag back in If-Match to change it.', `Status moves:\n\n${lifecycle}`, REQUESTERS].join('\n\n'),
      responses: { 200: { description: 'The problem', schema: 'Problem', headers: ['ETag', 'Location'] } },
      errorTypes: ['not-found'],
    },
    'PATCH /problems/{id}': {
      operationId: 'updateProblem',
      summary: 'Change a problem',
      tag: 'Problems',
      audience: 'agent',
      description: [
        'A merge patch: absent fields stay, `null` clears an optional field; `fix` merges member by member. Needs the current version in If-Match (428 without it, 412 when stale). A patch that restates the current values changes nothing: 200 with the same version.',
        `**Lifecycle.** \`status\` moves the problem along its lifecycle; a move it does not allow is 409 \`invalid-transition\`, with \`allowedTransitions\`:\n\n${lifecycle}\n\n\`resolved\` needs \`resolution.code\` (${codes}) and allows \`resolution.notes\`; \`fix_applied\` needs a \`fix\`. \`closed\` needs the review: \`review.summary\`, what was learned, recorded with who and when. Moving a resolved problem back to \`root_cause_analysis\` reopens it and drops its resolution. A \`closed\` or \`canceled\` problem no longer changes.`,
        '**Known error.** `knownError: true` publishes the problem as a known error: it needs a documented `rootCause` or `workaround` (400 on `knownError`), stamps `knownErrorPublishedAt` and sends `Problem Known Error Published`. `knownError: false` withdraws it. A published known error keeps a root cause or a workaround: clearing the last one is refused.',
        '`rootCauseAt` is stamped when a root cause is first documented. `fix.change` names an existing change request by id or number (400 on `fix.change` otherwise). The service, group and assignee it names anew are checked as on creation.',
        REQUESTERS,
      ].join('\n\n'),
      body: { schema: 'UpdateProblem', mediaTypes: ['application/json', 'application/merge-patch+json'] },
      ifMatch: 'required',
      responses: { 200: { description: 'The problem as it is now', schema: 'Problem', headers: ['ETag', 'Location'] } },
      errorTypes: ['empty-patch', 'not-found', 'invalid-transition'],
    },
    'POST /problems/{id}/notes': {
      operationId: 'addProblemNote',
      summary: 'Add a note to a problem',
      tag: 'Problems',
      audience: 'agent',
      description: [
        "A work note. Problems are agents' work, so every note is internal. The note is recorded in the problem's history and its assignee (else its group) is told; the problem itself and its ETag stay as they are.",
        REQUESTERS,
      ].join('\n\n'),
      body: { schema: 'AddProblemNote' },
      idempotencyKey: true,
      responses: { 201: { description: 'Added', schema: 'ProblemNote', headers: ['Idempotent-Replayed'] } },
      errorTypes: ['not-found'],
    },
    'GET /problems/{id}/notes': {
      operationId: 'listProblemNotes',
      summary: "List a problem's notes",
      tag: 'Problems',
      audience: 'agent',
      description: `Oldest first, like a conversation. ${PAGE_NOTE} ${REQUESTERS}`,
      query: problemPageQuery,
      responses: { 200: { description: 'One page of notes', schema: 'ProblemNotePage' } },
      errorTypes: ['not-found'],
    },
    'GET /problems/{id}/history': {
      operationId: 'getProblemHistory',
      summary: "Get a problem's audit trail",
      tag: 'Problems',
      audience: 'agent',
      description: `Oldest first: one record per write, with the fields it changed, written in the same transaction as the write; records are never updated or deleted. Notes are recorded as \`note_added\` without their text. ${PAGE_NOTE} ${REQUESTERS}`,
      query: problemPageQuery,
      responses: { 200: { description: 'One page of history records', schema: 'ProblemHistoryPage' } },
      errorTypes: ['not-found'],
    },
    'POST /problems/{id}/incidents': {
      operationId: 'linkProblemIncident',
      summary: 'Link an incident to a problem',
      tag: 'Problems',
      audience: 'agent',
      description: [
        "`incident` names the incident by id or number; it must exist (400 on `incident`). ONE transaction on both records: the link, the problem (`linkedIncidentCount` + 1, a new version and ETag, history `incident_linked`, `Problem Incident Linked`) and the incident (`problem` set to the problem's id and number, a new version, history, `Incident Updated`). Two round trips: both records read together, then the transaction.",
        'An incident is linked to at most one problem: one linked already (to this problem or another) is 409 `incident-already-linked`, naming the problem in `linkedProblem`; of two links of one incident racing each other, exactly one is made. A closed or canceled problem is 409 `problem-closed`. Incidents of any status may be linked, closed ones included.',
        'Links of different incidents to one problem at the same moment each move its version: each is read again and retried with backoff (up to 12 attempts), so a burst lands with every link counted once; one that still loses is 409 `link-contended` with `Retry-After` (nothing changed: send it again).',
        'If-Match is optional: with it, the link is made only on that version of the problem (412 otherwise). With an Idempotency-Key, a retry of a link that was made answers as the first request did.',
        'When the problem is resolved, its open linked incidents are told (`Incident Problem Resolved`) and, with `resolveLinkedIncidents`, resolved: docs/problems.md.',
        REQUESTERS,
      ].join('\n\n'),
      body: { schema: 'LinkProblemIncident' },
      ifMatch: 'optional',
      idempotencyKey: true,
      responses: {
        201: {
          description: 'Linked: the problem as it is now and the incident',
          schema: 'ProblemIncidentLink',
          headers: ['ETag', 'Location', 'Idempotent-Replayed'],
        },
      },
      errorTypes: ['not-found', 'incident-already-linked', 'problem-closed', 'link-contended'],
    },
    'GET /problems/{id}/incidents': {
      operationId: 'listProblemIncidents',
      summary: "List a problem's incidents",
      tag: 'Problems',
      audience: 'agent',
      description: `Newest link first, each incident with its status, priority, title and assignment as they are now: a Query of the problem's links, then one BatchGetItem of the page's incidents. ${PAGE_NOTE} ${REQUESTERS}`,
      query: listLinkedIncidentsQuery,
      responses: { 200: { description: 'One page of linked incidents', schema: 'ProblemLinkedIncidentPage' } },
      errorTypes: ['not-found'],
    },
    'DELETE /problems/{id}/incidents/{incident}': {
      operationId: 'unlinkProblemIncident',
      summary: 'Unlink an incident from a problem',
      tag: 'Problems',
      audience: 'agent',
      description: [
        "The reverse of a link, in ONE transaction on both records: the link goes, the problem's `linkedIncidentCount` - 1 (new version, history `incident_unlinked`, `Problem Incident Unlinked`), the incident's `problem` is cleared (new version, history, `Incident Updated`). `{incident}` is the incident's id or number.",
        'An incident that is not linked to this problem is 404; a closed or canceled problem is 409 `problem-closed`. If-Match is optional, as for a link.',
        REQUESTERS,
      ].join('\n\n'),
      ifMatch: 'optional',
      responses: { 204: { description: "Unlinked; the ETag is the problem's new version", headers: ['ETag'] } },
      errorTypes: ['not-found', 'problem-closed', 'link-contended'],
    },
    'GET /problem-config': {
      operationId: 'getProblemConfig',
      summary: 'Get the problem configuration',
      tag: 'Problem candidates',
      audience: 'agent',
      description: [
        `When recurring incidents make a problem candidate: \`threshold\` incidents opened within \`windowDays\` days on the same service and category, or with the same alert dedup key; \`services\` gives services a rule of their own. Agents read it: it explains why a candidate was, or was not, found.`,
        `Until an admin changes it, the default with version 0: ${DEFAULT_RECURRENCE_RULE.threshold} incidents within ${DEFAULT_RECURRENCE_RULE.windowDays} days, no service of its own.`,
        REQUESTERS_CANDIDATES,
      ].join('\n\n'),
      responses: { 200: { description: 'The problem configuration in force', schema: 'ProblemConfig', headers: ['ETag'] } },
      errorTypes: ['not-found'],
    },
    'PUT /problem-config': {
      operationId: 'replaceProblemConfig',
      summary: 'Replace the problem configuration',
      tag: 'Problem candidates',
      audience: 'admin',
      description: [
        'Replaces every field. Needs the current version in If-Match (`"0"` before the first change). A replacement equal to the current configuration changes nothing (200, same version); the change is recorded in the settings history.',
        `\`threshold\` ${MIN_THRESHOLD} to ${MAX_THRESHOLD}, \`windowDays\` 1 to ${MAX_WINDOW_DAYS}, the same for each service's rule; each service named must exist (400 naming \`services.<name>\`).`,
        'Applies to incidents counted afterwards: a recorded candidate keeps the rule it was found with.',
        'Agents get 403; requesters get 404: to them problem management does not exist.',
      ].join('\n\n'),
      body: { schema: 'PutProblemConfig' },
      ifMatch: 'required',
      responses: { 200: { description: 'The problem configuration now in force', schema: 'ProblemConfig', headers: ['ETag'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /problem-candidates': {
      operationId: 'listProblemCandidates',
      summary: 'List problem candidates',
      tag: 'Problem candidates',
      audience: 'agent',
      description: [
        "Recurring incidents proposed as problems, newest first, all or those in one `status`. Each new incident is counted, from the table stream, under its service and category (category compared without case) and under its alert dedup key; when a key has `threshold` incidents opened within `windowDays` days of each other (GET /problem-config, the service's rule or the default), ONE candidate is recorded with them, and `Problem Candidate Found` tells the service's owner group. Incidents of the key opened before the candidate's `windowEnd` start no second one. Counting is exact under concurrent incidents and redeliveries; it is never a scan. See docs/problems.md.",
        PAGE_NOTE,
        REQUESTERS_CANDIDATES,
      ].join('\n\n'),
      query: listProblemCandidatesQuery,
      queryDescriptions: { status: 'Only candidates in this status' },
      responses: { 200: { description: 'One page of candidates', schema: 'ProblemCandidatePage' } },
      errorTypes: ['not-found'],
    },
    'GET /problem-candidates/{id}': {
      operationId: 'getProblemCandidate',
      pathParameters: CANDIDATE_ID,
      summary: 'Get a problem candidate',
      tag: 'Problem candidates',
      audience: 'agent',
      description: `The candidate with its key (category and dedup key included), rule, window and incidents. ${REQUESTERS_CANDIDATES}`,
      responses: { 200: { description: 'The candidate', schema: 'ProblemCandidate', headers: ['ETag', 'Location'] } },
      errorTypes: ['not-found'],
    },
    'POST /problem-candidates/{id}/accept': {
      operationId: 'acceptProblemCandidate',
      pathParameters: CANDIDATE_ID,
      summary: 'Accept a problem candidate',
      tag: 'Problem candidates',
      audience: 'agent',
      description: [
        "Opens a problem from the candidate, as POST /problems does: titled after the key, with the key's service and category and the service's owner group, and `candidate` naming the candidate; the candidate becomes `accepted` with `acceptance` (the problem, who, when), its history record and `Problem Candidate Accepted`, in the same transaction. Then its incidents are linked to the problem one by one, each as POST /problems/{id}/incidents links it; an incident linked to another problem already is left where it is, and `notLinked` names it with that problem.",
        'Accepting an accepted candidate answers its problem (200) and links any of its incidents not linked yet; of two accepts at once, one opens the problem and both answer it. A dismissed candidate is 409 `invalid-transition`. With an Idempotency-Key, a retry replays the first answer (201 included).',
        REQUESTERS_CANDIDATES,
      ].join('\n\n'),
      idempotencyKey: true,
      responses: {
        201: {
          description: 'The problem opened, its incidents linked',
          schema: 'AcceptedProblemCandidate',
          headers: ['ETag', 'Location', 'Idempotent-Replayed'],
        },
        200: { description: 'Accepted before: its problem', schema: 'AcceptedProblemCandidate', headers: ['ETag', 'Location', 'Idempotent-Replayed'] },
      },
      errorTypes: ['not-found', 'invalid-transition'],
    },
    'POST /problem-candidates/{id}/dismiss': {
      operationId: 'dismissProblemCandidate',
      pathParameters: CANDIDATE_ID,
      summary: 'Dismiss a problem candidate',
      tag: 'Problem candidates',
      audience: 'agent',
      description: `Not a problem: \`reason\` says why (required, 400 without it). The candidate becomes \`dismissed\` with the reason, who and when (its history record and \`Problem Candidate Dismissed\`, without the reason, in the same transaction); an accepted or dismissed one is 409 \`invalid-transition\`, except a retry of this very request with its Idempotency-Key, which replays the answer. ${REQUESTERS_CANDIDATES}`,
      body: { schema: 'DismissProblemCandidate' },
      idempotencyKey: true,
      responses: { 200: { description: 'Dismissed', schema: 'ProblemCandidate', headers: ['ETag', 'Location', 'Idempotent-Replayed'] } },
      errorTypes: ['not-found', 'invalid-transition'],
    },
    'GET /reports/problems': {
      operationId: 'getProblemReport',
      summary: 'Get the problem report',
      tag: 'Problems',
      audience: 'agent',
      description: [
        'Open problems by status and by service, known errors published, mean time to root cause (from opening to the first time a root cause was documented), incidents linked per problem, and candidates found, accepted and dismissed.',
        'Read from counters that every write of a problem or a candidate keeps in its own transaction, never from the records themselves: one Query. Eventually consistent: a write made a second ago may not show yet.',
        'Requesters get 404: to them problem management does not exist.',
      ].join('\n\n'),
      responses: { 200: { description: 'The report', schema: 'ProblemReport' } },
      errorTypes: ['not-found'],
    },
  },
  publishedEvents: [
    { schema: problemEventDetail, record: 'problem' },
    { schema: candidateEventDetail, record: 'candidate', attributes: 'a problem candidate has no priority (`-`).' },
  ],
  eventSchemas: [
    {
      file: 'docs/schemas/problem-candidate-event-detail.schema.json',
      schema: candidateEventDetail,
      io: 'output',
      description:
        'The `detail` of `Problem Candidate Found`, `Problem Candidate Accepted` and `Problem Candidate Dismissed`, `source` `open-itsm`: recurring incidents were recorded as a problem candidate (GET /problem-candidates/{id}), then accepted (`candidate.problem` names the problem opened) or dismissed. Each published once, after the commit; delivery is at least once: dedupe on `eventId`. No free text: neither the category, the dedup key nor the reason of a dismissal.',
    },
    {
      file: 'docs/schemas/problem-event-detail.schema.json',
      schema: problemEventDetail,
      io: 'output',
      description: [
        `The \`detail\` of the problem events the product puts on its event bus, \`source\` \`open-itsm\`: ${PROBLEM_EVENT_TYPES.map((type) => `\`${type}\``).join(', ')}. Every committed write of a problem publishes exactly one event, after the commit (transactional outbox). Delivery is at least once: dedupe on \`eventId\`, and order one problem's events by \`problem.version\`.`,
        'No free text: no title, and free-text fields (description, root cause, workaround, fix text, notes) are named in `changes` without `from` and `to`; read the text through the API (docs/events.md, "No free text").',
      ].join('\n\n'),
    },
  ],
});
