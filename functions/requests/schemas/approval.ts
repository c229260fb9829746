import * as z from 'zod';
import { isoTimestamp } from '../../shared/schemas/common.ts';
import { DECISIONS } from '../domain/approval.ts';
import { REQUEST_STATUSES, STAGE_STATUSES } from '../domain/request.ts';

/* The body and answers of POST and GET /requests/{id}/approvals: a vote on a stage, and every stage with who was asked and who answered. */

export const requestVoteBody = z
  .strictObject({
    decision: z.enum(DECISIONS),
    comment: z.string().trim().min(1).max(4000).optional().describe('Required to reject: the requester needs to know why'),
  })
  .meta({ id: 'RequestApprovalVote' });

const response = z.object({
  userId: z.string(),
  decision: z.enum(DECISIONS),
  comment: z.string().optional(),
  at: isoTimestamp,
});

export const requestStageSchema = z
  .object({
    index: z.number().int().describe('0 for the first stage; stages are asked in order'),
    kind: z.enum(['manager', 'group']).describe("`manager`: the requester's manager; `group`: members of `group`"),
    group: z.string().optional(),
    quorum: z.number().int().describe('Approvals needed (1 for a manager stage); any rejection rejects'),
    status: z.enum(STAGE_STATUSES).describe('`waiting`: not asked yet; `pending`: asked, waiting for votes; `withdrawn`: the request was canceled'),
    approvers: z
      .array(z.string())
      .optional()
      .describe(
        'Who was asked (set when the stage is asked): the manager, or the members of the group at that moment, never the requester. Before it is asked, a manager stage names the manager found at submission',
      ),
    awaiting: z.array(z.string()).describe('Approvers of a pending stage who have not answered; empty otherwise'),
    approvals: z.number().int(),
    rejections: z.number().int(),
    remindersSent: z.number().int().describe('Reminders sent to those who had not answered'),
    askedAt: isoTimestamp.optional(),
    decidedAt: isoTimestamp.optional(),
    responses: z.array(response).describe('Each vote with its comment, oldest first'),
  })
  .meta({ id: 'RequestApprovalStage' });

export const requestApprovalsSchema = z
  .object({
    requestId: z.string(),
    number: z.string(),
    status: z.enum(REQUEST_STATUSES),
    currentStage: z.number().int().optional().describe('The stage being decided (or the last one decided)'),
    stages: z.array(requestStageSchema),
  })
  .meta({ id: 'RequestApprovals' });

export const requestVoteRecordedSchema = response
  .extend({
    requestId: z.string(),
    stage: requestStageSchema.describe('The stage with its tally after the vote'),
  })
  .meta({ id: 'RequestApprovalVoteRecorded' });
