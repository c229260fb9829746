import * as z from 'zod';
import { PRIORITIES } from '../../shared/domain/priority.ts';
import { cursorParam, isoTimestamp, limitParam } from '../../shared/schemas/common.ts';

/* The shapes of a problem's links to incidents (POST/GET /problems/{id}/incidents, DELETE /problems/{id}/incidents/{incident}). */

/** An incident, by id or number (INC...). */
const incidentIdOrNumber = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z]+$/, 'An incident id or number (INC0001001)');

export const linkIncidentBody = z
  .strictObject({
    incident: incidentIdOrNumber.describe('The incident to link, by id or number; it must exist and be linked to no other problem'),
  })
  .meta({ id: 'LinkProblemIncident' });

export const listLinkedIncidentsQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam.optional(),
});

/** A linked incident as the problem lists it: the incident's routing fields as they are now, and when and by whom it was linked. */
export const linkedIncidentSchema = z
  .object({
    id: z.string().describe("The incident's id"),
    number: z.string().describe('e.g. INC0001001'),
    title: z.string().optional().describe('Absent only if the incident could not be read'),
    status: z.string().optional().describe('The incident status now'),
    priority: z.enum(PRIORITIES).optional(),
    service: z.string().optional(),
    assignmentGroup: z.string().optional(),
    assignee: z.string().optional(),
    linkedAt: isoTimestamp,
    linkedBy: z.string().describe('Who linked it: the user id of the agent who linked it, or who accepted the candidate the problem was opened from'),
  })
  .meta({ id: 'ProblemLinkedIncident' });
export type LinkedIncident = z.output<typeof linkedIncidentSchema>;

/** The answer to a link: the link, and the problem's new version (also the ETag). */
export const problemIncidentLinkSchema = z
  .object({
    problem: z.object({
      id: z.string(),
      number: z.string(),
      version: z.number().int().describe('Also sent as the ETag'),
      linkedIncidentCount: z.number().int(),
    }),
    incident: linkedIncidentSchema,
  })
  .meta({ id: 'ProblemIncidentLink' });
