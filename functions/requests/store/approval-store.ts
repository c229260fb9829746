import { db, type Item, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { QueryCommand } from '../../shared/store/dynamodb.ts';
import { type TransactionEntry, transactWrite } from '../../shared/store/transaction.ts';
import type { ApprovalStage, StageVote } from '../domain/approval.ts';
import { askedIndexes, askedKey, requestPartition, stageKey, voteKey } from './keys.ts';

/*
 * Approval items, in the request's partition (store/keys.ts):
 *   stage  pk REQUEST#<id> sk STAGE#<nn>              one per stage the workflow asked; holds the task
 *                                                     token its AwaitDecision state waits on (never shown)
 *   vote   pk REQUEST#<id> sk VOTE#<nn>#<userId>      one per person and stage: the key itself makes a
 *                                                     second vote fail
 *   asked  pk REQUEST#<id> sk ASKED#<nn>#<userId>     one per approver who has not answered a pending
 *                                                     stage; gsi4 REQUEST#APPROVER#<userId> is "what
 *                                                     awaits my decision" (GET /requests?awaitingApprovalBy=me)
 * STAGE# and VOTE# sort next to each other in the partition (nothing sorts between them): every
 * stage and vote of a request is one Query, in order.
 */

const STAGE_ORDER = [
  'index',
  'kind',
  'group',
  'quorum',
  'status',
  'approvers',
  'approvals',
  'rejections',
  'attempt',
  'remindersSent',
  'askedAt',
  'decidedAt',
  'executionArn',
  'requestId',
  'version',
];
const VOTE_ORDER = ['userId', 'decision', 'comment', 'at', 'stage', 'requestId'];

/** A stored stage: the task token the workflow waits on travels with it but is never shown. */
export interface StoredStage extends ApprovalStage {
  taskToken?: string;
}

export interface RequestApprovals {
  stages: StoredStage[];
  votes: StageVote[];
}

/** Every stage and vote of the request: one Query (a page per MB), strongly consistent. */
export async function readApprovals(requestId: string): Promise<RequestApprovals> {
  const stages: StoredStage[] = [];
  const votes: StageVote[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        // From STAGE# up to VOTE# and whatever follows it ('$' sorts right after '#').
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': requestPartition(requestId), ':from': 'STAGE#', ':to': 'VOTE$' },
        ConsistentRead: true,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.entity === 'request-stage') stages.push(withoutKeys<StoredStage>(item, STAGE_ORDER));
      else if (item.entity === 'request-vote') votes.push(withoutKeys<StageVote>(item, VOTE_ORDER));
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return { stages, votes };
}

export const stageOf = (approvals: RequestApprovals, index: number): StoredStage | undefined => approvals.stages.find((s) => s.index === index);
export const votesOf = (approvals: RequestApprovals, index: number): StageVote[] =>
  approvals.votes.filter((v) => v.stage === index).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

/** The stage as the API shows it: without its task token. */
export function presentStage(stage: StoredStage): ApprovalStage {
  const { taskToken: _token, ...shown } = stage;
  return withoutKeys<ApprovalStage>(shown, STAGE_ORDER);
}

const stageItem = (stage: StoredStage): Item => ({ ...stageKey(stage.requestId, stage.index), entity: 'request-stage', ...stage });

/** The stage's first ask: refused if it was opened already (a retried step reads it again). */
export const stageCreate = (stage: StoredStage): TransactItem => putNew(stageItem(stage));

/** Replaces the stage if, and only if, nobody else moved it since it was read (two voters at once, a vote and a reminder). */
export const stageReplace = (next: StoredStage, expectedVersion: number): TransactItem => putAtVersion(stageItem(next), expectedVersion);

export const votePut = (vote: StageVote): TransactItem => putNew({ ...voteKey(vote.requestId, vote.stage, vote.userId), entity: 'request-vote', ...vote });

/** An approver the stage waits on, listed under them (gsi4) until they answer or the stage is decided. */
export const askedPut = (request: { id: string; number: string }, stage: number, userId: string, askedAt: string): TransactItem => ({
  Put: {
    TableName: TABLE_NAME,
    Item: {
      ...askedKey(request.id, stage, userId),
      entity: 'request-asked',
      requestId: request.id,
      number: request.number,
      stage,
      userId,
      askedAt,
      ...askedIndexes(userId, askedAt, request.number),
    },
  },
});

export const askedDelete = (requestId: string, stage: number, userId: string): TransactItem => ({
  Delete: { TableName: TABLE_NAME, Key: askedKey(requestId, stage, userId) },
});

/** DynamoDB's limit on the items of one transaction. */
const TRANSACTION_LIMIT = 100;

/**
 * Commits `main` with the asked-approver items in the same transaction when they fit (always, for
 * stages of fewer than ~90 approvers); a larger group's items follow in transactions of their own
 * right after, each an unconditional Put or Delete, so writing them again is harmless.
 */
export async function commitWithAsked(main: readonly TransactionEntry[], asked: readonly TransactItem[]): Promise<void> {
  if (main.length + asked.length <= TRANSACTION_LIMIT) {
    await transactWrite([...main, ...asked]);
    return;
  }
  await transactWrite([...main]);
  for (let i = 0; i < asked.length; i += TRANSACTION_LIMIT) await transactWrite(asked.slice(i, i + TRANSACTION_LIMIT));
}
