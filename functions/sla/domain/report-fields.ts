/*
 * The SLA report's vocabulary: the dimensions it counts by and the counters it keeps. Plain lists,
 * free of storage and of zod, so that every incident write (which adds to the report in its own
 * transaction) bundles no schema for them; schemas/report.ts re-exports them for the API.
 */

export const REPORT_DIMENSIONS = ['priority', 'assignmentGroup', 'service'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

export const REPORT_COUNTERS = [
  'responseMet',
  'responseBreached',
  'resolutionMet',
  'resolutionBreached',
  'breaches',
  'acknowledged',
  'acknowledgeSeconds',
  'resolved',
  'resolveSeconds',
] as const;
export type ReportCounter = (typeof REPORT_COUNTERS)[number];
