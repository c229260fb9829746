/**
 * The approvals' part of the requests area's API description (./api.ts spreads it in): votes on a
 * request's approval stages, the stages with who was asked and who answered, and /request-config.
 * Loaded by the OpenAPI build only.
 */
import * as z from 'zod';
import { requestApprovalsSchema, requestStageSchema, requestVoteBody, requestVoteRecordedSchema } from './schemas/approval.ts';
import {
  MAX_APPROVAL_TIMEOUT_SECONDS,
  MAX_REMINDERS,
  MIN_APPROVAL_TIMEOUT_SECONDS,
  putRequestConfigBody,
  REQUEST_CONFIG_DEFAULTS,
  requestConfigSchema,
} from './schemas/config.ts';

const TAG = 'Service requests';
const pathParameters = {
  id: { schema: z.string().min(1), description: 'The id (a ULID) or the number (REQ0000001) of the request; anything else is 404' },
};
const defaults = `\`approvalTimeoutSeconds\` ${REQUEST_CONFIG_DEFAULTS.approvalTimeoutSeconds}, \`reminders\` ${REQUEST_CONFIG_DEFAULTS.reminders}, \`emailDefaultItem\` \`${REQUEST_CONFIG_DEFAULTS.emailDefaultItem}\``;

export const approvalRequestSchemas = {
  RequestApprovalVote: requestVoteBody,
  PutRequestConfig: putRequestConfigBody,
} as const;

export const approvalResponseSchemas = {
  RequestApprovalStage: requestStageSchema,
  RequestApprovals: requestApprovalsSchema,
  RequestApprovalVoteRecorded: requestVoteRecordedSchema,
  RequestConfig: requestConfigSchema,
} as const;

export const approvalOperations = {
  'POST /requests/{id}/approvals': {
    operationId: 'voteOnRequest',
    summary: 'Approve or reject the stage a service request waits on',
    tag: TAG,
    audience: 'requester',
    description: [
      "A vote on the request's current approval stage, while the request is `awaiting_approval`. **Who may vote:** the approvers the stage asked (`approvers` in GET /requests/{id}/approvals): the requester's manager for a `manager` stage, the members of the group when the stage was asked for a `group` stage; any role may be an approver. Nobody approves their own request (403), nor may anyone else who was not asked (403; someone who may not even see the request gets 404).",
      "Each person votes once per stage (409 `already-voted`). A rejection needs a `comment` (the requester needs to know why) and rejects the stage and the request at once (`rejected`, `rejection.by`); approvals reaching the stage's `quorum` (1 for a manager stage) approve it, and the fulfilment workflow asks the next stage, or, after the last, creates the fulfilment tasks (`in_fulfilment`) a moment later. A decided stage, or a request that is not awaiting approval (canceled, rejected, expired), takes no vote (409 `not-awaiting-approval`).",
      'The vote, the stage and the request (its `stages` tally, a new version) commit in one transaction, with a history record, Request Vote Recorded (and Request Rejected) to the requester; the vote that decides the stage answers the workflow waiting on it.',
    ].join('\n\n'),
    body: { schema: 'RequestApprovalVote' },
    idempotencyKey: true,
    responses: {
      201: { description: 'Counted: the vote, and the stage with its tally after it', schema: 'RequestApprovalVoteRecorded', headers: ['Idempotent-Replayed'] },
    },
    errorTypes: ['forbidden', 'not-found', 'not-awaiting-approval', 'already-voted'],
    notes: { 400: '`reject` without a `comment` is a `validation-error` on `comment`.' },
    pathParameters,
  },
  'GET /requests/{id}/approvals': {
    operationId: 'listRequestApprovals',
    summary: "List a service request's approval stages",
    tag: TAG,
    audience: 'requester',
    description:
      'Every approval stage of the request, in order: its kind (manager or group) and quorum, its status (`waiting` until asked), who was asked and who is still awaited, the tally, reminders sent, and each response with its comment, oldest first. A request whose item needs no approval has none. The requester, the approvers asked and agents see it; anyone else gets 404.',
    responses: { 200: { description: 'The approval stages of the request', schema: 'RequestApprovals' } },
    errorTypes: ['not-found'],
    pathParameters,
  },
  'GET /request-config': {
    operationId: 'getRequestConfig',
    summary: 'Get the request configuration',
    tag: TAG,
    audience: 'agent',
    description: [
      'How long each approval stage waits for its approvers before a reminder, how many reminders before the stage expires (and the request is rejected as expired), and the catalog item a mail to the service desk orders.',
      `Until an admin changes it, the defaults with version 0: ${defaults}.`,
    ].join('\n\n'),
    responses: { 200: { description: 'The request configuration in force', schema: 'RequestConfig', headers: ['ETag'] } },
    errorTypes: ['forbidden'],
  },
  'PUT /request-config': {
    operationId: 'replaceRequestConfig',
    summary: 'Replace the request configuration',
    tag: TAG,
    audience: 'admin',
    description: [
      'Replaces every field. Needs the current version in If-Match (`"0"` before the first change). A replacement equal to the current configuration changes nothing (200, same version); the change is recorded in the settings history.',
      `\`approvalTimeoutSeconds\` ${MIN_APPROVAL_TIMEOUT_SECONDS} to ${MAX_APPROVAL_TIMEOUT_SECONDS}; \`reminders\` 0 to ${MAX_REMINDERS}; \`emailDefaultItem\` an existing catalog item (checked in the same transaction as the write: 400 naming the field).`,
      "Applies to requests submitted afterwards: a running approval keeps the timing of its submission. The workflow's Settings state may override the timing for every request (statemachines/README.md).",
    ].join('\n\n'),
    body: { schema: 'PutRequestConfig' },
    ifMatch: 'required',
    responses: { 200: { description: 'The request configuration now in force', schema: 'RequestConfig', headers: ['ETag'] } },
    errorTypes: ['forbidden'],
  },
} as const;
