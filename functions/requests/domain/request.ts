import type { FieldDiff } from '../../shared/domain/audit.ts';
import type { CatalogApprovalStage, CatalogItem, FormField, RequestPlan } from './catalog.ts';
import type { TaskStatus } from './task.ts';

/*
 * A service request: an order of one catalog item version, with the requester's answers, its
 * approval stages and the fulfilment tasks that were created for it.
 */

export const REQUEST_STATUSES = [
  'submitted',
  'awaiting_approval',
  'approved',
  'in_fulfilment',
  'fulfilled',
  'closed_incomplete',
  'closed',
  'rejected',
  'canceled',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** `waiting`: a later stage, not asked yet. `withdrawn`: the request was canceled while it was pending. */
export const STAGE_STATUSES = ['waiting', 'pending', 'approved', 'rejected', 'expired', 'withdrawn'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export interface RequestStageSummary {
  index: number;
  kind: CatalogApprovalStage['kind'];
  /** The group of a group stage. */
  group?: string;
  /** Who was asked, once the stage is asked (the manager of a manager stage; a group's members, without the requester). */
  approvers?: string[];
  quorum: number;
  status: StageStatus;
  approvals: number;
  rejections: number;
  askedAt?: string;
  decidedAt?: string;
}

export interface RequestTaskSummary {
  id: string;
  number: string;
  name: string;
  status: TaskStatus;
  assignmentGroup: string;
}

export interface ServiceRequest {
  id: string;
  /** `REQ` + 7 digits. */
  number: string;
  item: { id: string; version: number; name: string; category: string };
  plan: RequestPlan;
  answers: Record<string, unknown>;
  requester: string;
  /** The requester's manager at submission, when a stage asks the manager. */
  manager?: string;
  source: 'api' | 'email';
  status: RequestStatus;
  stages: RequestStageSummary[];
  /** The index of the stage being decided. */
  currentStage?: number;
  tasks: RequestTaskSummary[];
  workflow?: { executionArn: string };
  rejection?: { reason: 'rejected' | 'expired'; by?: string; stage: number };
  cancellation?: { by: string; reason?: string };
  createdAt: string;
  updatedAt: string;
  approvedAt?: string;
  fulfilledAt?: string;
  closedAt?: string;
  version: number;
}

export const REQUEST_NUMBER_PATTERN = /^REQ\d{7}$/;
export const requestNumber = (sequence: number): string => `REQ${String(sequence).padStart(7, '0')}`;

/** Who acts on a request, as its rules need them (shared/http/principal.ts Principal fits). */
export interface RequestActor {
  userId: string;
  isAgent: boolean;
}

/** The request's stages as ordered, none asked yet: a manager stage names the requester's manager. */
export function plannedStages(stages: readonly CatalogApprovalStage[], manager: string | undefined): RequestStageSummary[] {
  return stages.map((stage, index) =>
    stage.kind === 'manager'
      ? { index, kind: 'manager', ...(manager === undefined ? {} : { approvers: [manager] }), quorum: 1, status: 'waiting', approvals: 0, rejections: 0 }
      : { index, kind: 'group', group: stage.group, quorum: stage.quorum, status: 'waiting', approvals: 0, rejections: 0 },
  );
}

/** Whether any stage of the plan asks the requester's manager (then the request needs one). */
export const needsManager = (plan: RequestPlan): boolean => plan.approval.stages.some((stage) => stage.kind === 'manager');

/**
 * A new request, `submitted`, ordered from the item version `item` (its plan copied: editing the
 * item later never changes it). The answers are the ones the form accepted.
 */
export function openRequest(input: {
  id: string;
  sequence: number;
  item: CatalogItem;
  /** The item form's fields, in its order (form.ts formFields). */
  formFields: readonly FormField[];
  answers: Record<string, unknown>;
  requester: string;
  manager?: string;
  source: ServiceRequest['source'];
  executionArn?: string;
  now: Date;
}): ServiceRequest {
  const { item } = input;
  const plan: RequestPlan = {
    approval: { stages: item.approval.stages.map((stage) => ({ ...stage })) },
    fulfilment: { mode: item.fulfilment.mode, tasks: item.fulfilment.tasks.map((task) => ({ ...task })) },
    ...(item.slaPolicy === undefined ? {} : { slaPolicy: item.slaPolicy }),
    formFields: input.formFields.map((field) => ({ ...field })),
    formTitles: Object.fromEntries(input.formFields.map((field) => [field.name, field.title])),
  };
  const manager = needsManager(plan) ? input.manager : undefined;
  const at = input.now.toISOString();
  return {
    id: input.id,
    number: requestNumber(input.sequence),
    item: { id: item.id, version: item.version, name: item.name, category: item.category },
    plan,
    answers: input.answers,
    requester: input.requester,
    ...(manager === undefined ? {} : { manager }),
    source: input.source,
    status: 'submitted',
    stages: plannedStages(plan.approval.stages, manager),
    tasks: [],
    ...(input.executionArn === undefined ? {} : { workflow: { executionArn: input.executionArn } }),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** The history of a new request: what it was created with (answers named, their values are in the request). */
export function requestCreationChanges(request: ServiceRequest): FieldDiff[] {
  return [
    { field: 'status', from: null, to: request.status },
    { field: 'item', from: null, to: request.item },
    { field: 'requester', from: null, to: request.requester },
    ...(request.manager === undefined ? [] : [{ field: 'manager', from: null, to: request.manager }]),
    { field: 'source', from: null, to: request.source },
    { field: 'answers', from: null, to: request.answers },
  ];
}
