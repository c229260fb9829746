/**
 * The change requests area's API description: its tags, one operation per route of ./area.ts
 * (what the handlers read and answer, read off functions/changes/handlers) and the components
 * they name. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import * as z from 'zod';
import { directoryListQuery } from '../directory/schemas/directory.ts';
import { defineApi, firstPageNote, PAGE_NOTE } from '../shared/api/operation.ts';
import { countableFilterSets } from '../shared/domain/queue-counts.ts';
import { countedListEnvelope, listEnvelope } from '../shared/schemas/common.ts';
import { CHANGE_COUNTS } from './counts.ts';
import { DEFAULT_CHANGE_CONFIG } from './defaults.ts';
import { MAX_CHANGE_WINDOW_DAYS } from './domain/change.ts';
import { CHANGE_TRANSITIONS, EDITABLE_CHANGE_STATUSES } from './domain/lifecycle.ts';
import {
  approvalRoundSchema,
  approvalVoteBody,
  changeApprovalsSchema,
  implementationBody,
  reviewBody,
  startOverrideBody,
  submitChangeBody,
  voteResponseSchema,
} from './schemas/approval.ts';
import {
  addChangeNoteBody,
  calendarBlackoutSchema,
  cancelChangeBody,
  changeCalendarQuery,
  changeCalendarSchema,
  changeConflictSchema,
  changeHistoryRecordSchema,
  changeNoteSchema,
  changePageQuery,
  changeSchema,
  changeSummarySchema,
  createChangeBody,
  dependentConfigurationItemSchema,
  listChangesQuery,
  MAX_CALENDAR_DAYS,
  updateChangeBody,
} from './schemas/change.ts';
import {
  blackoutListQuery,
  blackoutWindowSchema,
  changeConfigSchema,
  changeTemplateSchema,
  createBlackoutWindowBody,
  createChangeTemplateBody,
  MAX_APPROVAL_TIMEOUT_SECONDS,
  MAX_BLACKOUT_DAYS,
  MAX_CAB_QUORUM,
  MAX_REMINDERS,
  MIN_APPROVAL_TIMEOUT_SECONDS,
  putChangeConfigBody,
  replaceBlackoutWindowBody,
  replaceChangeTemplateBody,
  riskRulesSchema,
} from './schemas/config.ts';
import { changeEventDetail } from './schemas/events.ts';

const changeLifecycle = Object.entries(CHANGE_TRANSITIONS)
  .map(([from, to]) => `- \`${from}\` -> ${to.length === 0 ? 'final' : to.map((s) => `\`${s}\``).join(', ')}`)
  .join('\n');

const changeTypes =
  'Three types: `standard`, a routine change raised from a pre-authorized template (GET /change-templates) and scheduled without anyone being asked; `normal`, assessed and approved by the group owning its services (low risk) or the change advisory board (medium or high risk); `emergency`, approved by the emergency board, allowed inside blackout windows, and always reviewed after implementation.';

const riskLevels = (() => {
  const { medium, high } = DEFAULT_CHANGE_CONFIG.riskRules.levels;
  return `\`low\`, \`medium\` from \`levels.medium\` points, \`high\` from \`levels.high\`; by default ${medium} and ${high}`;
})();

const changeConfigDefaults = [
  `the boards \`${DEFAULT_CHANGE_CONFIG.cabGroup}\` (CAB), \`${DEFAULT_CHANGE_CONFIG.emergencyGroup}\` (emergency CAB) and \`${DEFAULT_CHANGE_CONFIG.changeManagersGroup}\` (change managers), created as empty groups at the first deployment (add their members with PUT /groups/{name});`,
  `a CAB quorum of ${DEFAULT_CHANGE_CONFIG.cabQuorum}; approvals waiting ${DEFAULT_CHANGE_CONFIG.approvalTimeoutSeconds} seconds at a time, with ${DEFAULT_CHANGE_CONFIG.reminders} reminders before the change managers are told;`,
  "and the default risk rules. Admins change them like any other setting; the approval workflow's own settings (statemachines/README.md) may override the quorum and the timing per deployment.",
].join(' ');

export default defineApi({
  tags: {
    Changes:
      'Change requests (agents only): raised as drafts, assessed for risk and conflicts on submission, approved by the right board through the approval workflow, scheduled, implemented and reviewed; with their notes, audit trail, approvals and the change calendar',
    'Change configuration':
      'How changes are approved and planned: the change configuration (boards, quorum, approval timing, risk rules), the templates standard changes are raised from, and blackout windows (agents read, admins change)',
  },
  sharedSchemas: {
    RiskRules: riskRulesSchema,
  },
  requestSchemas: {
    CreateChange: createChangeBody,
    UpdateChange: updateChangeBody,
    SubmitChange: submitChangeBody,
    CancelChange: cancelChangeBody,
    ApprovalVote: approvalVoteBody,
    ChangeImplementation: implementationBody,
    ChangeReview: reviewBody,
    StartOverride: startOverrideBody,
    AddChangeNote: addChangeNoteBody,
    CreateChangeTemplate: createChangeTemplateBody,
    ReplaceChangeTemplate: replaceChangeTemplateBody,
    CreateBlackoutWindow: createBlackoutWindowBody,
    ReplaceBlackoutWindow: replaceBlackoutWindowBody,
    PutChangeConfig: putChangeConfigBody,
  },
  responseSchemas: {
    Change: changeSchema,
    ChangePage: countedListEnvelope(changeSchema),
    ChangeConflict: changeConflictSchema,
    DependentConfigurationItem: dependentConfigurationItemSchema,
    ChangeSummary: changeSummarySchema,
    CalendarBlackout: calendarBlackoutSchema,
    ChangeCalendar: changeCalendarSchema,
    ChangeNote: changeNoteSchema,
    ChangeNotePage: listEnvelope(changeNoteSchema),
    ChangeHistoryRecord: changeHistoryRecordSchema,
    ChangeHistoryPage: listEnvelope(changeHistoryRecordSchema),
    ApprovalRound: approvalRoundSchema,
    ApprovalVoteRecorded: voteResponseSchema,
    ChangeApprovals: changeApprovalsSchema,
    ChangeTemplate: changeTemplateSchema,
    ChangeTemplatePage: listEnvelope(changeTemplateSchema),
    BlackoutWindow: blackoutWindowSchema,
    BlackoutWindowPage: listEnvelope(blackoutWindowSchema),
    ChangeConfig: changeConfigSchema,
  },
  errorMembers: {
    changeStatus: z.string().optional().describe('not-editable: the status the change is in'),
    editableStatuses: z.array(z.string()).optional().describe('not-editable: the statuses in which a change can be edited'),
    blackouts: z.array(changeConflictSchema).optional().describe('blackout-conflict: the blackout windows the change window overlaps'),
    etag: z.string().optional().describe('workflow-not-started: the ETag of the submitted change, to submit it again with'),
  },
  pathParameters: {
    id: {
      schema: z.string().min(1),
      description: 'The id (a ULID) or the number (CHG0001001) of the change request; anything else is 404',
    },
  },
  publishedEvents: [
    {
      schema: changeEventDetail,
      record: 'change',
      attributes: 'a change request has no priority (`-`), and its service attribute is its first service.',
    },
  ],
  operations: {
    'POST /changes': {
      operationId: 'createChange',
      summary: 'Raise a change request',
      tag: 'Changes',
      audience: 'agent',
      description: [
        `A change starts as a \`draft\` (version 1) numbered CHG0001001 onwards. Nothing is assessed, approved or scheduled until it is submitted (POST /changes/{id}/submit); until then (and while it is \`assess\`) its plan can be edited. ${changeTypes}`,
        'A `normal` or `emergency` change needs a `title` and names no `template`. It may be drafted without plans, but needs `implementationPlan` and `backoutPlan` to be submitted.',
        "A `standard` change names an active `template` (400 on `template` when it does not exist or is retired) and takes from it its description, services, configuration items, implementation, backout and test plans and outage flag: sending any of these is refused (400 naming each field), since they are what was pre-authorized. It takes the template's title and assignment group too, unless the request gives its own.",
        `\`plannedEnd\` must come after \`plannedStart\`, at most ${MAX_CHANGE_WINDOW_DAYS} days later; instants are stored in UTC. \`services\` and \`assignmentGroup\` must exist (checked in the same transaction as the write: 400 naming the field, or \`template\` when the template names a service or group that is gone).`,
      ].join('\n\n'),
      body: { schema: 'CreateChange' },
      idempotencyKey: true,
      responses: { 201: { description: 'Raised, as a draft', schema: 'Change', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden'],
    },
    'GET /changes': {
      operationId: 'listChanges',
      summary: 'List change requests',
      tag: 'Changes',
      audience: 'agent',
      description: [
        'Newest first (by number). With `plannedFrom` and/or `plannedTo`: the changes whose planned window overlaps [plannedFrom, plannedTo), by planned start, earliest first. Different filters combine with AND; the values of one filter with OR: `status=assess,authorize` (or `status=assess&status=authorize`), at most 10 values per filter. Each list is read from an index, one key Query per value, all in flight together and merged, never a scan; a change affecting several of the services asked for is listed once.',
        'For what is planned around a date, with the blackout windows, GET /changes/calendar answers in one call.',
        `\`count=true\` adds \`total\`, read from counters beside the page's Queries (no scan, no extra round trip; counters follow writes within about a second). Counted: ${countableFilterSets(CHANGE_COUNTS)}; each filter with any of its values but \`service\` (one service: a change affecting several is counted under each), no planned window.`,
        PAGE_NOTE,
        firstPageNote('`status` with one value, and of every change request'),
      ].join('\n\n'),
      query: listChangesQuery,
      queryDescriptions: {
        status: 'Only changes in one of these statuses (comma-separated)',
        type: 'Only changes of one of these types (comma-separated)',
        assignmentGroup: 'Only changes assigned to one of these groups (comma-separated)',
      },
      responses: { 200: { description: 'One page of change requests', schema: 'ChangePage' } },
      errorTypes: ['forbidden'],
      notes: {
        400: '`plannedTo` not after `plannedFrom` is a `validation-error` on `plannedTo`; `count=true` with filters no counter is kept for is a `validation-error` on `count` listing what can be counted.',
      },
    },
    'GET /changes/calendar': {
      operationId: 'getChangeCalendar',
      summary: 'Get the change calendar',
      tag: 'Changes',
      audience: 'agent',
      description: [
        `What is planned in [from, to), at most ${MAX_CALENDAR_DAYS} days: the change requests whose planned window overlaps it, past \`draft\` and neither rejected nor canceled, by planned start (each as a summary; GET /changes/{id} has the rest), and the blackout windows overlapping it, by start. \`from\` and \`to\` are answered in UTC.`,
        'Not paginated: the range bounds the answer. For a longer period, ask range by range.',
      ].join('\n\n'),
      query: changeCalendarQuery,
      responses: { 200: { description: 'The changes and blackout windows of the range', schema: 'ChangeCalendar' } },
      errorTypes: ['forbidden'],
      notes: { 400: `\`to\` not after \`from\`, or more than ${MAX_CALENDAR_DAYS} days after it, is a \`validation-error\` on \`to\`.` },
    },
    'GET /changes/{id}': {
      operationId: 'getChange',
      summary: 'Get a change request',
      tag: 'Changes',
      audience: 'agent',
      description: [
        'By id or by number. Send the ETag back in If-Match to edit, submit or cancel the change, or to record its implementation and review.',
        `Status moves:\n\n${changeLifecycle}`,
        'The API makes the moves out of `draft` (submit), to `canceled` (cancel), to `review` and `closed` (implementation, review). The approval workflow makes the others: `assess` -> `authorize` when it asks the approvers (a standard change goes straight to `scheduled`), `scheduled` when they approve, `rejected` when they reject or never answer, and `implement` at the planned start. `workflow.state` says where the workflow is.',
      ].join('\n\n'),
      responses: { 200: { description: 'The change request', schema: 'Change', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'PATCH /changes/{id}': {
      operationId: 'updateChange',
      summary: 'Edit a change request',
      tag: 'Changes',
      audience: 'agent',
      description: [
        `A merge patch of the plan: absent fields stay, \`null\` clears an optional field. Needs the current version in If-Match. Only a change in ${EDITABLE_CHANGE_STATUSES.map((s) => `\`${s}\``).join(' or ')} can be edited (409 \`not-editable\`, with \`changeStatus\` and \`editableStatuses\`): past assessment the plan is what was authorized. The type and the status change through their own operations, never here.`,
        'Editing a change in `assess` sends it back to `draft`: its `risk`, `conflicts` and `blackoutOverride` are removed, its approval round is `withdrawn` and its approval workflow is stopped, in the same request. A CAB approves the plan it assessed, so the edited plan is submitted again (POST /changes/{id}/submit), which assesses it again (risk, conflicts, blackout windows) and opens a new round.',
        `The window and the references are checked as on creation (\`plannedEnd\` after \`plannedStart\`, at most ${MAX_CHANGE_WINDOW_DAYS} days; the services and the group it adds must exist). Submitting it again needs a normal or emergency change's \`implementationPlan\` and \`backoutPlan\`.`,
        'A patch that restates the current values changes nothing: 200 with the same version.',
      ].join('\n\n'),
      body: { schema: 'UpdateChange', mediaTypes: ['application/json', 'application/merge-patch+json'] },
      ifMatch: 'required',
      responses: { 200: { description: 'The change request as it is now', schema: 'Change', headers: ['ETag', 'Location'] } },
      errorTypes: ['empty-patch', 'forbidden', 'not-found', 'not-editable'],
    },
    'POST /changes/{id}/submit': {
      operationId: 'submitChange',
      summary: 'Submit a change request for approval',
      tag: 'Changes',
      audience: 'agent',
      description: [
        'Hands a `draft` to assessment and approval. Needs the current version in If-Match (which also makes a retry safe: this POST takes no Idempotency-Key). The body is optional: only an admin overriding a blackout window sends one.',
        `**Assessment**, in one write: the change moves to \`assess\` with its \`risk\` and \`conflicts\`. The risk is computed, never typed in, by the risk rules of GET /change-config: points for the most critical affected service, more services, many configuration items, an outage, an emergency, scheduling conflicts, and the failure rate of past changes on the same services; \`risk.reasons\` names each rule that added points, with its points, and the score decides the level (${riskLevels}). The conflicts are the scheduled or implementing changes whose window overlaps this one's and that share a service or configuration item, and the blackout windows that apply to it.`,
        '**Blackout windows.** A change whose planned window overlaps a blackout window that applies to it (one naming any of its services, or one naming no service) is refused with 409 `blackout-conflict` (`blackouts` lists them) and nothing is written, unless it is an `emergency`, or an admin submits it with `blackoutOverride` and a reason, which is recorded on the change. Overlapping changes do not block a submission: they are recorded and add to the risk.',
        `**Approval.** The approval workflow then starts, with the change configuration of this moment. A \`standard\` change is pre-approved: it is scheduled without anyone being asked. A \`normal\` change of low risk waits for one approval from the group that owns its services (failing that, its assignment group, then the CAB); of medium or high risk, for \`cabQuorum\` approvals from the CAB. An \`emergency\` change waits for one approval from the emergency CAB, and always owes a post-implementation review. The approval round is recorded with the submission: GET /changes/{id}/approvals lists it as soon as this answers (\`attempt\` 0, \`asked\`: who will be asked); it takes votes at once (POST /changes/{id}/approvals). The workflow asks the board right after and the change shows \`authorize\` while the board decides; votes cast before count, and a round they already decided is settled then. When nobody decides within \`approvalTimeoutSeconds\`, the approvers who have not voted are reminded, \`reminders\` times, then the change managers are told and may vote too, then the change expires (\`rejected\`). Approved, it is \`scheduled\`; at its planned start the blackout windows are read again, and it moves to \`implement\` and its implementers are told, unless a freeze declared since holds it (\`startBlocked\`; see POST /changes/{id}/start-override).`,
        'A normal or emergency change without `implementationPlan` or `backoutPlan` cannot be submitted (400 `validation-error` naming the field; add it with PATCH first). A change whose `configurationItems` hold values that are not CI ids (free text kept from before the CMDB, or a CI deleted since) cannot be submitted either (409 `configuration-items-not-in-cmdb`, `configurationItems` listing each `{index, value}`; replace them with PATCH first). A change past `draft` cannot be submitted again (409 `invalid-transition`).',
      ].join('\n\n'),
      body: { schema: 'SubmitChange', optional: true },
      ifMatch: 'required',
      responses: {
        200: {
          description: 'Submitted: the change in `assess`, with its risk and conflicts (the workflow moves it on right after)',
          schema: 'Change',
          headers: ['ETag', 'Location'],
        },
      },
      errorTypes: ['forbidden', 'not-found', 'invalid-transition', 'configuration-items-not-in-cmdb', 'blackout-conflict', 'workflow-not-started'],
      notes: {
        403: 'Requesters; and agents who send `blackoutOverride`, which only admins may.',
        409: 'A change that is not a `draft` (`invalid-transition`), except one in `assess` after a 503, whose workflow this starts (200); or a window inside a blackout window.',
        503: 'The change was submitted (it is `assess`, with a new version: `etag` in the problem), but its approval workflow did not start. Submit it again with that ETag: the retry starts the workflow, without assessing the change again, and answers 200.',
      },
    },
    'POST /changes/{id}/cancel': {
      operationId: 'cancelChange',
      summary: 'Cancel a change request',
      tag: 'Changes',
      audience: 'agent',
      description: [
        'Withdraws a change that has not started: `draft`, `assess`, `authorize` or `scheduled`. Once implementation has started there is no way out but through review (409 `invalid-transition`): work done on production has to be accounted for.',
        'Needs the current version in If-Match (which also makes a retry safe: this POST takes no Idempotency-Key) and a `reason`, kept as `cancelReason`. The approval workflow is stopped and the round takes no more votes; whoever raised the change (unless they cancel it themselves) and its assignment group are told.',
      ].join('\n\n'),
      body: { schema: 'CancelChange' },
      ifMatch: 'required',
      responses: { 200: { description: 'Canceled', schema: 'Change', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
    },
    'POST /changes/{id}/start-override': {
      operationId: 'overrideChangeStart',
      summary: 'Let a change start despite a freeze',
      tag: 'Changes',
      audience: 'admin',
      description: [
        "At a scheduled change's planned start the approval workflow reads the blackout windows again. One declared after the change was assessed that applies to it (and that an admin did not let through at submission) holds the start: the change stays `scheduled` with `startBlocked` (`at`, and the `blackouts`), its history records it, and `Change Start Blocked` tells whoever raised it, its group and the change managers. An emergency change is never held.",
        'A held change starts when the freeze no longer covers its window (deleted or moved: the workflow checks again every `blockedRecheckSeconds`, an hour by default, and removes `startBlocked`), or when an admin calls this operation with a `reason`: the override is recorded on the change (`startOverride`: who, when, why; `Change Start Overridden`) and the change moves to `implement` at once. To move the change instead, cancel it and raise it again. Needs the current version in If-Match.',
      ].join('\n\n'),
      body: { schema: 'StartOverride' },
      ifMatch: 'required',
      responses: {
        200: {
          description: 'The override is recorded; the change is still `scheduled`, and moves to `implement` right after',
          schema: 'Change',
          headers: ['ETag', 'Location'],
        },
      },
      errorTypes: ['forbidden', 'not-found', 'not-blocked'],
      notes: { 403: 'Anyone but an admin.' },
    },
    'POST /changes/{id}/approvals': {
      operationId: 'voteOnChange',
      summary: 'Approve or reject a change request',
      tag: 'Changes',
      audience: 'agent',
      description: [
        "A vote on the change's current approval round, from the moment the change is submitted (`assess`: the round is recorded with the submission) while it waits for approval (`authorize`). **Who may vote:** the members of the round's board (`groups` in GET /changes/{id}/approvals: the group owning the services, the CAB or the emergency CAB), except whoever raised the change: nobody approves their own change. Once the round is escalated (`escalated: true`, after the reminders went unanswered), the members of the change managers group (GET /change-config) may vote too. Anyone else gets 403.",
        "Each person votes once per round (409 `already-voted`). A rejection needs a `comment` (the requester needs to know why) and rejects the round at once; approvals reaching the round's `quorum` approve it. The vote that decides the round resumes the approval workflow: the change becomes `scheduled`, or `rejected` with the rejection recorded, a moment later (the answer's `approval.status` says which; read the change again for its status and ETag). A decided round, or a change that is not waiting for approval, takes no vote (409 `not-awaiting-approval`).",
        "A vote does not change the version of the change (its ETag stays); it is recorded in the change's history, and the requester is told.",
      ].join('\n\n'),
      body: { schema: 'ApprovalVote' },
      idempotencyKey: true,
      responses: {
        201: { description: 'Counted: the vote, and the round with its tally after it', schema: 'ApprovalVoteRecorded', headers: ['Idempotent-Replayed'] },
      },
      errorTypes: ['forbidden', 'not-found', 'not-awaiting-approval', 'already-voted'],
      notes: { 400: '`reject` without a `comment` is a `validation-error` on `comment`.' },
    },
    'GET /changes/{id}/approvals': {
      operationId: 'listChangeApprovals',
      summary: "List a change request's approvals",
      tag: 'Changes',
      audience: 'agent',
      description:
        "Every approval round of the change, in order (one per submission): the board, its groups and quorum, who was asked (the board's members when the round opened, without the requester), the tally, reminders and escalation, the outcome, and each response with its comment, oldest first. A draft has none, nor has a standard change: it is pre-approved.",
      responses: { 200: { description: 'The approval rounds of the change', schema: 'ChangeApprovals' } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'POST /changes/{id}/implementation': {
      operationId: 'recordChangeImplementation',
      summary: "Record a change request's implementation",
      tag: 'Changes',
      audience: 'agent',
      description: [
        'How the implementation went (`successful`, `failed` or `backed_out`) with notes, once the approval workflow has moved the change to `implement` (at its planned start). Needs the current version in If-Match (which also makes a retry safe: this POST takes no Idempotency-Key).',
        "A successful change that owes no review closes at once (`closed`). An emergency change, and any change that failed or was backed out, goes to `review` (`reviewRequired: true`) and waits for its post-implementation review (POST /changes/{id}/review). The outcome counts in the failure history of the change's services, which the risk rules read when their next change is submitted.",
      ].join('\n\n'),
      body: { schema: 'ChangeImplementation' },
      ifMatch: 'required',
      responses: { 200: { description: 'The change in `review`, or `closed`', schema: 'Change', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
      notes: { 409: 'The change is not `implement`.' },
    },
    'POST /changes/{id}/review': {
      operationId: 'recordChangeReview',
      summary: "Record a change request's review",
      tag: 'Changes',
      audience: 'agent',
      description:
        'Records the post-implementation review (`summary`) of a change in `review` and closes it (`closed`, with `closedAt`). Needs the current version in If-Match (which also makes a retry safe: this POST takes no Idempotency-Key).',
      body: { schema: 'ChangeReview' },
      ifMatch: 'required',
      responses: { 200: { description: 'The change, closed', schema: 'Change', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
      notes: { 409: 'The change is not `review`.' },
    },
    'POST /changes/{id}/notes': {
      operationId: 'addChangeNote',
      summary: 'Add a note to a change request',
      tag: 'Changes',
      audience: 'agent',
      description:
        "A work note. Changes are agents' work, so every note is internal; there are no public notes. The note is recorded in the change's history and its assignment group is told; the change itself and its ETag stay as they are.",
      body: { schema: 'AddChangeNote' },
      idempotencyKey: true,
      responses: { 201: { description: 'Added', schema: 'ChangeNote', headers: ['Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /changes/{id}/notes': {
      operationId: 'listChangeNotes',
      summary: "List a change request's notes",
      tag: 'Changes',
      audience: 'agent',
      description: `Oldest first, like a conversation. ${PAGE_NOTE}`,
      query: changePageQuery,
      responses: { 200: { description: 'One page of notes', schema: 'ChangeNotePage' } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /changes/{id}/history': {
      operationId: 'getChangeHistory',
      summary: "Get a change request's audit trail",
      tag: 'Changes',
      audience: 'agent',
      description: `Oldest first: one record per write, by agents and by the approval workflow, with the fields it changed, written in the same transaction as the write; records are never updated or deleted. Votes, reminders and escalations are recorded as \`approval.*\` fields (the change's version stays), notes as \`note_added\` without their text. ${PAGE_NOTE}`,
      query: changePageQuery,
      responses: { 200: { description: 'One page of history records', schema: 'ChangeHistoryPage' } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /change-templates': {
      operationId: 'listChangeTemplates',
      summary: 'List change templates',
      tag: 'Change configuration',
      audience: 'agent',
      description: `Sorted by name, retired ones (\`active: false\`) included. ${PAGE_NOTE}`,
      query: directoryListQuery,
      responses: { 200: { description: 'One page of change templates', schema: 'ChangeTemplatePage' } },
      errorTypes: ['forbidden'],
    },
    'POST /change-templates': {
      operationId: 'createChangeTemplate',
      summary: 'Create a change template',
      tag: 'Change configuration',
      audience: 'admin',
      description: [
        'A pre-authorized change: a proven procedure for a routine change on named services. A template is an authorization given in advance, so only admins write it. Standard changes raised from it (POST /changes with `type: standard` and `template`) copy its title, description, services, configuration items, plans, outage flag and assignment group, and are scheduled on submission without anyone being asked.',
        '`services` (at least one) and `assignmentGroup` must exist (checked in the same transaction as the write: 400 naming the field). `configurationItems` defaults to none, `outageRequired` to false, `active` to true.',
      ].join('\n\n'),
      body: { schema: 'CreateChangeTemplate' },
      idempotencyKey: true,
      responses: { 201: { description: 'Created', schema: 'ChangeTemplate', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'already-exists'],
    },
    'GET /change-templates/{name}': {
      operationId: 'getChangeTemplate',
      summary: 'Get a change template',
      tag: 'Change configuration',
      audience: 'agent',
      description: 'Admins send the ETag back in If-Match to replace or delete the template.',
      responses: { 200: { description: 'The change template', schema: 'ChangeTemplate', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'PUT /change-templates/{name}': {
      operationId: 'replaceChangeTemplate',
      summary: 'Replace a change template',
      tag: 'Change configuration',
      audience: 'admin',
      description: [
        'Replaces every field, with the rules of creation: an absent optional field is removed, absent `configurationItems`, `outageRequired` and `active` take their defaults. Needs the current version in If-Match. A replacement equal to the current template changes nothing (200, same version).',
        'Set `active: false` to retire the template: no standard change can be raised from it any more. Changes raised from it before keep what they copied: editing a template never alters them.',
      ].join('\n\n'),
      body: { schema: 'ReplaceChangeTemplate' },
      ifMatch: 'required',
      responses: { 200: { description: 'The change template as it is now', schema: 'ChangeTemplate', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'DELETE /change-templates/{name}': {
      operationId: 'deleteChangeTemplate',
      summary: 'Delete a change template',
      tag: 'Change configuration',
      audience: 'admin',
      description:
        'Needs the current version in If-Match; the deletion is audited. Changes raised from the template keep what they copied, and its name in `template`. To stop its use but keep it on record, retire it instead (`active: false`).',
      ifMatch: 'required',
      responses: { 204: { description: 'Deleted' } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /blackout-windows': {
      operationId: 'listBlackoutWindows',
      summary: 'List blackout windows',
      tag: 'Change configuration',
      audience: 'agent',
      description: `By end, then name. With \`from\`, only the windows ending after it: pass the current time for the running and upcoming freezes. GET /changes/calendar shows them next to the changes of a range. ${PAGE_NOTE}`,
      query: blackoutListQuery,
      responses: { 200: { description: 'One page of blackout windows', schema: 'BlackoutWindowPage' } },
      errorTypes: ['forbidden'],
    },
    'POST /blackout-windows': {
      operationId: 'createBlackoutWindow',
      summary: 'Create a blackout window',
      tag: 'Change configuration',
      audience: 'admin',
      description: [
        `A change freeze over [start, end): \`end\` exclusive, after \`start\` and at most ${MAX_BLACKOUT_DAYS} days later (400 on \`end\`); both stored in UTC. It applies to the changes touching any of its \`services\` (each must exist: 400 naming it), or, without \`services\`, to every change.`,
        'A change whose planned window overlaps a freeze that applies to it is refused at submission (409 `blackout-conflict` on POST /changes/{id}/submit) unless it is an emergency change, or an admin submits it with `blackoutOverride` and a reason. A change scheduled before the freeze was created does not start inside it: at its planned start it is held (`startBlocked`) until the freeze is lifted or an admin lets it start (POST /changes/{id}/start-override).',
      ].join('\n\n'),
      body: { schema: 'CreateBlackoutWindow' },
      idempotencyKey: true,
      responses: { 201: { description: 'Created', schema: 'BlackoutWindow', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'already-exists'],
    },
    'GET /blackout-windows/{name}': {
      operationId: 'getBlackoutWindow',
      summary: 'Get a blackout window',
      tag: 'Change configuration',
      audience: 'agent',
      description: 'Admins send the ETag back in If-Match to replace or delete the window.',
      responses: { 200: { description: 'The blackout window', schema: 'BlackoutWindow', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'PUT /blackout-windows/{name}': {
      operationId: 'replaceBlackoutWindow',
      summary: 'Replace a blackout window',
      tag: 'Change configuration',
      audience: 'admin',
      description: `Replaces every field, with the rules of creation: an absent optional field is removed (no \`services\`: the freeze applies to every change). Needs the current version in If-Match. A replacement equal to the current window changes nothing (200, same version). Applies to submissions from then on; changes submitted before keep the conflicts found then.`,
      body: { schema: 'ReplaceBlackoutWindow' },
      ifMatch: 'required',
      responses: { 200: { description: 'The blackout window as it is now', schema: 'BlackoutWindow', headers: ['ETag', 'Location'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'DELETE /blackout-windows/{name}': {
      operationId: 'deleteBlackoutWindow',
      summary: 'Delete a blackout window',
      tag: 'Change configuration',
      audience: 'admin',
      description: 'Needs the current version in If-Match; the deletion is audited. Lifts the freeze for submissions from then on.',
      ifMatch: 'required',
      responses: { 204: { description: 'Deleted' } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /change-config': {
      operationId: 'getChangeConfig',
      summary: 'Get the change configuration',
      tag: 'Change configuration',
      audience: 'agent',
      description: [
        "Who approves changes (the boards are directory groups), the CAB's quorum, how long approvals wait and how often approvers are reminded, and the risk rules that score changes at submission. Agents read it: it explains a change's risk and who it went to.",
        `Until an admin changes it, the defaults with version 0: ${changeConfigDefaults}`,
      ].join('\n\n'),
      responses: { 200: { description: 'The change configuration in force', schema: 'ChangeConfig', headers: ['ETag'] } },
      errorTypes: ['forbidden'],
    },
    'PUT /change-config': {
      operationId: 'replaceChangeConfig',
      summary: 'Replace the change configuration',
      tag: 'Change configuration',
      audience: 'admin',
      description: [
        'Replaces every field. Needs the current version in If-Match (`"0"` before the first change). A replacement equal to the current configuration changes nothing (200, same version); the change is recorded in the settings history.',
        `The three boards must be existing groups (checked in the same transaction as the write: 400 naming the field). \`cabQuorum\` 1 to ${MAX_CAB_QUORUM}; \`approvalTimeoutSeconds\` ${MIN_APPROVAL_TIMEOUT_SECONDS} to ${MAX_APPROVAL_TIMEOUT_SECONDS}; \`reminders\` 0 to ${MAX_REMINDERS}. In \`riskRules\`, points, caps and counts are non-negative integers, failure-rate thresholds distinct rates from 0 to 1, and \`levels.medium\` below \`levels.high\` (400 naming each field).`,
        'Applies to changes submitted afterwards: a submitted change keeps the risk it was given and the approval round it was sent to, whose workflow runs with the configuration of its submission.',
      ].join('\n\n'),
      body: { schema: 'PutChangeConfig' },
      ifMatch: 'required',
      responses: { 200: { description: 'The change configuration now in force', schema: 'ChangeConfig', headers: ['ETag'] } },
      errorTypes: ['forbidden'],
    },
  },
});
