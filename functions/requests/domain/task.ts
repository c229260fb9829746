import type { IncidentSla } from '../../sla/domain/types.ts';

/*
 * A fulfilment task: one piece of work that fulfils a request, queued for an assignment group.
 * `pending`: a task of a sequential plan whose turn has not come. `open`: waiting to be taken.
 * Taking a task (an assignee, or work_in_progress) stops its response clock; closing it stops its
 * resolution clock. When every task of a request is closed, the request is fulfilled, or
 * closed_incomplete if any was closed incomplete.
 */

export const TASK_STATUSES = ['pending', 'open', 'work_in_progress', 'closed_complete', 'closed_incomplete'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const CLOSED_TASK_STATUSES: readonly TaskStatus[] = ['closed_complete', 'closed_incomplete'];

export interface FulfilmentTask {
  id: string;
  /** `TASK` + 7 digits. */
  number: string;
  requestId: string;
  requestNumber: string;
  /** Its place in the request's plan (0-based). */
  order: number;
  name: string;
  description: string;
  assignmentGroup: string;
  assignee?: string;
  status: TaskStatus;
  /** Response and resolution clocks, as an incident's (functions/sla/domain). */
  sla?: IncidentSla;
  closeNotes?: string;
  createdAt: string;
  updatedAt: string;
  openedAt?: string;
  closedAt?: string;
  version: number;
}

export const TASK_NUMBER_PATTERN = /^TASK\d{7}$/;
export const taskNumber = (sequence: number): string => `TASK${String(sequence).padStart(7, '0')}`;
