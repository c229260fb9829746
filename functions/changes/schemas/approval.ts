import * as z from 'zod';
import { BOARDS, DECISIONS, ROUND_STATUSES } from '../domain/approval.ts';
import { IMPLEMENTATION_OUTCOMES } from '../domain/lifecycle.ts';

/* The bodies and answers of submission, votes, implementation and review (the workflow side of a change). */

export const submitChangeBody = z
  .strictObject({
    blackoutOverride: z
      .strictObject({ reason: z.string().trim().min(1).max(2000).describe('Why this change may go ahead during the freeze') })
      .optional()
      .describe('Admins only: lets a change that is not an emergency go ahead inside a blackout window; recorded on the change'),
  })
  .meta({ id: 'SubmitChange' });

export const startOverrideBody = z
  .strictObject({ reason: z.string().trim().min(1).max(2000).describe('Why the change may start despite the freeze; kept on the change, never published') })
  .meta({ id: 'StartOverride' });

export const approvalVoteBody = z
  .strictObject({
    decision: z.enum(DECISIONS),
    comment: z.string().trim().min(1).max(4000).optional().describe('Required to reject: the requester needs to know why'),
  })
  .meta({ id: 'ApprovalVote' });

export const implementationBody = z
  .strictObject({
    outcome: z.enum(IMPLEMENTATION_OUTCOMES),
    notes: z.string().trim().min(1).max(8000).describe('What was done, and for anything but success, what went wrong'),
  })
  .meta({ id: 'ChangeImplementation' });

export const reviewBody = z
  .strictObject({ summary: z.string().trim().min(1).max(8000).describe('Findings of the post-implementation review') })
  .meta({ id: 'ChangeReview' });

export const approvalRoundSchema = z
  .object({
    round: z.number().int().describe('The submission this round decides (1 for the first)'),
    board: z.enum(BOARDS),
    groups: z.array(z.string()).describe('The groups whose members are the board'),
    quorum: z.number().int().describe('Approvals needed; any rejection rejects'),
    status: z.enum(ROUND_STATUSES),
    asked: z.array(z.string()).describe("Who is asked: the board's members when the workflow asked (at submission, who will be); the requester never is"),
    approvals: z.number().int(),
    rejections: z.number().int(),
    attempt: z
      .number()
      .int()
      .describe(
        '0 while the round is only on record (submission wrote it, and it already takes votes; the workflow asks the board right after, moving the change to `authorize`); then 1, plus one per reminder or escalation (each hands the board a new task token)',
      ),
    remindersSent: z.number().int(),
    escalated: z.boolean().describe('The change managers were told, and may vote from then on'),
    requestedAt: z.string(),
    decidedAt: z.string().optional(),
    executionArn: z.string(),
    changeId: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'ApprovalRound' });

export const voteResponseSchema = z
  .object({
    changeId: z.string(),
    round: z.number().int(),
    userId: z.string(),
    decision: z.enum(DECISIONS),
    comment: z.string().optional(),
    at: z.string(),
    approval: approvalRoundSchema,
  })
  .meta({ id: 'ApprovalVoteRecorded' });

export const changeApprovalsSchema = z
  .object({
    changeId: z.string(),
    number: z.string(),
    status: z.string(),
    rounds: z.array(
      approvalRoundSchema.extend({
        responses: z.array(z.object({ userId: z.string(), decision: z.enum(DECISIONS), comment: z.string().optional(), at: z.string() })),
      }),
    ),
  })
  .meta({ id: 'ChangeApprovals' });
