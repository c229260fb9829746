/** Directory entities' keys: one partition per record, one shared index partition per kind for lists. */
export const groupKey = (name: string) => ({ pk: `GROUP#${name}`, sk: 'GROUP' });
export const serviceKey = (name: string) => ({ pk: `SERVICE#${name}`, sk: 'SERVICE' });
export const userKey = (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' });
/** A group's escalation policy (functions/sla) sits in the group's partition and goes with it. */
export const escalationPolicyKey = (group: string) => ({ pk: groupKey(group).pk, sk: 'ESCALATION_POLICY' });
/**
 * A user's e-mail, lowercased: one item per address, naming the user who holds it, so that an
 * address is held by one user at most (its Put is conditioned) and found by one GetItem.
 */
export const userEmailKey = (email: string) => ({ pk: `USEREMAIL#${email.toLowerCase()}`, sk: 'USEREMAIL' });
