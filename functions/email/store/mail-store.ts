import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand, PutCommand, UpdateCommand } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import type { InboundOutcome, TicketKind } from '../domain/inbound.ts';
import { INBOUND_LIST, inboundIndexes, inboundKey, outboundKey, senderWindowKey } from './keys.ts';

/** A ticket an e-mail opened or annotated, or an outgoing message was about. */
export interface TicketReference {
  kind: TicketKind;
  id: string;
  number: string;
}

/** A received message and what became of it (GET /inbound-emails). */
export interface InboundEmail {
  /** SES's message id (the object key's last part in the inbound bucket). */
  id: string;
  receivedAt: string;
  /** The From header's address, and the envelope's return path. */
  from: string;
  returnPath: string;
  recipients: string[];
  subject: string;
  /** `received` while it is being processed; then what became of it. */
  outcome: InboundOutcome | 'received';
  ticket?: TicketReference;
  noteId?: string;
  /** The sender's user id, once known. */
  sender?: string;
  /** Why it was refused (`refused`): the problem's title, never the body. */
  detail?: string;
  processedAt?: string;
}

const INBOUND_ORDER = ['id', 'receivedAt', 'from', 'returnPath', 'recipients', 'subject', 'outcome', 'ticket', 'noteId', 'sender', 'detail', 'processedAt'];

/** Outgoing thread pointers live 400 days: a reply to older mail names its number, or opens a new ticket. */
const OUTBOUND_RETENTION_SECONDS = 400 * 24 * 3600;
/** A sender's hourly window is kept two days, then expires. */
const SENDER_WINDOW_RETENTION_SECONDS = 2 * 24 * 3600;

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

/**
 * Records a received message, once: true if this call recorded it (or finds it recorded but never
 * finished, when an earlier attempt failed midway), false if it was processed already (SES or
 * Lambda delivered it again).
 */
export async function recordInbound(record: InboundEmail): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: { ...inboundKey(record.id), entity: 'inbound-email', ...inboundIndexes(record), ...record },
        ConditionExpression: 'attribute_not_exists(pk) OR outcome = :received',
        ExpressionAttributeValues: { ':received': 'received' },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Writes what became of a message. */
export async function recordOutcome(
  id: string,
  outcome: { outcome: InboundOutcome; ticket?: TicketReference; noteId?: string; sender?: string; detail?: string },
  at: Date,
): Promise<void> {
  const values: Item = { ...outcome, processedAt: at.toISOString() };
  const names = Object.keys(values).filter((name) => values[name] !== undefined);
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: inboundKey(id),
      UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
      ExpressionAttributeValues: Object.fromEntries(names.map((n) => [`:${n}`, values[n]])),
    }),
  );
}

/** Received messages, newest first; one Query (more, bounded, with an outcome filter). */
export async function listInbound(filter: { outcome?: string }, limit: number, cursor: string | undefined): Promise<Page<InboundEmail>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :list',
      ScanIndexForward: false,
      ExpressionAttributeValues: { ':list': INBOUND_LIST, ...(filter.outcome === undefined ? {} : { ':outcome': filter.outcome }) },
      ...(filter.outcome === undefined ? {} : { FilterExpression: 'outcome = :outcome' }),
    },
    limit,
    cursor,
    filterFingerprint({ list: 'inbound-emails', ...filter }),
  );
  return { ...page, items: page.items.map((item) => withoutKeys<InboundEmail>(item, INBOUND_ORDER)) };
}

/**
 * Counts one more message from `address` in its hour and answers the count so far: an atomic
 * ADD, so parallel deliveries each see their own number.
 */
export async function countSenderMessage(address: string, hour: string, at: Date): Promise<number> {
  const result = await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: senderWindowKey(address, hour),
      UpdateExpression: 'ADD #count :one SET entity = :entity, expiresAt = :expires',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':entity': 'email-sender-window', ':expires': epochSeconds(at) + SENDER_WINDOW_RETENTION_SECONDS },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(result.Attributes?.count ?? 1);
}

/** The ticket a message we sent was about; undefined if we never sent it (or it expired). */
export async function findOutbound(messageId: string): Promise<TicketReference | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: outboundKey(messageId) }));
  const ticket = Item?.ticket as TicketReference | undefined;
  return ticket === undefined || typeof ticket.id !== 'string' ? undefined : ticket;
}

/** Remembers which ticket a sent message was about, so that a reply to it finds the ticket. */
export async function recordOutbound(input: { messageId: string; ticket: TicketReference; to: string; eventType: string; at: Date }): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: TABLE_NAME,
      Item: {
        ...outboundKey(input.messageId),
        entity: 'outbound-email',
        messageId: input.messageId,
        ticket: input.ticket,
        to: input.to,
        eventType: input.eventType,
        sentAt: input.at.toISOString(),
        expiresAt: epochSeconds(input.at) + OUTBOUND_RETENTION_SECONDS,
      },
    }),
  );
}
