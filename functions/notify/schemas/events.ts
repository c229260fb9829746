import * as z from 'zod';
import type { PublishedEventDetail } from '../../shared/api/operation.ts';
import { recipientsSchema } from '../../shared/schemas/events.ts';

/*
 * The catalogue-wide shapes of what the product publishes: the `detail` of every domain event on
 * EventBridge, and the body of the SNS notifications around it. Built from the event details the
 * areas declare (publishedEvents in functions/<area>/api.ts), so this file knows no area: the
 * OpenAPI build (scripts/openapi/event-schemas.ts) passes them in registry order. Documentation
 * only: the publisher sends what each area's domain builds, and unit tests check built records
 * against these schemas.
 */

/** What a notification adds to the event's detail. */
const notificationFields = { text: z.string().describe('One line for people'), recipients: recipientsSchema };

function variants(published: readonly PublishedEventDetail[]): [z.ZodObject, ...z.ZodObject[]] {
  const [first, ...rest] = published.map(({ schema }) => schema);
  if (first === undefined) throw new Error('No area declares a published event detail');
  return [first, ...rest];
}

/** `Incident event detail` -> `Incident notification message`. */
function notificationTitle(detail: z.ZodObject): string {
  const title = detail.meta()?.title;
  if (typeof title !== 'string' || !title.endsWith(' event detail')) {
    throw new Error(`A published event detail needs a title ending in "event detail" (meta), not ${JSON.stringify(title)}`);
  }
  return title.replace(/ event detail$/, ' notification message');
}

/** The detail of every domain event the product publishes, told apart by `type`. */
export const domainEventDetailOf = (published: readonly PublishedEventDetail[]) =>
  z.discriminatedUnion('type', variants(published)).meta({ title: 'Domain event detail', description: 'The detail of the events the product publishes' });

/** The JSON body of an SNS notification: the event's detail with `text` and `recipients`. */
export const notificationMessageOf = (published: readonly PublishedEventDetail[]) => {
  const [first, ...rest] = variants(published).map((detail) => detail.extend(notificationFields).meta({ title: notificationTitle(detail) }));
  return z
    .discriminatedUnion('type', [first as z.ZodObject, ...rest])
    .meta({ title: 'Notification message', description: 'The JSON body of an SNS notification' });
};
