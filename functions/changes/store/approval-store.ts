import { groupKey, serviceKey } from '../../directory/store/keys.ts';
import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { db, type Item, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand, QueryCommand } from '../../shared/store/dynamodb.ts';
import { type ApprovalRound, type Vote, withdrawRound } from '../domain/approval.ts';
import { changeKey } from './change-store.ts';

/*
 * Approval items, in the change's partition (see docs/data-model.md):
 *   round  pk CHANGE#<id>  sk APPROVAL#<round, 3 digits>               one per submission; holds the
 *                                                                     task token the workflow waits on
 *   vote   pk CHANGE#<id>  sk APPROVAL#<round>#VOTE#<userId>           one per person and round: the
 *                                                                     key itself makes a second vote fail
 * `begins_with(sk, 'APPROVAL#')` reads every round and vote of a change in one Query, in order.
 */

const roundSk = (round: number) => `APPROVAL#${String(round).padStart(3, '0')}`;
export const roundKey = (changeId: string, round: number) => ({ pk: changeKey(changeId).pk, sk: roundSk(round) });
export const voteKey = (changeId: string, round: number, userId: string) => ({ pk: changeKey(changeId).pk, sk: `${roundSk(round)}#VOTE#${userId}` });

const ROUND_ORDER = [
  'round',
  'board',
  'groups',
  'quorum',
  'status',
  'asked',
  'approvals',
  'rejections',
  'attempt',
  'remindersSent',
  'escalated',
  'requestedAt',
  'decidedAt',
  'executionArn',
  'changeId',
  'version',
];
const VOTE_ORDER = ['userId', 'decision', 'comment', 'at', 'round', 'changeId'];

/** A stored round: the task token the workflow waits on travels with it but is never shown. */
export interface StoredRound extends ApprovalRound {
  taskToken?: string;
}

export interface ChangeApprovals {
  rounds: StoredRound[];
  votes: Vote[];
}

export async function readApprovals(changeId: string): Promise<ChangeApprovals> {
  const rounds: StoredRound[] = [];
  const votes: Vote[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': changeKey(changeId).pk, ':prefix': 'APPROVAL#' },
        ConsistentRead: true,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.entity === 'change-approval') rounds.push(withoutKeys<StoredRound>(item, ROUND_ORDER));
      else if (item.entity === 'change-vote') votes.push(withoutKeys<Vote>(item, VOTE_ORDER));
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return { rounds, votes };
}

export const currentRound = (approvals: ChangeApprovals, round: number): StoredRound | undefined => approvals.rounds.find((r) => r.round === round);

/** The round as the API shows it: without its task token. */
export function presentRound(round: StoredRound): ApprovalRound {
  const { taskToken: _token, ...shown } = round;
  return withoutKeys<ApprovalRound>(shown, ROUND_ORDER);
}

const roundItem = (round: StoredRound): Item => ({ ...roundKey(round.changeId, round.round), entity: 'change-approval', ...round });

export const roundCreate = (round: StoredRound): TransactItem => putNew(roundItem(round));

/** Replaces the round if, and only if, nobody else moved it since it was read (two voters at once). */
export const roundReplace = (next: StoredRound, expectedVersion: number): TransactItem => putAtVersion(roundItem(next), expectedVersion);

/**
 * The write that ends the current round of a change leaving the approval path (edited back to draft,
 * canceled) as `withdrawn`, when `ends` says it should; none when there is no such round.
 */
export async function roundWithdrawal(
  change: { id: string; submissions: number },
  now: Date,
  ends: (round: ApprovalRound) => boolean,
): Promise<TransactItem[]> {
  const round = currentRound(await readApprovals(change.id), change.submissions);
  const withdrawn = round === undefined || !ends(round) ? undefined : withdrawRound(round, now);
  return round === undefined || withdrawn === undefined ? [] : [roundReplace(withdrawn, round.version)];
}

export const votePut = (vote: Vote): TransactItem => putNew({ ...voteKey(vote.changeId, vote.round, vote.userId), entity: 'change-vote', ...vote });

export interface DirectoryView {
  /** Members of each group read; a group that does not exist has no entry. */
  members: Map<string, string[]>;
  /** The owner group of each service read. */
  owners: Map<string, string>;
  criticality: Map<string, string>;
}

/** Groups and services in one BatchGetItem per 100 (plus retries of unprocessed keys). */
export async function readDirectory(groups: readonly string[], services: readonly string[] = []): Promise<DirectoryView> {
  const view: DirectoryView = { members: new Map(), owners: new Map(), criticality: new Map() };
  const keys = [...[...new Set(groups)].map(groupKey), ...[...new Set(services)].map(serviceKey)];
  for (const item of await batchGetExisting(keys)) {
    // Named by the key: the key is what was asked for.
    const name = String(item.pk).slice(String(item.pk).indexOf('#') + 1);
    if (item.sk === 'GROUP') view.members.set(name, (item.members as string[] | undefined) ?? []);
    if (item.sk === 'SERVICE') {
      if (typeof item.ownerGroup === 'string') view.owners.set(name, item.ownerGroup);
      if (typeof item.criticality === 'string') view.criticality.set(name, item.criticality);
    }
  }
  return view;
}

/*
 * The held start, in the change's partition: pk CHANGE#<id>, sk START_HOLD. One item, replaced at
 * each wait, holding the task token of the AwaitStartOverride state (never shown). Kept off the
 * change item so that each re-check of a held change does not move the change's ETag.
 */
export const startHoldKey = (changeId: string) => ({ pk: changeKey(changeId).pk, sk: 'START_HOLD' });

export interface StartHold {
  changeId: string;
  round: number;
  taskToken: string;
  since: string;
}

export const startHoldPut = (hold: StartHold): TransactItem => ({
  Put: { TableName: TABLE_NAME, Item: { ...startHoldKey(hold.changeId), entity: 'change-start-hold', ...hold } },
});

export async function readStartHold(changeId: string): Promise<StartHold | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: startHoldKey(changeId), ConsistentRead: true }));
  return Item === undefined ? undefined : withoutKeys<StartHold>(Item, ['changeId', 'round', 'taskToken', 'since']);
}
