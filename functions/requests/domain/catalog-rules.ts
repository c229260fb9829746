import type { CatalogApproval, CatalogFulfilment, CatalogItem } from './catalog.ts';
import { type FormIssue, validateForm } from './form.ts';

/*
 * The catalog's rules that need no storage: what an item may hold, who may order it, and the word
 * search of GET /catalog-items?q=. The directory checks (groups exist) and the SLA policy's are the
 * handler's; they are listed here (groupsNamed) so that none is forgotten.
 */

export const MAX_APPROVAL_STAGES = 10;
export const MAX_FULFILMENT_TASKS = 20;
export const MAX_ORDERABLE_GROUPS = 20;
export const MAX_GROUP_QUORUM = 50;

/** What an admin writes: the item's fields, defaults applied (the item less its id and the fields the store keeps). */
export type CatalogItemFields = Omit<CatalogItem, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'createdBy' | 'updatedBy'>;

/** The body's fields with their defaults: everyone may order, no approval, active. */
export function catalogItemFields(body: {
  name: string;
  category: string;
  description: string;
  form: Record<string, unknown>;
  orderableBy?: { groups: string[] } | undefined;
  approval?: CatalogApproval | undefined;
  fulfilment: CatalogFulfilment;
  slaPolicy?: string | undefined;
  active?: boolean | undefined;
}): CatalogItemFields {
  return {
    name: body.name,
    category: body.category,
    description: body.description,
    form: body.form,
    orderableBy: { groups: [...new Set(body.orderableBy?.groups ?? [])] },
    approval: { stages: body.approval?.stages ?? [] },
    fulfilment: body.fulfilment,
    ...(body.slaPolicy === undefined ? {} : { slaPolicy: body.slaPolicy }),
    active: body.active ?? true,
  };
}

/** Why the fields cannot make an item, each at its path in the body ([] when they can). */
export function catalogItemIssues(fields: CatalogItemFields): FormIssue[] {
  const issues: FormIssue[] = validateForm(fields.form).map((issue) => ({ path: ['form', ...issue.path], message: issue.message }));
  const stages = fields.approval.stages;
  const managerStages = stages.flatMap((stage, i) => (stage.kind === 'manager' ? [i] : []));
  for (const i of managerStages.slice(1)) {
    issues.push({ path: ['approval', 'stages', i], message: "The requester's manager is asked once: another stage already asks them" });
  }
  const groupStages = new Map<string, number>();
  for (const [i, stage] of stages.entries()) {
    if (stage.kind !== 'group') continue;
    if (groupStages.has(stage.group))
      issues.push({ path: ['approval', 'stages', i, 'group'], message: `Stage ${(groupStages.get(stage.group) ?? 0) + 1} already asks group ${stage.group}` });
    else groupStages.set(stage.group, i);
  }
  const names = new Set<string>();
  for (const [i, task] of fields.fulfilment.tasks.entries()) {
    if (names.has(task.name)) issues.push({ path: ['fulfilment', 'tasks', i, 'name'], message: `Another task is named ${task.name}` });
    names.add(task.name);
  }
  return issues;
}

/** Every directory group the item names, with where: each must exist when it is written. */
export function groupsNamed(fields: CatalogItemFields): { group: string; path: (string | number)[] }[] {
  return [
    ...fields.orderableBy.groups.map((group, i) => ({ group, path: ['orderableBy', 'groups', i] })),
    ...fields.approval.stages.flatMap((stage, i) => (stage.kind === 'group' ? [{ group: stage.group, path: ['approval', 'stages', i, 'group'] }] : [])),
    ...fields.fulfilment.tasks.map((task, i) => ({ group: task.assignmentGroup, path: ['fulfilment', 'tasks', i, 'assignmentGroup'] })),
  ];
}

/**
 * Whether a person may order the item: it is active, and it names no groups (everyone) or they are
 * a member of one of them. `memberOf` holds (at least) the directory groups of orderableBy they are in.
 */
export function mayOrder(item: Pick<CatalogItem, 'active' | 'orderableBy'>, memberOf: ReadonlySet<string>): boolean {
  return item.active && (item.orderableBy.groups.length === 0 || item.orderableBy.groups.some((group) => memberOf.has(group)));
}

/** Lower-case words of a text: letters and digits of any script. */
export const wordsOf = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * The search of GET /catalog-items?q=: every word of `q` starts a word of the item's name or
 * description, case-insensitively (`lap` finds "New laptop"; `new laptop` needs both).
 */
export function matchesWords(item: Pick<CatalogItem, 'name' | 'description'>, q: string): boolean {
  const words = wordsOf(`${item.name} ${item.description}`);
  return wordsOf(q).every((wanted) => words.some((word) => word.startsWith(wanted)));
}
