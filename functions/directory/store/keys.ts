/** Directory entities' keys: one partition per record, one shared index partition per kind for lists. */
export const groupKey = (name: string) => ({ pk: `GROUP#${name}`, sk: 'GROUP' });
export const serviceKey = (name: string) => ({ pk: `SERVICE#${name}`, sk: 'SERVICE' });
export const userKey = (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' });
/** A group's escalation policy (functions/sla) sits in the group's partition and goes with it. */
export const escalationPolicyKey = (group: string) => ({ pk: groupKey(group).pk, sk: 'ESCALATION_POLICY' });
