/**
 * The registry: every area of the product, one line each. functions/routes.ts assembles the
 * functions, routes, consumers, workflows and published event types from it (what the CDK stacks
 * and the local runtime read), and scripts/openapi/ builds the API description from the areas'
 * api.ts. Adding an area is its folder (functions/<area>/area.ts, api.ts, handlers) and one line
 * here: docs/adding-an-area.md.
 *
 * The order is the order of the API description's tags and paths. No area imports this file
 * (a dependency-cruiser rule): it sits above them all.
 */
import changes from './changes/area.ts';
import cmdb from './cmdb/area.ts';
import directory from './directory/area.ts';
import email from './email/area.ts';
import escalation from './escalation/area.ts';
import incidents from './incidents/area.ts';
import ingestion from './ingestion/area.ts';
import knowledge from './knowledge/area.ts';
import knownErrors from './known-errors/area.ts';
import notify from './notify/area.ts';
import platform from './platform/area.ts';
import problems from './problems/area.ts';
import requests from './requests/area.ts';
import search from './search/area.ts';
import sla from './sla/area.ts';

export const AREAS = [
  incidents,
  directory,
  ingestion,
  sla,
  changes,
  requests,
  knowledge,
  problems,
  knownErrors,
  cmdb,
  search,
  escalation,
  notify,
  email,
  platform,
] as const;
