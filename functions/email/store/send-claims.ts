import { db, TABLE_NAME } from '../../shared/store/db.ts';
import { DeleteCommand, PutCommand } from '../../shared/store/dynamodb.ts';
import { sendClaimKey } from './keys.ts';

/** Claims outlive any redelivery of the event (the queue keeps messages 4 days at most). */
const CLAIM_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * Claims the mail of one event to one recipient: true if this call may send it, false if it was
 * sent (or is being sent) already. Released when the send fails, so a redelivery tries again.
 */
export async function claimSend(eventId: string, recipient: string, at: Date): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: {
          ...sendClaimKey(eventId, recipient),
          entity: 'email-send-claim',
          claimedAt: at.toISOString(),
          expiresAt: Math.floor(at.getTime() / 1000) + CLAIM_RETENTION_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

export async function releaseSend(eventId: string, recipient: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE_NAME, Key: sendClaimKey(eventId, recipient) }));
}
