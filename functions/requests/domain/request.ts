import type { CatalogApprovalStage, RequestPlan } from './catalog.ts';
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
